// Clinical rules on synthetic 12-lead ECGs with a known heart vector, rate, intervals and voltages,
// on bad input (flat, missing leads, short, long), and on the real PTB-XL sample.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <random>

#include "ecg/dsp.h"
#include "ecg/io.h"
#include "ecg/rules.h"
#include "test_util.h"

namespace {

using ecg::rules::Decision;

struct Synth {
  double fs = 500;
  double seconds = 10;
  double hr_bpm = 75;
  double axis_deg = 45;
  double limb_mv = 1.5;        // QRS vector amplitude in the frontal plane
  double precordial_mv = 2.0;  // QRS amplitude in V1-V6
  double pr_ms = 160;          // P peak -> R peak
  bool p_waves = true;
  int p_every = 1;             // a P wave before every p_every-th beat only (2: half the beats, rhythm undetermined)
  bool pacing = false;
  double t_delay_s = 0;   // R peak -> T peak; 0: min(0.30 s, 0.4 RR)
  double t_jitter_s = 0;  // odd beats' T later, even beats' earlier by this much
  double qrs_scale = 1;   // widens the QRS (its Gaussians' widths and the S wave's delay)
  std::vector<std::string> leads = {"I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"};
};

double gauss(double t, double centre, double sd) { return std::exp(-0.5 * std::pow((t - centre) / sd, 2)); }

// Frontal-plane dipole: lead I sees cos(theta), aVF sees sin(theta) * sqrt(3)/2 (hexaxial system).
ecg::Record synth(const Synth& s) {
  ecg::Record r;
  r.name = "synthetic";
  r.fs_hz = s.fs;
  r.n_samples = static_cast<std::size_t>(s.seconds * s.fs);
  r.leads = s.leads;
  const double th = s.axis_deg * std::numbers::pi / 180.0;
  const double rr = 60.0 / s.hr_bpm;
  for (const auto& name : s.leads) {
    double proj = 0;
    if (name == "I") proj = std::cos(th);
    else if (name == "II") proj = std::cos(th - std::numbers::pi / 3);
    else if (name == "III") proj = std::cos(th - 2 * std::numbers::pi / 3);
    else if (name == "aVR") proj = -(std::cos(th) + std::cos(th - std::numbers::pi / 3)) / 2;
    else if (name == "aVL") proj = std::cos(th) - std::cos(th - std::numbers::pi / 3) / 2;
    else if (name == "aVF") proj = std::cos(th - std::numbers::pi / 3) - std::cos(th) / 2;
    const bool precordial = name[0] == 'V';
    for (std::size_t i = 0; i < r.n_samples; ++i) {
      const double t = static_cast<double>(i) / s.fs;
      double v = 0;
      // Only beats within 2 s of t contribute (every wave's Gaussian is < 1e-30 beyond): an
      // hour-long record stays O(samples) instead of O(samples x beats).
      const double first = std::max(0.0, std::floor((t - 0.6 - 2.0) / rr));
      for (double k = first, beat = 0.6 + first * rr; beat < s.seconds + 1 && beat < t + 2.0; k += 1, beat = 0.6 + k * rr) {
        const double q = s.qrs_scale;
        const double qrs = gauss(t, beat, 0.012 * q) - 0.25 * gauss(t, beat + 0.03 * q, 0.008 * q);  // R then a small S
        v += (precordial ? s.precordial_mv : s.limb_mv * proj) * qrs;
        if (s.p_waves && static_cast<long>(k) % s.p_every == 0) v += 0.15 * gauss(t, beat - s.pr_ms / 1000.0, 0.02);
        const double jitter = (static_cast<long>(k) % 2 ? 1.0 : -1.0) * s.t_jitter_s;
        v += 0.3 * gauss(t, beat + (s.t_delay_s > 0 ? s.t_delay_s : std::min(0.30, 0.4 * rr)) + jitter, 0.045);  // T wave, earlier at fast rates
      }
      r.samples_mv.push_back(static_cast<float>(v));
    }
  }
  if (s.pacing) {
    for (std::size_t lead = 0; lead < r.n_leads(); ++lead) {
      for (double beat = 0.6; beat < s.seconds; beat += rr) r.lead(lead)[static_cast<std::size_t>((beat - 0.02) * s.fs)] += 3.0f;
    }
  }
  return r;
}

const ecg::rules::RuleResult& rule(const ecg::rules::Report& rep, const char* id) {
  const auto* r = rep.find(id);
  REQUIRE(r != nullptr);
  return *r;
}

double evidence(const ecg::rules::RuleResult& r, const std::string& name) {
  for (const auto& e : r.evidence) if (e.name == name) return e.value;
  FAIL("no evidence " << name << " in " << r.id);
  return 0;
}

}  // namespace

