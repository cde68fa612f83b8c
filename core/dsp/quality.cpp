// Signal quality: the whole-lead flat/saturated check (lead_quality) and the quality index per lead
// per window (assess_lead / assess_quality): flat, clipped, lead off, implausible amplitude, no
// QRS-like structure (kurtosis of the QRS band), beat detectors that disagree, muscle noise (power
// above 40 Hz), motion artefact (an excursion far larger than the beats), mains and baseline wander
// (noted; the model's band-pass removes them). Thresholds: ecg/quality.h, docs/quality.md.
#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstdio>
#include <limits>
#include <map>
#include <numbers>
#include <numeric>
#include <optional>

#include <nlohmann/json.hpp>

#include "dsp/kernels.h"
#include "dsp/streamed.h"
#include "ecg/dsp.h"
#include "ecg/quality.h"

namespace ecg::dsp {
namespace {

float quantile(std::vector<float> values, double q) {
  if (values.empty()) return 0.0f;
  const auto at = static_cast<std::size_t>(q * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(at), values.end());
  return values[at];
}

// quantile(values, q) for each of qs (ascending), from one copy: each order statistic is found in the
// part above the previous one (nth_element leaves every larger value there), so the values are
// those of separate quantile() calls. The values must not be NaN (their order would be undefined).
template <std::size_t N>
std::array<float, N> quantiles(std::vector<float> values, const std::array<double, N>& qs) {
  std::array<float, N> out{};
  if (values.empty()) return out;
  std::size_t from = 0;
  for (std::size_t i = 0; i < N; ++i) {
    const auto at = static_cast<std::size_t>(qs[i] * static_cast<double>(values.size() - 1));
    if (at >= from) {
      std::nth_element(values.begin() + static_cast<std::ptrdiff_t>(from), values.begin() + static_cast<std::ptrdiff_t>(at), values.end());
      from = at;
    }
    out[i] = values[at];
  }
  return out;
}

std::size_t samples_of(double seconds, double fs_hz) {
  return std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(seconds * fs_hz)));
}

std::string fmt(const char* format, double a, double b = 0.0, double c = 0.0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, format, a, b, c);
  return buf;
}

// The windows' spectra: an in-place iterative radix-2 FFT (size a power of two) over separate real
// and imaginary parts, with its twiddle factors and the Hann window computed once per size (and
// not once per segment). Each twiddle factor comes from the recurrence w *= exp(-2 pi i / len) from
// w = 1 and every product is (ar br - ai bi, ar bi + ai br), as in the std::complex FFT it replaced
// (ref::fft): the same values, without std::complex's NaN checks (the samples are finite).
class Fft {
 public:
  explicit Fft(std::size_t n) : n_(n), hann_(n) {
    for (std::size_t i = 0; i < n; ++i) hann_[i] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n));
    for (std::size_t len = 2; len <= n; len <<= 1) {
      const double angle = -2.0 * std::numbers::pi / static_cast<double>(len);
      const double lr = std::cos(angle), li = std::sin(angle);
      double wr = 1.0, wi = 0.0;
      for (std::size_t k = 0; k < len / 2; ++k) {
        wr_.push_back(wr), wi_.push_back(wi);
        const double r = wr * lr - wi * li, i = wr * li + wi * lr;
        wr = r, wi = i;
      }
    }
  }
  std::size_t size() const { return n_; }
  const std::vector<double>& hann() const { return hann_; }
  void operator()(std::vector<double>& re, std::vector<double>& im) const {
    const std::size_t n = n_;
    for (std::size_t i = 1, j = 0; i < n; ++i) {
      std::size_t bit = n >> 1;
      for (; j & bit; bit >>= 1) j ^= bit;
      j ^= bit;
      if (i < j) std::swap(re[i], re[j]), std::swap(im[i], im[j]);
    }
    std::size_t table = 0;  // this len's twiddle factors start here
    for (std::size_t len = 2; len <= n; len <<= 1) {
      const std::size_t h = len / 2;
      const double* wr = &wr_[table];
      const double* wi = &wi_[table];
      for (std::size_t i = 0; i < n; i += len) {
        for (std::size_t k = 0; k < h; ++k) {
          const double ur = re[i + k], ui = im[i + k], xr = re[i + k + h], xi = im[i + k + h];
          const double vr = xr * wr[k] - xi * wi[k], vi = xr * wi[k] + xi * wr[k];
          re[i + k] = ur + vr, im[i + k] = ui + vi;
          re[i + k + h] = ur - vr, im[i + k + h] = ui - vi;
        }
      }
      table += h;
    }
  }

 private:
  std::size_t n_;
  std::vector<double> hann_, wr_, wi_;
};

// Welch power spectrum (Hann, 50 % overlap, segments of about 2 s): power per bin, bin width fs/nfft.
struct Spectrum {
  std::vector<double> power;
  double bin_hz = 1.0;
  double band(double lo_hz, double hi_hz) const {
    double s = 0.0;
    for (std::size_t k = 0; k < power.size(); ++k) {
      const double f = static_cast<double>(k) * bin_hz;
      if (f >= lo_hz && f < hi_hz) s += power[k];
    }
    return s;
  }
};

// The FFT size for a window of `samples`: the largest power of two within about 2 s.
std::size_t welch_size(std::size_t samples, double fs_hz) {
  std::size_t nfft = 1;
  const std::size_t want = std::min<std::size_t>(samples, samples_of(2.0, fs_hz));
  while (nfft * 2 <= std::max<std::size_t>(want, 2)) nfft *= 2;
  return nfft;
}

