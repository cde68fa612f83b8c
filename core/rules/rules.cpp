// Clinical-rule detectors: rate (Brady/SB/STach), frontal axis (LAD/RAD), low QRS voltage, pacing,
// PR (IAVB), QTc (LQT), QRS width and RR irregularity — each decision with its evidence.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>

#include <nlohmann/json.hpp>

#include "ecg/rules.h"

namespace ecg::rules {
namespace {

constexpr const char* kLimb[] = {"I", "II", "III", "aVR", "aVL", "aVF"};
constexpr const char* kPrecordial[] = {"V1", "V2", "V3", "V4", "V5", "V6"};

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  const std::size_t m = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m), v.end());
  const double hi = v[m];
  if (v.size() % 2) return hi;
  return 0.5 * (hi + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m)));
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return std::nan("");
  const auto at = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(at), v.end());
  return v[at];
}

RuleResult make(std::string id, std::string snomed, std::string name, std::string criterion) {
  RuleResult r;
  r.id = std::move(id);
  r.snomed = std::move(snomed);
  r.name = std::move(name);
  r.criterion = std::move(criterion);
  return r;
}

struct Context {
  const Record& record;
  double fs = 0;
  std::span<const std::int64_t> rpeaks;
  std::span<const dsp::Beat> beats;
  std::vector<bool> usable;  // per lead
  bool amplitude_normalised = false;  // every lead spans the same range: not physical millivolts
  const dsp::BaselineFree* baseline_free = nullptr;  // remove_baseline(record), when the caller has it
  std::optional<std::size_t> lead(std::string_view name) const {
    auto i = record.lead_index(name);
    if (i && usable[*i]) return i;
    return std::nullopt;
  }
};

// ---- rhythm measurements ---------------------------------------------------------------------
struct Rhythm {
  std::optional<double> hr_bpm;    // from the median RR
  std::optional<double> rr_mean_ms;
  std::vector<double> rr_ms;
  PWaveEvidence p;
};

Rhythm rhythm(const Context& c) {
  Rhythm r;
  r.hr_bpm = dsp::heart_rate_bpm(c.rpeaks, c.fs);
  for (std::size_t i = 1; i < c.rpeaks.size(); ++i) r.rr_ms.push_back(static_cast<double>(c.rpeaks[i] - c.rpeaks[i - 1]) * 1000.0 / c.fs);
  if (!r.rr_ms.empty()) r.rr_mean_ms = std::accumulate(r.rr_ms.begin(), r.rr_ms.end(), 0.0) / static_cast<double>(r.rr_ms.size());
  r.p = p_wave_evidence(c.beats, c.fs);
  return r;
}

void add(RuleResult& r, std::string name, double value, std::string unit, std::string lead = {}) {
  r.evidence.push_back({std::move(name), value, std::move(unit), std::move(lead)});
}

double evidence_value(const RuleResult& r, std::string_view name) {
  for (const auto& e : r.evidence)
    if (e.name == name) return e.value;
  return std::nan("");
}

