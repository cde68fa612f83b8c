// R-peak detection and heart rate: synthetic beats at several rates and the real PTB-XL sample.
#include <catch2/catch.hpp>

#include <cmath>

#include "ecg/dsp.h"
#include "ecg/io.h"
#include "test_util.h"

namespace {

// A train of narrow Gaussian "QRS" pulses (1 mV, sd 10 ms) on a slow baseline wave.
std::vector<float> pulse_train(double fs_hz, double seconds, double rr_s, double first_s) {
  const auto n = static_cast<std::size_t>(seconds * fs_hz);
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / fs_hz;
    double v = 0.2 * std::sin(2 * M_PI * 0.3 * t);
    for (double beat = first_s; beat < seconds; beat += rr_s) v += std::exp(-0.5 * std::pow((t - beat) / 0.010, 2));
    x[i] = static_cast<float>(v);
  }
  return x;
}

}  // namespace

TEST_CASE("R-peaks: pulses at a known rate are found at their positions, 100 to 1000 Hz", "[dsp][rpeaks]") {
  for (double fs : {100.0, 130.0, 257.0, 360.0, 500.0, 1000.0}) {
    CAPTURE(fs);
    const double rr_s = 0.8;  // 75 bpm
    auto x = pulse_train(fs, 10.0, rr_s, 0.5);
    auto peaks = ecg::dsp::detect_rpeaks(x, fs);
    REQUIRE(peaks.size() == 12);  // beats at 0.5, 1.3, ..., 9.3 s
    for (std::size_t k = 0; k < peaks.size(); ++k) {
      CHECK(std::abs(static_cast<double>(peaks[k]) / fs - (0.5 + rr_s * k)) <= 0.012);
    }
    CHECK(ecg::dsp::heart_rate_bpm(peaks, fs).value() == Approx(75.0).epsilon(0.02));
  }
}

TEST_CASE("R-peaks: a flat lead has no beats and no heart rate", "[dsp][rpeaks]") {
  std::vector<float> flat(5000, 0.25f);
  auto peaks = ecg::dsp::detect_rpeaks(flat, 500.0);
  CHECK(peaks.empty());
  CHECK_FALSE(ecg::dsp::heart_rate_bpm(peaks, 500.0).has_value());
}

TEST_CASE("R-peaks: fused 12-lead detection on the PTB-XL sample matches an independent scipy detection", "[dsp][rpeaks]") {
  // Reference: scipy.signal.filtfilt(butter(3, [5, 30] Hz)) on lead II, then find_peaks(|y|,
  // height = 0.5 max, distance = 150 samples) -> these 11 samples, median RR 468 -> 64.10 bpm.
  const std::vector<std::int64_t> reference{36, 523, 1010, 1491, 1969, 2427, 2887, 3352, 3819, 4286, 4755};
  ecg::Record record = ecg::test::read_record_fixture({"wfdb/00003_hr.hea", "wfdb/00003_hr.dat"});
  auto peaks = ecg::dsp::detect_rpeaks(record);
  REQUIRE(peaks.size() == reference.size());
  for (std::size_t k = 0; k < peaks.size(); ++k) {
    CAPTURE(k);
    CHECK(std::llabs(peaks[k] - reference[k]) <= 10);  // 20 ms
  }
  CHECK(ecg::dsp::heart_rate_bpm(peaks, record.fs_hz).value() == Approx(64.1).margin(1.0));
}
