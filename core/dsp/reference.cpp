// Reference kernels of the DSP layer (see reference.h): the code the fast paths replaced, unchanged.
#include "dsp/reference.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

namespace ecg::dsp::ref {

std::vector<float> running_median(std::span<const float> x, std::size_t width) {
  const std::size_t n = x.size();
  std::vector<float> out(n);
  if (n == 0) return out;
  const std::size_t half = width / 2;
  std::vector<float> window;  // sorted samples of x[lo, hi)
  window.reserve(2 * half + 2);
  std::size_t lo = 0, hi = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t want_lo = i >= half ? i - half : 0;
    const std::size_t want_hi = std::min(n, i + half + 1);
    for (; hi < want_hi; ++hi) window.insert(std::upper_bound(window.begin(), window.end(), x[hi]), x[hi]);
    for (; lo < want_lo; ++lo) {
      // Always found unless NaN broke the window's order (then which sample goes is undefined,
      // but never one past the end).
      auto at = std::lower_bound(window.begin(), window.end(), x[lo]);
      window.erase(at != window.end() ? at : at - 1);
    }
    const std::size_t k = window.size();
    out[i] = k % 2 ? window[k / 2] : 0.5f * (window[k / 2 - 1] + window[k / 2]);
  }
  return out;
}

std::vector<float> fir_symmetric(std::span<const double> ext, std::span<const double> taps, std::size_t n) {
  const std::size_t m = (taps.size() - 1) / 2;
  std::vector<float> y(n);
  for (std::size_t t = 0; t < n; ++t) {
    double acc = taps[m] * ext[t + m];
    for (std::size_t k = 1; k <= m; ++k) acc += taps[m - k] * (ext[t + m + k] + ext[t + m - k]);
    y[t] = static_cast<float>(acc);
  }
  return y;
}

std::vector<double> beat_similarity(std::span<const float> band, std::span<const std::int64_t> pt, std::int64_t half, std::int64_t max_lag,
                                    int steps) {
  const std::size_t n = band.size();
  std::vector<double> corr(pt.size(), 0.0);
  const std::int64_t reach = half + max_lag + 1;
  // Correlation of the QRS at sample a with the one at b shifted by frac of a sample (0 <= frac < 1,
  // linear interpolation): at low rates (100 Hz) whole-sample shifts are too coarse to align beats.
  auto correlation = [&](std::int64_t a, std::int64_t b, double frac) {
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    const double m = static_cast<double>(2 * half + 1);
    for (std::int64_t d = -half; d <= half; ++d) {
      const auto k = static_cast<std::size_t>(b + d);
      const double u = band[static_cast<std::size_t>(a + d)], v = (1.0 - frac) * band[k] + frac * band[k + 1];
      sx += u, sy += v, sxx += u * u, syy += v * v, sxy += u * v;
    }
    const double cov = sxy - sx * sy / m, vx = sxx - sx * sx / m, vy = syy - sy * sy / m;
    return vx > 0 && vy > 0 ? cov / std::sqrt(vx * vy) : 0.0;
  };
  const auto fits = [&](std::int64_t p) { return p - reach >= 0 && p + reach < static_cast<std::int64_t>(n); };
  constexpr std::size_t kNeighbours = 4;
  for (std::size_t b = 0; b < pt.size(); ++b) {
    if (!fits(pt[b])) continue;
    double best = 0.0;
    for (std::size_t k = b >= kNeighbours ? b - kNeighbours : 0; k <= std::min(pt.size() - 1, b + kNeighbours); ++k) {
      if (k == b || !fits(pt[k])) continue;
      for (std::int64_t lag = -max_lag; lag < max_lag; ++lag)
        for (int st = 0; st < steps; ++st) best = std::max(best, correlation(pt[b], pt[k] + lag, static_cast<double>(st) / steps));
      best = std::max(best, correlation(pt[b], pt[k] + max_lag, 0.0));
    }
    corr[b] = best;
  }
  return corr;
}

namespace {

// In-place iterative radix-2 FFT (size a power of two).
void fft(std::vector<std::complex<double>>& a) {
  const std::size_t n = a.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const double angle = -2.0 * std::numbers::pi / static_cast<double>(len);
    const std::complex<double> wlen(std::cos(angle), std::sin(angle));
    for (std::size_t i = 0; i < n; i += len) {
      std::complex<double> w(1.0, 0.0);
      for (std::size_t k = 0; k < len / 2; ++k) {
        const std::complex<double> u = a[i + k], v = a[i + k + len / 2] * w;
        a[i + k] = u + v;
        a[i + k + len / 2] = u - v;
        w *= wlen;
      }
    }
  }
}

}  // namespace

std::vector<double> welch_power(std::span<const float> x, double fs_hz) {
  std::size_t nfft = 1;
  const std::size_t want = std::min<std::size_t>(x.size(), std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(2.0 * fs_hz))));
  while (nfft * 2 <= std::max<std::size_t>(want, 2)) nfft *= 2;
  std::vector<double> power(nfft / 2 + 1, 0.0);
  double mean = 0.0;
  for (float v : x) mean += v;
  mean /= static_cast<double>(std::max<std::size_t>(1, x.size()));
  std::vector<double> hann(nfft);
  for (std::size_t i = 0; i < nfft; ++i) hann[i] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(nfft));
  std::vector<std::complex<double>> a(nfft);
  std::size_t segments = 0;
  for (std::size_t start = 0; start + nfft <= x.size(); start += nfft / 2) {
    for (std::size_t i = 0; i < nfft; ++i) a[i] = (x[start + i] - mean) * hann[i];
    fft(a);
    for (std::size_t k = 0; k <= nfft / 2; ++k) power[k] += std::norm(a[k]);
    ++segments;
  }
  if (segments > 0) for (double& p : power) p /= static_cast<double>(segments);
  return power;
}

}  // namespace ecg::dsp::ref
