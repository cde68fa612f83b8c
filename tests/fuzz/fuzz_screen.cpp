// libFuzzer target: the whole `screen` path from bytes, as the CLI and the page run it: reader ->
// quality -> beats -> measurements + rules -> model -> findings JSON, with the shipped 12-lead and
// rhythm models. Any input must either screen or throw ecg::Error: a crash, an out-of-bounds access,
// another exception type or an unbounded allocation is a bug.
// Input layout: byte 0 picks the format and options (bits 0-1: 0/3 WFDB, 1 CSV, 2 EDF; bit 2: derive
// limb leads; bit 3: a patient age and sex); for WFDB the rest is laid out as in fuzz_wfdb.cpp
// (2 bytes header length, header text, signal bytes under every name the header gives).
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ecg/error.h"
#include "ecg/io.h"
#include "ecg/screen.h"

namespace {

ecg::screen::Screener& screener() {
  static ecg::screen::Screener* s = [] {
    auto* out = new ecg::screen::Screener(ecg::nn::Backend::simd);
    for (const char* name : {"mobilenet1d-12.safetensors", "rhythm-1.safetensors"}) {
      std::ifstream in(std::string(ECG_MODELS_DIR) + "/" + name, std::ios::binary);
      const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
      if (!bytes.empty()) out->add_model(bytes);
    }
    return out;
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  std::vector<ecg::io::NamedBuffer> files;
  ecg::io::ReadOptions options;
  options.derive_limb_leads = (mode & 4) != 0;
  switch (mode & 3) {
    case 1:
      files.push_back({"r.csv", rest});
      options.fs_hz = 250.0;
      break;
    case 2:
      files.push_back({"r.edf", rest});
      break;
    default: {
      if (rest.size() < 2) return 0;
      const std::size_t body = rest.size() - 2;
      const std::size_t header_len = body == 0 ? 0 : (rest[0] | (rest[1] << 8)) % (body + 1);
      files.push_back({"r.hea", rest.subspan(2, header_len)});
      const auto signal = rest.subspan(2 + header_len);
      try {
        for (const auto& c : ecg::io::wfdb_companion_limits(files[0])) files.push_back({c.name, signal});
      } catch (const ecg::Error&) {
        files.push_back({"r.dat", signal});
      }
    }
  }
  ecg::screen::Patient patient;
  if (mode & 8) {
    patient.age_years = 30 + (mode >> 4);
    patient.sex = (mode & 16) ? ecg::Sex::female : ecg::Sex::male;
  }
  try {
    const ecg::Record record = ecg::io::read_record(files, options);
    const ecg::screen::Findings findings = screener().screen(record, patient);
    (void)ecg::screen::to_json(findings);
    (void)ecg::screen::to_csv_row(findings);
  } catch (const ecg::Error&) {
  }
  return 0;
}
