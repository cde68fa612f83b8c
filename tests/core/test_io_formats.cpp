// Readers on the real fixtures of every dataset and format (WFDB 16/212/MAT v4, CSV, EDF+), on
// synthetic records for the rarer WFDB formats and skew, and on damaged input.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <numbers>
#include <tuple>

#include "ecg/annotations.h"
#include "ecg/dsp.h"
#include "ecg/rules.h"
#include "ecg/screen.h"
#include "ecg/error.h"
#include "ecg/io.h"
#include "test_util.h"

using Catch::Matchers::Contains;
using ecg::io::NamedBuffer;
using ecg::io::ReadOptions;

namespace {

ecg::Record read_fixtures(std::initializer_list<const char*> paths, const ReadOptions& options = {}) {
  ecg::test::FixtureFiles files;
  for (const char* p : paths) files.add(p);
  auto buffers = files.buffers();
  return ecg::io::read_record(buffers, options);
}

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

ecg::Record read_texts(const std::vector<std::pair<std::string, std::vector<std::uint8_t>>>& files, const ReadOptions& options = {}) {
  std::vector<NamedBuffer> buffers;
  for (const auto& [name, b] : files) buffers.push_back({name, b});
  return ecg::io::read_record(buffers, options);
}

ReadOptions digital_options() {
  ReadOptions o;
  o.keep_digital = true;
  return o;
}

}  // namespace

TEST_CASE("WFDB + MAT v4: a CinC 2021-style record (16x1+24, '# Dx:') reads with labels, age and sex", "[io][wfdb][mat]") {
  ecg::Record r = read_fixtures({"cinc/Q0016.hea", "cinc/Q0016.mat"}, digital_options());
  CHECK(r.name == "Q0016");
  CHECK(r.source_format == "wfdb-mat");
  CHECK(r.fs_hz == 500.0);
  CHECK(r.n_samples == 5000);
  CHECK(r.n_leads() == 12);
  CHECK(r.labels == std::vector<std::string>{"164867002"});
  REQUIRE(r.age_years);
  CHECK(*r.age_years == 73.0);
  CHECK(r.sex == ecg::Sex::male);
  CHECK(r.warnings.empty());  // checksums and initial values match
  // Header initial values 18 (I) and -47 (II) at 1000/mV.
  CHECK(r.digital[0] == 18);
  CHECK(r.lead(1)[0] == Approx(-0.047));
  CHECK(r.lead_info[0].gain == 1000.0);
}

TEST_CASE("WFDB + MAT v4: a CinC 2017 single-lead record; its zero checksum is reported, not ignored", "[io][wfdb][mat]") {
  ecg::Record r = read_fixtures({"cinc2017/A05493.hea", "cinc2017/A05493.mat"});
  CHECK(r.fs_hz == 300.0);
  CHECK(r.n_samples == 2714);
  CHECK(r.leads == std::vector<std::string>{"ECG"});
  REQUIRE(r.warnings.size() == 1);
  CHECK_THAT(r.warnings[0], Contains("checksum mismatch") && Contains("header says 0"));
}

TEST_CASE("WFDB: LUDB record 1 with lower-case leads, per-signal baselines and '<age>' comments", "[io][wfdb]") {
  ecg::Record r = read_fixtures({"ludb/1.hea", "ludb/1.dat"}, digital_options());
  CHECK(r.leads == std::vector<std::string>{"I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"});
  CHECK(r.lead_info[0].label == "i");
  CHECK(r.lead_info[0].gain == 1716.0);
  CHECK(r.lead_info[0].baseline == 6.0);
  // First sample of lead i: -120 stored, baseline 6, gain 1716/mV.
  CHECK(r.digital[0] == -120);
  CHECK(r.lead(0)[0] == Approx((-120.0 - 6.0) / 1716.0));
  REQUIRE(r.age_years);
  CHECK(*r.age_years == 51.0);
  CHECK(r.sex == ecg::Sex::female);
  REQUIRE(r.labels.size() == 5);
  CHECK(r.labels[0] == "Rhythm: Sinus bradycardia.");
  CHECK(r.warnings.empty());
}

TEST_CASE("WFDB format 212: MIT-BIH 100 (first 10 s) with MLII as lead II and MIT-style age/sex", "[io][wfdb][212]") {
  ecg::Record r = read_fixtures({"mitbih/100_10s.hea", "mitbih/100_10s.dat"}, digital_options());
  CHECK(r.source_format == "wfdb-212");
  CHECK(r.fs_hz == 360.0);
  CHECK(r.n_samples == 3600);
  CHECK(r.leads == std::vector<std::string>{"II", "V5"});
  CHECK(r.lead_info[0].label == "MLII");
  CHECK(r.digital[0] == 995);
  CHECK(r.digital[3600] == 1011);
  CHECK(r.lead(0)[0] == Approx((995 - 1024) / 200.0));
  CHECK(r.sex == ecg::Sex::male);
  CHECK(r.age_years == 69.0);
  CHECK(r.warnings.empty());
}

TEST_CASE("WFDB format 16 with non-integer gains and large baselines (CPSC 2021)", "[io][wfdb]") {
  ecg::Record r = read_fixtures({"cpsc2021/data_8_4.hea", "cpsc2021/data_8_4.dat"}, digital_options());
  CHECK(r.fs_hz == 200.0);
  CHECK(r.n_samples == 8235);
  CHECK(r.lead_info[0].gain == Approx(38777.46675997201));
  CHECK(r.lead(0)[0] == Approx((r.digital[0] + 199006.0) / 38777.46675997201));
  CHECK(r.warnings.empty());
  CHECK(r.comments == std::vector<std::string>{"persistent atrial fibrillation"});
}

