// Helpers for core tests: fixture loading (works natively and under Node with NODERAWFS).
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ecg/error.h"
#include "ecg/io.h"

namespace ecg::test {

inline std::string fixture_path(const std::string& relative) { return std::string(ECG_FIXTURES_DIR) + "/" + relative; }

inline std::vector<std::uint8_t> read_fixture(const std::string& relative) {
  std::ifstream in(fixture_path(relative), std::ios::binary);
  if (!in) throw ecg::Error("test fixture not found: " + fixture_path(relative));
  return {std::istreambuf_iterator<char>(in), {}};
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

}  // namespace ecg::test