void rate_rules(const Rhythm& rh, Report& out) {
  const std::string sinus_text = !rh.p.sinus ? "undetermined" : *rh.p.sinus ? "sinus" : "non-sinus";
  auto base = [&](RuleResult& r) {
    if (!rh.hr_bpm) {
      r.note = "fewer than two beats found";
      return false;
    }
    add(r, "heart_rate_bpm", *rh.hr_bpm, "bpm");
    add(r, "p_wave_share", rh.p.p_share, "share");
    if (rh.p.pr_sd_ms) add(r, "pr_sd_ms", *rh.p.pr_sd_ms, "ms");
    r.note = "rhythm " + sinus_text;
    return true;
  };
  // One slow rhythm is one finding: SB when the rhythm reads as sinus, Brady otherwise (non-sinus or
  // undetermined), never both for one record.
  const bool slow = rh.hr_bpm && *rh.hr_bpm < kBradyBpm, sinus_slow = rh.hr_bpm && *rh.hr_bpm < kSbBpm;
  const bool sinus = rh.p.sinus == true;
  RuleResult brady = make("Brady", "426627000", "bradycardia",
                          "heart rate (60 / median RR) < 60 bpm and the rhythm not shown sinus (non-sinus: P wave before < 30 % of QRS; "
                          "or undetermined); a slow sinus rhythm is SB (below 55 bpm) or neither (55-60 bpm)");
  if (base(brady)) brady.decision = slow && !sinus ? Decision::positive : Decision::negative;
  RuleResult sb = make("SB", "426177001", "sinus bradycardia",
                       "heart rate < 55 bpm and the rhythm sinus (P wave before >= 70 % of QRS with PR sd <= 40 ms)");
  if (base(sb)) sb.decision = sinus_slow && sinus ? Decision::positive : Decision::negative;
  RuleResult st = make("STach", "427084000", "sinus tachycardia",
                       "heart rate > 100 bpm and the rhythm not shown non-sinus (sinus: P wave before >= 70 % of QRS with PR sd <= 40 ms; "
                       "non-sinus: P before < 30 %)");
  if (base(st)) st.decision = rh.hr_bpm && *rh.hr_bpm > kTachyBpm && rh.p.sinus != false ? Decision::positive : Decision::negative;
  out.rules.push_back(brady);
  out.rules.push_back(sb);
  out.rules.push_back(st);
}

// Long leads are measured in 60-s chunks, each seen with 2-s margins, so the memory a rule needs
// beyond the record is bounded by a chunk, not by the record's length. f(start, end, lo, x) gets the
// chunk [start, end) and the samples x = lead[lo, lo + x.size()) around it (margins included).
// Baseline removal (a 0.2 s then 0.6 s running median) reaches 0.4 s: inside the chunk it equals the
// whole-lead result exactly, so records up to 60 s are measured as one chunk and longer ones agree.
template <typename F>
void for_each_chunk(const Context& c, std::span<const float> lead, F&& f) {
  const auto n = static_cast<std::int64_t>(lead.size());
  const std::int64_t core = std::max<std::int64_t>(1, std::llround(60.0 * c.fs)), margin = std::llround(2.0 * c.fs);
  for (std::int64_t start = 0; start < n; start += core) {
    const std::int64_t end = std::min(n, start + core), lo = std::max<std::int64_t>(0, start - margin), hi = std::min(n, end + margin);
    f(start, end, lo, lead.subspan(static_cast<std::size_t>(lo), static_cast<std::size_t>(hi - lo)));
  }
}

// for_each_chunk with the chunk's baseline-free samples: the shared whole-lead result
// (Context::baseline_free) when one chunk holds the lead.
template <typename F>
void for_each_baseline_free_chunk(const Context& c, std::size_t lead, F&& f) {
  const std::span<const float> x = c.record.lead(lead);
  const bool shared = c.baseline_free && lead < c.baseline_free->leads.size() && c.baseline_free->leads[lead].size() == x.size();
  for_each_chunk(c, x, [&](std::int64_t start, std::int64_t end, std::int64_t lo, std::span<const float> chunk) {
    if (shared && chunk.size() == x.size()) return f(start, end, lo, c.baseline_free->leads[lead]);
    return f(start, end, lo, dsp::remove_baseline(chunk, c.fs));
  });
}

// Per-beat QRS window: delineated boundaries, else R -/+ 60 ms.
std::pair<std::int64_t, std::int64_t> qrs_window(const Context& c, const dsp::Beat& b) {
  const auto w = static_cast<std::int64_t>(std::lround(0.06 * c.fs));
  std::int64_t on = b.qrs_on.value_or(b.r - w), off = b.qrs_off.value_or(b.r + w);
  const auto n = static_cast<std::int64_t>(c.record.n_samples);
  return {std::clamp<std::int64_t>(on, 0, n - 1), std::clamp<std::int64_t>(off, 0, n - 1)};
}

