// Small text and number helpers shared by the readers (header lines, CSV cells, EDF fields).
#pragma once

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecg::io::text {

inline bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_space(s.front()) || s.front() == '\0')) s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == '\0')) s.remove_suffix(1);
  return s;
}

inline std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

inline std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    std::size_t j = i;
    while (j < s.size() && !is_space(s[j])) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// Lines of a text buffer, without their endings: "\n", "\r\n" and a lone "\r" (classic Mac OS, some
// spreadsheet exports) each end a line.
inline std::vector<std::string_view> lines(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t end = s.find_first_of("\r\n", start);
    if (end == std::string_view::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + (end + 1 < s.size() && s[end] == '\r' && s[end + 1] == '\n' ? 2 : 1);
  }
  return out;
}

// Printable form of untrusted text for messages: at most 40 characters, control bytes as '?'.
inline std::string quote(std::string_view s) {
  std::string out = "'";
  for (std::size_t i = 0; i < s.size() && i < 40; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    out.push_back(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
  }
  if (s.size() > 40) out += "...";
  return out + "'";
}

// Whole-string integer; nullopt when the text is not exactly an integer in range.
template <typename T>
std::optional<T> to_int(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  T value{};
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

// Whole-string finite decimal number ("1.5", "-2e3"); nullopt for anything else, including NaN,
// infinity and hexadecimal floats. Bounded copy: strtod needs a terminator (floating-point
// std::from_chars is missing from the libc++ that Emscripten 3.1.6 ships).
inline std::optional<double> to_double(std::string_view s) {
  if (s.empty() || s.size() > 64) return std::nullopt;
  for (char c : s) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) {
      return std::nullopt;
    }
  }
  char buf[72];
  std::copy(s.begin(), s.end(), buf);
  buf[s.size()] = '\0';
  char* end = nullptr;
  const double value = std::strtod(buf, &end);
  if (end != buf + s.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

// A number for messages: "500", "0.5", "1e+06" (at most 6 significant digits).
inline std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace ecg::io::text
