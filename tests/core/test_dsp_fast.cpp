// The DSP layer's fast paths against their plain reference kernels (dsp/reference.h), bit for bit,
// on random inputs (the seed is printed; ECG_TEST_SEED replays a run).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <array>

#include "dsp/kernels.h"
#include "dsp/reference.h"
#include "dsp/streamed.h"
#include "ecg/beats.h"
#include "ecg/error.h"
#include "test_util.h"
#include "ecg/dsp.h"

namespace {

std::uint32_t fast_seed() {
  static const std::uint32_t seed = [] {
    const char* s = std::getenv("ECG_TEST_SEED");
    const auto v = s ? static_cast<std::uint32_t>(std::strtoul(s, nullptr, 10)) : std::random_device{}();
    std::printf("dsp fast-path tests: seed %u (set ECG_TEST_SEED=%u to replay)\n", v, v);
    return v;
  }();
  return seed;
}

// Bitwise equality, so a -0.0 for a 0.0 or a last-bit rounding difference fails.
bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

// Signals of the kinds the medians see: smooth wander with beats, coarse quantisation (many ties),
// white noise, constant stretches.
std::vector<float> random_signal(std::mt19937& rng, std::size_t n) {
  std::vector<float> x(n);
  std::uniform_int_distribution<int> kind(0, 3);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  const int k = kind(rng);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / 500.0;
    double v = 0.0;
    if (k == 0) v = std::sin(2.0 * 3.14159 * 0.3 * t) + (std::fmod(t, 0.8) < 0.02 ? 1.5 : 0.0) + 0.02 * noise(rng);
    else if (k == 1) v = std::round(5.0 * noise(rng)) * 0.005;  // 5 uV steps: many equal values
    else if (k == 2) v = noise(rng);
    else v = (i / 37) % 3 == 0 ? 0.25 : noise(rng);
    x[i] = static_cast<float>(v);
  }
  return x;
}

}  // namespace

TEST_CASE("dsp fast path: running_median equals the sorted-window reference bit for bit", "[dsp][fast]") {
  const std::uint32_t seed = fast_seed();
  INFO("seed " << seed << " (ECG_TEST_SEED=" << seed << " replays it)");
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> width_of(1, 80), length_of(0, 700);
  for (int trial = 0; trial < 400; ++trial) {
    const std::size_t width = trial < 8 ? static_cast<std::size_t>(trial) : width_of(rng);
    std::size_t n = length_of(rng);
    if (trial % 7 == 0) n = 2 * (width / 2) + 1 + static_cast<std::size_t>(trial % 3);  // one or two full windows
    std::vector<float> x = random_signal(rng, n);
    if (trial % 11 == 0 && n > 3) x[n / 2] = std::numeric_limits<float>::infinity(), x[n / 3] = -std::numeric_limits<float>::infinity();
    INFO("trial " << trial << ": width " << width << ", " << n << " samples");
    CHECK(same_bits(ecg::dsp::running_median(x, width), ecg::dsp::ref::running_median(x, width)));
  }
  // The baseline filter's widths at 500 Hz (101, 301 samples) on a 10-s lead, and inputs the fast
  // path leaves to the reference (NaN, -0.0).
  for (std::size_t width : {101u, 301u}) {
    const std::vector<float> x = random_signal(rng, 5000);
    CHECK(same_bits(ecg::dsp::running_median(x, width), ecg::dsp::ref::running_median(x, width)));
  }
  // Long leads: the blocks are sorted in batches of about 8192 samples, so these cross batches.
  for (std::size_t width : {3u, 101u, 301u, 1201u}) {
    const std::vector<float> x = random_signal(rng, 40000 + width);
    INFO("width " << width << ", " << x.size() << " samples");
    CHECK(same_bits(ecg::dsp::running_median(x, width), ecg::dsp::ref::running_median(x, width)));
  }
  std::vector<float> odd = random_signal(rng, 500);
  odd[100] = -0.0f;
  odd[300] = 0.0f;
  CHECK(same_bits(ecg::dsp::running_median(odd, 31), ecg::dsp::ref::running_median(odd, 31)));
  odd[200] = std::numeric_limits<float>::quiet_NaN();  // the order is undefined, but memory stays safe
  CHECK(ecg::dsp::running_median(odd, 31).size() == odd.size());
}

