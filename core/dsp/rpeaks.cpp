// R-peak detection: band-pass, squared slope, moving-window integration and Pan-Tompkins-style
// adaptive thresholds with T-wave rejection and search-back; windowed for long leads; fused across
// leads by voting. Lead quality (flat, saturated) decides which leads may vote.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "ecg/dsp.h"

namespace ecg::dsp {
namespace {

std::size_t samples_of(double seconds, double fs_hz) {
  return std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(seconds * fs_hz)));
}

// Centred moving average over `width` samples (shrunk at the edges).
std::vector<float> moving_average(std::span<const float> x, std::size_t width) {
  const std::size_t n = x.size(), half = width / 2;
  std::vector<double> prefix(n + 1, 0.0);
  for (std::size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + x[i];
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t lo = i >= half ? i - half : 0, hi = std::min(n, i + half + 1);
    out[i] = static_cast<float>((prefix[hi] - prefix[lo]) / static_cast<double>(hi - lo));
  }
  return out;
}

struct Features {
  std::vector<float> filtered;  // QRS band (5-20 Hz), zero phase
  std::vector<float> slope;     // |d filtered / dt|
  std::vector<float> mwi;       // squared slope integrated over 120 ms (centred: no delay)
};

}  // namespace

// QRS band 5-25 Hz (zero-phase FIR), designed once per call of detect_rpeaks.
FirSpec qrs_band_spec(double fs_hz) {
  FirSpec spec;
  spec.lo_hz = 5.0;
  spec.low_transition_hz = 4.0;
  spec.hi_hz = std::min(25.0, 0.5 * fs_hz - 10.0);
  spec.high_transition_hz = std::min(10.0, 2.0 * (0.5 * fs_hz - spec.hi_hz));
  // Below about 34 Hz no low-pass edge fits above 5 Hz: the rate itself limits the band (high-pass only).
  if (spec.hi_hz < spec.lo_hz + 2.0) spec.hi_hz = 0.0;
  spec.attenuation_db = 40.0;
  spec.ripple_db = 0.5;
  return spec;
}

namespace {

std::vector<double> qrs_band_taps(double fs_hz) { return design_fir(qrs_band_spec(fs_hz), fs_hz); }

// band: x's QRS band when the caller has it (else filtered here).
Features features(std::span<const float> x, double fs_hz, std::span<const double> taps, std::span<const float> band) {
  Features f;
  f.filtered = band.empty() ? fir_zero_phase(x, taps) : std::vector<float>(band.begin(), band.end());
  const std::size_t n = x.size();
  f.slope.assign(n, 0.0f);
  for (std::size_t i = 1; i + 1 < n; ++i) f.slope[i] = std::fabs(0.5f * (f.filtered[i + 1] - f.filtered[i - 1]) * static_cast<float>(fs_hz));
  // Robust local scale: the largest slope of each 1-s block, median over the 9 blocks around it
  // (about the typical QRS slope there). Slopes are limited to 3 times that scale before squaring,
  // so an artefact a hundred times larger than the beats weighs like a large beat, not like a
  // hundred of them, and the adaptive levels stay where the beats are.
  const std::size_t block = samples_of(1.0, fs_hz), blocks = (n + block - 1) / block;
  std::vector<float> block_max(blocks, 0.0f), scale(blocks, 0.0f);
  for (std::size_t b = 0; b < blocks; ++b) {
    for (std::size_t i = b * block; i < std::min(n, (b + 1) * block); ++i) block_max[b] = std::max(block_max[b], f.slope[i]);
  }
  for (std::size_t b = 0; b < blocks; ++b) {
    const std::size_t lo = b >= 4 ? b - 4 : 0, hi = std::min(blocks, b + 5);
    std::vector<float> near(block_max.begin() + static_cast<std::ptrdiff_t>(lo), block_max.begin() + static_cast<std::ptrdiff_t>(hi));
    std::nth_element(near.begin(), near.begin() + static_cast<std::ptrdiff_t>(near.size() / 2), near.end());
    scale[b] = 3.0f * near[near.size() / 2];
  }
  std::vector<float> energy(n, 0.0f);
  for (std::size_t b = 0; b < blocks; ++b) {
    for (std::size_t i = b * block; i < std::min(n, (b + 1) * block); ++i) {
      const float d = std::min(f.slope[i], scale[b]);
      energy[i] = d * d;
    }
  }
  f.mwi = moving_average(energy, samples_of(0.12, fs_hz) | 1u);
  return f;
}

struct Candidate {
  std::int64_t at = 0;
  float height = 0.0f;
  float slope = 0.0f;
};

float max_in(const std::vector<float>& v, std::int64_t centre, std::int64_t reach) {
  const auto n = static_cast<std::int64_t>(v.size());
  float best = 0.0f;
  for (std::int64_t i = std::max<std::int64_t>(0, centre - reach); i <= std::min(n - 1, centre + reach); ++i) best = std::max(best, v[i]);
  return best;
}

float quantile(std::vector<float> values, double q) {
  if (values.empty()) return 0.0f;
  const auto at = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(at), values.end());
  return values[at];
}