TEST_CASE("rules: frontal axis from net QRS area follows the heart vector (LAD, RAD, normal)", "[rules][axis]") {
  for (double axis : {-60.0, -10.0, 45.0, 75.0, 130.0}) {
    CAPTURE(axis);
    Synth s;
    s.axis_deg = axis;
    auto rep = ecg::rules::evaluate(synth(s), ecg::Sex::unknown);
    const auto& lad = rule(rep, "LAD");
    CHECK(evidence(lad, "qrs_axis_deg") == Approx(axis).margin(5.0));
    CHECK(lad.decision == (axis < -30 ? Decision::positive : Decision::negative));
    CHECK(rule(rep, "RAD").decision == (axis > 90 ? Decision::positive : Decision::negative));
  }
  // Without aVF the axis comes from I and II (aVF = II - I/2).
  Synth s;
  s.axis_deg = -60;
  s.leads = {"I", "II"};
  auto rep = ecg::rules::evaluate(synth(s), ecg::Sex::unknown);
  CHECK(evidence(rule(rep, "LAD"), "qrs_axis_deg") == Approx(-60).margin(5.0));
  CHECK(rule(rep, "LAD").decision == Decision::positive);
}

TEST_CASE("rules: rate, sinus distinction, PR and QT on a synthetic sinus rhythm", "[rules][rate]") {
  Synth s;
  s.hr_bpm = 50;
  auto rep = ecg::rules::evaluate(synth(s), ecg::Sex::male);
  CHECK(evidence(rule(rep, "Brady"), "heart_rate_bpm") == Approx(50).margin(0.5));
  CHECK(rule(rep, "Brady").decision == Decision::negative);  // a sinus rhythm: SB, never both
  CHECK(rule(rep, "SB").decision == Decision::positive);
  CHECK(rule(rep, "STach").decision == Decision::negative);
  CHECK(rule(rep, "IAVB").decision == Decision::negative);
  CHECK(rule(rep, "IrregularRR").decision == Decision::negative);
  // Without P waves a slow rhythm is bradycardia but not sinus bradycardia.
  s.p_waves = false;
  rep = ecg::rules::evaluate(synth(s), ecg::Sex::male);
  CHECK(rule(rep, "Brady").decision == Decision::positive);
  CHECK(rule(rep, "SB").decision == Decision::negative);
  CHECK(rule(rep, "IAVB").decision == Decision::not_assessable);
  // Fast sinus rhythm; long PR.
  Synth fast;
  fast.hr_bpm = 120;
  fast.pr_ms = 140;
  CHECK(rule(ecg::rules::evaluate(synth(fast), ecg::Sex::female), "STach").decision == Decision::positive);
  Synth block;
  block.pr_ms = 300;
  auto b = ecg::rules::evaluate(synth(block), ecg::Sex::unknown);
  CHECK(rule(b, "IAVB").decision == Decision::positive);
  CHECK(evidence(rule(b, "IAVB"), "pr_ms") > 200);
}

TEST_CASE("rules: low QRS voltage needs all six leads of a group; missing leads make it not assessable", "[rules][voltage]") {
  Synth low;
  low.limb_mv = 0.4;
  low.precordial_mv = 0.8;
  auto rep = ecg::rules::evaluate(synth(low), ecg::Sex::unknown);
  CHECK(rule(rep, "LQRSV").decision == Decision::positive);
  Synth normal;
  CHECK(rule(ecg::rules::evaluate(synth(normal), ecg::Sex::unknown), "LQRSV").decision == Decision::negative);
  Synth limb_only;  // six limb leads, normal voltage: the precordial criterion cannot be ruled out
  limb_only.leads = {"I", "II", "III", "aVR", "aVL", "aVF"};
  auto lo = ecg::rules::evaluate(synth(limb_only), ecg::Sex::unknown);
  CHECK(rule(lo, "LQRSV").decision == Decision::not_assessable);
  CHECK_THAT(rule(lo, "LQRSV").note, Catch::Matchers::Contains("precordial"));
}

