// DSP on analytic signals: filter specs (ripple, stopband, zero phase), resampling, normalisation,
// windows, baseline removal and lead quality; parity with scipy for the model-preprocessing paths.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <random>

#include "ecg/dsp.h"
#include "ecg/error.h"

namespace {

constexpr double kPi = std::numbers::pi;

std::vector<float> sine(double f_hz, double fs_hz, std::size_t n, double amplitude = 1.0, double phase = 0.0) {
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>(amplitude * std::sin(2 * kPi * f_hz * static_cast<double>(i) / fs_hz + phase));
  return x;
}

double db(double gain) { return 20.0 * std::log10(gain); }

// Least-squares amplitude and phase of a sine of known frequency over x[lo, hi).
std::pair<double, double> fit_sine(const std::vector<float>& x, double f_hz, double fs_hz, std::size_t lo, std::size_t hi) {
  double ss = 0, sc = 0, cc = 0, xs = 0, xc = 0;
  for (std::size_t i = lo; i < hi; ++i) {
    const double s = std::sin(2 * kPi * f_hz * static_cast<double>(i) / fs_hz), c = std::cos(2 * kPi * f_hz * static_cast<double>(i) / fs_hz);
    ss += s * s, sc += s * c, cc += c * c, xs += x[i] * s, xc += x[i] * c;
  }
  const double det = ss * cc - sc * sc;
  const double a = (xs * cc - xc * sc) / det, b = (xc * ss - xs * sc) / det;
  return {std::hypot(a, b), std::atan2(b, a)};
}

double rms(const std::vector<float>& x, std::size_t lo, std::size_t hi) {
  double s = 0;
  for (std::size_t i = lo; i < hi; ++i) s += static_cast<double>(x[i]) * x[i];
  return std::sqrt(s / static_cast<double>(hi - lo));
}

}  // namespace

TEST_CASE("FIR band-pass 0.5-45 Hz: passband ripple <= 0.1 dB and stopband >= 60 dB at 130-1000 Hz", "[dsp][filter]") {
  for (double fs : {130.0, 257.0, 360.0, 500.0, 1000.0}) {
    CAPTURE(fs);
    const ecg::dsp::FirSpec spec;  // 0.5-45 Hz, transitions 0.5 and 10 Hz
    auto h = ecg::dsp::design_fir(spec, fs);
    REQUIRE(h.size() % 2 == 1);
    for (std::size_t i = 0; i < h.size() / 2; ++i) REQUIRE(h[i] == h[h.size() - 1 - i]);  // linear phase
    double worst_pass = 0, worst_stop = -1000;
    for (double f = 0.75; f <= 40.0; f += 0.05) worst_pass = std::max(worst_pass, std::fabs(db(ecg::dsp::fir_gain(h, f, fs))));
    for (double f = 0.0; f <= 0.25; f += 0.005) worst_stop = std::max(worst_stop, db(ecg::dsp::fir_gain(h, f, fs)));
    for (double f = 50.0; f <= fs / 2; f += 0.1) worst_stop = std::max(worst_stop, db(ecg::dsp::fir_gain(h, f, fs)));
    CHECK(worst_pass <= 0.1);
    CHECK(worst_stop <= -60.0);
  }
}

TEST_CASE("FIR filters are zero phase: a passband sine and a pulse keep their timing", "[dsp][filter]") {
  const double fs = 250.0;
  auto x = sine(10.0, fs, 5000);
  auto y = ecg::dsp::bandpass(x, fs);
  auto [amp, phase] = fit_sine(y, 10.0, fs, 1000, 4000);
  CHECK(amp == Approx(1.0).margin(0.012));  // 0.1 dB
  CHECK(std::fabs(phase) < 1e-3);           // rad: < 16 us of delay at 10 Hz
  // A symmetric pulse stays symmetric about the same sample (group delay exactly zero).
  std::vector<float> pulse(4001, 0.0f);
  for (std::size_t i = 0; i < pulse.size(); ++i) pulse[i] = static_cast<float>(std::exp(-0.5 * std::pow((static_cast<double>(i) - 2000.0) / 5.0, 2)));
  auto z = ecg::dsp::bandpass(pulse, fs);
  CHECK(std::max_element(z.begin(), z.end()) - z.begin() == 2000);
  for (int k = 1; k < 300; ++k) CHECK(z[2000 - k] == Approx(z[2000 + k]).margin(1e-6));
}