TEST_CASE("the same ECG as WFDB, CSV (comma, semicolon + decimal comma) and EDF+ gives the same samples", "[io][csv][edf]") {
  ecg::Record wfdb = read_fixtures({"ptbxl/00003_lr.hea", "ptbxl/00003_lr.dat"});
  ecg::Record csv = read_fixtures({"csv/00003_lr.csv"});
  ecg::Record semicolon = read_fixtures({"csv/00003_lr_semicolon.csv"});
  ecg::Record edf = read_fixtures({"edf/00003_lr.edf"}, digital_options());
  for (const ecg::Record* r : {&csv, &semicolon, &edf}) {
    INFO(r->source_format << " " << r->files[0]);
    CHECK(r->fs_hz == 100.0);
    CHECK(r->n_samples == 1000);
    REQUIRE(r->leads == wfdb.leads);
    float max_diff = 0;
    for (std::size_t i = 0; i < wfdb.samples_mv.size(); ++i) max_diff = std::max(max_diff, std::abs(r->samples_mv[i] - wfdb.samples_mv[i]));
    CHECK(max_diff < 1e-6f);
    CHECK(r->warnings.empty());
  }
  CHECK(csv.lead_info[0].units == "mV");
  CHECK(semicolon.lead_info[0].units == "uV");
  CHECK(edf.source_format == "edf+");
  CHECK(edf.sex == ecg::Sex::female);
  CHECK(edf.digital[0] == -29);  // the annotations signal is skipped; lead I first
}

TEST_CASE("CSV: the headerless Chapman layout reads as 12 leads at 500 Hz in uV, with a warning", "[io][csv]") {
  ecg::Record wfdb = read_fixtures({"wfdb/00003_hr.hea", "wfdb/00003_hr.dat"});
  ecg::Record chapman = read_fixtures({"csv/00003_hr_chapman.csv"});
  CHECK(chapman.fs_hz == 500.0);
  CHECK(chapman.n_samples == 5000);
  CHECK(chapman.leads == wfdb.leads);
  CHECK(chapman.lead(11)[4999] == Approx(wfdb.lead(11)[4999]));
  REQUIRE(chapman.warnings.size() == 1);
  CHECK_THAT(chapman.warnings[0], Contains("Chapman") && Contains("500 Hz") && Contains("microvolts"));
  ReadOptions given;
  given.fs_hz = 500.0;
  given.units = "uV";
  CHECK(read_fixtures({"csv/00003_hr_chapman.csv"}, given).warnings.empty());
}

TEST_CASE("CSV: header units, caller's units and rate, aliases, and bad cells", "[io][csv]") {
  auto csv = [](const std::string& text, const ReadOptions& o = {}) { return read_texts({{"x.csv", bytes_of(text)}}, o); };
  ReadOptions mv;
  mv.units = "mV";
  mv.fs_hz = 250;
  ecg::Record r = csv("Lead I;AVR;MLII\n1,5;2;3\n4;5;6,25\n", mv);
  CHECK(r.leads == std::vector<std::string>{"I", "aVR", "II"});
  CHECK(r.fs_hz == 250.0);
  CHECK(r.lead(0)[0] == 1.5f);
  CHECK(r.lead(2)[1] == 6.25f);
  CHECK(csv("\"t\",\"II (uV)\"\n0,1000\n0.004,2000\n0.008,3000\n").fs_hz == 250.0);
  CHECK(csv("index\ttime (ms)\tV1 [mV]\n0\t0\t1\n1\t2\t2\n").fs_hz == 500.0);
  CHECK(csv(",I,II,\n0,1,2,\n1,3,4,\n", mv).leads == std::vector<std::string>{"I", "II"});  // pandas index, trailing ','

  CHECK_THROWS_WITH(csv("I,II\n1,2\n"), Contains("x.csv") && Contains("units") && Contains("'I'"));
  CHECK_THROWS_WITH(csv("I,II\n1,2\n3,NaN\n", mv), Contains("x.csv, line 3") && Contains("'II'") && Contains("finite number") && Contains("'NaN'"));
  CHECK_THROWS_WITH(csv("I,II\n1,2\n3,inf\n", mv), Contains("finite number"));
  CHECK_THROWS_WITH(csv("I,II\n1,2\n3\n", mv), Contains("line 3") && Contains("expected 2 cells") && Contains("found 1"));
  CHECK_THROWS_WITH(csv("I,II\n1,\n", mv), Contains("an empty cell"));
  CHECK_THROWS_WITH(csv("I (mV),II (mV)\n1,2\n"), Contains("sampling rate unknown"));
  CHECK_THROWS_WITH(csv("t,I (mV)\n0,1\n0.01,1\n0.05,1\n"), Contains("evenly spaced"));
  CHECK_THROWS_WITH(csv("1,2,3\n4,5,6\n"), Contains("header row") && Contains("found 3 numeric columns"));
  CHECK_THROWS_WITH(csv("I,I\n1,2\n", mv), Contains("lead I twice"));
  CHECK_THROWS_WITH(csv("I (mmHg)\n1\n", mv), Contains("expected units mV, uV or V") && Contains("'mmHg'"));
  ReadOptions bad_fs;
  bad_fs.fs_hz = 50000;
  CHECK_THROWS_WITH(csv("I (mV)\n1\n", bad_fs), Contains("at most 20000 Hz"));
}

