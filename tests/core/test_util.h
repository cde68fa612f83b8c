// Helpers for core tests: fixture loading (works natively and under Node with NODERAWFS).
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <map>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecg/error.h"
#include "ecg/io.h"

namespace ecg::test {

inline std::string fixture_path(const std::string& relative) { return std::string(ECG_FIXTURES_DIR) + "/" + relative; }

inline std::vector<std::uint8_t> read_fixture(const std::string& relative) {
  std::ifstream in(fixture_path(relative), std::ios::binary);
  if (!in) throw ecg::Error("test fixture not found: " + fixture_path(relative));
  return {std::istreambuf_iterator<char>(in), {}};
}

// A model fixture (tests/fixtures/RELATIVE) with its safetensors header and ecg_screen document
// edited by `edit`; the tensor bytes are kept.
inline std::vector<std::uint8_t> edited_model(const std::string& relative, const std::function<void(nlohmann::json& header, nlohmann::json& doc)>& edit) {
  auto bytes = read_fixture(relative);
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  auto header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  auto doc = nlohmann::json::parse(header["__metadata__"]["ecg_screen"].get<std::string>());
  edit(header, doc);
  header["__metadata__"]["ecg_screen"] = doc.dump();
  const std::string h = header.dump();
  std::vector<std::uint8_t> out(8 + h.size());
  const std::uint64_t hn = h.size();
  std::memcpy(out.data(), &hn, 8);
  std::memcpy(out.data() + 8, h.data(), h.size());
  out.insert(out.end(), bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n), bytes.end());
  return out;
}

// Owns the bytes of several fixture files and hands them out as NamedBuffers.
struct FixtureFiles {
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> files;

  FixtureFiles& add(const std::string& relative) {
    auto slash = relative.find_last_of('/');
    files.emplace_back(slash == std::string::npos ? relative : relative.substr(slash + 1), read_fixture(relative));
    return *this;
  }
  std::vector<ecg::io::NamedBuffer> buffers() const {
    std::vector<ecg::io::NamedBuffer> out;
    for (const auto& [name, bytes] : files) out.push_back({name, bytes});
    return out;
  }
};

// A record read from fixture files (a WFDB header and its signal file, or one CSV/EDF file).
inline ecg::Record read_record_fixture(std::initializer_list<std::string> relative, const ecg::io::ReadOptions& options = {}) {
  FixtureFiles files;
  for (const std::string& r : relative) files.add(r);
  auto buffers = files.buffers();
  return ecg::io::read_record(buffers, options);
}

// The float32 tensors of a safetensors fixture (golden outputs, reference data), by name.
inline std::map<std::string, std::vector<float>> read_safetensors_fixture(const std::string& relative) {
  const std::vector<std::uint8_t> bytes = read_fixture(relative);
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  auto header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  std::map<std::string, std::vector<float>> out;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    const auto begin = it.value()["data_offsets"][0].get<std::size_t>(), end = it.value()["data_offsets"][1].get<std::size_t>();
    std::vector<float> v((end - begin) / 4);
    std::memcpy(v.data(), bytes.data() + 8 + n + begin, end - begin);
    out[it.key()] = std::move(v);
  }
  return out;
}

// A Polar PMD ECG data frame built from the protocol description (ecg/ble.h): measurement type,
// uint64 LE timestamp of the last sample (ns since 2000-01-01), frame type, signed int24 LE microvolts.
inline std::vector<std::uint8_t> pmd_ecg_frame(std::uint64_t timestamp_ns, const std::vector<std::int32_t>& samples_uv,
                                               std::uint8_t frame_type = 0, std::uint8_t measurement = 0) {
  std::vector<std::uint8_t> b{measurement};
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(timestamp_ns >> (8 * i)));
  b.push_back(frame_type);
  for (std::int32_t v : samples_uv) {
    const auto u = static_cast<std::uint32_t>(v);
    b.push_back(static_cast<std::uint8_t>(u));
    b.push_back(static_cast<std::uint8_t>(u >> 8));
    b.push_back(static_cast<std::uint8_t>(u >> 16));
  }
  return b;
}

}  // namespace ecg::test