TEST_CASE("FIR high-pass removes 0.1 Hz drift by >= 60 dB and passes 5 Hz within 0.1 dB", "[dsp][filter]") {
  const double fs = 100.0;
  const std::size_t n = 30000;  // 300 s
  auto drift = ecg::dsp::highpass(sine(0.1, fs, n, 2.0), fs);
  CHECK(rms(drift, 8000, 22000) / (2.0 / std::sqrt(2.0)) < 1e-3);
  auto pass = ecg::dsp::highpass(sine(5.0, fs, n), fs);
  CHECK(std::fabs(db(fit_sine(pass, 5.0, fs, 8000, 22000).first)) <= 0.1);
}

TEST_CASE("FIR design rejects impossible specs with a message", "[dsp][filter]") {
  ecg::dsp::FirSpec spec;
  spec.hi_hz = 61.0;  // 61 + 5 > 130/2
  CHECK_THROWS_AS(ecg::dsp::design_fir(spec, 130.0), ecg::Error);
  spec.hi_hz = 0.3;  // below lo
  CHECK_THROWS_AS(ecg::dsp::design_fir(spec, 500.0), ecg::Error);
  CHECK_THROWS_AS(ecg::dsp::design_bandpass_hamming(0.5, 45.0, 514, 257.0), ecg::Error);  // even taps
}

TEST_CASE("Model band-pass equals scipy firwin(515, [0.5, 45], hamming, fs=257)", "[dsp][filter]") {
  // /usr/bin/python3 -c "import scipy.signal as s; h=s.firwin(515,[0.5,45],pass_zero=False,window='hamming',fs=257); print(h[100],h[250],h[257])"
  auto h = ecg::dsp::design_bandpass_hamming(0.5, 45.0, 515, 257.0);
  REQUIRE(h.size() == 515);
  CHECK(h[100] == Approx(-0.0006823705293859959).margin(1e-12));
  CHECK(h[250] == Approx(0.04098766600400376).margin(1e-12));
  CHECK(h[257] == Approx(0.34630393623295347).margin(1e-12));
}

TEST_CASE("Resampling equals scipy resample_poly for the model path", "[dsp][resample]") {
  // x = sin(2 pi 7 t) + 0.1 i/60, 60 samples at 500 Hz;
  // /usr/bin/python3 -c "import numpy as np,scipy.signal as s; i=np.arange(60); y=s.resample_poly(np.sin(2*np.pi*7*i/500)+0.1*i/60,257,500); print(len(y),y[[0,5,15,30]])"
  std::vector<float> x(60);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(std::sin(2 * kPi * 7 * static_cast<double>(i) / 500) + 0.1 * static_cast<double>(i) / 60);
  auto y = ecg::dsp::resample(x, 500.0, 257.0);
  REQUIRE(y.size() == 31);
  CHECK(y[0] == Approx(0.013372462871643304).margin(1e-6));
  CHECK(y[5] == Approx(0.7714140690496397).margin(1e-6));
  CHECK(y[15] == Approx(0.5925482408305998).margin(1e-6));
  CHECK(y[30] == Approx(-0.8122926648238331).margin(1e-6));
}