// fft: an Fft of welch_size(x.size(), fs_hz).
Spectrum welch(std::span<const float> x, double fs_hz, const Fft& fft) {
  const std::size_t nfft = fft.size();
  Spectrum s;
  s.bin_hz = fs_hz / static_cast<double>(nfft);
  s.power.assign(nfft / 2 + 1, 0.0);
  double mean = 0.0;
  for (float v : x) mean += v;
  mean /= static_cast<double>(std::max<std::size_t>(1, x.size()));
  const std::vector<double>& hann = fft.hann();
  std::vector<double> re(nfft), im(nfft);
  std::size_t segments = 0;
  for (std::size_t start = 0; start + nfft <= x.size(); start += nfft / 2) {
    for (std::size_t i = 0; i < nfft; ++i) re[i] = (x[start + i] - mean) * hann[i], im[i] = 0.0;
    fft(re, im);
    for (std::size_t k = 0; k <= nfft / 2; ++k) s.power[k] += std::norm(std::complex<double>(re[k], im[k]));
    ++segments;
  }
  if (segments > 0) for (double& p : s.power) p /= static_cast<double>(segments);
  return s;
}

// Kurtosis (not excess: Gaussian noise is 3) of x.
double kurtosis(std::span<const float> x) {
  if (x.size() < 4) return 0.0;
  double mean = 0.0;
  for (float v : x) mean += v;
  mean /= static_cast<double>(x.size());
  double m2 = 0.0, m4 = 0.0;
  for (float v : x) {
    const double d = v - mean, d2 = d * d;
    m2 += d2, m4 += d2 * d2;
  }
  m2 /= static_cast<double>(x.size()), m4 /= static_cast<double>(x.size());
  return m2 > 0 ? m4 / (m2 * m2) : 0.0;
}

// The 5-25 Hz QRS band's spec (zero phase), narrowed for low rates; none where the band does not fit
// (the lead is used as it is).
std::optional<FirSpec> qrs_band_spec_of_gate(double fs_hz, std::size_t n) {
  FirSpec spec;
  spec.lo_hz = 5.0;
  spec.low_transition_hz = 4.0;
  spec.hi_hz = std::min(25.0, 0.5 * fs_hz - 6.0);
  spec.high_transition_hz = std::min(10.0, 2.0 * (0.5 * fs_hz - spec.hi_hz) - 1.0);
  spec.attenuation_db = 40.0;
  spec.ripple_db = 0.5;
  if (!(spec.hi_hz > spec.lo_hz + 2.0) || spec.high_transition_hz <= 0.5 || n < 8) return std::nullopt;
  return spec;
}

std::vector<float> qrs_band(std::span<const float> x, double fs_hz) {
  const std::optional<FirSpec> spec = qrs_band_spec_of_gate(fs_hz, x.size());
  if (!spec) return std::vector<float>(x.begin(), x.end());
  return bandpass(x, fs_hz, *spec);
}

bool same_spec(const FirSpec& a, const FirSpec& b) {
  return a.lo_hz == b.lo_hz && a.hi_hz == b.hi_hz && a.low_transition_hz == b.low_transition_hz && a.high_transition_hz == b.high_transition_hz &&
         a.attenuation_db == b.attenuation_db && a.ripple_db == b.ripple_db;
}

// What assess_quality reuses of a lead's assessment: its QRS band when it is the R-peak detector's
// band too, and its classical detections.
struct LeadWork {
  std::vector<float> band;
  bool detector_band = false;
  std::vector<std::int64_t> pt;
};

// A stretch of a lead's QRS band: samples [b0, b0 + v.size()) of the band of a lead of n samples.
struct BandView {
  std::span<const float> v;
  std::size_t b0 = 0, n = 0;
  float operator[](std::size_t i) const { return v[i - b0]; }
  std::span<const float> span(std::size_t from, std::size_t len) const { return v.subspan(from - b0, len); }
};

// Amplitude threshold on |band|: 35 % of a robust per-2-s maximum (98th percentile of |band| in a
// 4-s neighbourhood), local maximum, 250 ms refractory (keep the larger). Resumable: samples
// [from, to) of the scan, the detections so far in out / heights; the view covers [from - 2 block - 1,
// to + 2 block + 1) (clipped to the lead).
struct SimplePeaks {
  std::vector<std::int64_t> out;
  std::vector<float> heights;
  void scan(const BandView& band, double fs_hz, std::size_t from, std::size_t to) {
    const std::size_t n = band.n;
    if (n < 3) return;
    const std::size_t block = samples_of(2.0, fs_hz);
    auto level = [&](std::size_t b) {
      const std::size_t lo = b * block >= block ? b * block - block : 0, hi = std::min(n, (b + 2) * block);
      std::vector<float> a;
      a.reserve(hi - lo);
      for (std::size_t i = lo; i < hi; ++i) a.push_back(std::fabs(band[i]));
      return quantile(std::move(a), 0.98);
    };
    const auto refractory = static_cast<std::int64_t>(samples_of(0.25, fs_hz));
    std::size_t level_of = ~std::size_t{0};
    float level_b = 0.0f;
    for (std::size_t i = std::max<std::size_t>(from, 1); i + 1 < n && i < to; ++i) {
      if (i / block != level_of) level_of = i / block, level_b = level(level_of);
      const float v = std::fabs(band[i]);
      if (v < 0.35f * level_b || v < std::fabs(band[i - 1]) || v <= std::fabs(band[i + 1])) continue;
      const auto at = static_cast<std::int64_t>(i);
      if (!out.empty() && at - out.back() < refractory) {
        if (v > heights.back()) out.back() = at, heights.back() = v;
        continue;
      }
      out.push_back(at);
      heights.push_back(v);
    }
  }
};

std::vector<std::int64_t> simple_peaks(const std::vector<float>& band, double fs_hz) {
  SimplePeaks sp;
  sp.scan(BandView{band, 0, band.size()}, fs_hz, 0, band.size());
  return std::move(sp.out);
}

std::vector<float> finite_copy(std::span<const float> x, std::size_t& non_finite) {
  std::vector<float> y(x.begin(), x.end());
  non_finite = 0;
  for (float& v : y) {
    if (!std::isfinite(v)) v = 0.0f, ++non_finite;
  }
  return y;
}

}  // namespace