TEST_CASE("derived limb leads match the device's own III, aVR, aVL, aVF and are marked derived", "[io][leads]") {
  ecg::Record full = read_fixtures({"ptbxl/00003_lr.hea", "ptbxl/00003_lr.dat"});
  // A two-lead CSV holding only I and II of the same ECG.
  std::string text = "I (mV),II (mV)\n";
  for (std::size_t t = 0; t < full.n_samples; ++t) text += std::to_string(full.lead(0)[t]) + "," + std::to_string(full.lead(1)[t]) + "\n";
  ReadOptions o;
  o.fs_hz = 100;
  o.derive_limb_leads = true;
  ecg::Record r = read_texts({{"i_ii.csv", bytes_of(text)}}, o);
  REQUIRE(r.leads == std::vector<std::string>{"I", "II", "III", "aVR", "aVL", "aVF"});
  for (std::size_t lead = 2; lead < 6; ++lead) {
    CHECK(r.lead_info[lead].derived);
    float max_diff = 0;
    for (std::size_t t = 0; t < r.n_samples; ++t) max_diff = std::max(max_diff, std::abs(r.lead(lead)[t] - full.lead(lead)[t]));
    CHECK(max_diff <= 0.0021f);  // the device rounds each lead to 1 uV
  }
  CHECK_FALSE(r.lead_info[0].derived);
  CHECK_THAT(ecg::record_info_json(r), Contains("\"derived_leads\":[\"III\",\"aVR\",\"aVL\",\"aVF\"]"));
  // A record with all 12 leads gets nothing added.
  ecg::Record twelve = read_fixtures({"ptbxl/00003_lr.hea", "ptbxl/00003_lr.dat"}, o);
  CHECK(twelve.n_leads() == 12);
}

TEST_CASE("WFDB formats 80, 24, 32, 61, odd-length 212 and skew decode what was written", "[io][wfdb]") {
  const std::vector<std::int32_t> a = {0, 1, -1, 100, -100, 127, -127, 5};
  const std::vector<std::int32_t> b = {3, -3, 50, -50, 7, -7, 0, 1};
  auto encode = [&](int format) {
    std::vector<std::uint8_t> out;
    std::vector<std::int32_t> flat;
    for (std::size_t t = 0; t < a.size(); ++t) { flat.push_back(a[t]); flat.push_back(b[t]); }
    if (format == 212) {
      flat.push_back(-2048);  // 17 values: the last pair is half full
      for (std::size_t j = 0; j < flat.size(); j += 2) {
        const auto x = static_cast<std::uint32_t>(flat[j]) & 0xFFF;
        const auto y = j + 1 < flat.size() ? static_cast<std::uint32_t>(flat[j + 1]) & 0xFFF : 0u;
        out.push_back(x & 0xFF);
        out.push_back(static_cast<std::uint8_t>(((x >> 8) & 0x0F) | ((y >> 4) & 0xF0)));
        if (j + 1 < flat.size()) out.push_back(y & 0xFF);
      }
      return out;
    }
    for (std::int32_t v : flat) {
      const auto u = static_cast<std::uint32_t>(v);
      if (format == 80) out.push_back(static_cast<std::uint8_t>(v + 128));
      if (format == 61) { out.push_back((u >> 8) & 0xFF); out.push_back(u & 0xFF); }
      if (format == 24 || format == 32) { out.push_back(u & 0xFF); out.push_back((u >> 8) & 0xFF); out.push_back((u >> 16) & 0xFF); }
      if (format == 32) out.push_back((u >> 24) & 0xFF);
    }
    return out;
  };
  for (int format : {80, 24, 32, 61, 212}) {
    INFO("format " << format);
    const std::string hea = "syn 2 100 8\nsyn.dat " + std::to_string(format) + " 100 12 0 0 5 0 I\nsyn.dat " + std::to_string(format) + " 100 12 0 3 1 0 II\n";
    ecg::Record r = read_texts({{"syn.hea", bytes_of(hea)}, {"syn.dat", encode(format)}}, digital_options());
    CHECK(r.source_format == "wfdb-" + std::to_string(format));
    CHECK(std::vector<std::int32_t>(r.digital.begin(), r.digital.begin() + 8) == a);
    CHECK(std::vector<std::int32_t>(r.digital.begin() + 8, r.digital.end()) == b);
    CHECK(r.lead(0)[3] == Approx(1.0));
    CHECK(r.warnings.empty());
  }
  // Skew: signal II's sample t is stored in frame t + 1 (format 16; 4 frames stored for 3 samples).
  const std::vector<std::uint8_t> dat = {1, 0, 9, 0, 2, 0, 10, 0, 3, 0, 11, 0, 4, 0, 12, 0};
  const std::string hea = "sk 2 100 3\nsk.dat 16 1 16 0 1\nsk.dat 16:1 1 16 0 10\n";
  ecg::Record r = read_texts({{"sk.hea", bytes_of(hea)}, {"sk.dat", dat}}, digital_options());
  CHECK(r.digital == std::vector<std::int32_t>{1, 2, 3, 10, 11, 12});
  CHECK(r.warnings.empty());
}