TEST_CASE("dsp fast path: the quality gate's beat similarity equals its reference bit for bit", "[dsp][fast][quality]") {
  const std::uint32_t seed = fast_seed();
  INFO("seed " << seed << " (ECG_TEST_SEED=" << seed << " replays it)");
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  for (double fs : {100.0, 250.0, 257.0, 360.0, 500.0, 1000.0}) {
    // The gate's parameters at this rate (dsp/quality.cpp assess_lead).
    const auto half = std::max<std::int64_t>(1, std::lround(0.10 * fs)), max_lag = std::max<std::int64_t>(1, std::lround(0.02 * fs));
    const int steps = std::max(1, static_cast<int>(std::lround(400.0 / fs)));
    for (int trial = 0; trial < 6; ++trial) {
      const auto n = static_cast<std::size_t>(fs * (2.0 + trial));
      std::vector<float> band(n);
      std::vector<std::int64_t> pt;
      std::uniform_real_distribution<double> rr(0.3, 1.2);
      for (double t = rr(rng) * 0.3; t < static_cast<double>(n) / fs; t += rr(rng)) pt.push_back(static_cast<std::int64_t>(t * fs));
      for (std::size_t i = 0; i < n; ++i) band[i] = 0.05f * noise(rng);
      for (std::int64_t p : pt)
        for (std::int64_t d = -half; d <= half; ++d)
          if (p + d >= 0 && p + d < static_cast<std::int64_t>(n)) band[static_cast<std::size_t>(p + d)] += static_cast<float>(std::sin(0.3 * static_cast<double>(d)) * std::exp(-0.01 * static_cast<double>(d * d)));
      if (trial == 2) std::fill(band.begin(), band.begin() + static_cast<std::ptrdiff_t>(n / 2), 0.0f);  // flat stretches: zero variance
      INFO(fs << " Hz, trial " << trial << ": " << pt.size() << " beats in " << n << " samples");
      const auto fast = ecg::dsp::fast::beat_similarity(band, pt, half, max_lag, steps);
      const auto ref = ecg::dsp::ref::beat_similarity(band, pt, half, max_lag, steps);
      REQUIRE(fast.size() == ref.size());
      CHECK(std::memcmp(fast.data(), ref.data(), fast.size() * sizeof(double)) == 0);
    }
  }
}

TEST_CASE("dsp fast path: the quality gate's Welch spectrum equals the std::complex reference bit for bit", "[dsp][fast][quality]") {
  const std::uint32_t seed = fast_seed();
  INFO("seed " << seed << " (ECG_TEST_SEED=" << seed << " replays it)");
  std::mt19937 rng(seed);
  for (double fs : {100.0, 257.0, 360.0, 500.0, 1000.0}) {
    for (double seconds : {0.3, 2.5, 3.7}) {
      const std::vector<float> x = random_signal(rng, static_cast<std::size_t>(fs * seconds));
      INFO(fs << " Hz, " << x.size() << " samples");
      const auto fast = ecg::dsp::fast::welch_power(x, fs), ref = ecg::dsp::ref::welch_power(x, fs);
      REQUIRE(fast.size() == ref.size());
      CHECK(std::memcmp(fast.data(), ref.data(), fast.size() * sizeof(double)) == 0);
    }
  }
}

TEST_CASE("dsp fast path: the phase-split, four-at-a-time resampler equals the plain polyphase loop bit for bit", "[dsp][fast][resample]") {
  const std::uint32_t seed = fast_seed();
  INFO("seed " << seed << " (ECG_TEST_SEED=" << seed << " replays it)");
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> length_of(0, 3000);
  const std::pair<double, double> rates[] = {{500, 257}, {500, 100}, {360, 257}, {250, 500}, {1000, 257}, {257, 500}, {128, 100}, {500, 500}, {2000, 1000}, {44.1, 100}};
  for (const auto& [fs_in, fs_out] : rates) {
    for (bool scipy : {true, false}) {
      for (int trial = 0; trial < 4; ++trial) {
        const std::size_t n = trial == 0 ? static_cast<std::size_t>(trial) + 1 : length_of(rng);
        const std::vector<float> x = random_signal(rng, n);
        INFO(fs_in << " -> " << fs_out << " Hz, " << (scipy ? "scipy" : "high") << " quality, " << n << " samples");
        const auto quality = scipy ? ecg::dsp::ResampleQuality::scipy : ecg::dsp::ResampleQuality::high;
        CHECK(same_bits(ecg::dsp::resample(x, fs_in, fs_out, quality), ecg::dsp::ref::resample(x, fs_in, fs_out, scipy)));
        CHECK(same_bits(ecg::dsp::Resampler(fs_in, fs_out, quality)(x), ecg::dsp::ref::resample(x, fs_in, fs_out, scipy)));
      }
    }
  }
}