TEST_CASE("rules: pacing spikes before every QRS at 500 Hz; not assessable below 500 Hz", "[rules][pacing]") {
  Synth paced;
  paced.pacing = true;
  CHECK(rule(ecg::rules::evaluate(synth(paced), ecg::Sex::unknown), "PR").decision == Decision::positive);
  Synth plain;
  CHECK(rule(ecg::rules::evaluate(synth(plain), ecg::Sex::unknown), "PR").decision == Decision::negative);
  paced.fs = 250;
  CHECK(rule(ecg::rules::evaluate(synth(paced), ecg::Sex::unknown), "PR").decision == Decision::not_assessable);
}

TEST_CASE("rules: bad input gives quality flags and not-assessable rules, never a crash", "[rules][quality]") {
  Synth s;
  ecg::Record flat = synth(s);
  std::fill(flat.samples_mv.begin(), flat.samples_mv.end(), 0.0f);
  auto rep = ecg::rules::evaluate(flat, ecg::Sex::unknown);
  CHECK(rep.n_beats == 0);
  CHECK(rep.leads_used.empty());
  for (const auto& r : rep.rules) CHECK(r.decision == Decision::not_assessable);
  // One clipped lead and one flat lead: they are flagged and left out; the others still vote.
  ecg::Record partly = synth(s);
  for (float& v : partly.lead(0)) v = std::clamp(v, -0.2f, 0.2f);
  std::fill(partly.lead(7).begin(), partly.lead(7).end(), 0.0f);
  auto p = ecg::rules::evaluate(partly, ecg::Sex::unknown);
  CHECK(std::count(p.quality.begin(), p.quality.end(), "lead I saturated or clipped") == 1);
  CHECK(std::count(p.quality.begin(), p.quality.end(), "lead V2 flat") == 1);
  CHECK(rule(p, "LAD").decision == Decision::not_assessable);  // lead I unusable
  CHECK(rule(p, "Brady").decision == Decision::negative);
  // 1.5 s: too short for rhythm rules, flagged, no crash.
  s.seconds = 1.5;
  auto shorty = ecg::rules::evaluate(synth(s), ecg::Sex::unknown);
  CHECK(std::count(shorty.quality.begin(), shorty.quality.end(), "record shorter than 2 s: rhythm rules rest on too few beats") == 1);
  CHECK(rule(shorty, "IrregularRR").decision == Decision::not_assessable);
}

TEST_CASE("R-peaks stream through an hour-long lead in windows", "[dsp][rpeaks][long]") {
  Synth s;
  s.fs = 128;
  s.seconds = 3600;
  s.leads = {"II"};
  s.hr_bpm = 72;
  ecg::Record r = synth(s);
  auto peaks = ecg::dsp::detect_rpeaks(r.lead(0), r.fs_hz);
  // Beats at 0.6 + k * 60/72 s below 3600 s.
  CHECK(peaks.size() == static_cast<std::size_t>(std::floor((3600 - 0.6) / (60.0 / 72))) + 1);
  CHECK(ecg::dsp::heart_rate_bpm(peaks, r.fs_hz).value() == Approx(72).margin(0.6));
}

TEST_CASE("rules measure a long record in 60-s chunks with the same result as a short one", "[rules][long]") {
  // 150 s = three chunks; the beats repeat every 0.8 s, so every chunk measures the same axis, and
  // pacing spikes before every QRS are found in every chunk.
  Synth s;
  s.seconds = 150;
  s.hr_bpm = 75;
  s.axis_deg = -50;
  s.pacing = true;
  s.leads = {"I", "II", "aVF"};
  const auto long_rep = ecg::rules::evaluate(synth(s), ecg::Sex::unknown);
  s.seconds = 20;
  const auto short_rep = ecg::rules::evaluate(synth(s), ecg::Sex::unknown);
  CHECK(rule(long_rep, "LAD").decision == Decision::positive);
  CHECK(evidence(rule(long_rep, "LAD"), "qrs_axis_deg") == Approx(evidence(rule(short_rep, "LAD"), "qrs_axis_deg")).margin(0.5));
  CHECK(rule(long_rep, "PR").decision == Decision::positive);
  CHECK(evidence(rule(long_rep, "PR"), "max_paced_beat_share") >= 0.95);
}