TEST_CASE("WFDB: header details (no sample count, gain 0, units uV/V, non-voltage signals)", "[io][wfdb]") {
  const std::vector<std::uint8_t> dat = {10, 0, 20, 0, 30, 0, 40, 0, 50, 0, 60, 0};
  SECTION("a header without a sample count takes it from the signal file, with a warning") {
    ecg::Record r = read_texts({{"h.hea", bytes_of("h 2 100\nh.dat 16 0/uV 16 0\nh.dat 16 2/V 16 0\n")}, {"h.dat", dat}});
    CHECK(r.n_samples == 3);
    CHECK(r.lead(0)[0] == Approx(10.0 / 200.0 / 1000.0));  // gain 0 means 200 units per uV
    CHECK(r.lead(1)[0] == Approx(20.0 / 2.0 * 1000.0));
    CHECK_THAT(r.warnings.at(0), Contains("no sample count"));
  }
  SECTION("signals in other units are left out with a warning") {
    ecg::Record r = read_texts({{"h.hea", bytes_of("h 2 100 3\nh.dat 16 200/mV 16 0 10 90 0 ECG\nh.dat 16 10/mmHg 16 0 20 120 0 ABP\n")}, {"h.dat", dat}});
    CHECK(r.leads == std::vector<std::string>{"ECG"});
    CHECK_THAT(r.warnings.at(0), Contains("'ABP' left out") && Contains("'mmHg'"));
  }
  SECTION("extra bytes beyond the header's count are refused: the size must match signals x samples exactly") {
    CHECK_THROWS_WITH(read_texts({{"h.hea", bytes_of("h 2 100 2\nh.dat 16\nh.dat 16\n")}, {"h.dat", dat}}),
                      Contains("h.dat: expected 8 bytes for 2 samples x 2 signals in format 16, found 12 (4 bytes more"));
    // Less than one frame more (an odd trailing byte) is tolerated.
    std::vector<std::uint8_t> odd = dat;
    odd.push_back(0);
    CHECK(read_texts({{"h.hea", bytes_of("h 2 100 3\nh.dat 16\nh.dat 16\n")}, {"h.dat", odd}}).n_samples == 3);
  }
  SECTION("WFDB invalid-sample markers read as 0 mV with a warning; the stored integers keep them") {
    const std::vector<std::uint8_t> gap = {10, 0, 0x00, 0x80, 30, 0};  // 10, -32768, 30
    ReadOptions o = digital_options();
    ecg::Record r = read_texts({{"g.hea", bytes_of("g 1 100 3\ng.dat 16 10 16 0 10 -32728 0 I\n")}, {"g.dat", gap}}, o);
    CHECK(r.lead(0)[1] == 0.0f);
    CHECK(r.lead(0)[2] == 3.0f);
    CHECK(r.digital[1] == -32768);
    REQUIRE(r.warnings.size() == 1);
    CHECK_THAT(r.warnings[0], Contains("g.hea, line 2") && Contains("1 samples") && Contains("invalid-sample marker -32768"));
  }
  SECTION("a wrong initial value is reported") {
    ecg::Record r = read_texts({{"h.hea", bytes_of("h 2 100 3\nh.dat 16 200 16 0 11\nh.dat 16 200 16 0 20\n")}, {"h.dat", dat}});
    REQUIRE(r.warnings.size() == 1);
    CHECK_THAT(r.warnings[0], Contains("h.hea, line 2") && Contains("initial value") && Contains("header says 11") && Contains("is 10"));
  }
}

TEST_CASE("WFDB and MAT: bad input names the file, the field, expected and found", "[io][wfdb][mat]") {
  auto q = [] {
    ecg::test::FixtureFiles f;
    f.add("cinc/Q0016.hea").add("cinc/Q0016.mat");
    return f;
  };
  auto read = [](const ecg::test::FixtureFiles& f) {
    auto buffers = f.buffers();
    return ecg::io::read_record(buffers);
  };
  auto with_header = [](ecg::test::FixtureFiles f, const std::string& from, const std::string& to) {
    std::string text(f.files[0].second.begin(), f.files[0].second.end());
    for (std::size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) text.replace(pos, from.size(), to);
    f.files[0].second.assign(text.begin(), text.end());
    return f;
  };
  SECTION("truncated .mat") {
    auto f = q();
    f.files[1].second.resize(5000);
    CHECK_THROWS_WITH(read(f), Contains("Q0016.mat") && Contains("expected at least 120024 bytes") && Contains("found 5000"));
  }
  SECTION(".mat matrix shape differs from the header") {
    CHECK_THROWS_WITH(read(with_header(q(), "Q0016 12 500 5000", "Q0016 12 500 4000")),
                      Contains("Q0016.mat") && Contains("4000 columns") && Contains("found 5000"));
  }
  SECTION("a MATLAB v5 file") {
    auto f = q();
    std::memcpy(f.files[1].second.data(), "MATLAB 5.0 MAT-file", 19);
    CHECK_THROWS_WITH(read(f), Contains("Q0016.mat") && Contains("MATLAB v4") && Contains("v5"));
  }
  SECTION("a .mat of another type") {
    auto f = q();
    f.files[1].second[0] = 0;  // type 0: double
    CHECK_THROWS_WITH(read(f), Contains("type field") && Contains("expected 30") && Contains("found 0"));
  }
  SECTION("unknown signal format") {
    CHECK_THROWS_WITH(read(with_header(q(), "16x1+24", "311x1+24")), Contains("Q0016.hea, line 2") && Contains("found 311"));
  }
  SECTION("sampling rate 0 and above 20 kHz") {
    CHECK_THROWS_WITH(read(with_header(q(), " 500 ", " 0 ")), Contains("line 1") && Contains("sampling frequency") && Contains("'0'"));
    CHECK_THROWS_WITH(read(with_header(q(), " 500 ", " 25000 ")), Contains("at most 20000 Hz") && Contains("'25000'"));
  }
  SECTION("unknown units") {
    auto f = with_header(q(), "/mV", "/furlong");
    CHECK_THROWS_WITH(read(f), Contains("Q0016.hea") && Contains("voltage units") && Contains("found none"));
  }
  SECTION("garbage in a numeric field") {
    CHECK_THROWS_WITH(read(with_header(q(), "1000.0(0)/mV", "1e9999/mV")), Contains("line 2") && Contains("ADC gain") && Contains("'1e9999'"));
    CHECK_THROWS_WITH(read(with_header(q(), "Q0016 12", "Q0016 x12")), Contains("line 1") && Contains("number of signals"));
  }
  SECTION("fewer signal lines than announced") {
    CHECK_THROWS_WITH(read(with_header(q(), "Q0016 12 500", "Q0016 13 500")), Contains("announces 13 signals") && Contains("found 12"));
  }
  SECTION("a .mat without its header") {
    ecg::test::FixtureFiles f;
    f.add("cinc/Q0016.mat");
    CHECK_THROWS_WITH(read(f), Contains("Q0016.mat") && Contains("needs its .hea"));
  }
  SECTION("two headers") {
    ecg::test::FixtureFiles f;
    f.add("cinc/Q0016.hea").add("ludb/1.hea");
    CHECK_THROWS_WITH(read(f), Contains("expected one record") && Contains("Q0016.hea"));
  }
}