// Pan-Tompkins decision logic on the integrated-energy peaks of one chunk.
std::vector<std::int64_t> decide(const Features& f, double fs_hz) {
  const auto n = static_cast<std::int64_t>(f.mwi.size());
  const auto refractory = static_cast<std::int64_t>(samples_of(0.20, fs_hz));
  const auto t_wave_window = static_cast<std::int64_t>(samples_of(0.36, fs_hz));
  const auto slope_reach = static_cast<std::int64_t>(samples_of(0.075, fs_hz));
  // Candidates: local maxima of the integrated energy, at least 200 ms from a larger one.
  std::vector<Candidate> cands;
  for (std::int64_t i = 1; i + 1 < n; ++i) {
    if (f.mwi[i] > 0 && f.mwi[i] >= f.mwi[i - 1] && f.mwi[i] > f.mwi[i + 1]) {
      Candidate c{i, f.mwi[i], 0.0f};  // slope filled in below, once per surviving candidate
      if (!cands.empty() && i - cands.back().at < refractory) {
        if (c.height > cands.back().height) cands.back() = c;
        continue;
      }
      cands.push_back(c);
    }
  }
  if (cands.empty()) return {};
  for (auto& c : cands) c.slope = max_in(f.slope, c.at, slope_reach);
  // Learning phase: the first 2 s (or the whole chunk) set the signal and noise levels.
  const auto learn = std::min<std::int64_t>(n, static_cast<std::int64_t>(samples_of(2.0, fs_hz)));
  float top = 0.0f;
  for (std::int64_t i = 0; i < learn; ++i) top = std::max(top, f.mwi[i]);
  std::vector<float> all_heights;
  for (const auto& c : cands) all_heights.push_back(c.height);
  // A robust scale for the whole chunk keeps one huge artefact from silencing the detector.
  const float typical = quantile(all_heights, 0.9);
  double spk = std::min(top, typical) * 0.6;
  double npk = 0.5 * std::accumulate(f.mwi.begin(), f.mwi.begin() + learn, 0.0) / static_cast<double>(learn);
  std::vector<Candidate> beats;
  std::vector<Candidate> noise_since_beat;
  std::vector<std::int64_t> rr;
  auto rr_average = [&]() -> double {
    if (rr.empty()) return static_cast<double>(samples_of(1.0, fs_hz));
    const std::size_t k = std::min<std::size_t>(8, rr.size());
    return std::accumulate(rr.end() - static_cast<std::ptrdiff_t>(k), rr.end(), 0.0) / static_cast<double>(k);
  };
  auto accept = [&](const Candidate& c, bool searchback) {
    if (!beats.empty()) rr.push_back(c.at - beats.back().at);
    beats.push_back(c);
    spk = searchback ? 0.25 * c.height + 0.75 * spk : 0.125 * c.height + 0.875 * spk;
    noise_since_beat.clear();
  };
  for (const Candidate& c : cands) {
    // Search-back: a long pause since the last beat means one was missed; take the largest noise
    // peak above half the threshold.
    if (!beats.empty()) {
      const double thr2 = 0.5 * (npk + 0.2 * (spk - npk));
      const double limit = 1.5 * rr_average();
      if (static_cast<double>(c.at - beats.back().at) > limit) {
        const Candidate* best = nullptr;
        for (const auto& q : noise_since_beat) {
          // A candidate set aside as a T wave qualifies only with at least 0.3 of the beat's slope.
          if (q.at - beats.back().at < t_wave_window && q.slope < 0.3f * beats.back().slope) continue;
          if (q.at - beats.back().at >= refractory && c.at - q.at >= refractory && q.height > thr2 && (!best || q.height > best->height)) best = &q;
        }
        if (best) {
          const Candidate found = *best;
          accept(found, true);
        }
      }
    }
    const double thr1 = npk + 0.2 * (spk - npk);
    if (c.height > thr1) {
      if (!beats.empty() && c.at - beats.back().at < refractory) continue;
      if (!beats.empty() && c.at - beats.back().at < t_wave_window && c.slope < 0.5f * beats.back().slope) {
        npk = 0.125 * c.height + 0.875 * npk;  // a T wave, or a premature beat the search-back may take
        noise_since_beat.push_back(c);
        continue;
      }
      accept(c, false);
    } else {
      npk = 0.125 * c.height + 0.875 * npk;
      noise_since_beat.push_back(c);
    }
  }
  std::vector<std::int64_t> out;
  for (const auto& b : beats) out.push_back(b.at);
  return out;
}