TEST_CASE("rules on the PTB-XL sample: normal sinus ECG, axis 'MID' in ptbxl_database.csv", "[rules][fixture]") {
  ecg::Record record = ecg::test::read_record_fixture({"wfdb/00003_hr.hea", "wfdb/00003_hr.dat"});
  auto rep = ecg::rules::evaluate(record, ecg::Sex::female);
  // ptbxl_database.csv, ecg_id 3: scp_codes NORM, SR; heart_axis empty (not stated), report
  // "sinusrhythmus normales ekg": no rule should fire, and the rhythm must read as sinus.
  for (const auto& r : rep.rules) {
    CAPTURE(r.id);
    CHECK(r.decision == Decision::negative);
  }
  CHECK(rule(rep, "SB").note == "rhythm sinus");
  const double axis = evidence(rule(rep, "LAD"), "qrs_axis_deg");
  CHECK(axis > -30);
  CHECK(axis < 90);
  CHECK(evidence(rule(rep, "Brady"), "heart_rate_bpm") == Approx(64.1).margin(1.0));
}

namespace {

// Sweeps a parameter across a threshold: each decision must equal `expected(measured)` where
// `measured` is the rule's own evidence, and the sweep must measure values on both sides of the
// threshold within `near` (so a moved threshold or a flipped comparison fails).
template <typename Make>
void sweep_boundary(const char* id, const char* ev, double threshold, double near, bool positive_above, const std::vector<double>& params,
                    Make make, ecg::Sex sex = ecg::Sex::unknown) {
  std::size_t below = 0, above = 0;
  for (double x : params) {
    const auto rep = ecg::rules::evaluate(synth(make(x)), sex);
    const auto& r = rule(rep, id);
    CAPTURE(id, x, r.note);
    REQUIRE(r.decision != Decision::not_assessable);
    const double m = evidence(r, ev);
    CAPTURE(m);
    CHECK(r.decision == ((positive_above ? m > threshold : m < threshold) ? Decision::positive : Decision::negative));
    if (m <= threshold && m > threshold - near) ++below;
    if (m > threshold && m < threshold + near) ++above;
  }
  CAPTURE(id);
  CHECK(below >= 1);
  CHECK(above >= 1);
}

}  // namespace

TEST_CASE("rules: rate thresholds just below and above, sinus or not: SB < 55 (sinus), Brady < 60 (not sinus), STach > 100", "[rules][rate][boundary]") {
  struct Row {
    double hr;
    bool p_waves;
    Decision brady, sb, stach;
  };
  constexpr auto P = Decision::positive, N = Decision::negative;
  const Row table[] = {
      {54.5, true, N, P, N},   {55.5, true, N, N, N},   {59.5, true, N, N, N},    {60.5, true, N, N, N},
      {99.5, true, N, N, N},   {100.5, true, N, N, P},  {54.5, false, P, N, N},   {59.5, false, P, N, N},
      {60.5, false, N, N, N},  {100.5, false, N, N, N},
  };
  for (const Row& r : table) {
    CAPTURE(r.hr, r.p_waves);
    Synth s;
    s.hr_bpm = r.hr;
    s.p_waves = r.p_waves;
    s.pr_ms = 140;
    const auto rep = ecg::rules::evaluate(synth(s), ecg::Sex::unknown);
    CHECK(evidence(rule(rep, "SB"), "heart_rate_bpm") == Approx(r.hr).margin(0.3));
    CHECK(rule(rep, "SB").note == (r.p_waves ? "rhythm sinus" : "rhythm non-sinus"));
    CHECK(rule(rep, "Brady").decision == r.brady);
    CHECK(rule(rep, "SB").decision == r.sb);
    CHECK(rule(rep, "STach").decision == r.stach);
    CHECK_FALSE((rule(rep, "Brady").decision == P && rule(rep, "SB").decision == P));
  }
}

TEST_CASE("rules: a slow rhythm that reads as undetermined (P waves before half the beats) is Brady, never SB", "[rules][rate][boundary]") {
  for (const double hr : {50.0, 54.5, 57.0}) {
    CAPTURE(hr);
    Synth s;
    s.hr_bpm = hr;
    s.pr_ms = 140;
    s.p_every = 2;
    const auto rep = ecg::rules::evaluate(synth(s), ecg::Sex::unknown);
    const double share = evidence(rule(rep, "SB"), "p_wave_share");
    CAPTURE(share);
    REQUIRE(share >= 0.3);
    REQUIRE(share < 0.7);
    CHECK(rule(rep, "SB").note == "rhythm undetermined");
    CHECK(rule(rep, "SB").decision == Decision::negative);
    CHECK(rule(rep, "Brady").decision == Decision::positive);
  }
}