TEST_CASE("dsp fast path: both symmetric FIR loops (blocked, tiled) equal one output at a time bit for bit", "[dsp][fast][filter]") {
  const std::uint32_t seed = fast_seed();
  INFO("seed " << seed << " (ECG_TEST_SEED=" << seed << " replays it)");
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> half_of(0, 300), length_of(1, 3000);
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  for (int trial = 0; trial < 60; ++trial) {
    const std::size_t m = trial < 3 ? static_cast<std::size_t>(trial) : half_of(rng), n = trial < 10 ? static_cast<std::size_t>(trial + 1) : length_of(rng);
    std::vector<double> taps(2 * m + 1), ext(n + 2 * m);
    for (std::size_t k = 0; k <= m; ++k) taps[k] = taps[2 * m - k] = value(rng);
    for (double& v : ext) v = value(rng);
    INFO("trial " << trial << ": " << taps.size() << " taps, " << n << " outputs");
    const auto ref = ecg::dsp::ref::fir_symmetric(ext, taps, n);
    CHECK(same_bits(ecg::dsp::fast::fir_symmetric_blocked(ext, taps, n), ref));
    CHECK(same_bits(ecg::dsp::fast::fir_symmetric_tiled(ext, taps, n), ref));
  }
}

// ---- Long leads in chunks (dsp/streamed.h): every stretch equals the whole-lead call bit for bit ----

namespace {

// The chunking settings for one test, restored after it.
struct StreamedSettings {
  double min_s = ecg::dsp::streamed::streamed_min_s(), chunk_s = ecg::dsp::streamed::chunk_s();
  StreamedSettings(double new_min_s, double new_chunk_s) {
    ecg::dsp::streamed::set_streamed_min_s(new_min_s);
    ecg::dsp::streamed::set_chunk_s(new_chunk_s);
  }
  ~StreamedSettings() {
    ecg::dsp::streamed::set_streamed_min_s(min_s);
    ecg::dsp::streamed::set_chunk_s(chunk_s);
  }
};

std::vector<float> slice(const std::vector<float>& v, std::size_t lo, std::size_t hi) {
  return std::vector<float>(v.begin() + static_cast<std::ptrdiff_t>(lo), v.begin() + static_cast<std::ptrdiff_t>(hi));
}

// The piece of x that covers [lo - reach, hi + reach) (clipped), and no more.
ecg::dsp::streamed::Piece piece_of(const std::vector<float>& x, std::size_t lo, std::size_t hi, std::size_t reach) {
  const std::size_t a = lo >= reach ? lo - reach : 0, b = std::min(x.size(), hi + reach);
  return {std::span<const float>(x).subspan(a, b - a), a, x.size()};
}

}  // namespace

TEST_CASE("dsp streamed: stretches of the zero-phase FIR, the running median and the baseline removal equal the whole lead's", "[dsp][fast][streamed]") {
  const std::uint32_t seed = fast_seed();
  INFO("seed " << seed << " (ECG_TEST_SEED=" << seed << " replays it)");
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> half_of(0, 300), length_of(1, 6000);
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  const double rates[] = {100.0, 250.0, 360.0, 500.0};
  for (int trial = 0; trial < 40; ++trial) {
    const std::size_t n = trial < 6 ? static_cast<std::size_t>(trial + 1) : length_of(rng);
    std::vector<float> x = random_signal(rng, n);
    for (float& v : x) if (v == 0.0f) v = 0.0f;  // no -0.0 (the running median's precondition)
    std::uniform_int_distribution<std::size_t> at(0, n);
    std::size_t lo = at(rng), hi = at(rng);
    if (lo > hi) std::swap(lo, hi);
    if (trial % 5 == 0) lo = 0;
    if (trial % 7 == 0) hi = n;
    const std::size_t m = trial < 3 ? static_cast<std::size_t>(trial) : half_of(rng);
    std::vector<double> taps(2 * m + 1);
    for (std::size_t k = 0; k <= m; ++k) taps[k] = taps[2 * m - k] = value(rng);
    const std::size_t width = 2 * half_of(rng) + 1;
    const double fs = rates[trial % 4];
    INFO("trial " << trial << ": " << n << " samples, stretch [" << lo << ", " << hi << "), " << taps.size() << " taps, median width " << width
                  << ", " << fs << " Hz");
    CHECK(same_bits(ecg::dsp::streamed::fir_zero_phase_range(piece_of(x, lo, hi, m), taps, lo, hi), slice(ecg::dsp::fir_zero_phase(x, taps), lo, hi)));
    CHECK(same_bits(ecg::dsp::streamed::running_median_range(piece_of(x, lo, hi, width / 2), width, lo, hi),
                    slice(ecg::dsp::running_median(x, width), lo, hi)));
    CHECK(same_bits(ecg::dsp::streamed::remove_baseline_range(piece_of(x, lo, hi, ecg::dsp::streamed::baseline_reach(fs)), fs, lo, hi),
                    slice(ecg::dsp::remove_baseline(x, fs), lo, hi)));
  }
  // A piece too short for the stretch is refused, not read out of bounds.
  const std::vector<float> x(1000, 1.0f);
  const std::vector<double> taps(21, 0.05);
  CHECK_THROWS_AS(ecg::dsp::streamed::fir_zero_phase_range(piece_of(x, 500, 600, 5), taps, 500, 600), ecg::Error);
  CHECK(ecg::dsp::streamed::plain_median_lead(std::vector<float>{1.0f, -0.0f}));
  CHECK(ecg::dsp::streamed::plain_median_lead(std::vector<float>{std::numeric_limits<float>::quiet_NaN()}));
  CHECK_FALSE(ecg::dsp::streamed::plain_median_lead(std::vector<float>{1.0f, 0.0f}));
}