// Moves each QRS location to the R wave: the sample that stands out most from its ±100 ms
// neighbourhood mean in the (baseline-free) lead, within ±75 ms.
void refine_to_r(std::vector<std::int64_t>& peaks, std::span<const float> x, double fs_hz, double reach_s = 0.075) {
  const auto n = static_cast<std::int64_t>(x.size());
  const auto reach = static_cast<std::int64_t>(samples_of(reach_s, fs_hz));
  const auto half = static_cast<std::int64_t>(samples_of(0.10, fs_hz));
  for (auto& p : peaks) {
    const std::int64_t lo = std::max<std::int64_t>(0, p - reach - half), hi = std::min(n, p + reach + half + 1);
    double sum = 0.0;
    for (std::int64_t i = lo; i < hi; ++i) sum += x[i];
    const double mean = sum / static_cast<double>(hi - lo);
    std::int64_t best = p;
    double best_v = -1.0;
    for (std::int64_t i = std::max<std::int64_t>(0, p - reach); i <= std::min(n - 1, p + reach); ++i) {
      const double v = std::fabs(x[i] - mean);
      if (v > best_v) best_v = v, best = i;
    }
    p = best;
  }
}

// Pearson correlation of two equally long windows (0 when either is constant).
double correlation(const float* a, const float* b, std::size_t n) {
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < n; ++i) ma += a[i], mb += b[i];
  ma /= double(n), mb /= double(n);
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double u = a[i] - ma, v = b[i] - mb;
    ab += u * v, aa += u * u, bb += v * v;
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
}

