// Screening pipeline: Findings for the real sample, JSON shape, patient overrides and bad input.
#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "ecg/error.h"
#include "ecg/io.h"
#include "ecg/options.h"
#include "ecg/screen.h"
#include "io/text.h"
#include "screen/pipeline.h"
#include "test_util.h"
#include "dsp/streamed.h"

using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;

namespace {
ecg::Record sample_record() {
  return ecg::test::read_record_fixture({"wfdb/00003_hr.hea", "wfdb/00003_hr.dat"});
}
}  // namespace

TEST_CASE("screen: the sample's findings carry heart rate, leads and a disclaimer", "[screen]") {
  ecg::Record record = sample_record();
  auto findings = ecg::screen::screen(record, {});
  auto j = nlohmann::json::parse(ecg::screen::to_json(findings));
  CHECK(j["record"] == "00003_hr");
  CHECK(j["fs_hz"] == 500.0);
  CHECK(j["duration_s"] == 10.0);
  CHECK(j["leads"].size() == 12);
  CHECK(j["rpeaks"].size() == 11);
  CHECK(j["heart_rate_bpm"].get<double>() == Approx(64.1).margin(1.0));
  CHECK_THAT(j["disclaimer"].get<std::string>(), Contains("not a diagnosis"));
  CHECK(j["timings"].contains("rpeaks_ms"));
}

TEST_CASE("screen: patient details override the record's and are validated", "[screen]") {
  ecg::Record record = sample_record();
  auto p = ecg::options::patient(R"({"age": 56, "sex": "female"})");
  auto j = nlohmann::json::parse(ecg::screen::to_json(ecg::screen::screen(record, p)));
  CHECK(j["age"] == 56.0);
  CHECK(j["sex"] == "female");
  CHECK_THROWS_WITH(ecg::options::patient(R"({"age": -3})"), "age: expected a number (years, between 0 and 150), found -3");
  CHECK_THROWS_WITH(ecg::options::patient(R"({"sex": "x"})"), Contains("found a string \"x\""));
}

TEST_CASE("record metadata round-trips through JSON with its samples", "[screen][record]") {
  ecg::Record record = sample_record();
  ecg::Record back = ecg::record_from_info_json(ecg::record_info_json(record), record.samples_mv);
  CHECK(back.name == record.name);
  CHECK(back.leads == record.leads);
  CHECK(back.fs_hz == record.fs_hz);
  CHECK(back.samples_mv == record.samples_mv);
  std::vector<float> short_samples(10);
  CHECK_THROWS_WITH(ecg::record_from_info_json(ecg::record_info_json(record), short_samples), Contains("expected 60000 values"));
  // A field of the wrong type is named with what it holds (a hand-built JS EcgRecord's info).
  CHECK_THROWS_WITH(ecg::record_from_info_json(R"({"record": "x", "fs_hz": "500", "leads": ["I"], "n_samples": 1})", short_samples),
                    "record metadata: fs_hz: type must be number, but is string, found \"500\"");
  CHECK_THROWS_WITH(ecg::record_from_info_json(R"({"record": "x", "fs_hz": 500, "n_samples": 1})", short_samples),
                    StartsWith("record metadata: leads: ") && EndsWith(", found none"));
  CHECK_THROWS_WITH(ecg::record_from_info_json(R"({"record": "x", "fs_hz": 500, "leads": ["I", 2], "n_samples": 1})", short_samples),
                    StartsWith("record metadata: leads: type must be string, but is number") && EndsWith("found [\"I\",2]"));
}

TEST_CASE("screen: low rates screen down to the readers' 10 Hz floor, and at or below it are refused in words", "[screen][rate]") {
  // Every 2nd..50th sample of the real 500 Hz sample: 250 Hz down to 10 Hz. Each filter narrows or drops
  // its band edges with the rate (the R-peak band's low-pass edge does not fit above 5 Hz below ~34 Hz).
  const ecg::Record base = sample_record();
  for (const std::size_t k : {2u, 10u, 14u, 15u, 16u, 20u, 25u, 45u, 50u}) {
    ecg::Record low = base;
    low.fs_hz = base.fs_hz / static_cast<double>(k);
    low.n_samples = base.n_samples / k;
    low.samples_mv.assign(low.n_leads() * low.n_samples, 0.0f);
    for (std::size_t l = 0; l < base.n_leads(); ++l) {
      for (std::size_t t = 0; t < low.n_samples; ++t) low.lead(l)[t] = base.lead(l)[t * k];
    }
    CAPTURE(low.fs_hz);
    if (low.fs_hz > ecg::io::kMinFsHz) {
      const auto f = ecg::screen::screen(low, {});
      CHECK(f.fs_hz == low.fs_hz);
      for (const auto r : f.rpeaks) CHECK((r >= 0 && r < static_cast<std::int64_t>(low.n_samples)));
    } else {
      CHECK_THROWS_WITH(ecg::screen::screen(low, {}), "record '" + base.name + "': expected a sampling rate above 10 Hz (an ECG needs at least 50 Hz "
                                                      "to show its waves), found " + ecg::io::text::format_number(low.fs_hz) + " Hz");
    }
  }
}