TEST_CASE("Resampled sines keep frequency and amplitude for every rate pair", "[dsp][resample]") {
  const std::pair<double, double> pairs[] = {{500, 257}, {360, 500}, {130, 257}, {300, 500}, {1000, 500}, {100, 500}, {257, 500}};
  for (auto quality : {ecg::dsp::ResampleQuality::scipy, ecg::dsp::ResampleQuality::high}) {
    for (auto [fin, fout] : pairs) {
      CAPTURE(fin, fout, static_cast<int>(quality));
      const double f = 11.0;
      const auto n = static_cast<std::size_t>(20 * fin);
      auto y = ecg::dsp::resample(sine(f, fin, n, 0.8, 0.3), fin, fout, quality);
      CHECK(y.size() == static_cast<std::size_t>(std::ceil(static_cast<double>(n) * fout / fin - 1e-9)));
      const std::size_t lo = y.size() / 4, hi = 3 * y.size() / 4;
      auto [amp, phase] = fit_sine(y, f, fout, lo, hi);
      // scipy's beta-5 Kaiser ripples by up to ~0.15 % (0.013 dB) in the passband.
      CHECK(amp == Approx(0.8).epsilon(quality == ecg::dsp::ResampleQuality::scipy ? 0.002 : 0.001));
      CHECK(std::fabs(std::remainder(phase - 0.3, 2 * kPi)) < 2e-3);
      // Frequency: the fit at a 0.05 % different frequency must be worse.
      double resid = 0;
      for (std::size_t i = lo; i < hi; ++i) resid += std::pow(y[i] - amp * std::sin(2 * kPi * f * static_cast<double>(i) / fout + phase), 2);
      CHECK(std::sqrt(resid / static_cast<double>(hi - lo)) < 2e-3);
    }
  }
}

TEST_CASE("High-quality resampling rejects aliases by >= 60 dB", "[dsp][resample]") {
  for (auto [fin, fout, tone] : {std::tuple{500.0, 257.0, 140.0}, {1000.0, 500.0, 300.0}, {300.0, 130.0, 80.0}}) {
    CAPTURE(fin, fout, tone);
    auto y = ecg::dsp::resample(sine(tone, fin, static_cast<std::size_t>(10 * fin)), fin, fout, ecg::dsp::ResampleQuality::high);
    CHECK(db(rms(y, y.size() / 4, 3 * y.size() / 4) * std::sqrt(2.0)) <= -60.0);
  }
}

TEST_CASE("Resample a record: every lead, new rate, non-integer rates by a close fraction", "[dsp][resample]") {
  ecg::Record r;
  r.fs_hz = 360.0;
  r.n_samples = 3600;
  r.leads = {"I", "II"};
  auto a = sine(3.0, 360, 3600), b = sine(5.0, 360, 3600, 2.0);
  r.samples_mv = a;
  r.samples_mv.insert(r.samples_mv.end(), b.begin(), b.end());
  auto out = ecg::dsp::resample(r, 500.0);
  CHECK(out.fs_hz == 500.0);
  CHECK(out.n_samples == 5000);
  CHECK(out.samples_mv.size() == 10000);
  CHECK(fit_sine(std::vector<float>(out.lead(1).begin(), out.lead(1).end()), 5.0, 500.0, 1000, 4000).first == Approx(2.0).epsilon(0.001));
  auto ratio = ecg::dsp::resample_ratio(128.5, 500.0);
  CHECK(static_cast<double>(ratio.up) / static_cast<double>(ratio.down) == Approx(500.0 / 128.5).epsilon(1e-6));
}