// Two post-checks against artefacts, both against the chunk's median beat (sample-wise median of
// the QRS band +-60 ms around the detections) and median RR:
// - An artefact between two beats leaves the rhythm untouched: the beats before and after it are
//   one ordinary RR apart, and it splits that interval into two short ones; a real premature beat
//   is followed by a pause (the outer interval is long) or looks like the other beats. Dropped: a
//   detection whose neighbours are 0.85-1.15 median RR apart (and within 0.85-1.15 of the RRs
//   before and after), both of whose own intervals are shorter than 0.85 median RR, and whose shape
//   correlates with the median beat below 0.7.
// - Where the lead is noisy (median integrated energy within +-2 s above 5 % of the median beat
//   height; clean MIT-BIH leads stay below about 3 %), a detection that comes early or is followed
//   early (< 0.8 median RR), has less than half the median beat height and correlates below 0.5 is
//   noise, not a beat.
// Needs at least 6 detections (a median RR worth the name).
void drop_rhythm_neutral_artefacts(std::vector<std::int64_t>& peaks, std::span<const float> filtered, std::span<const float> mwi, double fs_hz) {
  if (peaks.size() < 6) return;
  const auto n = static_cast<std::int64_t>(filtered.size());
  const auto w = static_cast<std::int64_t>(samples_of(0.06, fs_hz));
  const std::size_t len = static_cast<std::size_t>(2 * w + 1);
  std::vector<double> rr;
  for (std::size_t i = 1; i < peaks.size(); ++i) rr.push_back(double(peaks[i] - peaks[i - 1]));
  std::vector<double> sorted = rr;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
  const double median_rr = sorted[sorted.size() / 2];
  // Median beat, sample by sample, over the detections whose window fits.
  std::vector<std::int64_t> inside;
  for (auto p : peaks) if (p - w >= 0 && p + w < n) inside.push_back(p);
  if (inside.size() < 4) return;
  std::vector<float> templ(len), column(inside.size());
  for (std::size_t k = 0; k < len; ++k) {
    for (std::size_t j = 0; j < inside.size(); ++j) column[j] = filtered[static_cast<std::size_t>(inside[j] - w) + k];
    std::nth_element(column.begin(), column.begin() + static_cast<std::ptrdiff_t>(column.size() / 2), column.end());
    templ[k] = column[column.size() / 2];
  }
  const double lo = 0.85, hi = 1.15, cmin = 0.7;
  // Local noise: the median integrated energy within +-2 s (every 20 ms), relative to the median
  // height of the detections.
  std::vector<float> heights;
  for (auto p : peaks) heights.push_back(mwi[static_cast<std::size_t>(p)]);
  const float typical_height = quantile(heights, 0.5);
  const auto reach = static_cast<std::int64_t>(samples_of(2.0, fs_hz)), every = static_cast<std::int64_t>(samples_of(0.02, fs_hz));
  auto noise_index = [&](std::int64_t p) {
    std::vector<float> v;
    for (std::int64_t k = std::max<std::int64_t>(0, p - reach); k < std::min(n, p + reach); k += every) v.push_back(mwi[static_cast<std::size_t>(k)]);
    return typical_height > 0 ? quantile(v, 0.5) / typical_height : 0.0f;
  };
  const double q0 = 0.05, early = 0.8, weak = 0.5, cweak = 0.5;
  std::vector<std::int64_t> kept;
  for (std::size_t i = 0; i < peaks.size(); ++i) {
    if (kept.size() >= 2 && i + 2 < peaks.size()) {
      const double outer = double(peaks[i + 1] - kept.back());
      const double a = double(peaks[i] - kept.back()), b = double(peaks[i + 1] - peaks[i]);
      const double before = double(kept.back() - kept[kept.size() - 2]), after = double(peaks[i + 2] - peaks[i + 1]);
      const bool steady = outer >= lo * before && outer <= hi * before && outer >= lo * after && outer <= hi * after;
      if (steady && outer >= lo * median_rr && outer <= hi * median_rr && a < lo * median_rr && b < lo * median_rr && peaks[i] - w >= 0 && peaks[i] + w < n &&
          correlation(&filtered[static_cast<std::size_t>(peaks[i] - w)], templ.data(), len) < cmin) {
        continue;
      }
    }
    if (!kept.empty() && i + 1 < peaks.size() && peaks[i] - w >= 0 && peaks[i] + w < n) {
      const double a = double(peaks[i] - kept.back()), b = double(peaks[i + 1] - peaks[i]);
      const double q = noise_index(peaks[i]);
      if (q > q0 && (a < early * median_rr || b < early * median_rr) && mwi[static_cast<std::size_t>(peaks[i])] < weak * typical_height &&
          correlation(&filtered[static_cast<std::size_t>(peaks[i] - w)], templ.data(), len) < cweak) {
        continue;
      }
    }
    kept.push_back(peaks[i]);
  }
  peaks = std::move(kept);
}

// Isolated impulses (one or two samples far off both neighbours, as ADC glitches to the rail
// produce) are replaced by the line between their neighbours. "Far" is 4 times the lead's robust
// range (1st..99th percentile): a QRS at any sampling rate >= 100 Hz is wider and not that tall.
// changed: whether any sample was replaced.
std::vector<float> despike(std::span<const float> x, bool& changed) {
  std::vector<float> y(x.begin(), x.end());
  changed = false;
  const std::size_t n = y.size();
  if (n < 5) return y;
  const std::size_t step = std::max<std::size_t>(1, n / 1000);
  std::vector<float> v;
  for (std::size_t i = 0; i < n; i += step) v.push_back(y[i]);
  const float limit = 4.0f * (quantile(v, 0.99) - quantile(v, 0.01));
  if (!(limit > 0)) return y;
  for (std::size_t i = 1; i + 1 < n; ++i) {
    for (std::size_t w = 1; w <= 2 && i + w < n; ++w) {
      const float a = y[i - 1], b = y[i + w];
      bool spike = std::fabs(b - a) < 0.25f * limit;
      for (std::size_t k = 0; k < w && spike; ++k) spike = std::fabs(y[i + k] - 0.5f * (a + b)) > limit;
      if (!spike) continue;
      for (std::size_t k = 0; k < w; ++k) y[i + k] = a + (b - a) * static_cast<float>(k + 1) / static_cast<float>(w + 1);
      changed = true;
      break;
    }
  }
  return y;
}

