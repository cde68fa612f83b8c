// WFDB reader on the real PTB-XL fixture 00003_hr and on damaged copies of it.
#include <catch2/catch.hpp>

#include "ecg/error.h"
#include "ecg/io.h"
#include "test_util.h"

using Catch::Matchers::Contains;

namespace {
ecg::test::FixtureFiles sample_files() {
  ecg::test::FixtureFiles f;
  f.add("wfdb/00003_hr.hea").add("wfdb/00003_hr.dat");
  return f;
}
}  // namespace

TEST_CASE("WFDB format 16: the PTB-XL sample reads with its header's values", "[io][wfdb]") {
  auto files = sample_files();
  auto buffers = files.buffers();
  ecg::Record r = ecg::io::read_record(buffers);
  CHECK(r.name == "00003_hr");
  CHECK(r.fs_hz == 500.0);
  CHECK(r.n_samples == 5000);
  CHECK(r.source_format == "wfdb-16");
  REQUIRE(r.leads == std::vector<std::string>{"I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"});
  // The header's "initial value" column is the first stored sample; gain 1000/mV, baseline 0.
  const int initial[12] = {-35, -70, -35, 53, 0, -52, 10, -50, -115, -100, -75, -65};
  for (std::size_t lead = 0; lead < 12; ++lead) {
    CHECK(r.lead(lead)[0] == Approx(initial[lead] / 1000.0));
  }
  CHECK(r.warnings.empty());  // every checksum in the header matches the samples
}

TEST_CASE("WFDB companions are the signal files the header names", "[io][wfdb]") {
  auto files = sample_files();
  CHECK(ecg::io::wfdb_companion_files(files.buffers()[0]) == std::vector<std::string>{"00003_hr.dat"});
}

TEST_CASE("WFDB: a changed sample is reported as a checksum mismatch, not ignored", "[io][wfdb]") {
  auto files = sample_files();
  files.files[1].second[24 * 100] ^= 0x01;  // sample 100 of lead I
  auto buffers = files.buffers();
  ecg::Record r = ecg::io::read_record(buffers);
  REQUIRE(r.warnings.size() == 1);
  CHECK_THAT(r.warnings[0], Contains("checksum mismatch") && Contains("'I'"));
}

TEST_CASE("WFDB: bad input is refused with the file and what was expected", "[io][wfdb]") {
  SECTION("truncated signal file") {
    auto files = sample_files();
    files.files[1].second.resize(1000);
    auto buffers = files.buffers();
    CHECK_THROWS_WITH(ecg::io::read_record(buffers), Contains("00003_hr.dat") && Contains("expected at least 120000 bytes") && Contains("found 1000"));
  }
  SECTION("missing signal file") {
    ecg::test::FixtureFiles files;
    files.add("wfdb/00003_hr.hea");
    auto buffers = files.buffers();
    CHECK_THROWS_WITH(ecg::io::read_record(buffers), Contains("00003_hr.dat") && Contains("not among the files given"));
  }
  SECTION("sampling rate out of range") {
    auto files = sample_files();
    std::string text(files.files[0].second.begin(), files.files[0].second.end());
    text.replace(text.find(" 500 "), 5, " -5 ");
    files.files[0].second.assign(text.begin(), text.end());
    auto buffers = files.buffers();
    CHECK_THROWS_WITH(ecg::io::read_record(buffers), Contains("00003_hr.hea, line 1") && Contains("sampling frequency"));
  }
  SECTION("a header claiming more samples than memory allows is refused before allocating") {
    auto files = sample_files();
    std::string text(files.files[0].second.begin(), files.files[0].second.end());
    text.replace(text.find(" 5000"), 5, " 999999999999");
    files.files[0].second.assign(text.begin(), text.end());
    auto buffers = files.buffers();
    CHECK_THROWS_WITH(ecg::io::read_record(buffers), Contains("999999999999") && Contains("more than"));
  }
  SECTION("no recognisable file") {
    std::vector<std::uint8_t> bytes{1, 2, 3};
    std::vector<ecg::io::NamedBuffer> buffers{{"notes.txt", bytes}};
    CHECK_THROWS_WITH(ecg::io::read_record(buffers), Contains("notes.txt") && Contains("could not recognise"));
  }
}

TEST_CASE("lead names are canonicalised", "[io][leads]") {
  CHECK(ecg::io::canonical_lead_name("AVR") == "aVR");
  CHECK(ecg::io::canonical_lead_name(" avf ") == "aVF");
  CHECK(ecg::io::canonical_lead_name("MLII") == "II");
  CHECK(ecg::io::canonical_lead_name("v6") == "V6");
  CHECK(ecg::io::canonical_lead_name("Resp") == "Resp");
}
