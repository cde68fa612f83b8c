// Clinical rules on synthetic 12-lead ECGs with a known heart vector, rate, intervals and voltages,
// on bad input (flat, missing leads, short, long), and on the real PTB-XL sample.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

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
  bool pacing = false;
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
        const double qrs = gauss(t, beat, 0.012) - 0.25 * gauss(t, beat + 0.03, 0.008);  // R then a small S
        v += (precordial ? s.precordial_mv : s.limb_mv * proj) * qrs;
        if (s.p_waves) v += 0.15 * gauss(t, beat - s.pr_ms / 1000.0, 0.02);
        v += 0.3 * gauss(t, beat + std::min(0.30, 0.4 * rr), 0.045);  // T wave, earlier at fast rates
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
  CHECK(rule(rep, "Brady").decision == Decision::positive);
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