void axis_rules(const Context& c, Report& out) {
  RuleResult lad = make("LAD", "39732003", "left axis deviation", "frontal QRS axis (net QRS area, atan2(2 aVF / sqrt 3, I)) in [-90, -30) degrees");
  RuleResult rad = make("RAD", "47665007", "right axis deviation", "frontal QRS axis in (+90, +180] degrees");
  auto i_lead = c.lead("I");
  auto avf = c.lead("aVF");
  auto ii = c.lead("II");
  const bool ok = i_lead && (avf || ii) && c.beats.size() >= 2 && !c.amplitude_normalised;
  if (!ok) {
    const std::string why = c.amplitude_normalised ? "lead amplitudes are normalised per lead (not millivolts): areas cannot be compared"
                            : !i_lead ? "needs lead I (usable)" : !(avf || ii) ? "needs lead aVF or II (usable)" : "fewer than two beats";
    lad.note = rad.note = why;
    out.rules.push_back(lad);
    out.rules.push_back(rad);
    return;
  }
  // Net QRS area (mV*ms) per beat, relative to the level at QRS onset; the median over beats.
  auto area = [&](std::size_t lead) {
    std::vector<double> areas;
    for_each_baseline_free_chunk(c, lead, [&](std::int64_t start, std::int64_t end, std::int64_t lo, const std::vector<float>& y) {
      const std::int64_t last = lo + static_cast<std::int64_t>(y.size()) - 1;
      for (const auto& b : c.beats) {
        if (b.r < start || b.r >= end) continue;
        auto [on, off] = qrs_window(c, b);
        on = std::max(on, lo), off = std::min(off, last);
        if (off <= on) continue;
        double a = 0;
        for (std::int64_t i = on; i <= off; ++i) a += y[static_cast<std::size_t>(i - lo)] - y[static_cast<std::size_t>(on - lo)];
        areas.push_back(a * 1000.0 / c.fs);
      }
    });
    return median(areas);
  };
  const double a_i = area(*i_lead);
  double a_vf = 0;
  std::string vf_source;
  if (avf) a_vf = area(*avf), vf_source = "aVF";
  else a_vf = area(*ii) - a_i / 2.0, vf_source = "II - I/2";
  const double axis = std::atan2(2.0 * a_vf / std::sqrt(3.0), a_i) * 180.0 / std::numbers::pi;
  for (RuleResult* r : {&lad, &rad}) {
    add(*r, "qrs_axis_deg", axis, "deg");
    add(*r, "net_qrs_area_mv_ms", a_i, "mV*ms", "I");
    add(*r, "net_qrs_area_mv_ms", a_vf, "mV*ms", vf_source);
    if (axis < -90.0) r->note = "extreme axis (-180 to -90 degrees): neither LAD nor RAD";
  }
  if (!std::isfinite(axis)) {
    lad.note = rad.note = "no QRS area could be measured";
  } else {
    lad.decision = axis >= -90.0 && axis < -30.0 ? Decision::positive : Decision::negative;
    rad.decision = axis > 90.0 ? Decision::positive : Decision::negative;
  }
  out.rules.push_back(lad);
  out.rules.push_back(rad);
}

void voltage_rule(const Context& c, Report& out) {
  RuleResult r = make("LQRSV", "251146004", "low QRS voltages",
                      "median over beats of the QRS peak-to-peak amplitude (QRS onset to offset) <= 0.5 mV in every one of the "
                      "six limb leads (I, II, III, aVR, aVL, aVF), or <= 1.0 mV in every one of the six precordial leads (V1-V6)");
  auto group = [&](const char* const* names, double limit, std::optional<bool>& low) {
    bool all_present = true, all_low = true;
    for (int k = 0; k < 6; ++k) {
      auto li = c.lead(names[k]);
      if (!li) {
        all_present = false;
        continue;
      }
      auto x = c.record.lead(*li);
      std::vector<double> p2p;
      for (const auto& b : c.beats) {
        auto [on, off] = qrs_window(c, b);
        if (off <= on) continue;
        auto [mn, mx] = std::minmax_element(x.begin() + on, x.begin() + off + 1);
        p2p.push_back(*mx - *mn);
      }
      const double v = median(p2p);
      if (!std::isfinite(v)) {
        all_present = false;
        continue;
      }
      add(r, "qrs_peak_to_peak_mv", v, "mV", names[k]);
      all_low = all_low && v <= limit;
    }
    if (all_present) low = all_low;
  };
  std::optional<bool> limb_low, prec_low;
  if (c.amplitude_normalised) {
    r.note = "lead amplitudes are normalised per lead (not millivolts)";
    out.rules.push_back(r);
    return;
  }
  if (!c.beats.empty()) {
    group(kLimb, 0.5, limb_low);
    group(kPrecordial, 1.0, prec_low);
  }
  if (limb_low == true || prec_low == true) r.decision = Decision::positive;
  else if (limb_low == false && prec_low == false) r.decision = Decision::negative;
  else {
    r.note = c.beats.empty() ? "no beats found"
                             : std::string("needs all six ") + (!limb_low ? "limb" : "") + (!limb_low && !prec_low ? " and all six " : "") +
                                   (!prec_low ? "precordial" : "") + " leads (usable) to rule out";
  }
  out.rules.push_back(r);
}