// raw_band: the QRS band of `raw` when the caller has it; used where despiking changed nothing.
// qrs: the learned detector to run (nullptr: the built-in one).
std::vector<std::int64_t> detect_chunk(std::span<const float> raw, double fs_hz, std::span<const double> taps, QrsDetector detector,
                                       std::span<const float> raw_band, LearnedQrs* qrs) {
  if (raw.size() < 3) return {};
  bool despiked = false;
  const std::vector<float> clean = despike(raw, despiked);
  std::span<const float> x(clean);
  const std::span<const float> band = despiked || raw_band.size() != raw.size() ? std::span<const float>() : raw_band;
  std::vector<std::int64_t> peaks;
  if (detector == QrsDetector::learned) {
    // The network sees the despiked lead (a glitch to the rail, scaled by the lead's robust range,
    // would dwarf everything within the network's 2.6 s of context); its candidates (±40 ms) move
    // to the R wave of the QRS band within ±50 ms.
    for (double c : (qrs ? *qrs : builtin_qrs()).candidates(x, fs_hz))
      peaks.push_back(std::clamp<std::int64_t>(std::llround(c), 0, static_cast<std::int64_t>(raw.size()) - 1));
    if (band.empty()) refine_to_r(peaks, fir_zero_phase(x, taps), fs_hz, 0.05);
    else refine_to_r(peaks, band, fs_hz, 0.05);
  } else {
    Features f = features(x, fs_hz, taps, band);
    peaks = decide(f, fs_hz);
    drop_rhythm_neutral_artefacts(peaks, f.filtered, f.mwi, fs_hz);
    refine_to_r(peaks, f.filtered, fs_hz);
  }
  // Refinement can pull two detections together; keep them at least 200 ms apart.
  std::vector<std::int64_t> out;
  const auto refractory = static_cast<std::int64_t>(samples_of(0.20, fs_hz));
  for (std::int64_t p : peaks) {
    if (!out.empty() && p - out.back() < refractory) continue;
    out.push_back(p);
  }
  return out;
}

}  // namespace

namespace {

// band: x's QRS band when the caller has it, for the chunk that holds the whole lead.
std::vector<std::int64_t> detect_lead(std::span<const float> x, double fs_hz, std::span<const double> taps, QrsDetector detector,
                                      std::span<const float> band, LearnedQrs* qrs = nullptr) {
  // Chunks of 60 s with 8 s of lead-in (the detector learns its levels there) and 2 s of lead-out;
  // only peaks inside a chunk's own 60 s are kept, so memory is bounded by the chunk, not the lead.
  const std::size_t core = samples_of(kRpeakChunkS, fs_hz), before = samples_of(8.0, fs_hz), after = samples_of(2.0, fs_hz);
  std::vector<std::int64_t> out;
  for (std::size_t start = 0; start < x.size(); start += core) {
    const std::size_t lo = start >= before ? start - before : 0;
    const std::size_t hi = std::min(x.size(), start + core + after);
    const std::size_t end = std::min(x.size(), start + core);
    const bool whole = lo == 0 && hi == x.size();
    for (std::int64_t p : detect_chunk(x.subspan(lo, hi - lo), fs_hz, taps, detector, whole ? band : std::span<const float>(), qrs)) {
      const auto at = p + static_cast<std::int64_t>(lo);
      if (at < static_cast<std::int64_t>(start) || at >= static_cast<std::int64_t>(end)) continue;
      if (!out.empty() && at - out.back() < static_cast<std::int64_t>(samples_of(0.2, fs_hz))) continue;
      out.push_back(at);
    }
  }
  return out;
}

}  // namespace