namespace fast {

std::vector<double> welch_power(std::span<const float> x, double fs_hz) { return welch(x, fs_hz, Fft(welch_size(x.size(), fs_hz))).power; }

std::vector<double> beat_similarity(std::span<const float> band, std::span<const std::int64_t> pt, std::int64_t half, std::int64_t max_lag,
                                    int steps) {
  const auto n = static_cast<std::int64_t>(band.size());
  std::vector<double> corr(pt.size(), 0.0);
  const std::int64_t reach = half + max_lag + 1;
  const auto fits = [&](std::int64_t p) { return p - reach >= 0 && p + reach < n; };
  const double m = static_cast<double>(2 * half + 1);
  const auto len = static_cast<std::size_t>(2 * half + 1);      // samples per correlation
  const auto lags = static_cast<std::size_t>(2 * max_lag + 1);  // shifts -max_lag .. max_lag
  const std::size_t reach_len = len + lags - 1;                 // a neighbour's samples over all shifts
  const auto n_steps = static_cast<std::size_t>(steps);
  // A neighbour's interpolated samples v (per fractional step) and, per shift, the sums of v and v^2.
  // Whole shifts run -max_lag .. max_lag - 1 for every step and +max_lag for step 0 (fraction 0).
  struct Neighbour {
    std::size_t beat = ~std::size_t{0};
    std::vector<double> v, sy, syy;
  };
  constexpr std::size_t kNeighbours = 4, kRing = 2 * kNeighbours + 1;
  std::vector<Neighbour> ring(kRing);
  auto neighbour = [&](std::size_t k) -> const Neighbour& {
    Neighbour& w = ring[k % kRing];
    if (w.beat == k) return w;
    w.beat = k;
    w.v.resize(n_steps * reach_len);
    w.sy.assign(n_steps * lags, 0.0);
    w.syy.assign(n_steps * lags, 0.0);
    const std::int64_t first = pt[k] - max_lag - half;
    for (std::size_t st = 0; st < n_steps; ++st) {
      const double frac = static_cast<double>(st) / steps;
      double* v = &w.v[st * reach_len];
      for (std::size_t i = 0; i < reach_len; ++i) {
        const auto at = static_cast<std::size_t>(first + static_cast<std::int64_t>(i));
        v[i] = (1.0 - frac) * band[at] + frac * band[at + 1];
      }
      for (std::size_t j = 0; j < (st == 0 ? lags : lags - 1); ++j) {
        double sy = 0, syy = 0;
        for (std::size_t d = 0; d < len; ++d) sy += v[j + d], syy += v[j + d] * v[j + d];
        w.sy[st * lags + j] = sy, w.syy[st * lags + j] = syy;
      }
    }
    return w;
  };
  std::vector<double> u(len), sxy(lags);
  for (std::size_t b = 0; b < pt.size(); ++b) {
    if (!fits(pt[b])) continue;
    double sx = 0, sxx = 0;
    for (std::size_t d = 0; d < len; ++d) {
      u[d] = band[static_cast<std::size_t>(pt[b] - half + static_cast<std::int64_t>(d))];
      sx += u[d], sxx += u[d] * u[d];
    }
    const double vx = sxx - sx * sx / m;
    double best = 0.0;
    for (std::size_t k = b >= kNeighbours ? b - kNeighbours : 0; k <= std::min(pt.size() - 1, b + kNeighbours); ++k) {
      if (k == b || !fits(pt[k])) continue;
      const Neighbour& w = neighbour(k);
      for (std::size_t st = 0; st < n_steps; ++st) {
        const std::size_t shifts = st == 0 ? lags : lags - 1;
        const double* v = &w.v[st * reach_len];
        std::fill(sxy.begin(), sxy.begin() + static_cast<std::ptrdiff_t>(shifts), 0.0);
        for (std::size_t d = 0; d < len; ++d) {
          const double ud = u[d];
          const double* row = v + d;
          for (std::size_t j = 0; j < shifts; ++j) sxy[j] += ud * row[j];
        }
        for (std::size_t j = 0; j < shifts; ++j) {
          const double sy = w.sy[st * lags + j], syy = w.syy[st * lags + j];
          const double cov = sxy[j] - sx * sy / m, vy = syy - sy * sy / m;
          best = std::max(best, vx > 0 && vy > 0 ? cov / std::sqrt(vx * vy) : 0.0);
        }
      }
    }
    corr[b] = best;
  }
  return corr;
}

}  // namespace fast

LeadQuality lead_quality(std::span<const float> x) {
  LeadQuality q;
  if (x.empty()) {
    q.flat = true;
    return q;
  }
  // Subsample for long leads: percentiles need no more than ~200k values.
  const std::size_t step = std::max<std::size_t>(1, x.size() / 200000);
  std::vector<float> v;
  for (std::size_t i = 0; i < x.size(); i += step) v.push_back(x[i]);
  const bool has_nan = std::any_of(v.begin(), v.end(), [](float s) { return std::isnan(s); });
  const auto [p01, p99] = has_nan ? std::array<float, 2>{quantile(v, 0.01), quantile(v, 0.99)} : quantiles<2>(v, {0.01, 0.99});
  q.flat = !(p99 - p01 >= 0.02f) || !std::isfinite(p99 - p01);
  const auto [mn, mx] = std::minmax_element(v.begin(), v.end());
  if (*mx > *mn) {
    std::size_t at_rail = 0;
    for (float s : v) at_rail += (s == *mn || s == *mx);
    q.saturated = static_cast<double>(at_rail) >= 0.02 * static_cast<double>(v.size());
  }
  return q;
}

std::vector<LeadQuality> lead_quality(const Record& record) {
  std::vector<LeadQuality> out;
  out.reserve(record.n_leads());
  for (std::size_t k = 0; k < record.n_leads(); ++k) out.push_back(lead_quality(record.lead(k)));
  return out;
}

std::vector<std::int64_t> detect_rpeaks_simple(std::span<const float> x, double fs_hz) {
  if (!(fs_hz > 0) || x.size() < 3) return {};
  std::size_t bad = 0;
  const std::vector<float> clean = finite_copy(x, bad);
  return simple_peaks(qrs_band(clean, fs_hz), fs_hz);
}