TEST_CASE("EDF: bad input names the file, the field, expected and found", "[io][edf]") {
  ecg::test::FixtureFiles good;
  good.add("edf/00003_lr.edf");
  auto read = [](ecg::test::FixtureFiles f) {
    auto buffers = f.buffers();
    return ecg::io::read_record(buffers);
  };
  auto patch = [&](std::size_t at, const std::string& text) {
    ecg::test::FixtureFiles f = good;
    std::memcpy(f.files[0].second.data() + at, text.data(), text.size());
    return f;
  };
  SECTION("truncated data") {
    auto f = good;
    f.files[0].second.resize(20000);
    CHECK_THROWS_WITH(read(f), Contains("00003_lr.edf") && Contains("10 data records") && Contains("found 20000") && Contains("truncated"));
  }
  SECTION("truncated header") {
    auto f = good;
    f.files[0].second.resize(100);
    CHECK_THROWS_WITH(read(f), Contains("256 bytes") && Contains("found a file of 100 bytes"));
  }
  SECTION("discontinuous EDF+D") {
    CHECK_THROWS_WITH(read(patch(192, "EDF+D")), Contains("EDF+D") && Contains("not supported"));
  }
  SECTION("header byte count") {
    CHECK_THROWS_WITH(read(patch(184, "256     ")), Contains("number of bytes in header") && Contains("expected 3584") && Contains("found 256"));
  }
  SECTION("a number of signals that is not a number") {
    CHECK_THROWS_WITH(read(patch(252, "ab  ")), Contains("number of signals") && Contains("'ab'"));
  }
  SECTION("record duration 0") {
    CHECK_THROWS_WITH(read(patch(244, "0       ")), Contains("duration of a data record") && Contains("more than 0 s"));
  }
  SECTION("a BDF file") {
    auto f = good;
    f.files[0].second[0] = 0xFF;
    CHECK_THROWS_WITH(read(f), Contains("BDF"));
  }
}

TEST_CASE("annotations: MIT-BIH .atr beats and rhythm notes, LUDB waves, CPSC 2021 AF episodes", "[io][annotations]") {
  auto ann = [](const char* path) {
    auto bytes = ecg::test::read_fixture(path);
    return ecg::io::read_wfdb_annotations({path, bytes});
  };
  auto mit = ann("mitbih/100_10s.atr");
  CHECK(mit.extension == "atr");
  REQUIRE(mit.annotations.size() == 14);
  CHECK(mit.annotations[0].sample == 18);
  CHECK(mit.annotations[0].symbol == "+");
  CHECK(mit.annotations[0].aux == "(N");
  CHECK(mit.annotations[1].symbol == "N");
  CHECK(mit.annotations[1].sample == 77);
  CHECK(mit.annotations.back().sample == 3560);

  auto ludb = ann("ludb/1.i");
  CHECK(ludb.extension == "i");
  REQUIRE(ludb.annotations.size() == 48);
  CHECK(ludb.annotations[0].sample == 641);
  CHECK(ludb.annotations[0].symbol == "(");
  CHECK(ludb.annotations[1].symbol == "N");
  CHECK(ludb.annotations[1].sample == 664);
  CHECK(ludb.annotations[2].symbol == ")");

  auto cpsc = ann("cpsc2021/data_8_4.atr");
  REQUIRE(cpsc.annotations.size() == 53);
  CHECK(cpsc.annotations.front().aux == "(AFIB");
  CHECK(cpsc.annotations.back().aux == "(N");
  CHECK(cpsc.annotations.back().sample == 8234);
  CHECK_THAT(ecg::io::annotations_json(cpsc), Contains("\"aux\":\"(AFIB\""));
  CHECK(ecg::io::annotation_symbol(5) == "V");
  CHECK(ecg::io::annotation_symbol(45) == "[45]");
}

TEST_CASE("annotations: damaged files are refused with the byte offset", "[io][annotations]") {
  auto bytes = ecg::test::read_fixture("mitbih/100_10s.atr");
  SECTION("missing end word") {
    bytes.resize(bytes.size() - 2);
    CHECK_THROWS_WITH(ecg::io::read_wfdb_annotations({"100.atr", bytes}), Contains("100.atr") && Contains("end-of-file word"));
  }
  SECTION("an AUX note longer than the file") {
    bytes = {0x12, 0x70, 0x30, 0xfc, '(', 'N'};  // annotation, then AUX of 48 bytes
    CHECK_THROWS_WITH(ecg::io::read_wfdb_annotations({"x.atr", bytes}), Contains("x.atr, byte 4") && Contains("AUX note") && Contains("found 2"));
  }
  SECTION("a SKIP cut short") {
    bytes = {0x00, 0xEC, 0x01};
    CHECK_THROWS_WITH(ecg::io::read_wfdb_annotations({"x.atr", bytes}), Contains("SKIP"));
  }
  SECTION("a code above 49 that is not a pseudo-code") {
    bytes = {0x01, 0xD0, 0, 0};  // A = 52
    CHECK_THROWS_WITH(ecg::io::read_wfdb_annotations({"x.atr", bytes}), Contains("byte 0") && Contains("found 52"));
  }
}