std::vector<std::int64_t> detect_rpeaks(std::span<const float> x, double fs_hz, QrsDetector detector) { return detect_rpeaks(x, fs_hz, detector, {}); }

std::vector<std::int64_t> detect_rpeaks(std::span<const float> x, double fs_hz, QrsDetector detector, std::span<const float> qrs_band) {
  if (!(fs_hz > 0) || x.size() < 3) return {};
  const auto taps = qrs_band_taps(fs_hz);
  return detect_lead(x, fs_hz, taps, detector, qrs_band.size() == x.size() ? qrs_band : std::span<const float>());
}

std::vector<std::int64_t> detect_rpeaks(std::span<const float> x, double fs_hz, LearnedQrs& qrs) {
  if (!(fs_hz > 0) || x.size() < 3) return {};
  const auto taps = qrs_band_taps(fs_hz);
  return detect_lead(x, fs_hz, taps, QrsDetector::learned, {}, &qrs);
}

std::vector<std::int64_t> detect_rpeaks(const Record& record, QrsDetector detector, const std::vector<std::vector<float>>* qrs_bands,
                                        const std::vector<LeadQuality>* leads_quality) {
  if (!(record.fs_hz > 0) || record.n_samples < 3) return {};
  const auto taps = qrs_band_taps(record.fs_hz);
  std::vector<std::vector<std::int64_t>> per_lead;
  for (std::size_t lead = 0; lead < record.n_leads(); ++lead) {
    const bool given = leads_quality && leads_quality->size() == record.n_leads();
    if (!(given ? (*leads_quality)[lead] : lead_quality(record.lead(lead))).usable()) continue;
    std::span<const float> band;
    if (qrs_bands && lead < qrs_bands->size() && (*qrs_bands)[lead].size() == record.n_samples) band = (*qrs_bands)[lead];
    per_lead.push_back(detect_lead(record.lead(lead), record.fs_hz, taps, detector, band));
  }
  if (per_lead.empty()) return {};
  if (per_lead.size() == 1) return per_lead[0];
  // Vote: pool all leads' peaks and group those within 100 ms of the group's first member. A lead's
  // vote weighs what its detections are worth in that 10-s stretch: the share of them that a
  // majority of leads confirms (+1 smoothing), so a lead full of noise detections counts little
  // where it is noisy. A group is kept when its leads' weights reach half the stretch's total
  // (all weights equal: at least half of the usable leads); the beat is at the group's median.
  struct Vote {
    std::int64_t at;
    std::size_t lead;
  };
  std::vector<Vote> pool;
  for (std::size_t l = 0; l < per_lead.size(); ++l) for (auto p : per_lead[l]) pool.push_back({p, l});
  std::sort(pool.begin(), pool.end(), [](const Vote& a, const Vote& b) { return a.at < b.at || (a.at == b.at && a.lead < b.lead); });
  const auto tolerance = static_cast<std::int64_t>(samples_of(0.10, record.fs_hz));
  const std::size_t needed = (per_lead.size() + 1) / 2, confirm = std::max<std::size_t>(2, needed);
  const auto stretch = static_cast<std::int64_t>(samples_of(10.0, record.fs_hz));
  const std::size_t stretches = static_cast<std::size_t>(static_cast<std::int64_t>(record.n_samples) / stretch + 1);
  std::vector<std::vector<double>> own(per_lead.size(), std::vector<double>(stretches, 1.0)), confirmed = own;
  auto group_end = [&](std::size_t i) {
    std::size_t j = i;
    while (j < pool.size() && pool[j].at - pool[i].at <= tolerance) ++j;
    return j;
  };
  for (std::size_t i = 0; i < pool.size();) {
    const std::size_t j = group_end(i);
    const bool ok = j - i >= confirm;
    for (std::size_t k = i; k < (ok ? j : i + 1); ++k) {
      const auto w = static_cast<std::size_t>(pool[k].at / stretch);
      own[pool[k].lead][w] += 1.0;
      if (ok) confirmed[pool[k].lead][w] += 1.0;
    }
    i = ok ? j : i + 1;
  }
  std::vector<double> total(stretches, 0.0);
  for (std::size_t l = 0; l < per_lead.size(); ++l) {
    for (std::size_t w = 0; w < stretches; ++w) own[l][w] = confirmed[l][w] / own[l][w], total[w] += own[l][w];
  }
  std::vector<std::int64_t> out;
  std::vector<std::int64_t> outvoted;  // groups that lost the vote: candidates for long gaps
  std::vector<std::int64_t> near_tie;  // groups that lost by little (two leads: a beat one lead saw)
  for (std::size_t i = 0; i < pool.size();) {
    const std::size_t j = group_end(i);
    const auto w = static_cast<std::size_t>(pool[i].at / stretch);
    double weight = 0.0;
    for (std::size_t k = i; k < j; ++k) weight += own[pool[k].lead][w];
    const std::int64_t at = pool[i + (j - i) / 2].at;
    if (weight >= 0.5 * total[w] - 1e-9) {
      if (out.empty() || at - out.back() >= static_cast<std::int64_t>(samples_of(0.2, record.fs_hz))) out.push_back(at);
      i = j;
    } else {
      if (weight >= 0.25 * total[w]) outvoted.push_back(at);
      if (weight >= 0.45 * total[w]) near_tie.push_back(at);
      ++i;
    }
  }
  // A gap of more than 1.5 median RR between kept beats means the vote lost a beat that some leads
  // saw (with two leads a beat seen by one is a tie): the outvoted group nearest the gap's middle
  // is restored when it leaves at least 0.35 of the gap on each side.
  if (out.size() >= 4 && !outvoted.empty()) {
    std::vector<std::int64_t> rr;
    for (std::size_t k = 1; k < out.size(); ++k) rr.push_back(out[k] - out[k - 1]);
    std::nth_element(rr.begin(), rr.begin() + static_cast<std::ptrdiff_t>(rr.size() / 2), rr.end());
    const double median_rr = static_cast<double>(rr[rr.size() / 2]);
    std::vector<std::int64_t> filled;
    std::size_t c = 0;
    for (std::size_t k = 0; k < out.size(); ++k) {
      filled.push_back(out[k]);
      if (k + 1 == out.size()) break;
      const std::int64_t a = out[k], b = out[k + 1], gap = b - a;
      while (c < outvoted.size() && outvoted[c] <= a) ++c;
      if (static_cast<double>(gap) <= 1.5 * median_rr) continue;
      std::int64_t best = -1;
      for (std::size_t q = c; q < outvoted.size() && outvoted[q] < b; ++q) {
        const std::int64_t v = outvoted[q];
        if (static_cast<double>(std::min(v - a, b - v)) < 0.35 * static_cast<double>(gap)) continue;
        if (best < 0 || std::llabs(2 * v - a - b) < std::llabs(2 * best - a - b)) best = v;
      }
      if (best >= 0) filled.push_back(best);
    }
    out = std::move(filled);
    // A near tie (at least 0.45 of the total weight) is a beat when it sits at least 0.5 median RR
    // from the kept beats on both sides: a premature beat seen in one of two leads.
    std::vector<std::int64_t> with_ties;
    std::size_t t = 0;
    for (std::size_t k = 0; k < out.size(); ++k) {
      while (t < near_tie.size() && near_tie[t] < out[k]) {
        const std::int64_t v = near_tie[t++];
        const bool far_before = with_ties.empty() || static_cast<double>(v - with_ties.back()) >= 0.5 * median_rr;
        if (far_before && static_cast<double>(out[k] - v) >= 0.5 * median_rr && !with_ties.empty()) with_ties.push_back(v);
      }
      with_ties.push_back(out[k]);
    }
    out = std::move(with_ties);
  }
  return out;
}

std::optional<double> heart_rate_bpm(std::span<const std::int64_t> rpeaks, double fs_hz) {
  if (rpeaks.size() < 2 || !(fs_hz > 0)) return std::nullopt;
  std::vector<double> rr;
  for (std::size_t i = 1; i < rpeaks.size(); ++i) rr.push_back(static_cast<double>(rpeaks[i] - rpeaks[i - 1]));
  std::sort(rr.begin(), rr.end());
  const double median = rr.size() % 2 ? rr[rr.size() / 2] : 0.5 * (rr[rr.size() / 2 - 1] + rr[rr.size() / 2]);
  return 60.0 * fs_hz / median;
}

}  // namespace ecg::dsp