namespace {
bool same_beats(const std::vector<ecg::beats::ClassifiedBeat>& a, const std::vector<ecg::beats::ClassifiedBeat>& b) {
  auto fields = [](const ecg::beats::BeatEvidence& e) {
    return std::array<double, 24>{e.rr_pre_ratio, e.rr_post_ratio, e.rr_pre_over_prev, e.local_rr_ms, e.rr_pre_ms, e.rr_post_ms, e.average_rr_ms,
                                  e.sinus_rr_ms, e.rr_irregularity, e.qrs_corr, e.width_ratio, e.width_ms, e.amp_ratio, e.residual,
                                  e.pre_corr, e.p_S, e.p_V, e.p_F, e.p_wave ? 1.0 : 0.0, e.median_qrs_corr, e.median_log_width,
                                  e.median_log_amp, e.median_residual, e.median_pre_corr};
  };
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto fa = fields(a[i].evidence), fb = fields(b[i].evidence);
    if (a[i].sample != b[i].sample || a[i].cls != b[i].cls || std::memcmp(fa.data(), fb.data(), sizeof fa) != 0) return false;
  }
  return true;
}
}  // namespace

TEST_CASE("dsp streamed: the beat classifier a stretch at a time equals the whole-lead path", "[dsp][fast][streamed][beats]") {
  StreamedSettings settings(0.0, 1.0);  // chunks of 256 samples: a seam every ~1 s at 360 Hz
  for (const char* name : {"100_2min", "233_bigeminy", "202_pac"}) {
    INFO(name);
    const ecg::Record record = ecg::test::read_record_fixture({std::string("mitbih/") + name + ".hea", std::string("mitbih/") + name + ".dat"});
    const std::vector<std::int64_t> rpeaks = ecg::dsp::detect_rpeaks(record);
    const std::vector<ecg::dsp::Beat> beats = ecg::dsp::delineate(record, rpeaks);
    REQUIRE(rpeaks.size() > 8);
    const auto lead = record.lead(0);
    const auto whole = ecg::dsp::streamed::classify_beats(lead, record.fs_hz, rpeaks, beats, true);
    CHECK(same_beats(ecg::dsp::streamed::classify_beats(lead, record.fs_hz, rpeaks, beats, false), whole));
    CHECK(same_beats(ecg::beats::classify_beats(lead, record.fs_hz, rpeaks, beats), whole));  // picks the streamed path here
    // A first block without a template (its 64 "beats" crowd the first 180 ms): it borrows the next
    // block's and is matched after it, from a stretch the classifier has to go back for.
    std::vector<std::int64_t> odd;
    for (std::int64_t k = 0; k < 64; ++k) odd.push_back(1 + k);  // all before the first P-wave window fits (115 samples)
    for (std::int64_t p : rpeaks) if (p > odd.back() + 10) odd.push_back(p);
    const auto crowded = ecg::dsp::streamed::classify_beats(lead, record.fs_hz, odd, beats, false);
    CHECK(same_beats(crowded, ecg::dsp::streamed::classify_beats(lead, record.fs_hz, odd, beats, true)));
    CHECK(crowded[60].cls != ecg::beats::BeatClass::Q);  // matched against the borrowed template
  }
}