void pacing_rule(const Context& c, Report& out) {
  RuleResult r = make("PR", "10370003", "pacing rhythm",
                      "pacing spikes (|second difference| >= max(0.25 mV, 5 x its 98th percentile), local maxima >= 10 ms apart) within 300 ms "
                      "before the R peak of >= 50 % of beats, in >= 1/4 of the usable leads (at least one); valid at fs >= 500 Hz; "
                      "the percentile is taken per 60-s stretch of a longer record");
  if (c.fs < kPacingMinFsHz) {
    r.note = "sampling rate " + std::to_string(static_cast<int>(c.fs)) + " Hz is below 500 Hz: pacing spikes (0.1-2 ms) are not reliably sampled";
    out.rules.push_back(r);
    return;
  }
  if (c.rpeaks.size() < 2) {
    r.note = "fewer than two beats found";
    out.rules.push_back(r);
    return;
  }
  std::size_t usable = 0, paced_leads = 0;
  double best_share = 0;
  const auto before = static_cast<std::int64_t>(std::lround(0.3 * c.fs));
  const auto sep = static_cast<std::int64_t>(std::lround(0.01 * c.fs));
  for (std::size_t lead = 0; lead < c.record.n_leads(); ++lead) {
    if (!c.usable[lead]) continue;
    ++usable;
    // Spikes per chunk (threshold from the chunk's own second differences), counted for its beats.
    std::size_t paced = 0;
    for_each_chunk(c, c.record.lead(lead), [&](std::int64_t start, std::int64_t end, std::int64_t lo, std::span<const float> x) {
      const auto n = static_cast<std::int64_t>(x.size());
      std::vector<double> d2(x.size(), 0.0);
      for (std::int64_t i = 1; i + 1 < n; ++i) d2[i] = std::fabs(static_cast<double>(x[i + 1]) - 2.0 * x[i] + x[i - 1]);
      const double thr = std::max(0.25, 5.0 * quantile(d2, 0.98));
      std::vector<std::int64_t> spikes;  // absolute sample indices
      for (std::int64_t i = 1; i + 1 < n; ++i) {
        if (d2[i] >= thr && d2[i] >= d2[i - 1] && d2[i] >= d2[i + 1]) {
          if (!spikes.empty() && lo + i - spikes.back() < sep) continue;
          spikes.push_back(lo + i);
        }
      }
      for (auto rp : c.rpeaks) {
        if (rp < start || rp >= end) continue;
        auto it = std::lower_bound(spikes.begin(), spikes.end(), rp - before);
        if (it != spikes.end() && *it <= rp) ++paced;
      }
    });
    const double share = static_cast<double>(paced) / static_cast<double>(c.rpeaks.size());
    best_share = std::max(best_share, share);
    if (share >= 0.5) {
      ++paced_leads;
      add(r, "paced_beat_share", share, "share", c.record.leads[lead]);
    }
  }
  add(r, "leads_with_paced_beats", static_cast<double>(paced_leads), "leads");
  add(r, "usable_leads", static_cast<double>(usable), "leads");
  add(r, "max_paced_beat_share", best_share, "share");
  if (usable == 0) r.note = "no usable lead";
  else r.decision = paced_leads >= std::max<std::size_t>(1, (usable + 3) / 4) ? Decision::positive : Decision::negative;
  out.rules.push_back(r);
}