TEST_CASE("rules: axis thresholds just below and above -30, +90 and -90 degrees", "[rules][axis][boundary]") {
  auto at = [](double axis) {
    Synth s;
    s.axis_deg = axis;
    return s;
  };
  sweep_boundary("LAD", "qrs_axis_deg", -30.0, 4.0, false, {-36, -34, -32, -31, -30, -29, -28, -26, -24}, at);
  sweep_boundary("RAD", "qrs_axis_deg", 90.0, 4.0, true, {84, 86, 88, 89, 90, 91, 92, 94, 96}, at);
  // Beyond -90 the axis is extreme (northwest): neither LAD nor RAD.
  for (double axis : {-96.0, -84.0}) {
    CAPTURE(axis);
    const auto rep = ecg::rules::evaluate(synth(at(axis)), ecg::Sex::unknown);
    const double m = evidence(rule(rep, "LAD"), "qrs_axis_deg");
    CHECK(m == Approx(axis).margin(3.0));
    CHECK(rule(rep, "LAD").decision == (m >= -90 ? Decision::positive : Decision::negative));
    CHECK(rule(rep, "RAD").decision == Decision::negative);
  }
}

TEST_CASE("rules: low QRS voltage just below and above 1.0 mV (precordial) and 0.5 mV (limb)", "[rules][voltage][boundary]") {
  // Calibrate: the measured peak-to-peak per mV of the synthetic QRS, then place every precordial
  // lead 2 % below and above 1.0 mV (limb leads normal), and every limb lead around 0.5 mV.
  Synth s;
  const auto base = ecg::rules::evaluate(synth(s), ecg::Sex::unknown);
  double v1 = 0;
  for (const auto& e : rule(base, "LQRSV").evidence)
    if (e.lead == "V1") v1 = e.value;
  REQUIRE(v1 > 0);
  const double per_mv = v1 / s.precordial_mv;
  for (double f : {0.98, 1.02}) {
    CAPTURE(f);
    Synth p;
    p.precordial_mv = f * 1.0 / per_mv;
    CHECK(rule(ecg::rules::evaluate(synth(p), ecg::Sex::unknown), "LQRSV").decision == (f < 1 ? Decision::positive : Decision::negative));
  }
  // Limb leads: the largest limb lead decides; scale the vector so it sits just below / above 0.5 mV.
  double limb_max = 0;
  for (const auto& e : rule(base, "LQRSV").evidence)
    if (e.lead.size() && e.lead[0] != 'V') limb_max = std::max(limb_max, e.value);
  REQUIRE(limb_max > 0);
  for (double f : {0.97, 1.03}) {
    CAPTURE(f);
    Synth l;
    l.limb_mv = s.limb_mv * f * 0.5 / limb_max;
    const auto rep = ecg::rules::evaluate(synth(l), ecg::Sex::unknown);
    double m = 0;
    for (const auto& e : rule(rep, "LQRSV").evidence)
      if (e.lead.size() && e.lead[0] != 'V') m = std::max(m, e.value);
    CHECK(m == Approx(0.5 * f).margin(0.006));
    CHECK(rule(rep, "LQRSV").decision == (f < 1 ? Decision::positive : Decision::negative));
  }
}

TEST_CASE("rules: PR just below and above 200 ms (IAVB); QRS just below and above 120 ms (QRS120)", "[rules][intervals][boundary]") {
  sweep_boundary("IAVB", "pr_ms", 200.0, 8.0, true, {176, 180, 182, 184, 186, 188, 190, 194}, [](double pr) {
    Synth s;
    s.pr_ms = pr;
    return s;
  });
  sweep_boundary("QRS120", "qrs_ms", 120.0, 8.0, true, {1.3, 1.4, 1.45, 1.47, 1.53, 1.55, 1.6, 1.7}, [](double q) {
    Synth s;
    s.qrs_scale = q;
    return s;
  });
}

