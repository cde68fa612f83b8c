// Linear-phase FIR design (Kaiser window; firwin-Hamming for model parity), zero-phase application,
// running median and baseline-wander removal.
#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "ecg/dsp.h"
#include "ecg/error.h"

namespace ecg::dsp {
namespace {

constexpr double kPi = std::numbers::pi;

double sinc(double x) { return x == 0.0 ? 1.0 : std::sin(kPi * x) / (kPi * x); }

// Modified Bessel function of the first kind, order 0 (power series; converges for all beta used).
double bessel_i0(double x) {
  double sum = 1.0, term = 1.0;
  const double q = x * x / 4.0;
  for (int k = 1; k < 200; ++k) {
    term *= q / (static_cast<double>(k) * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

double kaiser_beta(double attenuation_db) {
  if (attenuation_db > 50.0) return 0.1102 * (attenuation_db - 8.7);
  if (attenuation_db >= 21.0) return 0.5842 * std::pow(attenuation_db - 21.0, 0.4) + 0.07886 * (attenuation_db - 21.0);
  return 0.0;
}

std::string fmt(double v) {
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

std::vector<double> design_fir(const FirSpec& spec, double fs_hz) {
  const double nyq = fs_hz / 2.0;
  if (!(fs_hz > 0)) throw Error("FIR design: expected a sampling rate > 0 Hz, found " + fmt(fs_hz));
  const bool has_lo = spec.lo_hz > 0.0;
  const bool has_hi = spec.hi_hz > 0.0 && spec.hi_hz < nyq;
  if (!has_lo && !has_hi) throw Error("FIR design: expected a low cutoff > 0 Hz or a high cutoff below fs/2 = " + fmt(nyq) + " Hz, found neither");
  if (has_lo && has_hi && spec.lo_hz >= spec.hi_hz) {
    throw Error("FIR design: expected the low cutoff below the high cutoff, found " + fmt(spec.lo_hz) + " >= " + fmt(spec.hi_hz) + " Hz");
  }
  if (has_lo && (spec.lo_hz >= nyq || !(spec.low_transition_hz > 0) || spec.low_transition_hz > 2 * spec.lo_hz)) {
    throw Error("FIR design: low cutoff " + fmt(spec.lo_hz) + " Hz with transition " + fmt(spec.low_transition_hz) +
                " Hz: expected a cutoff below fs/2 = " + fmt(nyq) + " Hz and 0 < transition <= 2 x cutoff");
  }
  if (has_hi && (!(spec.high_transition_hz > 0) || spec.hi_hz + spec.high_transition_hz / 2 > nyq)) {
    throw Error("FIR design: high cutoff " + fmt(spec.hi_hz) + " Hz with transition " + fmt(spec.high_transition_hz) +
                " Hz: expected the stopband edge (cutoff + transition/2) at or below fs/2 = " + fmt(nyq) + " Hz");
  }
  // Kaiser: one delta for both ripple and attenuation, the tighter of the two.
  const double ripple_lin = std::pow(10.0, spec.ripple_db / 20.0);
  const double delta = std::min(std::pow(10.0, -spec.attenuation_db / 20.0), (ripple_lin - 1.0) / (ripple_lin + 1.0));
  // +3 dB: in a band-pass the two edges' ripples can add up where the transition bands' tails meet.
  const double a = -20.0 * std::log10(delta) + 3.0;
  const double beta = kaiser_beta(a);
  double tw = 1e300;
  if (has_lo) tw = std::min(tw, spec.low_transition_hz);
  if (has_hi) tw = std::min(tw, spec.high_transition_hz);
  // Kaiser's length estimate, with 5 % margin (the estimate is slightly optimistic for narrow bands).
  const double n_est = 1.05 * (a - 7.95) / (2.285 * 2.0 * kPi * tw / fs_hz) + 1.0;
  if (n_est > static_cast<double>(1 << 20)) {
    throw Error("FIR design: the spec needs about " + fmt(std::ceil(n_est)) + " taps at " + fmt(fs_hz) +
                " Hz (limit 2^20): widen the transition band");
  }
  auto n = static_cast<std::size_t>(std::ceil(n_est));
  if (n % 2 == 0) ++n;
  if (n < 3) n = 3;
  const double mid = static_cast<double>(n - 1) / 2.0;
  const double f1 = has_lo ? spec.lo_hz / fs_hz : 0.0;
  const double f2 = has_hi ? spec.hi_hz / fs_hz : 0.5;
  std::vector<double> h(n);
  const double i0_beta = bessel_i0(beta);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) - mid;
    const double ideal = 2 * f2 * sinc(2 * f2 * t) - 2 * f1 * sinc(2 * f1 * t);
    const double r = t / mid;
    h[i] = ideal * bessel_i0(beta * std::sqrt(std::max(0.0, 1.0 - r * r))) / i0_beta;
  }
  // Unit gain in the middle of the passband (DC for a low-pass, fs/2 for a high-pass).
  const double f_ref = !has_lo ? 0.0 : !has_hi ? fs_hz / 2.0 : (spec.lo_hz + spec.hi_hz) / 2.0;
  const double g = fir_gain(h, f_ref, fs_hz);
  for (double& v : h) v /= g;
  return h;
}

std::vector<double> design_bandpass_hamming(double lo_hz, double hi_hz, int taps, double fs_hz) {
  if (taps < 3 || taps % 2 == 0) throw Error("band-pass: expected an odd number of taps >= 3 (zero-phase type I FIR), found " + std::to_string(taps));
  if (!(fs_hz > 0) || !(lo_hz > 0) || !(hi_hz > lo_hz) || hi_hz >= fs_hz / 2) {
    throw Error("band-pass: expected 0 < low (" + fmt(lo_hz) + " Hz) < high (" + fmt(hi_hz) + " Hz) < fs/2 (" + fmt(fs_hz / 2) + " Hz)");
  }
  const auto n = static_cast<std::size_t>(taps);
  const double mid = static_cast<double>(n - 1) / 2.0;
  const double f1 = lo_hz / fs_hz, f2 = hi_hz / fs_hz, fc = (f1 + f2) / 2.0;
  std::vector<double> h(n);
  double norm = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) - mid;
    const double w = 0.54 - 0.46 * std::cos(2 * kPi * static_cast<double>(i) / static_cast<double>(n - 1));
    h[i] = w * (2 * f2 * sinc(2 * f2 * t) - 2 * f1 * sinc(2 * f1 * t));
    norm += h[i] * std::cos(2 * kPi * fc * t);
  }
  for (double& v : h) v /= norm;
  return h;
}

double fir_gain(std::span<const double> taps, double f_hz, double fs_hz) {
  const double mid = static_cast<double>(taps.size() - 1) / 2.0;
  double re = 0.0, im = 0.0;
  for (std::size_t i = 0; i < taps.size(); ++i) {
    const double phase = 2 * kPi * f_hz / fs_hz * (static_cast<double>(i) - mid);
    re += taps[i] * std::cos(phase);
    im -= taps[i] * std::sin(phase);
  }
  return std::hypot(re, im);
}

std::vector<float> fir_zero_phase(std::span<const float> x, std::span<const double> taps) {
  const std::size_t n = x.size();
  if (n == 0) return {};
  if (taps.size() % 2 == 0) throw Error("zero-phase FIR: expected an odd number of taps, found " + std::to_string(taps.size()));
  const std::size_t m = (taps.size() - 1) / 2;
  const std::size_t p = std::min(m, n - 1);
  // ext[j] holds x at position j - m (zeros beyond the reflected edge).
  std::vector<double> ext(n + 2 * m, 0.0);
  for (std::size_t i = 0; i < n; ++i) ext[m + i] = x[i];
  for (std::size_t i = 1; i <= p; ++i) {
    ext[m - i] = 2.0 * x[0] - x[i];
    ext[m + n - 1 + i] = 2.0 * x[n - 1] - x[n - 1 - i];
  }
  std::vector<float> y(n);
  // Symmetric taps: fold the pairs (h[m-k] = h[m+k]) to halve the multiplications. Blocks of output
  // positions with the tap loop outside: the inner loop runs over independent outputs, so it
  // vectorises (SSE/AVX, wasm-simd) while every output still sums its taps in the order k = 0, 1,
  // ..., m — the same result, bit for bit, as one output at a time.
  constexpr std::size_t kBlock = 256;
  double acc[kBlock];
  for (std::size_t t0 = 0; t0 < n; t0 += kBlock) {
    const std::size_t len = std::min(kBlock, n - t0);
    const double* c = &ext[t0 + m];
    for (std::size_t t = 0; t < len; ++t) acc[t] = taps[m] * c[t];
    for (std::size_t k = 1; k <= m; ++k) {
      const double h = taps[m - k];
      const double* ahead = c + k;
      const double* behind = c - k;
      for (std::size_t t = 0; t < len; ++t) acc[t] += h * (ahead[t] + behind[t]);
    }
    for (std::size_t t = 0; t < len; ++t) y[t0 + t] = static_cast<float>(acc[t]);
  }
  return y;
}

std::vector<float> bandpass(std::span<const float> x, double fs_hz, const FirSpec& spec) {
  const auto taps = design_fir(spec, fs_hz);
  return fir_zero_phase(x, taps);
}

std::vector<float> highpass(std::span<const float> x, double fs_hz, double cutoff_hz, double transition_hz) {
  FirSpec spec;
  spec.lo_hz = cutoff_hz;
  spec.hi_hz = 0.0;
  spec.low_transition_hz = transition_hz;
  return bandpass(x, fs_hz, spec);
}

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
    for (; lo < want_lo; ++lo) window.erase(std::lower_bound(window.begin(), window.end(), x[lo]));
    const std::size_t k = window.size();
    out[i] = k % 2 ? window[k / 2] : 0.5f * (window[k / 2 - 1] + window[k / 2]);
  }
  return out;
}

std::vector<float> remove_baseline(std::span<const float> x, double fs_hz) {
  auto odd = [&](double seconds) {
    auto w = static_cast<std::size_t>(std::lround(seconds * fs_hz));
    return w | 1u;
  };
  std::vector<float> stage1 = running_median(x, odd(0.2));
  std::vector<float> baseline = running_median(stage1, odd(0.6));
  std::vector<float> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = x[i] - baseline[i];
  return y;
}

}  // namespace ecg::dsp