double beat_agreement(std::span<const std::int64_t> a, std::span<const std::int64_t> b, std::int64_t tolerance) {
  if (a.empty() && b.empty()) return 1.0;
  std::size_t i = 0, j = 0, matched = 0;
  while (i < a.size() && j < b.size()) {
    if (std::llabs(a[i] - b[j]) <= tolerance) ++matched, ++i, ++j;
    else if (a[i] < b[j]) ++i;
    else ++j;
  }
  return 2.0 * static_cast<double>(matched) / static_cast<double>(a.size() + b.size());
}

namespace {

// whole: the QRS band of the whole lead at once (the plain path); else a stretch at a time
// (dsp/streamed.h: the same band values), in two passes (the detections and beat similarities, then
// the windows), so memory is bounded by a chunk, not the lead. The same report either way.
LeadQualityReport assess_lead_with(std::span<const float> raw, double fs_hz, const std::string& name, const QualityThresholds& t, LeadWork& work,
                                   bool whole) {
  LeadQualityReport r;
  r.lead = name;
  const std::size_t n = raw.size();
  if (n == 0 || !(fs_hz > 0)) {
    WindowQuality w;
    w.usable = false;
    w.reasons.push_back("no samples");
    r.windows.push_back(w);
    r.usable = false, r.usable_share = 0.0, r.reasons = w.reasons;
    return r;
  }
  // Non-finite samples read as 0 (a copy only where there are some).
  std::size_t bad_total = 0;
  for (float v : raw) bad_total += !std::isfinite(v);
  std::vector<float> finite;
  if (bad_total > 0) finite = finite_copy(raw, bad_total);
  const std::span<const float> x = bad_total > 0 ? std::span<const float>(finite) : raw;
  // Where the gate's band is the detector's own (the same spec: 500 Hz, 360 Hz, ...), the detector
  // does not filter the lead again.
  const std::optional<FirSpec> spec = qrs_band_spec_of_gate(fs_hz, x.size());
  work.detector_band = spec && same_spec(*spec, qrs_band_spec(fs_hz));
  const std::vector<double> taps = spec ? design_fir(*spec, fs_hz) : std::vector<double>();
  // The band over [lo, hi) (the lead itself where the band does not fit, as qrs_band).
  std::vector<float> stretch_band;
  auto band_over = [&](std::size_t lo, std::size_t hi) -> BandView {
    lo = std::min(lo, n), hi = std::min(hi, n);
    if (!spec) stretch_band.assign(x.begin() + static_cast<std::ptrdiff_t>(lo), x.begin() + static_cast<std::ptrdiff_t>(hi));
    else stretch_band = streamed::fir_zero_phase_range(streamed::Piece{x, 0, n}, taps, lo, hi);
    return BandView{stretch_band, lo, n};
  };
  if (whole) work.band = spec ? fir_zero_phase(x, taps) : std::vector<float>(x.begin(), x.end());  // == qrs_band(x, fs_hz)
  // The gate's agreement check compares the classical detector with simple peaks: its thresholds
  // were tuned on those detections (docs/quality.md), and they are independent of the learned one.
  // (A streamed lead is longer than one detector chunk: the detector filters its chunks itself.)
  work.pt = detect_rpeaks(x, fs_hz, QrsDetector::classical, whole && work.detector_band ? std::span<const float>(work.band) : std::span<const float>());
  const std::vector<std::int64_t>& pt = work.pt;
  const auto tolerance = static_cast<std::int64_t>(samples_of(0.15, fs_hz));
  const bool has_hf = 0.5 * fs_hz >= 60.0;

  // Beat similarity: each beat's QRS (QRS band, +-100 ms) against its neighbours (up to 4 beats either
  // side), the best correlation over shifts of +-20 ms. A beat like at least one neighbour is a beat:
  // bigeminy and trigeminy keep their two shapes (every ectopic beat has an ectopic neighbour within
  // 3 beats), and a biphasic QRS marked at its positive or negative peak is matched by the shift,
  // while detections in noise resemble nothing. (Against one median beat, ectopy read as noise.)
  const auto half = static_cast<std::int64_t>(samples_of(0.10, fs_hz));
  const auto max_lag = static_cast<std::int64_t>(samples_of(0.02, fs_hz));
  const int steps = std::max(1, static_cast<int>(std::lround(400.0 / fs_hz)));  // shifts of about 2.5 ms or finer

  const std::size_t wlen = std::max<std::size_t>(samples_of(t.window_s, fs_hz), 8);
  std::vector<std::size_t> starts;
  for (std::size_t s = 0; s < n; s += wlen) starts.push_back(s);
  if (starts.size() > 1 && n - starts.back() < wlen / 2) starts.pop_back();  // a short tail joins the last window
  // Chunks of whole windows, about streamed::chunk_samples each (one chunk: the whole lead).
  std::vector<std::size_t> chunk_at{0};  // first window of each chunk, then starts.size()
  if (!whole) {
    const std::size_t per = std::max<std::size_t>(1, streamed::chunk_samples(fs_hz) / wlen);
    for (std::size_t k = per; k < starts.size(); k += per) chunk_at.push_back(k);
  }
  chunk_at.push_back(starts.size());
  auto chunk_lo = [&](std::size_t c) { return starts[chunk_at[c]]; };
  auto chunk_hi = [&](std::size_t c) { return chunk_at[c + 1] < starts.size() ? starts[chunk_at[c + 1]] : n; };

  std::vector<std::int64_t> simple;
  std::vector<double> corr;
  if (whole) {
    simple = simple_peaks(work.band, fs_hz);
    corr = fast::beat_similarity(work.band, pt, half, max_lag, steps);
  } else {
    // Pass 1: simple peaks, resumed chunk by chunk, and each beat's similarity from the band
    // around it and its neighbours (up to 4 beats either side; dsp/kernels.h beat_similarity reads
    // +-reach around each, and a beat fits where its reach lies inside the lead).
    const std::size_t block = samples_of(2.0, fs_hz);
    const auto reach = half + max_lag + 1;
    SimplePeaks sp;
    corr.assign(pt.size(), 0.0);
    std::size_t b0 = 0;
    for (std::size_t c = 0; c + 1 < chunk_at.size(); ++c) {
      const std::size_t c0 = chunk_lo(c), c1 = chunk_hi(c);
      std::size_t b1 = b0;
      while (b1 < pt.size() && pt[b1] < static_cast<std::int64_t>(c1)) ++b1;
      auto lo = static_cast<std::int64_t>(c0) - 2 * static_cast<std::int64_t>(block) - 1, hi = static_cast<std::int64_t>(c1 + 2 * block + 1);
      const std::size_t f = b0 >= 4 ? b0 - 4 : 0, l = std::min(pt.size(), b1 + 4);
      if (b1 > b0) lo = std::min(lo, pt[f] - reach), hi = std::max(hi, pt[l - 1] + reach + 1);
      const BandView band = band_over(static_cast<std::size_t>(std::max<std::int64_t>(0, lo)), static_cast<std::size_t>(std::max<std::int64_t>(0, hi)));
      sp.scan(band, fs_hz, c0, c1);
      if (b1 > b0) {
        const auto s0 = static_cast<std::size_t>(std::max<std::int64_t>(0, pt[f] - reach));
        const auto s1 = static_cast<std::size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(n), pt[l - 1] + reach + 1));
        std::vector<std::int64_t> local(pt.begin() + static_cast<std::ptrdiff_t>(f), pt.begin() + static_cast<std::ptrdiff_t>(l));
        for (std::int64_t& p : local) p -= static_cast<std::int64_t>(s0);
        const std::vector<double> part = fast::beat_similarity(band.span(s0, s1 - s0), local, half, max_lag, steps);
        for (std::size_t b = b0; b < b1; ++b) corr[b] = part[b - f];
      }
      b0 = b1;
    }
    simple = std::move(sp.out);
  }
  // Beats and simple peaks of the window [lo, hi) (both lists ascending).
  auto in_window = [](const std::vector<std::int64_t>& v, std::size_t lo, std::size_t hi) {
    const auto a = std::lower_bound(v.begin(), v.end(), static_cast<std::int64_t>(lo));
    const auto b = std::lower_bound(a, v.end(), static_cast<std::int64_t>(hi));
    return std::pair<std::size_t, std::size_t>(static_cast<std::size_t>(a - v.begin()), static_cast<std::size_t>(b - v.begin()));
  };
  std::size_t usable_samples = 0;
  std::optional<Fft> fft;  // the windows' FFT (a lead's windows share one size)
  std::map<std::string, std::pair<std::size_t, std::string>> reason_count;  // by kind: windows, first wording
  std::vector<std::string> reason_order;                                      // kinds in the order first seen
  // Pass 2 (the only one for a whole lead): the windows, a chunk's band at a time.
  BandView band{work.band, 0, n};
  std::size_t next_chunk = 0;
  for (std::size_t k = 0; k < starts.size(); ++k) {
    if (!whole && next_chunk + 1 < chunk_at.size() && k == chunk_at[next_chunk]) {
      band = band_over(chunk_lo(next_chunk), chunk_hi(next_chunk));
      ++next_chunk;
    }
    WindowQuality w;
    w.start = starts[k];
    w.length = (k + 1 < starts.size() ? starts[k + 1] : n) - w.start;
    const std::span<const float> xw(x.data() + w.start, w.length), bw = band.span(w.start, w.length);
    std::size_t bad = 0;
    for (std::size_t i = w.start; i < w.start + w.length; ++i) bad += !std::isfinite(raw[i]);
    auto fail = [&](const std::string& key, std::string text) {
      auto& [count, first] = reason_count[key];
      if (count++ == 0) first = text, reason_order.push_back(key);
      w.reasons.push_back(std::move(text));
    };
    if (bad > 0) fail("non-finite", std::to_string(bad) + " samples are not numbers (NaN or infinite)");
    // The window's order statistics (x is finite): its minimum, 0.5th percentile, median, 99.5th and
    // maximum, each the value a full sort would hold at that place.
    const auto [lowest, p005, p50, p995, highest] = quantiles<5>(std::vector<float>(xw.begin(), xw.end()), {0.0, 0.005, 0.5, 0.995, 1.0});
    const double median = p50;
    w.range_mv = static_cast<double>(p995) - p005;
    double max_dev = 0.0;
    for (float v : xw) max_dev = std::max(max_dev, std::fabs(static_cast<double>(v) - median));
    // Longest run of one repeated value (a pinned or disconnected input).
    std::size_t run = 1, longest = 1;
    for (std::size_t i = 1; i < xw.size(); ++i) {
      run = xw[i] == xw[i - 1] ? run + 1 : 1;
      longest = std::max(longest, run);
    }
    const bool flat = !(w.range_mv >= t.flat_mv);
    // Clipping: samples at the window's extreme, counted on a side only when that extreme lies far from
    // the baseline (>= 30 % of the span from the median): a recorder's limit cuts the QRS peaks off,
    // while a coarsely quantised signal (PTB-XL: 5 uV steps) also repeats its baseline minimum.
    std::size_t at_rail = 0;
    if (highest > lowest) {
      const double span = static_cast<double>(highest) - lowest;
      const bool low_far = median - lowest >= 0.3 * span, high_far = highest - median >= 0.3 * span;
      for (float v : xw) at_rail += (low_far && v == lowest) || (high_far && v == highest);
    }
    const double rail_share = static_cast<double>(at_rail) / static_cast<double>(xw.size());
    if (flat) fail("flat", fmt("flat: %.3f mV peak to peak (an ECG lead moves at least %.2f mV): electrode off or lead not connected", w.range_mv, t.flat_mv));
    else if (static_cast<double>(longest) >= t.lead_off_s * fs_hz) fail("lead off", fmt("lead off: the signal stays at one value for %.1f s", static_cast<double>(longest) / fs_hz));
    if (rail_share >= t.saturated_share) fail("clipped", fmt("clipped: %.0f %% of samples sit at the recorder's limits", 100.0 * rail_share));
    if (max_dev > t.implausible_mv) fail("implausible amplitude", fmt("implausible amplitude: %.3g mV from the baseline (an ECG stays within about %.0f mV)", max_dev, t.implausible_mv));
    // QRS-like structure: the QRS band of an ECG is peaky (kurtosis well above 3); noise is not.
    w.kurtosis = kurtosis(bw);
    w.beats = 0;
    const auto [pa, pz] = in_window(pt, w.start, w.start + w.length);
    const auto [sa, sz] = in_window(simple, w.start, w.start + w.length);
    const std::vector<std::int64_t> a(pt.begin() + static_cast<std::ptrdiff_t>(pa), pt.begin() + static_cast<std::ptrdiff_t>(pz));
    const std::vector<std::int64_t> b(simple.begin() + static_cast<std::ptrdiff_t>(sa), simple.begin() + static_cast<std::ptrdiff_t>(sz));
    w.beats = a.size();
    {
      std::vector<float> c;
      for (std::size_t bi = pa; bi < pz; ++bi) c.push_back(static_cast<float>(corr[bi]));
      w.similarity = c.empty() ? 0.0 : quantile(c, 0.5);
    }
    w.agreement = beat_agreement(a, b, tolerance);
    // Beat height in the QRS band, and the largest excursion.
    std::vector<float> heights;
    for (std::int64_t p : a) {
      float h = 0.0f;
      const auto lo = std::max<std::int64_t>(static_cast<std::int64_t>(w.start), p - tolerance);
      const auto hi = std::min<std::int64_t>(static_cast<std::int64_t>(w.start + w.length), p + tolerance + 1);
      for (std::int64_t i = lo; i < hi; ++i) h = std::max(h, std::fabs(band[static_cast<std::size_t>(i)]));
      heights.push_back(h);
    }
    float biggest = 0.0f;
    for (float v : bw) biggest = std::max(biggest, std::fabs(v));
    const float beat_height = quantile(heights, 0.5);
    w.artefact_ratio = beat_height > 0 ? biggest / beat_height : 0.0;
    const std::size_t nfft = welch_size(xw.size(), fs_hz);
    if (!fft || fft->size() != nfft) fft.emplace(nfft);
    const Spectrum s = welch(xw, fs_hz, *fft);
    const double qrs = s.band(5.0, 25.0);
    // A mains line spreads over the Hann window's main lobe (+-2 bins) and its first side lobes: +-3
    // bins (at least +-1 Hz) hold it. With +-1 Hz only, about a tenth of a 0.1 mV hum counted as
    // muscle noise and small leads were marked unusable for hum the filters remove.
    const double line = std::max(1.0, 3.0 * s.bin_hz);
    double mains = 0.0;
    std::string mains_hz;
    for (double f0 : {50.0, 60.0}) {
      if (f0 + line >= 0.5 * fs_hz) continue;
      const double m = s.band(f0 - line, f0 + line);
      if (m > mains) mains = m, mains_hz = f0 == 50.0 ? "50" : "60";
    }
    double hf = 0.0;
    if (has_hf) {
      const double top = std::min(150.0, 0.5 * fs_hz);
      hf = s.band(40.0, top);
      // Lines and their harmonics, each counted once (50 and 60 Hz overlap when the bins are coarse).
      double covered = 40.0;
      for (double f0 : {50.0, 60.0, 100.0, 120.0}) {
        const double lo = std::max(covered, f0 - line), hi = std::min(top, f0 + line);
        if (hi > lo) hf -= s.band(lo, hi);
        covered = std::max(covered, hi);
      }
      hf = std::max(0.0, hf);
    }
    const double low = s.band(0.0, 0.7), below40 = s.band(0.0, 40.0);
    w.hf_ratio = qrs > 0 ? hf / qrs : 0.0;
    w.mains_ratio = qrs > 0 ? mains / qrs : 0.0;
    w.wander_ratio = below40 > 0 ? low / below40 : 0.0;
    if (!flat) {
      if (w.kurtosis < t.min_kurtosis) fail("no ECG", fmt("no QRS-like structure: the QRS band looks like noise (kurtosis %.1f, an ECG is above %.1f)", w.kurtosis, t.min_kurtosis));
      else if (w.similarity < t.min_similarity) fail("unalike", fmt("beats unlike each other: a beat's QRS correlates %.2f (median) with its most similar neighbour (at least %.2f)", w.similarity, t.min_similarity));
      else if (w.agreement < t.min_agreement) fail("beats", fmt("beats not detectable: two detectors agree on %.0f %% of beats (at least %.0f %% needed)", 100.0 * w.agreement, 100.0 * t.min_agreement));
      if (has_hf && w.hf_ratio > t.max_hf_ratio) fail("muscle", fmt("muscle noise: power above 40 Hz is %.0f %% of the QRS band's (at most %.0f %%)", 100.0 * w.hf_ratio, 100.0 * t.max_hf_ratio));
      if (w.artefact_ratio > t.max_artefact_ratio) fail("motion", fmt("motion artefact: an excursion %.0f times the height of the beats", w.artefact_ratio));
      // Mains never makes a lead unusable: every consumer filters it out (the model's band-pass stops at
      // 45 Hz, beats and delineation low-pass at 40 Hz, the checks above use the 5-25 Hz band), and a
      // lead with nothing but hum (electrode off) fails those checks. Zeroing a lead for hum the filters
      // remove changed the model's decisions on noisy copies (docs/quality.md).
      if (w.mains_ratio > t.mains_note_ratio) w.notes.push_back("mains interference at " + mains_hz + " Hz (removed by the filters)");
      if (w.wander_ratio > t.wander_note_ratio) w.notes.push_back("baseline wander (removed by the filters)");
    }
    w.usable = w.reasons.empty();
    if (w.usable) usable_samples += w.length;
    for (const auto& note : w.notes) {
      if (std::find(r.notes.begin(), r.notes.end(), note) == r.notes.end()) r.notes.push_back(note);
    }
    r.windows.push_back(std::move(w));
  }
  r.usable_share = static_cast<double>(usable_samples) / static_cast<double>(n);
  r.usable = r.usable_share >= t.min_usable_share && bad_total == 0;
  if (!r.usable) {
    // The reasons of the unusable windows, most frequent first, each once (its first wording).
    std::vector<std::pair<std::size_t, std::string>> ranked;
    for (const auto& key : reason_order) ranked.push_back(reason_count[key]);
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& p, const auto& q) { return p.first > q.first; });
    for (const auto& [count, text] : ranked) {
      r.reasons.push_back(text + " (" + std::to_string(count) + " of " + std::to_string(r.windows.size()) + " windows)");
    }
    if (r.reasons.empty()) r.reasons.push_back(fmt("only %.0f %% of the lead is usable", 100.0 * r.usable_share));
  }
  return r;
}