TEST_CASE("rules: QTc by Fridericia just below and above 450 ms (men) and 460 ms (women), at slow and fast rates", "[rules][qt][boundary]") {
  for (double hr : {55.0, 75.0, 110.0}) {
    for (ecg::Sex sex : {ecg::Sex::male, ecg::Sex::female}) {
      CAPTURE(hr, ecg::to_string(sex));
      std::vector<double> delays;
      for (double d = 0.20; d <= 0.42; d += 0.01) delays.push_back(d);
      sweep_boundary("LQT", "qtc_fridericia_ms", sex == ecg::Sex::female ? 460.0 : 450.0, 12.0, true, delays,
                     [&](double d) {
                       Synth s;
                       s.hr_bpm = hr;
                       s.p_waves = false;  // at 110 bpm a P wave would run into the T wave's end
                       s.t_delay_s = std::min(d, 60.0 / hr - 0.20);
                       return s;
                     },
                     sex);
    }
  }
  // The criterion names the formula, and at 110 bpm Bazett would call a QT that Fridericia does not.
  Synth fast;
  fast.hr_bpm = 110;
  fast.p_waves = false;
  fast.t_delay_s = 0.25;
  const auto rep = ecg::rules::evaluate(synth(fast), ecg::Sex::male);
  const auto& lqt = rule(rep, "LQT");
  CHECK_THAT(lqt.criterion, Catch::Matchers::Contains("Fridericia"));
  const double qt = evidence(lqt, "qt_ms"), rr_s = evidence(lqt, "rr_mean_ms") / 1000.0;
  CHECK(evidence(lqt, "qtc_fridericia_ms") == Approx(qt / std::cbrt(rr_s)));
  if (qt / std::sqrt(rr_s) > 450 && qt / std::cbrt(rr_s) <= 450) CHECK(lqt.decision == Decision::negative);
}

TEST_CASE("rules: QT not assessed when the QRS is >= 120 ms (the QT would include the wide QRS)", "[rules][qt][boundary]") {
  for (double q : {1.45, 1.55, 2.0}) {
    CAPTURE(q);
    Synth s;
    s.qrs_scale = q;
    s.t_delay_s = 0.40;  // a QTc far above 450 ms: only the QRS width keeps it from being called
    const auto rep = ecg::rules::evaluate(synth(s), ecg::Sex::male);
    const bool wide = rule(rep, "QRS120").decision == Decision::positive;
    CHECK(wide == (evidence(rule(rep, "QRS120"), "qrs_ms") >= 120));
    CHECK(wide == (q > 1.5));
    CHECK(rule(rep, "LQT").decision == (wide ? Decision::not_assessable : Decision::positive));
    if (wide) CHECK_THAT(rule(rep, "LQT").note, Catch::Matchers::Contains("QRS >= 120 ms"));
  }
}

TEST_CASE("rules: QT not assessed when T-wave ends spread over beats (interquartile range > 40 ms)", "[rules][qt][boundary]") {
  struct Row {
    double jitter_s;
    bool assessed;
  };
  for (const Row r : {Row{0.0, true}, Row{0.015, true}, Row{0.03, false}}) {
    CAPTURE(r.jitter_s);
    Synth s;
    s.t_jitter_s = r.jitter_s;
    s.t_delay_s = 0.28;
    const auto rep = ecg::rules::evaluate(synth(s), ecg::Sex::unknown);
    const auto& lqt = rule(rep, "LQT");
    CAPTURE(lqt.note);
    CHECK((lqt.decision != Decision::not_assessable) == r.assessed);
    CHECK((evidence(lqt, "qt_iqr_ms") <= 40.0) == r.assessed);
    if (!r.assessed) CHECK_THAT(lqt.note, Catch::Matchers::Contains("unreliable"));
  }
}

namespace {

// RR series of n intervals around 800 ms with |successive difference| taken in turn from `deltas`
// (alternating sign, so the series stays within one delta of 800 ms: no interval is premature).
std::vector<double> rr_with_deltas(std::size_t n, const std::vector<double>& deltas) {
  std::vector<double> rr{800.0};
  for (std::size_t i = 1; i < n; ++i) rr.push_back(rr.back() + (i % 2 ? 1.0 : -1.0) * deltas[(i - 1) % deltas.size()]);
  return rr;
}

ecg::rules::PWaveEvidence no_p_waves() {
  ecg::rules::PWaveEvidence p;
  p.beats = 40;
  p.p_share = 0.1;
  p.sinus = false;
  return p;
}

double ev(const ecg::rules::RuleResult& r, const char* name) { return evidence(r, name); }

}  // namespace

