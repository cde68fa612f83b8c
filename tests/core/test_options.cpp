// The JS API's options objects as the core parses them (ecg/options.h): unknown keys, wrong types and
// ranges refused with the option's JS name, what was expected and what was found; defaults kept.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ecg/error.h"
#include "ecg/options.h"

namespace opt = ecg::options;
using ecg::screen::LiveSource;

namespace {

struct Bad {
  const char* json;
  const char* message;
};

}  // namespace

TEST_CASE("Options: readRecord options", "[options]") {
  const ecg::io::ReadOptions none = opt::read_options("");
  CHECK_FALSE(none.fs_hz);
  CHECK(none.units.empty());
  CHECK_FALSE(none.derive_limb_leads);
  const ecg::io::ReadOptions o = opt::read_options(R"({"fsHz": 500, "units": "uV", "deriveLimbLeads": true})");
  CHECK(o.fs_hz == 500.0);
  CHECK(o.units == "uV");
  CHECK(o.derive_limb_leads);
  CHECK_FALSE(opt::read_options(R"({"fsHz": null, "units": null, "deriveLimbLeads": null})").fs_hz);  // null: absent
  const std::vector<Bad> table = {
      {R"({"bogus": 1})", "unknown option 'bogus' in readRecord options (expected one of: fsHz, units, deriveLimbLeads)"},
      {R"({"fsHz": "x"})", "fsHz: expected a number (above 10 and at most 20000 Hz), found a string \"x\""},
      {R"({"units": 1000})", "units: expected a string (\"mV\", \"uV\" or \"µV\"), found 1000"},
      {R"({"deriveLimbLeads": "yes"})", "deriveLimbLeads: expected true or false (add III, aVR, aVL, aVF computed from I and II), found a string \"yes\""},
      {R"([500])", "readRecord options: expected an object, found an array"},
      {R"("x")", "readRecord options: expected an object, found a string \"x\""},
      {R"({fsHz: 5)", "readRecord options: expected an object, found text that is not JSON"},
  };
  for (const Bad& b : table) {
    INFO(b.json);
    CHECK_THROWS_WITH(opt::read_options(b.json), b.message);
    CHECK_THROWS_AS(opt::read_options(b.json), ecg::Error);
  }
  CHECK(opt::read_options(R"({"fsHz": 5})").fs_hz == 5.0);  // the range is read_record's (test_io_formats)
}

TEST_CASE("Options: patient", "[options]") {
  const ecg::screen::Patient p = opt::patient(R"({"age": 56, "sex": "female"})");
  CHECK(p.age_years == 56.0);
  CHECK(p.sex == ecg::Sex::female);
  CHECK(opt::patient("").sex == ecg::Sex::unknown);
  CHECK_FALSE(opt::patient(R"({"age": null, "sex": null})").age_years);
  CHECK(opt::patient(R"({"age": 0})").age_years == 0.0);
  CHECK(opt::patient(R"({"age": 150, "sex": "unknown"})").age_years == 150.0);
  const std::vector<Bad> table = {
      {R"({"bogus": 1})", "unknown option 'bogus' in patient (expected one of: age, sex)"},
      {R"({"age": "56"})", "age: expected a number (years, between 0 and 150), found a string \"56\""},
      {R"({"age": 400})", "age: expected a number (years, between 0 and 150), found 400"},
      {R"({"age": -0.5})", "age: expected a number (years, between 0 and 150), found -0.5"},
      {R"({"sex": 1})", "sex: expected one of \"female\", \"male\", \"unknown\" (the patient's sex), found 1"},
      {R"({"sex": "F"})", "sex: expected one of \"female\", \"male\", \"unknown\" (the patient's sex), found a string \"F\""},
      {R"(56)", "patient: expected an object, found 56"},
  };
  for (const Bad& b : table) {
    INFO(b.json);
    CHECK_THROWS_WITH(opt::patient(b.json), b.message);
  }
}