void interval_rules(const Context& c, const Rhythm& rh, Sex sex, std::span<const std::uint8_t> ectopic_beats, Report& out) {
  // PR / IAVB
  RuleResult iavb = make("IAVB", "270492004", "1st degree AV block",
                         "median PR interval (P onset to QRS onset) > 200 ms, with a P wave before >= 70 % of QRS complexes");
  if (rh.p.pr_ms) add(iavb, "pr_ms", *rh.p.pr_ms, "ms");
  add(iavb, "p_wave_share", rh.p.p_share, "share");
  if (!rh.p.pr_ms || rh.p.p_share < 0.7) iavb.note = "P waves not found before enough QRS complexes";
  else iavb.decision = *rh.p.pr_ms > 200.0 ? Decision::positive : Decision::negative;
  out.rules.push_back(iavb);
  // QRS width
  std::vector<double> qrs, qt;
  for (const auto& b : c.beats) {
    if (b.qrs_wide_on && b.qrs_wide_off) qrs.push_back(static_cast<double>(*b.qrs_wide_off - *b.qrs_wide_on) * 1000.0 / c.fs);
    if (b.qrs_on && b.t_off) qt.push_back(static_cast<double>(*b.t_off - *b.qrs_on) * 1000.0 / c.fs);
  }
  RuleResult wide = make("QRS120", "6374002", "QRS >= 120 ms (bundle-branch block hint)", "median QRS duration >= 120 ms, from an early onset to a late offset over the leads (25th / 75th percentile of the per-lead boundaries)");
  if (qrs.size() >= 2) {
    const double q = median(qrs);
    add(wide, "qrs_ms", q, "ms");
    wide.decision = q >= 120.0 ? Decision::positive : Decision::negative;
  } else {
    wide.note = "fewer than two delineated QRS complexes";
  }
  out.rules.push_back(wide);
  // QT / QTc, Fridericia's correction at every rate (Bazett over-corrects above 90 bpm and
  // under-corrects below 60 bpm). Not assessed when the T-wave ends are unreliable: found in fewer
  // than kQtMinBeats beats or half of them, or spread over beats (interquartile range of QT) wider
  // than kQtMaxIqrMs.
  const double limit = sex == Sex::female ? kQtcFemaleMs : kQtcMaleMs;
  RuleResult lqt = make("LQT", "111975006", "prolonged QT interval",
                        "Fridericia QTc (median QT / cube root of the mean RR in s) >= " + std::to_string(static_cast<int>(limit)) +
                            " ms (450 ms men or sex unknown, 460 ms women); assessed only with a T-wave end in >= 3 beats and >= half of "
                            "them, a QT interquartile range over beats <= 40 ms, and a QRS < 120 ms");
  const double qt_iqr = qt.size() >= 3 ? quantile(qt, 0.75) - quantile(qt, 0.25) : std::nan("");
  const bool wide_qrs = wide.decision == Decision::positive;
  if (wide_qrs) {
    add(lqt, "qrs_ms", evidence_value(wide, "qrs_ms"), "ms");
    lqt.note = "QRS >= 120 ms: the QT includes the wide QRS and is not assessed";
  } else if (qt.size() >= kQtMinBeats && qt.size() * 2 >= c.beats.size() && rh.rr_mean_ms && qt_iqr <= kQtMaxIqrMs) {
    const double q = median(qt), rr_s = *rh.rr_mean_ms / 1000.0;
    const double fridericia = q / std::cbrt(rr_s);
    add(lqt, "qt_ms", q, "ms");
    add(lqt, "qt_iqr_ms", qt_iqr, "ms");
    add(lqt, "rr_mean_ms", *rh.rr_mean_ms, "ms");
    add(lqt, "qtc_fridericia_ms", fridericia, "ms");
    add(lqt, "qtc_limit_ms", limit, "ms");
    lqt.decision = fridericia >= limit ? Decision::positive : Decision::negative;
  } else if (qt.size() >= 3 && std::isfinite(qt_iqr) && qt_iqr > kQtMaxIqrMs) {
    add(lqt, "qt_iqr_ms", qt_iqr, "ms");
    lqt.note = "T-wave ends unreliable: QT varies over beats by more than 40 ms (interquartile range)";
  } else {
    lqt.note = "T-wave end found in fewer than half of the beats (or fewer than three)";
  }
  out.rules.push_back(lqt);
  out.rules.push_back(irregular_rr(rh.rr_ms, rh.p, ectopic_beats));
}

}  // namespace