TEST_CASE("z-score: per lead and all leads, a flat lead gives zeros not NaN", "[dsp][normalize]") {
  ecg::Record r;
  r.fs_hz = 100;
  r.n_samples = 100;
  r.leads = {"I", "II"};
  r.samples_mv.assign(200, 0.7f);  // lead I flat
  for (std::size_t i = 0; i < 100; ++i) r.samples_mv[100 + i] = static_cast<float>(i);
  auto per = r;
  ecg::dsp::zscore_per_lead(per);
  for (float v : per.lead(0)) CHECK(v == 0.0f);
  double s = 0, ss = 0;
  for (float v : per.lead(1)) s += v, ss += v * v;
  CHECK(s / 100 == Approx(0.0).margin(1e-5));
  CHECK(std::sqrt(ss / 100) == Approx(1.0).epsilon(1e-5));
  auto all = r;
  ecg::dsp::zscore_all_leads(all);
  for (float v : all.samples_mv) CHECK(std::isfinite(v));
  s = ss = 0;
  for (float v : all.samples_mv) s += v, ss += v * v;
  CHECK(std::sqrt(ss / 200 - std::pow(s / 200, 2)) == Approx(1.0).epsilon(1e-5));
  std::vector<float> flat(10, 0.0f);
  ecg::dsp::zscore(flat);
  for (float v : flat) CHECK(v == 0.0f);
}

TEST_CASE("crop, pad and window starts", "[dsp][windows]") {
  CHECK(ecg::dsp::window_starts(100, 4096, 2048) == std::vector<std::size_t>{0});
  CHECK(ecg::dsp::window_starts(5000, 4096, 2048) == std::vector<std::size_t>{0, 904});
  CHECK(ecg::dsp::window_starts(8192, 4096, 2048) == std::vector<std::size_t>{0, 2048, 4096});
  ecg::Record r;
  r.fs_hz = 10;
  r.n_samples = 10;
  r.leads = {"I", "II"};
  for (int i = 0; i < 20; ++i) r.samples_mv.push_back(static_cast<float>(i));
  auto c = ecg::dsp::crop(r, 8, 5);  // clipped to the end
  CHECK(c.n_samples == 2);
  CHECK(c.samples_mv == std::vector<float>{8, 9, 18, 19});
  CHECK(ecg::dsp::crop(r, 50, 5).n_samples == 0);
  auto p = ecg::dsp::pad_right(r, 12);
  CHECK(p.n_samples == 12);
  CHECK(p.lead(1)[9] == 19.0f);
  CHECK(p.lead(1)[11] == 0.0f);
}

TEST_CASE("Baseline removal takes out a 0.3 Hz wander and keeps the QRS height", "[dsp][filter]") {
  const double fs = 360.0;
  const std::size_t n = 3600;
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / fs;
    double v = 1.0 * std::sin(2 * kPi * 0.3 * t);
    for (double beat = 0.5; beat < 10; beat += 0.8) v += 1.5 * std::exp(-0.5 * std::pow((t - beat) / 0.012, 2));
    x[i] = static_cast<float>(v);
  }
  auto y = ecg::dsp::remove_baseline(x, fs);
  // Between beats the output is flat; at the beats the pulse height survives.
  for (double gap = 0.9; gap < 9.0; gap += 0.8) CHECK(std::fabs(y[static_cast<std::size_t>(gap * fs)]) < 0.05);
  for (double beat = 1.3; beat < 9.0; beat += 0.8) CHECK(y[static_cast<std::size_t>(std::lround(beat * fs))] == Approx(1.5).margin(0.15));  // medians shave ~7 % off a 12 ms-sd pulse
  CHECK(ecg::dsp::running_median(std::vector<float>{5, 1, 4, 2, 3}, 3) == std::vector<float>{3, 4, 2, 3, 2.5});
}

TEST_CASE("Lead quality flags flat and clipped leads", "[dsp][quality]") {
  std::vector<float> flat(5000, 0.3f);
  CHECK(ecg::dsp::lead_quality(flat).flat);
  auto clipped = sine(1.2, 500, 5000, 3.0);
  for (float& v : clipped) v = std::clamp(v, -1.0f, 1.0f);
  auto q = ecg::dsp::lead_quality(clipped);
  CHECK_FALSE(q.flat);
  CHECK(q.saturated);
  const unsigned seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 0.3f);
  std::vector<float> noisy(5000);
  for (float& v : noisy) v = noise(rng);
  CHECK(ecg::dsp::lead_quality(noisy).usable());
}
