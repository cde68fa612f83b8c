// A simple energy-envelope R-peak detector (slope, square, integrate, adaptive threshold, refractory
// period). It is the thin first version; a benchmarked detector replaces it behind the same API.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "ecg/dsp.h"

namespace ecg::dsp {
namespace {

// QRS energy envelope: squared central slope over ±10 ms, integrated over a centred 120 ms window,
// so the envelope's maximum sits on the QRS complex without group delay.
std::vector<float> qrs_envelope(std::span<const float> x, double fs_hz) {
  const std::size_t n = x.size();
  std::vector<float> energy(n, 0.0f);
  const std::size_t k = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(0.010 * fs_hz)));
  for (std::size_t i = k; i + k < n; ++i) {
    const float slope = x[i + k] - x[i - k];
    energy[i] = slope * slope;
  }
  const std::size_t half = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(0.060 * fs_hz)));
  std::vector<double> prefix(n + 1, 0.0);
  for (std::size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + energy[i];
  std::vector<float> envelope(n, 0.0f);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t lo = i >= half ? i - half : 0;
    const std::size_t hi = std::min(n, i + half + 1);
    envelope[i] = static_cast<float>((prefix[hi] - prefix[lo]) / static_cast<double>(hi - lo));
  }
  return envelope;
}

// |x - local mean over ±100 ms|: how far each sample stands out of its neighbourhood. The R wave
// (or the deepest S/QS wave) is the sample that stands out most inside a QRS complex.
std::vector<float> prominence(std::span<const float> x, double fs_hz) {
  const std::size_t n = x.size();
  const std::size_t half = std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(0.100 * fs_hz)));
  std::vector<double> prefix(n + 1, 0.0);
  for (std::size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + x[i];
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t lo = i >= half ? i - half : 0;
    const std::size_t hi = std::min(n, i + half + 1);
    out[i] = std::fabs(x[i] - static_cast<float>((prefix[hi] - prefix[lo]) / static_cast<double>(hi - lo)));
  }
  return out;
}

float quantile(std::vector<float> values, double q) {
  if (values.empty()) return 0.0f;
  const auto at = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(at), values.end());
  return values[at];
}

// Moves each envelope peak to the most prominent sample within ±75 ms.
void refine_to_r(std::vector<std::int64_t>& peaks, const std::vector<float>& prominent, double fs_hz) {
  const auto reach = static_cast<std::int64_t>(std::lround(0.075 * fs_hz));
  const auto n = static_cast<std::int64_t>(prominent.size());
  for (auto& p : peaks) {
    std::int64_t best = p;
    for (std::int64_t i = std::max<std::int64_t>(0, p - reach); i <= std::min(n - 1, p + reach); ++i) {
      if (prominent[i] > prominent[best]) best = i;
    }
    p = best;
  }
}

std::vector<std::int64_t> pick_peaks(const std::vector<float>& envelope, double fs_hz) {
  const float level = quantile(envelope, 0.98);
  if (!(level > 0.0f)) return {};  // flat signal: no beats to find
  const float threshold = 0.3f * level;
  const auto refractory = static_cast<std::int64_t>(std::lround(0.25 * fs_hz));
  std::vector<std::int64_t> candidates;
  for (std::size_t i = 1; i + 1 < envelope.size(); ++i) {
    if (envelope[i] >= threshold && envelope[i] >= envelope[i - 1] && envelope[i] > envelope[i + 1]) {
      candidates.push_back(static_cast<std::int64_t>(i));
    }
  }
  // Strongest first; a candidate within the refractory period of an accepted peak is not a new beat.
  std::sort(candidates.begin(), candidates.end(),
            [&](std::int64_t a, std::int64_t b) { return envelope[a] > envelope[b]; });
  std::vector<std::int64_t> peaks;
  for (std::int64_t c : candidates) {
    bool clear = std::all_of(peaks.begin(), peaks.end(), [&](std::int64_t p) { return std::llabs(p - c) >= refractory; });
    if (clear) peaks.push_back(c);
  }
  std::sort(peaks.begin(), peaks.end());
  return peaks;
}

}  // namespace

std::vector<std::int64_t> detect_rpeaks(std::span<const float> lead_mv, double fs_hz) {
  auto peaks = pick_peaks(qrs_envelope(lead_mv, fs_hz), fs_hz);
  refine_to_r(peaks, prominence(lead_mv, fs_hz), fs_hz);
  return peaks;
}

std::vector<std::int64_t> detect_rpeaks(const Record& record) {
  std::vector<float> fused(record.n_samples, 0.0f);
  std::vector<float> fused_prominence(record.n_samples, 0.0f);
  for (std::size_t lead = 0; lead < record.n_leads(); ++lead) {
    std::vector<float> envelope = qrs_envelope(record.lead(lead), record.fs_hz);
    const float level = quantile(envelope, 0.98);
    if (!(level > 0.0f)) continue;  // a flat lead adds nothing
    for (std::size_t i = 0; i < fused.size(); ++i) fused[i] += std::min(envelope[i] / level, 4.0f);
    std::vector<float> prominent = prominence(record.lead(lead), record.fs_hz);
    const float scale = quantile(prominent, 0.98);
    for (std::size_t i = 0; i < fused.size(); ++i) fused_prominence[i] += prominent[i] / scale;
  }
  auto peaks = pick_peaks(fused, record.fs_hz);
  refine_to_r(peaks, fused_prominence, record.fs_hz);
  return peaks;
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