std::string_view to_string(Decision d) {
  switch (d) {
    case Decision::positive: return "positive";
    case Decision::negative: return "negative";
    default: return "not_assessable";
  }
}

PWaveEvidence p_wave_evidence(std::span<const dsp::Beat> beats, double fs_hz) {
  PWaveEvidence e;
  std::vector<double> pr;
  std::size_t with_p = 0;
  for (const auto& b : beats) {
    if (!b.qrs_on) continue;
    ++e.beats;
    if (b.p_on && b.p_peak) {
      ++with_p;
      pr.push_back(static_cast<double>(*b.qrs_on - *b.p_on) * 1000.0 / fs_hz);
    }
  }
  e.p_share = e.beats ? static_cast<double>(with_p) / static_cast<double>(e.beats) : 0.0;
  if (pr.size() >= 2) {
    e.pr_ms = median(pr);
    const double mean = std::accumulate(pr.begin(), pr.end(), 0.0) / static_cast<double>(pr.size());
    double ss = 0;
    for (double v : pr) ss += (v - mean) * (v - mean);
    e.pr_sd_ms = std::sqrt(ss / static_cast<double>(pr.size() - 1));
  }
  if (e.beats >= 3) {
    if (e.p_share >= 0.7 && e.pr_sd_ms && *e.pr_sd_ms <= 40.0) e.sinus = true;
    else if (e.p_share < 0.3) e.sinus = false;
  }
  return e;
}

std::optional<double> rr_nrmssd(std::span<const double> rr_ms) {
  if (rr_ms.size() < 7) return std::nullopt;
  const double mean = std::accumulate(rr_ms.begin(), rr_ms.end(), 0.0) / static_cast<double>(rr_ms.size());
  double ss = 0;
  for (std::size_t i = 1; i < rr_ms.size(); ++i) ss += (rr_ms[i] - rr_ms[i - 1]) * (rr_ms[i] - rr_ms[i - 1]);
  return std::sqrt(ss / static_cast<double>(rr_ms.size() - 1)) / mean;
}

std::vector<std::uint8_t> rr_ectopic_beats(std::span<const double> rr_ms) {
  const std::size_t n = rr_ms.size();
  std::vector<std::uint8_t> ectopic(n + 1, 0);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    // Local median RR over up to kEctopyHalfWindow intervals either side, the pair in question excluded.
    std::vector<double> ref;
    const std::size_t lo = i >= kEctopyHalfWindow ? i - kEctopyHalfWindow : 0, hi = std::min(n, i + 2 + kEctopyHalfWindow);
    for (std::size_t j = lo; j < hi; ++j)
      if (j != i && j != i + 1) ref.push_back(rr_ms[j]);
    if (ref.size() < 2) continue;
    const double m = median(ref);
    if (rr_ms[i] < kPrematureRatio * m && rr_ms[i + 1] > kPauseRatio * m) ectopic[i + 1] = 1;  // beat i + 1 closes interval i
  }
  return ectopic;
}