TEST_CASE("screen: above 2 kHz the analysis runs decimated and indices come back at the record's rate", "[screen][rate]") {
  // Boundary table of the decimation factor: none up to 2000 Hz, then floor(fs / 1000).
  CHECK(ecg::screen::analysis_decimation(500.0) == 1);
  CHECK(ecg::screen::analysis_decimation(2000.0) == 1);
  CHECK(ecg::screen::analysis_decimation(2000.5) == 2);
  CHECK(ecg::screen::analysis_decimation(2999.0) == 2);
  CHECK(ecg::screen::analysis_decimation(3000.0) == 3);
  CHECK(ecg::screen::analysis_decimation(20000.0) == 20);
  CHECK(ecg::screen::analysis_decimation(1000999.0) == 1000);
  CHECK(ecg::screen::analysis_decimation(2000000.0) == 1000);  // the resampler's largest whole factor

  // The real sample interpolated linearly from 500 Hz to 20 kHz screens like the original.
  const ecg::Record base = sample_record();
  constexpr std::size_t up = 40;
  ecg::Record hi = base;
  hi.fs_hz = base.fs_hz * up;
  hi.n_samples = (base.n_samples - 1) * up + 1;
  hi.samples_mv.assign(hi.n_leads() * hi.n_samples, 0.0f);
  for (std::size_t l = 0; l < base.n_leads(); ++l) {
    auto in = base.lead(l);
    auto out = hi.lead(l);
    for (std::size_t t = 0; t < hi.n_samples; ++t) {
      const std::size_t a = t / up, b = std::min(a + 1, base.n_samples - 1);
      const float w = static_cast<float>(t % up) / up;
      out[t] = (1.0f - w) * in[a] + w * in[b];
    }
  }
  const auto lo = ecg::screen::screen(base, {});
  const auto f = ecg::screen::screen(hi, {});
  CHECK(f.fs_hz == 20000.0);
  CHECK(f.duration_s == hi.duration_s());
  CHECK(f.heart_rate_bpm.value() == Approx(lo.heart_rate_bpm.value()).margin(0.5));
  REQUIRE(f.rpeaks.size() == lo.rpeaks.size());
  for (std::size_t i = 0; i < f.rpeaks.size(); ++i) {
    // One 500 Hz sample is 40 samples at 20 kHz; the 1 kHz analysis copy is exact to 20.
    CHECK(std::abs(f.rpeaks[i] - lo.rpeaks[i] * static_cast<std::int64_t>(up)) <= 60);
  }
  for (const auto& b : f.beats) CHECK(b.sample < static_cast<std::int64_t>(hi.n_samples));
  for (const auto& lead : f.signal_quality.leads) {
    REQUIRE_FALSE(lead.windows.empty());
    CHECK(lead.windows.back().start + lead.windows.back().length <= hi.n_samples);
    CHECK(lead.windows.back().start + lead.windows.back().length > hi.n_samples - 2 * hi.fs_hz);
  }
  bool warned = false;
  for (const auto& w : f.warnings) warned = warned || w.find("decimated by 20") != std::string::npos;
  CHECK(warned);
  auto positives = [](const ecg::screen::Findings& x) {
    std::vector<std::string> p;
    for (const auto& c : x.classes) if (c.decision) p.push_back(c.abbr);
    return p;
  };
  CHECK(positives(f) == positives(lo));
}

TEST_CASE("screen: a long record screened in chunks gives the findings of the whole-lead path", "[screen][streamed]") {
  // 100_2min six times over (12 min): quality, the polarity check and the beat classifier stream
  // above 60 s in chunks of 20 s here; the findings must be those of the whole-lead path.
  const ecg::Record part = ecg::test::read_record_fixture({"mitbih/100_2min.hea", "mitbih/100_2min.dat"});
  ecg::Record record = part;
  record.samples_mv.clear();
  for (std::size_t l = 0; l < part.n_leads(); ++l)
    for (int t = 0; t < 6; ++t) record.samples_mv.insert(record.samples_mv.end(), part.lead(l).begin(), part.lead(l).end());
  record.n_samples = part.n_samples * 6;
  auto findings = [&](double min_s, double chunk_s) {
    const double old_min = ecg::dsp::streamed::streamed_min_s(), old_chunk = ecg::dsp::streamed::chunk_s();
    ecg::dsp::streamed::set_streamed_min_s(min_s);
    ecg::dsp::streamed::set_chunk_s(chunk_s);
    ecg::screen::Findings f = ecg::screen::screen(record, {});
    ecg::dsp::streamed::set_streamed_min_s(old_min);
    ecg::dsp::streamed::set_chunk_s(old_chunk);
    f.timings.clear();
    return ecg::screen::to_json(f);
  };
  const std::string whole = findings(std::numeric_limits<double>::infinity(), 300.0);
  CHECK(findings(60.0, 20.0) == whole);
  CHECK(findings(60.0, 7.0) == whole);
}