TEST_CASE("AF rule: irregularity thresholds just below and above (median successive difference 5 %, share of > 10 % differences 30 %)", "[rules][af][boundary]") {
  using ecg::rules::irregular_rr;
  // Median |dRR| / median RR around 0.05: 60 % of the differences are d, the rest 100 ms (> 10 %).
  for (double d : {38.0, 42.0}) {
    CAPTURE(d);
    std::vector<double> deltas;
    for (int i = 0; i < 10; ++i) deltas.push_back(i < 6 ? d : 100.0);
    const auto r = irregular_rr(rr_with_deltas(41, deltas), no_p_waves());
    const double m = ev(r, "kept_median_delta_rr");
    CHECK(m == Approx(d / 800.0).margin(0.003));
    CHECK(ev(r, "kept_delta_rr_share") > 0.30);
    CHECK(r.decision == (m > 0.05 ? Decision::positive : Decision::negative));
    CHECK(r.decision == (d > 40 ? Decision::positive : Decision::negative));
  }
  // Share of differences > 10 % of the median RR around 0.30 (every difference > 5 %).
  struct Row {
    std::size_t big_of_ten;
    bool positive;
  };
  for (const Row row : {Row{2, false}, Row{3, false}, Row{4, true}}) {
    CAPTURE(row.big_of_ten);
    std::vector<double> deltas;
    for (std::size_t i = 0; i < 10; ++i) deltas.push_back(i < row.big_of_ten ? 110.0 : 60.0);
    const auto r = irregular_rr(rr_with_deltas(41, deltas), no_p_waves());
    CHECK(ev(r, "ectopic_beats") == 0);
    CHECK(ev(r, "kept_delta_rr_share") == Approx(row.big_of_ten / 10.0).margin(0.02));
    CHECK(r.decision == (row.positive ? Decision::positive : Decision::negative));
  }
}

TEST_CASE("AF rule: a premature beat (RR < 0.85 x local median) followed by a pause (> 1.10 x) is ectopic, just below and above", "[rules][af][boundary]") {
  using ecg::rules::rr_irregularity;
  struct Row {
    double premature, pause;
    std::size_t ectopic;
  };
  for (const Row r : {Row{0.84, 1.11, 1}, Row{0.86, 1.11, 0}, Row{0.84, 1.09, 0}, Row{0.70, 1.30, 1}}) {
    CAPTURE(r.premature, r.pause);
    std::vector<double> rr(20, 800.0);
    rr[9] = r.premature * 800.0;
    rr[10] = r.pause * 800.0;
    const auto g = rr_irregularity(rr);
    CHECK(g.ectopic_beats == r.ectopic);
    CHECK(g.kept_intervals == 20 - 2 * r.ectopic);
    // The RR rule's beats as flags: beat 10 closes the premature interval 9; given as a mask, the same result.
    const auto flags = ecg::rules::rr_ectopic_beats(rr);
    REQUIRE(flags.size() == rr.size() + 1);
    CHECK(static_cast<std::size_t>(std::count(flags.begin(), flags.end(), 1)) == r.ectopic);
    CHECK(flags[10] == r.ectopic);
    const auto m = rr_irregularity(rr, flags);
    CHECK(m.ectopic_beats == g.ectopic_beats);
    CHECK(m.kept_intervals == g.kept_intervals);
    CHECK(m.median_delta == g.median_delta);
  }
}

