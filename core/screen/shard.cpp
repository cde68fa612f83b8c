// Stable shards of a batch by record name (see ecg/shard.h).
#include "ecg/shard.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "ecg/error.h"

namespace ecg::screen {
namespace {

// A whole number of at most 7 digits (above kMaxShards is refused by the caller); false otherwise.
bool parse_count(std::string_view s, std::size_t& out) {
  if (s.empty() || s.size() > 7) return false;
  std::size_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  out = v;
  return true;
}

}  // namespace

Shard parse_shard(std::string_view text) {
  const auto slash = text.find('/');
  Shard s;
  if (slash == std::string_view::npos || !parse_count(text.substr(0, slash), s.k) || !parse_count(text.substr(slash + 1), s.n) ||
      s.k < 1 || s.n > kMaxShards || s.k > s.n) {
    throw Error("--shard: got '" + std::string(text) + "', expected K/N with whole numbers 1 <= K <= N <= " + std::to_string(kMaxShards) +
                " (shard K of N, counted from 1)");
  }
  return s;
}

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string record_name_of_path(std::string_view path) {
  const auto slash = path.find_last_of('/');
  std::string name(slash == std::string_view::npos ? path : path.substr(slash + 1));
  const auto dot = name.find_last_of('.');
  if (dot != std::string::npos && dot > 0) {
    std::string ext = name.substr(dot);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    static constexpr std::array<std::string_view, 5> kRecordExtensions{".hea", ".mat", ".dat", ".csv", ".edf"};
    if (std::find(kRecordExtensions.begin(), kRecordExtensions.end(), ext) != kRecordExtensions.end()) name.resize(dot);
  }
  return name;
}

std::size_t shard_of(std::string_view record_name, std::size_t n) {
  if (n == 0) throw Error("shard: expected at least 1 shard, found 0");
  return static_cast<std::size_t>(fnv1a64(record_name) % n) + 1;
}

bool in_shard(std::string_view path, const Shard& shard) { return shard_of(record_name_of_path(path), shard.n) == shard.k; }

}  // namespace ecg::screen