// Long leads a chunk at a time (the same report in bounded memory), others whole.
bool assess_whole(std::span<const float> raw, double fs_hz) { return !streamed::streams(raw.size(), fs_hz); }

}  // namespace

LeadQualityReport assess_lead(std::span<const float> raw, double fs_hz, const std::string& name, const QualityThresholds& t) {
  LeadWork work;
  return assess_lead_with(raw, fs_hz, name, t, work, assess_whole(raw, fs_hz));
}

LeadQualityReport streamed::assess_lead(std::span<const float> raw, double fs_hz, const std::string& name, const QualityThresholds& t, bool whole) {
  LeadWork work;
  return assess_lead_with(raw, fs_hz, name, t, work, whole);
}

RecordQuality assess_quality(const Record& record, const QualityThresholds& t, std::vector<std::vector<float>>* qrs_bands) {
  RecordQuality q;
  std::vector<std::vector<std::int64_t>> classical(record.n_leads());  // each lead's classical detections
  if (qrs_bands) qrs_bands->assign(record.n_leads(), {});
  for (std::size_t k = 0; k < record.n_leads(); ++k) {
    LeadWork work;
    q.leads.push_back(assess_lead_with(record.lead(k), record.fs_hz, record.leads[k], t, work, assess_whole(record.lead(k), record.fs_hz)));
    classical[k] = std::move(work.pt);
    // Only leads one detector chunk holds: the detector would filter a longer lead chunk by chunk.
    if (qrs_bands && work.detector_band && static_cast<double>(record.n_samples) <= kRpeakChunkS * record.fs_hz) (*qrs_bands)[k] = std::move(work.band);
  }
  if (q.leads.empty()) {
    q.usable_share = 0.0;
    return q;
  }
  // Share of samples where most leads are usable.
  std::size_t good = 0;
  const std::size_t n = record.n_samples;
  for (std::size_t w = 0; w < q.leads[0].windows.size(); ++w) {
    std::size_t ok = 0;
    for (const auto& lead : q.leads) ok += w < lead.windows.size() && lead.windows[w].usable;
    if (2 * ok > q.leads.size()) good += q.leads[0].windows[w].length;
  }
  q.usable_share = n > 0 ? static_cast<double>(good) / static_cast<double>(n) : 0.0;

  // Implausible amplitude: a voltage no ECG reaches (a wrong unit or gain, a corrupt sample).
  double worst = 0.0, widest = 0.0;
  std::string worst_lead, widest_lead;
  for (std::size_t k = 0; k < record.n_leads(); ++k) {
    auto x = record.lead(k);
    std::vector<float> v;
    const std::size_t step = std::max<std::size_t>(1, x.size() / 200000);
    for (std::size_t i = 0; i < x.size(); i += step) if (std::isfinite(x[i])) v.push_back(x[i]);
    if (v.empty()) continue;
    const auto [p01, p50, p99] = quantiles<3>(std::move(v), {0.01, 0.5, 0.99});  // finite values only
    const double median = p50, range = static_cast<double>(p99) - p01;
    double dev = 0.0;
    for (float s : x) if (std::isfinite(s)) dev = std::max(dev, std::fabs(static_cast<double>(s) - median));
    if (dev > worst) worst = dev, worst_lead = record.leads[k];
    if (range > widest) widest = range, widest_lead = record.leads[k];
  }
  if (widest > t.implausible_mv) {
    q.reasons.push_back(fmt("implausible amplitude: lead ", 0) + widest_lead + fmt(" spans %.4g mV for most of the record (an ECG spans a few mV): are the samples in microvolts labelled millivolts, or the gain wrong?", widest));
  } else if (worst > t.implausible_mv) {
    q.reasons.push_back("implausible amplitude: lead " + worst_lead + fmt(" reaches %.3g mV (an ECG stays within about %.0f mV): a corrupt sample or a wrong gain", worst, t.implausible_mv));
  }

  // Implausible rate: the QRS complexes' time constant (range / steepest slope) in seconds at the
  // stated rate; a QRS rises within about 10-60 ms, so several hundred ms means a wrong sampling rate.
  std::vector<double> taus;
  for (std::size_t k = 0; k < record.n_leads(); ++k) {
    if (!q.leads[k].usable && !q.leads[k].reasons.empty() && q.leads[k].reasons[0].rfind("flat", 0) == 0) continue;
    // The windows of the lead with the larger ranges (those holding QRS complexes).
    std::vector<float> ranges;
    for (const WindowQuality& w : q.leads[k].windows) ranges.push_back(static_cast<float>(w.range_mv));
    const double median_range = quantile(ranges, 0.5);
    for (const WindowQuality& w : q.leads[k].windows) {
      if (w.range_mv < t.flat_mv || w.range_mv < median_range || w.length < 8) continue;
      auto x = record.lead(k).subspan(w.start, w.length);
      double slope = 0.0;  // steepest step, mV/s
      for (std::size_t i = 1; i < x.size(); ++i) {
        if (std::isfinite(x[i]) && std::isfinite(x[i - 1])) slope = std::max(slope, std::fabs(static_cast<double>(x[i]) - x[i - 1]));
      }
      slope *= record.fs_hz;
      if (slope > 0) taus.push_back(w.range_mv / slope);
    }
  }
  if (!taus.empty()) {
    const double tau = quantile(std::vector<float>(taus.begin(), taus.end()), 0.5);
    if (tau > t.max_rise_s) {
      q.reasons.push_back(fmt("implausible sampling rate: the waves rise over %.0f ms at the stated %.4g Hz (a QRS complex rises within about %.0f ms): is the sampling rate right?",
                              1000.0 * tau, record.fs_hz, 1000.0 * t.max_rise_s));
    }
  }

  // Inverted polarity: lead II's (or a single lead's) QRS complexes point down.
  std::optional<std::size_t> check = record.lead_index("II");
  if (!check && record.n_leads() == 1) check = 0;
  if (check && q.leads[*check].usable) {
    auto x = record.lead(*check);
    // The lead's classical detections from its assessment (a usable lead is finite: the same samples).
    const std::vector<std::int64_t>& peaks = classical[*check];
    const auto reach = static_cast<std::int64_t>(samples_of(0.06, record.fs_hz));
    const auto nx = static_cast<std::int64_t>(x.size());
    // The baseline-free lead around the peaks: whole (the plain path), or a chunk of peaks at a time
    // for a long lead (dsp/streamed.h: the same values).
    const bool whole = !streamed::streams(x.size(), record.fs_hz) || streamed::plain_median_lead(x);
    const std::size_t chunk = streamed::chunk_samples(record.fs_hz);
    std::vector<float> base;
    std::int64_t base0 = 0;
    if (whole) base = remove_baseline(x, record.fs_hz);
    std::size_t down = 0;
    for (std::size_t k = 0; k < peaks.size(); ++k) {
      const std::int64_t p = peaks[k];
      const std::int64_t from = std::max<std::int64_t>(0, p - reach), to = std::min<std::int64_t>(nx - 1, p + reach);
      if (!whole && (from < base0 || to >= base0 + static_cast<std::int64_t>(base.size()))) {
        std::size_t last = k;  // the peaks of the next chunk
        while (last + 1 < peaks.size() && peaks[last + 1] < p + static_cast<std::int64_t>(chunk)) ++last;
        base0 = from;
        const std::int64_t end = std::min<std::int64_t>(nx, std::max(to, peaks[last] + reach) + 1);
        base = streamed::remove_baseline_range(streamed::Piece{x, 0, x.size()}, record.fs_hz, static_cast<std::size_t>(base0), static_cast<std::size_t>(end));
      }
      float hi = 0.0f, lo = 0.0f;
      for (std::int64_t i = from; i <= to; ++i) {
        hi = std::max(hi, base[static_cast<std::size_t>(i - base0)]);
        lo = std::min(lo, base[static_cast<std::size_t>(i - base0)]);
      }
      down += -lo > 2.0f * hi;
    }
    if (peaks.size() >= 4 && 4 * down >= 3 * peaks.size()) {
      q.warnings.push_back("inverted polarity? lead " + record.leads[*check] + "'s QRS complexes point down in " + std::to_string(down) + " of " +
                           std::to_string(peaks.size()) + " beats (check the electrodes and the file's gain sign)");
    }
  }
  return q;
}