TEST_CASE("Options: the patient's sex overrides the record's unless unknown", "[options]") {
  ecg::Record record;
  record.sex = ecg::Sex::male;
  CHECK(opt::effective_sex(opt::patient(R"({"sex": "female"})"), record) == ecg::Sex::female);
  CHECK(opt::effective_sex(opt::patient(R"({"sex": "unknown"})"), record) == ecg::Sex::male);
  CHECK(opt::effective_sex(opt::patient(""), record) == ecg::Sex::male);
}

TEST_CASE("Options: live stream options", "[options]") {
  const opt::LiveStreamOptions d = opt::live_stream("");
  CHECK(d.source == LiveSource::ecg);
  CHECK(d.live.fs_hz == 130.0);
  CHECK(d.live.keep_s == 60.0);
  const opt::LiveStreamOptions o = opt::live_stream(
      R"({"source": "rr", "fsHz": 250, "lead": "II", "updateEveryS": 2, "keepS": 90, "hrWindowS": 8, "rhythmWindowS": 40,
          "recordS": 0, "startUnixMs": 1700000000000.4})");
  CHECK(o.source == LiveSource::rr_intervals);
  CHECK(o.live.fs_hz == 250.0);
  CHECK(o.live.lead == "II");
  CHECK(o.live.update_every_s == 2.0);
  CHECK(o.live.keep_s == 90.0);
  CHECK(o.live.hr_window_s == 8.0);
  CHECK(o.live.rhythm_window_s == 40.0);
  CHECK(o.live.record_s == 0.0);
  CHECK(o.live.start_unix_ms == 1700000000000);
  // rhythmModel is the JS API's own: known (named in messages), its value not read here.
  CHECK(opt::live_stream(R"({"rhythmModel": null})").source == LiveSource::ecg);
  const std::vector<Bad> table = {
      {R"({"speed": 2})",
       "unknown option 'speed' in live stream options (expected one of: source, fsHz, lead, updateEveryS, keepS, hrWindowS, rhythmWindowS, "
       "recordS, startUnixMs, rhythmModel)"},
      {R"({"source": "ppg"})",
       "source: expected one of \"ecg\", \"rr\" (ecg: samples or PMD frames; rr: Heart Rate service RR intervals), found a string \"ppg\""},
      {R"({"fsHz": "fast"})", "fsHz: expected a number (Hz, from 100 to 1000: the R-peak detector's range), found a string \"fast\""},
      {R"({"fsHz": 50})", "fsHz: expected a number (Hz, from 100 to 1000: the R-peak detector's range), found 50"},
      {R"({"lead": 2})", "lead: expected a string (the lead's name), found 2"},
      {R"({"lead": ""})", "lead: expected a string (the lead's name), found an empty one"},
      {R"({"updateEveryS": true})", "updateEveryS: expected a number (seconds, from 0.5 to 60), found true"},
      {R"({"updateEveryS": 0.25})", "updateEveryS: expected a number (seconds, from 0.5 to 60), found 0.25"},
      {R"({"keepS": "60"})", "keepS: expected a number (seconds, from rhythmWindowS + updateEveryS + 10 to 3600), found a string \"60\""},
      {R"({"keepS": 5})", "keepS: expected a number (seconds, from rhythmWindowS + updateEveryS + 10 = 45 to 3600), found 5"},
      {R"({"hrWindowS": []})", "hrWindowS: expected a number (seconds, from 3 to rhythmWindowS), found an array"},
      {R"({"hrWindowS": 40})", "hrWindowS: expected a number (seconds, from 3 to rhythmWindowS = 30), found 40"},
      {R"({"rhythmWindowS": {}})", "rhythmWindowS: expected a number (seconds), found an object"},
      {R"({"recordS": -1})", "recordS: expected a number (seconds, from 0 to 172800 (48 h)), found -1"},
      {R"({"startUnixMs": "now"})", "startUnixMs: expected a number (ms since 1970 UTC), found a string \"now\""},
  };
  for (const Bad& b : table) {
    INFO(b.json);
    CHECK_THROWS_WITH(opt::live_stream(b.json), b.message);
  }
}

TEST_CASE("Options: a JSON library message loses its jargon prefix", "[options]") {
  CHECK(ecg::json_error_text("[json.exception.type_error.302] type must be number, but is string") == "type must be number, but is string");
  CHECK(ecg::json_error_text("plain words") == "plain words");
}