RrIrregularity rr_irregularity(std::span<const double> rr_ms, std::span<const std::uint8_t> ectopic_beats) {
  RrIrregularity out;
  const std::size_t n = rr_ms.size();
  out.intervals = n;
  out.nrmssd = rr_nrmssd(rr_ms);
  std::vector<std::uint8_t> from_rr;
  if (ectopic_beats.empty()) {
    from_rr = rr_ectopic_beats(rr_ms);
    ectopic_beats = from_rr;
  }
  std::vector<bool> drop(n, false);
  // Beat j closes interval j - 1 (its coupling interval) and opens interval j (the pause after it).
  for (std::size_t j = 0; j < ectopic_beats.size() && j <= n; ++j) {
    if (!ectopic_beats[j]) continue;
    ++out.ectopic_beats;
    if (j >= 1) drop[j - 1] = true;
    if (j < n) drop[j] = true;
  }
  std::vector<double> kept, deltas;
  for (std::size_t i = 0; i < n; ++i) {
    if (drop[i]) continue;
    kept.push_back(rr_ms[i]);
    if (i + 1 < n && !drop[i + 1]) deltas.push_back(std::fabs(rr_ms[i + 1] - rr_ms[i]));
  }
  out.kept_intervals = kept.size();
  out.kept_pairs = deltas.size();
  if (deltas.size() >= 3) {
    const double m = median(kept);
    out.median_delta = median(deltas) / m;
    out.delta_share = static_cast<double>(std::count_if(deltas.begin(), deltas.end(), [&](double d) { return d > kAfDeltaFraction * m; })) /
                      static_cast<double>(deltas.size());
  }
  return out;
}

RuleResult irregular_rr(std::span<const double> rr_ms, const std::optional<PWaveEvidence>& p_waves, std::span<const std::uint8_t> ectopic_beats) {
  RuleResult irr = make("IrregularRR", "164889003", "irregular RR (atrial fibrillation suspicion)",
                        "irregularly irregular RR without P waves: over >= 8 beats, after removing the two RR intervals around each ectopic "
                        "beat (premature: RR < 0.85 x the local median RR, followed by RR > 1.10 x it; or the beats an ectopic mask names), "
                        ">= 6 intervals remain, their median successive difference is > 5 % of the median RR and > 30 % of the successive "
                        "differences exceed 10 % of it; and no consistent P wave (the rhythm not read as sinus: P before >= 70 % of QRS "
                        "with PR sd <= 40 ms); works on a single lead");
  const RrIrregularity g = rr_irregularity(rr_ms, ectopic_beats);
  if (!g.nrmssd) {
    irr.note = "fewer than eight beats";
    return irr;
  }
  add(irr, "rr_nrmssd", *g.nrmssd, "ratio");
  add(irr, "ectopic_beats", static_cast<double>(g.ectopic_beats), "beats");
  add(irr, "kept_rr_intervals", static_cast<double>(g.kept_intervals), "intervals");
  if (g.median_delta) add(irr, "kept_median_delta_rr", *g.median_delta, "ratio");
  if (g.delta_share) add(irr, "kept_delta_rr_share", *g.delta_share, "share");
  if (p_waves) add(irr, "p_wave_share", p_waves->p_share, "share");
  const bool irregular = g.kept_intervals >= kAfMinKeptIntervals && g.median_delta && g.delta_share && *g.median_delta > kAfMedianDelta &&
                         *g.delta_share > kAfDeltaShare;
  const bool p_absent = !p_waves || p_waves->sinus != true;
  irr.decision = irregular && p_absent ? Decision::positive : Decision::negative;
  if (!p_waves) irr.note = "RR intervals only: no P-wave evidence, so sinus arrhythmia cannot be told apart";
  else if (irregular && !p_absent) irr.note = "irregular RR with a P wave at a constant PR before most QRS complexes: sinus, not AF";
  // (RR intervals only keep their one note; the evidence counts the ectopic beats.)
  if (p_waves && !irregular && g.ectopic_beats > 0 && *g.nrmssd > 0.10)
    irr.note += std::string(irr.note.empty() ? "" : "; ") + "irregularity explained by " + std::to_string(g.ectopic_beats) + " ectopic beat(s)";
  if (p_waves && g.kept_intervals < kAfMinKeptIntervals)
    irr.note += std::string(irr.note.empty() ? "" : "; ") + "fewer than 6 RR intervals without an ectopic beat";
  return irr;
}

