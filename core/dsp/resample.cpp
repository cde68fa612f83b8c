// Polyphase anti-aliased resampling by a rational ratio (scipy resample_poly-compatible by default).
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <optional>
#include <string>

#include "ecg/dsp.h"
#include "ecg/error.h"
#include "dsp/reference.h"

namespace ecg::dsp {
namespace {

constexpr std::int64_t kMaxRatioTerm = 1000;  // up and down at most this: filters of at most 20001 taps

double bessel_i0(double x) {
  double sum = 1.0, term = 1.0;
  const double q = x * x / 4.0;
  for (int k = 1; k < 300; ++k) {
    term *= q / (static_cast<double>(k) * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

double sinc(double x) { return x == 0.0 ? 1.0 : std::sin(std::numbers::pi * x) / (std::numbers::pi * x); }

// Low-pass prototype at the upsampled rate; returns taps and their half length.
std::vector<double> prototype(std::int64_t up, std::int64_t down, ResampleQuality quality, std::int64_t& half) {
  const std::int64_t m = std::max(up, down);
  const double beta = quality == ResampleQuality::scipy ? 5.0 : 8.0;
  half = (quality == ResampleQuality::scipy ? 10 : 40) * m;
  const double cutoff = quality == ResampleQuality::scipy ? 1.0 : 0.9;  // x the lower Nyquist
  const auto n = static_cast<std::size_t>(2 * half + 1);
  std::vector<double> h(n);
  const double i0_beta = bessel_i0(beta);
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(static_cast<std::int64_t>(i) - half);
    const double r = t / static_cast<double>(half);
    const double w = bessel_i0(beta * std::sqrt(std::max(0.0, 1.0 - r * r))) / i0_beta;
    h[i] = w * sinc(cutoff * t / static_cast<double>(m));
    sum += h[i];
  }
  for (double& v : h) v *= static_cast<double>(up) / sum;  // unit DC gain after zero-stuffing
  return h;
}

}  // namespace

Ratio resample_ratio(double fs_in_hz, double fs_out_hz) {
  if (!(fs_in_hz > 0) || !(fs_out_hz > 0) || !std::isfinite(fs_in_hz) || !std::isfinite(fs_out_hz)) {
    throw Error("resample: expected sampling rates > 0 Hz, found " + std::to_string(fs_in_hz) + " -> " + std::to_string(fs_out_hz));
  }
  if (fs_in_hz == std::floor(fs_in_hz) && fs_out_hz == std::floor(fs_out_hz) && fs_in_hz < 1e9 && fs_out_hz < 1e9) {
    const auto a = static_cast<std::int64_t>(fs_in_hz), b = static_cast<std::int64_t>(fs_out_hz);
    const std::int64_t g = std::gcd(a, b);
    if (b / g <= kMaxRatioTerm && a / g <= kMaxRatioTerm) return {b / g, a / g};  // exact
    // Integer rates whose exact ratio is too fine for a polyphase filter (e.g. 1001 -> 500, 16 kHz ->
    // 257 Hz): the best approximation below; the rate error is below 0.1 % for every rate up to 20 kHz.
  }
  // Best rational approximation of fs_out / fs_in with numerator and denominator <= 1000 (exhaustive
  // over the denominator: 1000 candidates; ties keep the smaller terms).
  const double target = fs_out_hz / fs_in_hz;
  Ratio best{0, 1};
  double best_err = std::numeric_limits<double>::infinity();
  for (std::int64_t q = 1; q <= kMaxRatioTerm; ++q) {
    const double p_real = std::round(target * static_cast<double>(q));
    for (double p_try : {p_real, p_real + 1.0}) {  // p_real may round to 0 for small targets
      const auto p = static_cast<std::int64_t>(std::max(1.0, p_try));
      if (p > kMaxRatioTerm) continue;
      const double err = std::fabs(static_cast<double>(p) / static_cast<double>(q) - target);
      if (err < best_err * (1 - 1e-12)) best = {p, q}, best_err = err;
    }
  }
  if (best.up == 0) {
    throw Error("resample: no ratio of whole numbers up to 1000 approximates " + std::to_string(fs_in_hz) + " -> " + std::to_string(fs_out_hz) + " Hz");
  }
  const std::int64_t g = std::gcd(best.up, best.down);
  return {best.up / g, best.down / g};
}

Resampler::Resampler(double fs_in_hz, double fs_out_hz, ResampleQuality quality) : ratio_(resample_ratio(fs_in_hz, fs_out_hz)) {
  const Ratio r = ratio_;
  if (r.up == r.down) return;
  if (r.up > 1000 || r.down > 1000) {
    // Integer rates with a large reduced ratio (e.g. 999 -> 1000): the polyphase filter would be huge.
    throw Error("resample: ratio " + std::to_string(r.up) + "/" + std::to_string(r.down) + " for " +
                std::to_string(fs_in_hz) + " -> " + std::to_string(fs_out_hz) + " Hz is too fine (up and down must be <= 1000)");
  }
  const std::vector<double> h = prototype(r.up, r.down, quality, half_);
  taps_ = static_cast<std::int64_t>(h.size());
  // Phase p's taps h[p], h[p + up], ... side by side: each output reads one phase front to back.
  phases_.reserve(h.size());
  for (std::int64_t p = 0; p < r.up; ++p)
    for (std::int64_t tap = p; tap < taps_; tap += r.up) phases_.push_back(h[static_cast<std::size_t>(tap)]);
}

std::vector<float> Resampler::operator()(std::span<const float> x) const {
  const Ratio r = ratio_;
  if (r.up == r.down) return {x.begin(), x.end()};
  const auto n_in = static_cast<std::int64_t>(x.size());
  const std::int64_t n_out = (n_in * r.up + r.down - 1) / r.down;
  std::vector<float> y(static_cast<std::size_t>(n_out));
  // Phase p holds ceil((taps - p) / up) taps and starts after the phases before it.
  const std::int64_t per = taps_ / r.up, longer = taps_ % r.up;  // phases < longer hold per + 1
  struct Output {
    std::int64_t k, j, count;  // x[k], x[k - 1], ... against the phase's taps j, j + 1, ... < count
    const double* h;
  };
  auto output = [&](std::int64_t m) {
    const std::int64_t pos = half_ + m * r.down;  // position in the zero-stuffed, filtered domain
    const std::int64_t k = std::min(pos / r.up, n_in - 1);
    const std::int64_t tap = pos - k * r.up, p = tap % r.up;
    return Output{k, tap / r.up, per + (p < longer ? 1 : 0), phases_.data() + p * per + std::min(p, longer)};
  };
  // Taps tap, tap + up, ... of the prototype against x[k], x[k - 1], ...: the order of the sum of
  // the plain loop over the prototype, each output on its own.
  auto one = [&](Output o) {
    double acc = 0.0;
    for (; o.k >= 0 && o.j < o.count; --o.k, ++o.j) acc += x[static_cast<std::size_t>(o.k)] * o.h[o.j];
    return static_cast<float>(acc);
  };
  // Four outputs at a time where none runs off the start of x: four independent sums side by side
  // (each still adds its own terms in its own order), not one sum's chain of additions at a time.
  constexpr std::int64_t kLanes = 4;
  std::int64_t m = 0;
  for (; m + kLanes <= n_out; m += kLanes) {
    Output o[kLanes];
    bool inside = true;
    for (std::int64_t l = 0; l < kLanes; ++l) o[l] = output(m + l), inside = inside && o[l].k - (o[l].count - o[l].j) + 1 >= 0;
    if (!inside) {
      for (std::int64_t l = 0; l < kLanes; ++l) y[static_cast<std::size_t>(m + l)] = one(o[l]);
      continue;
    }
    std::int64_t common = o[0].count - o[0].j;
    for (std::int64_t l = 1; l < kLanes; ++l) common = std::min(common, o[l].count - o[l].j);
    double acc[kLanes] = {0.0, 0.0, 0.0, 0.0};
    for (std::int64_t i = 0; i < common; ++i)
      for (std::int64_t l = 0; l < kLanes; ++l) acc[l] += x[static_cast<std::size_t>(o[l].k - i)] * o[l].h[o[l].j + i];
    for (std::int64_t l = 0; l < kLanes; ++l) {
      for (std::int64_t i = common; o[l].j + i < o[l].count; ++i) acc[l] += x[static_cast<std::size_t>(o[l].k - i)] * o[l].h[o[l].j + i];
      y[static_cast<std::size_t>(m + l)] = static_cast<float>(acc[l]);
    }
  }
  for (; m < n_out; ++m) y[static_cast<std::size_t>(m)] = one(output(m));
  return y;
}

std::vector<float> resample(std::span<const float> x, double fs_in_hz, double fs_out_hz, ResampleQuality quality) {
  return Resampler(fs_in_hz, fs_out_hz, quality)(x);
}

std::vector<float> ref::resample(std::span<const float> x, double fs_in_hz, double fs_out_hz, bool scipy_quality) {
  const Ratio r = resample_ratio(fs_in_hz, fs_out_hz);
  if (r.up == r.down) return {x.begin(), x.end()};
  std::int64_t half = 0;
  const std::vector<double> h = prototype(r.up, r.down, scipy_quality ? ResampleQuality::scipy : ResampleQuality::high, half);
  const auto n_in = static_cast<std::int64_t>(x.size());
  const std::int64_t n_out = (n_in * r.up + r.down - 1) / r.down;
  const auto n_h = static_cast<std::int64_t>(h.size());
  std::vector<float> y(static_cast<std::size_t>(n_out));
  for (std::int64_t m = 0; m < n_out; ++m) {
    const std::int64_t pos = half + m * r.down;  // position in the zero-stuffed, filtered domain
    std::int64_t k = std::min(pos / r.up, n_in - 1);
    double acc = 0.0;
    for (std::int64_t tap = pos - k * r.up; k >= 0 && tap < n_h; --k, tap += r.up) acc += x[static_cast<std::size_t>(k)] * h[static_cast<std::size_t>(tap)];
    y[static_cast<std::size_t>(m)] = static_cast<float>(acc);
  }
  return y;
}

Record resample(const Record& record, double fs_out_hz, ResampleQuality quality) {
  const Ratio r = resample_ratio(record.fs_hz, fs_out_hz);
  Record out = record;
  out.samples_mv.clear();
  std::optional<Resampler> resampler;  // designed once for all leads (not at all for a record without leads)
  for (std::size_t lead = 0; lead < record.n_leads(); ++lead) {
    if (!resampler) resampler.emplace(record.fs_hz, fs_out_hz, quality);
    std::vector<float> y = (*resampler)(record.lead(lead));
    out.n_samples = y.size();
    out.samples_mv.insert(out.samples_mv.end(), y.begin(), y.end());
  }
  if (record.n_leads() == 0) out.n_samples = static_cast<std::size_t>((static_cast<std::int64_t>(record.n_samples) * r.up + r.down - 1) / r.down);
  out.fs_hz = record.fs_hz * static_cast<double>(r.up) / static_cast<double>(r.down);
  return out;
}

}  // namespace ecg::dsp
