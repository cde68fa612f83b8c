// Screening pipeline: Findings for the real sample, JSON shape, patient overrides and bad input.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "ecg/error.h"
#include "ecg/io.h"
#include "ecg/screen.h"
#include "test_util.h"

using Catch::Matchers::Contains;

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
  auto p = ecg::screen::patient_from_json(R"({"age": 56, "sex": "female"})");
  auto j = nlohmann::json::parse(ecg::screen::to_json(ecg::screen::screen(record, p)));
  CHECK(j["age"] == 56.0);
  CHECK(j["sex"] == "female");
  CHECK_THROWS_WITH(ecg::screen::patient_from_json(R"({"age": -3})"), Contains("between 0 and 150") && Contains("-3"));
  CHECK_THROWS_WITH(ecg::screen::patient_from_json(R"({"sex": "x"})"), Contains("\"x\""));
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
}