const RuleResult* Report::find(std::string_view id) const {
  for (const auto& r : rules) if (r.id == id) return &r;
  return nullptr;
}

Report evaluate(const Record& record, Sex sex, std::span<const std::int64_t> rpeaks, std::span<const dsp::Beat> beats,
                std::span<const std::uint8_t> ectopic_beats, const dsp::BaselineFree* baseline_free,
                const std::vector<dsp::LeadQuality>* leads_quality) {
  Context c{record, record.fs_hz, rpeaks, beats, {}, false, baseline_free};
  Report out;
  out.n_beats = rpeaks.size();
  for (std::size_t lead = 0; lead < record.n_leads(); ++lead) {
    const bool given = leads_quality && leads_quality->size() == record.n_leads();
    const dsp::LeadQuality q = given ? (*leads_quality)[lead] : dsp::lead_quality(record.lead(lead));
    c.usable.push_back(q.usable() && record.n_samples > 0);
    if (q.flat) out.quality.push_back("lead " + record.leads[lead] + " flat");
    if (q.saturated) out.quality.push_back("lead " + record.leads[lead] + " saturated or clipped");
    if (c.usable.back()) out.leads_used.push_back(record.leads[lead]);
  }
  // A file whose leads all span exactly the same range was rescaled per lead (e.g. LUDB's copy here:
  // header gains = each lead's range): voltages and between-lead ratios are then meaningless.
  std::vector<double> ranges;
  for (std::size_t lead = 0; lead < record.n_leads(); ++lead) {
    if (!c.usable[lead]) continue;
    auto x = record.lead(lead);
    auto [mn, mx] = std::minmax_element(x.begin(), x.end());
    ranges.push_back(static_cast<double>(*mx) - *mn);
  }
  if (ranges.size() >= 3) {
    auto [lo, hi] = std::minmax_element(ranges.begin(), ranges.end());
    if (*hi - *lo <= 0.005 * *hi) {
      c.amplitude_normalised = true;
      out.quality.push_back("every lead spans the same range: amplitudes normalised per lead, voltage and axis rules not assessable");
    }
  }
  if (record.duration_s() < 2.0) out.quality.push_back("record shorter than 2 s: rhythm rules rest on too few beats");
  if (out.leads_used.empty()) out.quality.push_back("no usable lead");
  const Rhythm rh = rhythm(c);
  rate_rules(rh, out);
  axis_rules(c, out);
  voltage_rule(c, out);
  pacing_rule(c, out);
  interval_rules(c, rh, sex, ectopic_beats, out);
  return out;
}

Report evaluate(const Record& record, Sex sex) {
  const std::vector<std::int64_t> rpeaks = dsp::detect_rpeaks(record);
  const std::vector<dsp::Beat> beats = dsp::delineate(record, rpeaks);
  return evaluate(record, sex, rpeaks, beats);
}

namespace {
nlohmann::json rule_json(const RuleResult& r) {
  nlohmann::json e = nlohmann::json::array();
  for (const auto& ev : r.evidence) {
    nlohmann::json x{{"name", ev.name}, {"value", std::isfinite(ev.value) ? nlohmann::json(ev.value) : nlohmann::json(nullptr)}, {"unit", ev.unit}};
    if (!ev.lead.empty()) x["lead"] = ev.lead;
    e.push_back(x);
  }
  return {{"id", r.id}, {"snomed", r.snomed}, {"name", r.name}, {"decision", to_string(r.decision)},
          {"criterion", r.criterion}, {"evidence", e}, {"note", r.note}};
}
}  // namespace

std::string to_json(const RuleResult& rule) { return rule_json(rule).dump(); }

std::string to_json(const Report& report) {
  nlohmann::json j;
  j["n_beats"] = report.n_beats;
  j["quality"] = report.quality;
  j["leads_used"] = report.leads_used;
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& r : report.rules) rules.push_back(rule_json(r));
  j["rules"] = rules;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // names and labels come from files: never throw on bad UTF-8
}

}  // namespace ecg::rules