Record mask_unusable_leads(const Record& record, const RecordQuality& quality) {
  Record out = record;
  for (std::size_t k = 0; k < out.n_leads(); ++k) {
    if (!quality.lead_usable(k)) std::fill(out.lead(k).begin(), out.lead(k).end(), 0.0f);
  }
  return out;
}

namespace {
nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(std::round(v * 1000.0) / 1000.0) : nlohmann::json(nullptr); }
}  // namespace

std::string quality_json(const Record& record, const RecordQuality& q, bool with_windows) {
  nlohmann::json j;
  j["record"] = record.name;
  j["fs_hz"] = record.fs_hz;
  j["usable_share"] = finite_or_null(q.usable_share);
  j["reasons"] = q.reasons;
  j["warnings"] = q.warnings;
  nlohmann::json leads = nlohmann::json::array();
  for (const LeadQualityReport& l : q.leads) {
    nlohmann::json lj{{"lead", l.lead}, {"usable", l.usable}, {"reasons", l.reasons}, {"notes", l.notes}, {"usable_share", finite_or_null(l.usable_share)}};
    if (with_windows) {
      nlohmann::json ws = nlohmann::json::array();
      for (const WindowQuality& w : l.windows) {
        ws.push_back({{"start_s", finite_or_null(static_cast<double>(w.start) / record.fs_hz)},
                      {"duration_s", finite_or_null(static_cast<double>(w.length) / record.fs_hz)},
                      {"usable", w.usable}, {"reasons", w.reasons}, {"notes", w.notes},
                      {"range_mv", finite_or_null(w.range_mv)}, {"kurtosis", finite_or_null(w.kurtosis)},
                      {"agreement", finite_or_null(w.agreement)}, {"similarity", finite_or_null(w.similarity)}, {"hf_ratio", finite_or_null(w.hf_ratio)},
                      {"mains_ratio", finite_or_null(w.mains_ratio)}, {"wander_ratio", finite_or_null(w.wander_ratio)},
                      {"artefact_ratio", finite_or_null(w.artefact_ratio)}, {"beats", w.beats}});
      }
      lj["windows"] = ws;
    }
    leads.push_back(lj);
  }
  j["lead_quality"] = leads;
  return j.dump();
}

std::optional<std::pair<std::size_t, std::size_t>> first_non_finite(const Record& record) {
  for (std::size_t k = 0; k < record.n_leads(); ++k) {
    auto x = record.lead(k);
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!std::isfinite(x[i])) return std::pair{k, i};
    }
  }
  return std::nullopt;
}

}  // namespace ecg::dsp