TEST_CASE("AF rule: ectopy explains irregularity (bigeminy, frequent PACs), AF needs no consistent P wave and enough beats", "[rules][af]") {
  using ecg::rules::irregular_rr;
  // Ventricular bigeminy: every other beat premature with a compensatory pause. Irregular by nRMSSD,
  // fully explained by ectopic beats: not AF.
  std::vector<double> bigeminy;
  for (int i = 0; i < 30; ++i) bigeminy.push_back(i % 2 ? 1000.0 : 600.0);
  auto r = irregular_rr(bigeminy, no_p_waves());
  CHECK(ev(r, "rr_nrmssd") > 0.4);
  CHECK(ev(r, "ectopic_beats") >= 14);
  CHECK(r.decision == Decision::negative);
  CHECK_THAT(r.note, Catch::Matchers::Contains("explained by"));
  // Sinus rhythm (with sinus arrhythmia) and 4 PACs (coupling 0.7, non-compensatory pause 1.2).
  std::vector<double> pacs;
  for (int i = 0; i < 40; ++i) pacs.push_back(800.0 + 20.0 * std::sin(i / 3.0));
  for (int at : {6, 15, 24, 33}) pacs[at] = 560.0, pacs[at + 1] = 960.0;
  r = irregular_rr(pacs, no_p_waves());
  CHECK(ev(r, "rr_nrmssd") > 0.10);  // the old criterion (nRMSSD > 0.10) would have called AF
  CHECK(ev(r, "ectopic_beats") == 4);
  CHECK(r.decision == Decision::negative);
  // The same beats with an ectopic mask (e.g. from a beat classifier) instead of the RR heuristic.
  std::vector<std::uint8_t> mask(pacs.size() + 1, 0);
  for (int at : {6, 15, 24, 33}) mask[static_cast<std::size_t>(at) + 1] = 1;
  r = irregular_rr(pacs, no_p_waves(), mask);
  CHECK(ev(r, "ectopic_beats") == 4);
  CHECK(ev(r, "kept_rr_intervals") == 40 - 8);
  CHECK(r.decision == Decision::negative);
  // Irregularly irregular (seeded): AF without P waves; the same RR with sinus P waves is not AF.
  const unsigned seed = 14;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(450.0, 1000.0);
  std::vector<double> af;
  for (int i = 0; i < 40; ++i) af.push_back(u(rng));
  CAPTURE(seed);
  CHECK(irregular_rr(af, no_p_waves()).decision == Decision::positive);
  CHECK(irregular_rr(af, std::nullopt).decision == Decision::positive);  // RR only (strap): can't exclude sinus arrhythmia, says so
  CHECK_THAT(irregular_rr(af, std::nullopt).note, Catch::Matchers::Contains("no P-wave evidence"));
  ecg::rules::PWaveEvidence sinus = no_p_waves();
  sinus.p_share = 0.95;
  sinus.sinus = true;
  CHECK(irregular_rr(af, sinus).decision == Decision::negative);
  // Minimum beats: 7 intervals (8 beats) are assessed, 6 are not; 6 kept intervals are needed.
  CHECK(irregular_rr(std::span<const double>(af.data(), 6), no_p_waves()).decision == Decision::not_assessable);
  CHECK(irregular_rr(std::span<const double>(af.data(), 7), no_p_waves()).decision != Decision::not_assessable);
  std::vector<double> few = {800, 560, 960, 800, 560, 960, 800, 700, 900};  // 2 ectopic: 5 kept
  r = irregular_rr(few, no_p_waves());
  CHECK(ev(r, "kept_rr_intervals") == 5);
  CHECK(r.decision == Decision::negative);
}

TEST_CASE("AF rule on real records: CinC 2017 A01192 (AF) and A05493 (normal), CPSC 2021 data_8_4 (AF)", "[rules][af][fixture]") {
  struct Case {
    std::string hea, signal;
    Decision expected;
  };
  for (const Case& c : {Case{"cinc2017/A01192.hea", "cinc2017/A01192.mat", Decision::positive},
                        Case{"cinc2017/A05493.hea", "cinc2017/A05493.mat", Decision::negative},
                        Case{"cpsc2021/data_8_4.hea", "cpsc2021/data_8_4.dat", Decision::positive}}) {
    CAPTURE(c.hea);
    const auto rep = ecg::rules::evaluate(ecg::test::read_record_fixture({c.hea, c.signal}), ecg::Sex::unknown);
    const auto& r = rule(rep, "IrregularRR");
    CAPTURE(r.note, ecg::rules::to_json(r));
    CHECK(r.decision == c.expected);
  }
}

TEST_CASE("rules: IrregularRR needs at least 6 RR intervals left after the ectopic ones are removed (5 and 6 kept)", "[rules][af][boundary]") {
  // Nine markedly irregular intervals; the ectopic mask (per beat: beat j closes interval j - 1 and
  // opens interval j) removes the last three or four, leaving 6 or 5 intervals with >= 4 pairs.
  const std::vector<double> rr = {600, 900, 650, 1000, 700, 800, 800, 800, 800};
  struct Row {
    std::vector<std::uint8_t> mask;  // 10 beats
    double kept;
    Decision decision;
  };
  const Row table[] = {
      {{0, 0, 0, 0, 0, 0, 0, 1, 1, 0}, 6, Decision::positive},
      {{0, 0, 0, 0, 0, 0, 1, 0, 1, 0}, 5, Decision::negative},
  };
  for (const Row& r : table) {
    CAPTURE(r.kept);
    const auto res = ecg::rules::irregular_rr(rr, std::nullopt, r.mask);
    CHECK(evidence(res, "kept_rr_intervals") == r.kept);
    CHECK(evidence(res, "kept_median_delta_rr") > 0.3);
    CHECK(evidence(res, "kept_delta_rr_share") > 0.9);
    CHECK(res.decision == r.decision);
  }
}
