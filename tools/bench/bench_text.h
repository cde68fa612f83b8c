// Small text helpers shared by the ecg-bench commands (tools/bench/*.cpp): splitting the label lists'
// fields and reading a CinC 2017 style REFERENCE.csv.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace ecg::bench {

// Fields of `s` split at `sep`; a trailing separator gives a last empty field.
inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

// The (record, class) pairs of a REFERENCE.csv ("A00001,N" per line; CR LF accepted, lines without a
// comma skipped).
inline std::vector<std::pair<std::string, std::string>> read_reference(std::ifstream& in) {
  std::vector<std::pair<std::string, std::string>> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    out.emplace_back(line.substr(0, comma), line.substr(comma + 1));
  }
  return out;
}

}  // namespace ecg::bench
