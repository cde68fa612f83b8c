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

Features features(std::span<const float> x, double fs_hz) {
  FirSpec spec;
  spec.lo_hz = 5.0;
  spec.low_transition_hz = 4.0;
  spec.hi_hz = std::min(20.0, 0.5 * fs_hz - 10.0);
  spec.high_transition_hz = std::min(10.0, 2.0 * (0.5 * fs_hz - spec.hi_hz));
  spec.attenuation_db = 40.0;
  spec.ripple_db = 0.5;
  Features f;
  f.filtered = bandpass(x, fs_hz, spec);
  const std::size_t n = x.size();
  f.slope.assign(n, 0.0f);
  std::vector<float> energy(n, 0.0f);
  for (std::size_t i = 1; i + 1 < n; ++i) {
    const float d = 0.5f * (f.filtered[i + 1] - f.filtered[i - 1]) * static_cast<float>(fs_hz);
    f.slope[i] = std::fabs(d);
    energy[i] = d * d;
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
      Candidate c{i, f.mwi[i], max_in(f.slope, i, slope_reach)};
      if (!cands.empty() && i - cands.back().at < refractory) {
        if (c.height > cands.back().height) cands.back() = c;
        continue;
      }
      cands.push_back(c);
    }
  }
  if (cands.empty()) return {};
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
      const double thr2 = 0.5 * (npk + 0.25 * (spk - npk));
      const double limit = 1.66 * rr_average();
      if (static_cast<double>(c.at - beats.back().at) > limit) {
        const Candidate* best = nullptr;
        for (const auto& q : noise_since_beat) {
          if (q.at - beats.back().at >= refractory && c.at - q.at >= refractory && q.height > thr2 && (!best || q.height > best->height)) best = &q;
        }
        if (best) {
          const Candidate found = *best;
          accept(found, true);
        }
      }
    }
    const double thr1 = npk + 0.25 * (spk - npk);
    if (c.height > thr1) {
      if (!beats.empty() && c.at - beats.back().at < refractory) continue;
      if (!beats.empty() && c.at - beats.back().at < t_wave_window && c.slope < 0.5f * beats.back().slope) {
        npk = 0.125 * c.height + 0.875 * npk;  // a T wave
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
void refine_to_r(std::vector<std::int64_t>& peaks, std::span<const float> x, double fs_hz) {
  const auto n = static_cast<std::int64_t>(x.size());
  const auto reach = static_cast<std::int64_t>(samples_of(0.075, fs_hz));
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

std::vector<std::int64_t> detect_chunk(std::span<const float> x, double fs_hz) {
  if (x.size() < 3) return {};
  Features f = features(x, fs_hz);
  std::vector<std::int64_t> peaks = decide(f, fs_hz);
  refine_to_r(peaks, f.filtered, fs_hz);
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

std::vector<std::int64_t> detect_rpeaks(std::span<const float> x, double fs_hz) {
  if (!(fs_hz > 0) || x.size() < 3) return {};
  // Chunks of 60 s with 8 s of lead-in (the detector learns its levels there) and 2 s of lead-out;
  // only peaks inside a chunk's own 60 s are kept, so memory is bounded by the chunk, not the lead.
  const std::size_t core = samples_of(60.0, fs_hz), before = samples_of(8.0, fs_hz), after = samples_of(2.0, fs_hz);
  std::vector<std::int64_t> out;
  for (std::size_t start = 0; start < x.size(); start += core) {
    const std::size_t lo = start >= before ? start - before : 0;
    const std::size_t hi = std::min(x.size(), start + core + after);
    const std::size_t end = std::min(x.size(), start + core);
    for (std::int64_t p : detect_chunk(x.subspan(lo, hi - lo), fs_hz)) {
      const auto at = p + static_cast<std::int64_t>(lo);
      if (at < static_cast<std::int64_t>(start) || at >= static_cast<std::int64_t>(end)) continue;
      if (!out.empty() && at - out.back() < static_cast<std::int64_t>(samples_of(0.2, fs_hz))) continue;
      out.push_back(at);
    }
  }
  return out;
}

std::vector<std::int64_t> detect_rpeaks(const Record& record) {
  if (!(record.fs_hz > 0) || record.n_samples < 3) return {};
  std::vector<std::vector<std::int64_t>> per_lead;
  for (std::size_t lead = 0; lead < record.n_leads(); ++lead) {
    if (!lead_quality(record.lead(lead)).usable()) continue;
    per_lead.push_back(detect_rpeaks(record.lead(lead), record.fs_hz));
  }
  if (per_lead.empty()) return {};
  if (per_lead.size() == 1) return per_lead[0];
  // Vote: pool all leads' peaks, group those within 100 ms of the group's first member, keep groups
  // seen by at least half of the usable leads; the beat is at the group's median position.
  std::vector<std::int64_t> pool;
  for (const auto& p : per_lead) pool.insert(pool.end(), p.begin(), p.end());
  std::sort(pool.begin(), pool.end());
  const auto tolerance = static_cast<std::int64_t>(samples_of(0.10, record.fs_hz));
  const std::size_t needed = (per_lead.size() + 1) / 2;
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < pool.size();) {
    std::size_t j = i;
    while (j < pool.size() && pool[j] - pool[i] <= tolerance) ++j;
    if (j - i >= needed) {
      const std::int64_t at = pool[i + (j - i) / 2];
      if (out.empty() || at - out.back() >= static_cast<std::int64_t>(samples_of(0.2, record.fs_hz))) out.push_back(at);
      i = j;
    } else {
      ++i;
    }
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