TEST_CASE("lead aliases from EDF and device exports", "[io][leads]") {
  CHECK(ecg::io::canonical_lead_name("ECG II") == "II");
  CHECK(ecg::io::canonical_lead_name("EKG_V1") == "V1");
  CHECK(ecg::io::canonical_lead_name("Lead aVF") == "aVF");
  CHECK(ecg::io::canonical_lead_name("C3") == "V3");
  CHECK(ecg::io::canonical_lead_name("DIII") == "III");
  CHECK(ecg::io::canonical_lead_name("ECG") == "ECG");
}

// ---- Hostile and inconsistent input (issue #17): each row a real fixture made bad ----------------

namespace {

// The PTB-XL fixture at 100 Hz (12 signals x 1000 samples, format 16, 24000 bytes) with its header
// text changed by `edit`.
ecg::Record read_ptbxl(const std::function<std::string(std::string)>& edit, const std::vector<std::uint8_t>* dat = nullptr) {
  const std::vector<std::uint8_t> h = ecg::test::read_fixture("ptbxl/00003_lr.hea");
  const std::vector<std::uint8_t> d = dat ? *dat : ecg::test::read_fixture("ptbxl/00003_lr.dat");
  return read_texts({{"00003_lr.hea", bytes_of(edit(std::string(h.begin(), h.end())))}, {"00003_lr.dat", d}});
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

// The lead descriptions (last field of signal lines 2..13) replaced by `leads`.
std::string relabel(const std::string& hea, const std::vector<std::string>& leads) {
  std::string out;
  std::size_t line = 0, start = 0;
  while (start < hea.size()) {
    std::size_t end = hea.find('\n', start);
    std::string l = hea.substr(start, end - start);
    if (line >= 1 && line <= leads.size()) l = l.substr(0, l.find_last_of(' ') + 1) + leads[line - 1];
    out += l + "\n";
    ++line;
    start = end == std::string::npos ? hea.size() : end + 1;
  }
  return out;
}

// A record written as CSV and read back, so the reader's checks see the changed samples.
ecg::Record reread_csv(const ecg::Record& r) {
  const ecg::io::WrittenFile f = ecg::io::write_csv(r, "x");
  const NamedBuffer b{f.name, f.bytes};
  return ecg::io::read_record({&b, 1});
}

bool has_warning(const ecg::Record& r, const std::string& text) {
  return std::any_of(r.warnings.begin(), r.warnings.end(), [&](const std::string& w) { return w.find(text) != std::string::npos; });
}

}  // namespace

TEST_CASE("WFDB: signal file names are plain names in the header's folder", "[io][wfdb][hostile]") {
  for (const char* path : {"/dev/zero", "../00003_lr.dat", "sub/00003_lr.dat", "..", "C:x.dat", "a\\b.dat"}) {
    INFO(path);
    CHECK_THROWS_WITH(read_ptbxl([&](std::string h) { return replace_all(h, "00003_lr.dat", path); }),
                      Contains("00003_lr.hea, line 2: expected the signal file as a plain file name in the header's folder, found the path"));
  }
  // The caps the CLIs apply before reading: the declared bytes plus 4 KiB of slack.
  const auto header = ecg::test::read_fixture("ptbxl/00003_lr.hea");
  const auto limits = ecg::io::wfdb_companion_limits({"00003_lr.hea", header});
  REQUIRE(limits.size() == 1);
  CHECK(limits[0].name == "00003_lr.dat");
  CHECK(limits[0].max_bytes == 12 * 1000 * 2 + 4096);
  const auto mat_header = ecg::test::read_fixture("cinc/Q0016.hea");  // 12 x 5000, offset 24
  CHECK(ecg::io::wfdb_companion_limits({"Q0016.hea", mat_header}).at(0).max_bytes == 24 + 12 * 5000 * 2 + 4096);
}

TEST_CASE("WFDB: the signal file size must be exactly signals x samples x bytes", "[io][wfdb][hostile]") {
  // 11 signals declared over the 12-signal file: 22000 bytes expected, 24000 found.
  CHECK_THROWS_WITH(read_ptbxl([](std::string h) {
                      h = replace_all(h, "00003_lr 12 100", "00003_lr 11 100");
                      return h.erase(h.rfind("\n00003_lr.dat") + 1);
                    }),
                    Contains("00003_lr.dat: expected 22000 bytes for 1000 samples x 11 signals in format 16, found 24000 (2000 bytes more"));
  // A sample count that lies too: 1090 x 11 x 2 = 23980 bytes, 20 more (less than a 22-byte frame) -> read,
  // but the checksums of the de-interleaved signals are all wrong, and the limb leads disagree.
  const ecg::Record both = read_ptbxl([](std::string h) {
    h = replace_all(h, "00003_lr 12 100 1000", "00003_lr 11 100 1090");
    return h.erase(h.rfind("\n00003_lr.dat") + 1);
  });
  CHECK(std::count_if(both.warnings.begin(), both.warnings.end(), [](const std::string& w) { return w.find("checksum mismatch") != std::string::npos; }) >= 10);
  CHECK(has_warning(both, "the limb leads disagree"));
  // One sample less than the file holds: a whole 24-byte frame more.
  CHECK_THROWS_WITH(read_ptbxl([](std::string h) { return replace_all(h, "00003_lr 12 100 1000", "00003_lr 12 100 999"); }),
                    Contains("expected 23976 bytes for 999 samples x 12 signals") && Contains("24 bytes more"));
  // The exact size reads with no warning.
  CHECK(read_ptbxl([](std::string h) { return h; }).warnings.empty());
}

TEST_CASE("every reader refuses a lead named twice", "[io][wfdb][edf][csv][hostile]") {
  CHECK_THROWS_WITH(read_ptbxl([](std::string h) { return relabel(h, std::vector<std::string>(12, "II")); }),
                    Contains("00003_lr.hea: expected each lead once, found lead II twice (signal 1 'II' and signal 2 'II')"));
  // Different labels, one lead: MLII and II.
  CHECK_THROWS_WITH(read_ptbxl([](std::string h) { return relabel(h, {"I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "MLII"}); }),
                    Contains("found lead II twice (signal 2 'II' and signal 12 'MLII')"));
  ecg::test::FixtureFiles edf;
  edf.add("edf/00003_lr.edf");
  std::memcpy(edf.files[0].second.data() + 256 + 16, "I               ", 16);  // signal 2 labelled I too
  auto buffers = edf.buffers();
  CHECK_THROWS_WITH(ecg::io::read_record(buffers), Contains("00003_lr.edf: expected each lead once, found lead I twice (signal 1"));
  const std::string csv = "time,I,II,I\n0,1,2,3\n0.002,1,2,3\n";
  CHECK_THROWS_WITH(read_texts({{"d.csv", bytes_of(csv)}}), Contains("expected each lead once, found lead I twice"));
}

TEST_CASE("limb-lead consistency: III = II - I, aVR = -(I+II)/2 ... warn and name the suspect leads", "[io][leads][hostile]") {
  const ecg::Record real = ecg::test::read_record_fixture({"wfdb/00003_hr.hea", "wfdb/00003_hr.dat"});
  CHECK_FALSE(has_warning(real, "limb leads"));
  CHECK_FALSE(has_warning(reread_csv(real), "limb leads"));
  SECTION("boundary: lead III scaled by 1 + k warns when the residual k/(1+k) of its RMS passes 0.5") {
    const std::size_t iii = *real.lead_index("III");
    double rms = 0;
    for (float v : real.lead(iii)) rms += double(v) * v;
    rms = std::sqrt(rms / real.n_samples);
    INFO("RMS of III: " << rms << " mV");
    REQUIRE(rms * 0.9 > 0.05);  // above the 0.05 mV floor at every row
    for (auto [k, warns] : std::vector<std::pair<double, bool>>{{0.0, false}, {0.5, false}, {0.9, false}, {1.1, true}, {2.0, true}}) {
      INFO("k = " << k);
      ecg::Record r = real;
      for (float& v : r.lead(iii)) v = static_cast<float>(v * (1 + k));
      const ecg::Record back = reread_csv(r);
      CHECK(has_warning(back, "limb leads disagree") == warns);
      if (warns) CHECK((has_warning(back, "III differs from II - I") && has_warning(back, "suspect leads III, or I and II")));
    }
  }
  SECTION("leads I and II swapped: every relation that uses them fails") {
    ecg::Record r = real;
    std::swap(r.leads[*real.lead_index("I")], r.leads[*real.lead_index("II")]);
    const ecg::Record back = reread_csv(r);
    CHECK(has_warning(back, "III differs from II - I"));
    CHECK(has_warning(back, "suspect leads I and II (every relation that uses them fails)") != has_warning(back, "suspect leads III"));
  }
  SECTION("aVR inverted") {
    ecg::Record r = real;
    for (float& v : r.lead(*real.lead_index("aVR"))) v = -v;
    const ecg::Record back = reread_csv(r);
    CHECK(has_warning(back, "aVR differs from -(I + II)/2"));
    CHECK(has_warning(back, "suspect leads aVR, or I and II"));
  }
}

TEST_CASE("inverted polarity and implausible rates are flagged; rates at or below 10 Hz refused", "[io][wfdb][edf][hostile]") {
  const ecg::Record negative = read_ptbxl([](std::string h) { return replace_all(h, "16 1000.0(0)/mV 16 0 -29", "16 -1000.0(0)/mV 16 0 -29"); });
  CHECK(has_warning(negative, "00003_lr.hea, line 2: signal 'I' has a negative ADC gain (-1000.000000): its polarity is inverted"));
  ecg::test::FixtureFiles edf;
  edf.add("edf/00003_lr.edf");
  auto& b = edf.files[0].second;
  const std::size_t S = 13, pmin = 256 + S * 104, pmax = 256 + S * 112;
  std::vector<std::uint8_t> lo(b.begin() + pmin, b.begin() + pmin + 8), hi(b.begin() + pmax, b.begin() + pmax + 8);
  std::copy(hi.begin(), hi.end(), b.begin() + pmin);
  std::copy(lo.begin(), lo.end(), b.begin() + pmax);
  auto buffers = edf.buffers();
  const ecg::Record swapped = ecg::io::read_record(buffers);
  CHECK((has_warning(swapped, "00003_lr.edf: signal 'I") && has_warning(swapped, "is above the physical maximum") && has_warning(swapped, "polarity is inverted")));
  // Rate table at its boundaries: <= 10 Hz refused, below 100 Hz warned.
  for (const auto& row : std::vector<std::tuple<std::string, bool, bool>>{
           {"5", true, false}, {"10", true, false}, {"10.5", false, true}, {"50", false, true}, {"99.9", false, true}, {"100", false, false}, {"500", false, false}}) {
    const std::string fs = std::get<0>(row);
    const bool refused = std::get<1>(row), warned = std::get<2>(row);
    INFO("fs " << fs);
    auto edit = [&](std::string h) { return replace_all(h, "00003_lr 12 100 1000", "00003_lr 12 " + fs + " 1000"); };
    if (refused) {
      CHECK_THROWS_WITH(read_ptbxl(edit), Contains("00003_lr.hea: expected a sampling rate above 10 Hz") && Contains("found " + fs + " Hz"));
    } else {
      CHECK(has_warning(read_ptbxl(edit), "is unusually low for an ECG") == warned);
    }
  }
  ReadOptions o;
  o.fs_hz = 10.0;
  CHECK_THROWS_WITH(read_texts({{"v.csv", bytes_of("I\n1\n2\n")}}, o), Contains("fsHz: expected a number (above 10 and at most 20000 Hz), found "));
}

TEST_CASE("CSV: CR-only line endings are line breaks, the same as LF and CRLF", "[io][csv][hostile]") {
  const std::vector<std::uint8_t> f = ecg::test::read_fixture("csv/00003_lr.csv");
  std::string lf;
  for (std::uint8_t c : f) if (c != '\r') lf.push_back(static_cast<char>(c));
  const std::string cr = replace_all(lf, "\n", "\r"), crlf = replace_all(lf, "\n", "\r\n");
  const ecg::Record a = read_texts({{"a.csv", bytes_of(lf)}}), b = read_texts({{"a.csv", bytes_of(cr)}}), c = read_texts({{"a.csv", bytes_of(crlf)}});
  CHECK(a.n_leads() == 12);
  CHECK(a.n_samples == 1000);
  CHECK(b.samples_mv == a.samples_mv);
  CHECK(c.samples_mv == a.samples_mv);
  CHECK(b.leads == a.leads);
}

TEST_CASE("resampling: any rate up to 20 kHz, ratios too fine approximated; today's exact ratios unchanged", "[resample][hostile]") {
  // Exact where the reduced ratio fits (up, down <= 1000): the rates the models and datasets use.
  for (auto [in, out, up, down] : std::vector<std::tuple<double, double, std::int64_t, std::int64_t>>{
           {500, 257, 257, 500}, {1000, 500, 1, 2}, {360, 500, 25, 18}, {250, 257, 257, 250}, {20000, 500, 1, 40}, {999, 500, 500, 999}}) {
    INFO(in << " -> " << out);
    const ecg::dsp::Ratio r = ecg::dsp::resample_ratio(in, out);
    CHECK(r.up == up);
    CHECK(r.down == down);
  }
  // Too fine for a polyphase filter (e.g. 1001 -> 500 is 500/1001): the best ratio with terms <= 1000,
  // rate error below 0.1 %.
  for (double in : {1001.0, 1999.0, 12345.0, 16690.0, 19999.0, 1000.5, 2047.3}) {
    for (double out : {500.0, 257.0, 100.0}) {
      INFO(in << " -> " << out);
      const ecg::dsp::Ratio r = ecg::dsp::resample_ratio(in, out);
      CHECK(r.up >= 1);
      CHECK(r.up <= 1000);
      CHECK(r.down <= 1000);
      CHECK(std::abs(in * r.up / r.down / out - 1) < 1e-3);
    }
  }
  // A 10 Hz sine at 16690 Hz resamples to 500 Hz with the right frequency and amplitude.
  const double fs = 16690;
  std::vector<float> x(static_cast<std::size_t>(2 * fs));
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(std::sin(2 * std::numbers::pi * 10 * i / fs));
  const std::vector<float> y = ecg::dsp::resample(x, fs, 500);
  const ecg::dsp::Ratio r = ecg::dsp::resample_ratio(fs, 500);
  const double fs_out = fs * r.up / r.down;
  REQUIRE(std::abs(static_cast<double>(y.size()) - 2 * fs_out) <= 1);
  double err = 0;
  for (std::size_t i = 100; i + 100 < y.size(); ++i) err = std::max(err, std::abs(y[i] - std::sin(2 * std::numbers::pi * 10 * i / fs_out)));
  CHECK(err < 1e-2);
}

TEST_CASE("names and labels that are not UTF-8 never make the JSON outputs throw (fuzz_screen crash)", "[io][hostile]") {
  // Found by tests/fuzz/fuzz_screen.cpp: a lead label with the byte 0xA4 made screen::to_json throw
  // nlohmann's type_error 316 (the CLI aborted). Every JSON output now replaces such bytes with U+FFFD.
  const std::vector<std::uint8_t> f = ecg::test::read_fixture("csv/00003_lr.csv");
  std::string csv(f.begin(), f.end());
  csv.replace(csv.find("V6"), 2, "V6\xA4");
  const ecg::Record r = read_texts({{"bad\xA4.csv", bytes_of(csv)}});
  REQUIRE(r.leads.back() == "V6\xA4");
  const std::string findings = ecg::screen::to_json(ecg::screen::screen(r, {}));
  CHECK_THAT(findings, Contains("V6\xEF\xBF\xBD"));
  CHECK_NOTHROW(ecg::rules::to_json(ecg::rules::evaluate(r, ecg::Sex::unknown)));
  CHECK_NOTHROW(ecg::dsp::rpeaks_json(r, "V6\xA4"));
  CHECK_NOTHROW(ecg::record_info_json(r));
}
