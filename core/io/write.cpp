// Writers: a Record to WFDB (format 16) or CSV bytes, the formats the readers take back.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ecg/error.h"
#include "ecg/io.h"

namespace ecg::io {
namespace {

constexpr double kUnitsPerMv = 1000.0;          // 1 uV per stored unit
constexpr std::int32_t kInvalid16 = -32768;     // WFDB format 16 invalid-sample marker

struct CivilTime {
  std::int64_t year;
  int month, day, hour, minute, second, ms;
};

// Howard Hinnant's civil_from_days, for dates without <chrono>'s calendar (missing in Emscripten 3.1.6).
CivilTime civil(std::int64_t unix_ms) {
  const std::int64_t ms_per_day = 86'400'000;
  std::int64_t days = unix_ms / ms_per_day, rest = unix_ms % ms_per_day;
  if (rest < 0) rest += ms_per_day, --days;
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const auto d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const auto m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (m <= 2), m, d, static_cast<int>(rest / 3'600'000), static_cast<int>(rest / 60'000 % 60),
          static_cast<int>(rest / 1000 % 60), static_cast<int>(rest % 1000)};
}

void check_writable(const Record& record, const std::string& name, const char* what) {
  if (record.n_leads() == 0 || record.samples_mv.size() != record.n_leads() * record.n_samples) {
    throw Error(std::string(what) + " '" + name + "': expected at least one lead with n_samples values each, found " +
                std::to_string(record.n_leads()) + " leads and " + std::to_string(record.samples_mv.size()) + " values");
  }
  if (!(record.fs_hz > 0)) throw Error(std::string(what) + " '" + name + "': expected a sampling rate above 0 Hz, found " + std::to_string(record.fs_hz));
  if (name.empty() || name.find_first_of("/\\ \t\n") != std::string::npos) {
    throw Error(std::string(what) + ": expected a record name without spaces or slashes, found '" + name + "'");
  }
}

}  // namespace

std::string iso8601_utc(std::int64_t unix_ms) {
  const CivilTime t = civil(unix_ms);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", static_cast<long long>(t.year), t.month, t.day, t.hour,
                t.minute, t.second, t.ms);
  return buf;
}

std::vector<WrittenFile> write_wfdb(const Record& record, const std::string& name, std::optional<std::int64_t> start_unix_ms) {
  check_writable(record, name, "WFDB record");
  const std::size_t n = record.n_samples, leads = record.n_leads();
  WrittenFile dat{name + ".dat", {}};
  dat.bytes.resize(n * leads * 2);
  std::vector<std::int32_t> first(leads, 0);
  std::vector<std::int64_t> checksum(leads, 0);
  std::uint64_t clipped = 0, invalid = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < leads; ++k) {
      const float v = record.samples_mv[k * n + i];
      std::int32_t d = kInvalid16;
      if (std::isfinite(v)) {
        const double scaled = std::round(static_cast<double>(v) * kUnitsPerMv);
        d = static_cast<std::int32_t>(std::clamp(scaled, -32767.0, 32767.0));
        clipped += scaled != static_cast<double>(d);
      } else {
        ++invalid;
      }
      if (i == 0) first[k] = d;
      checksum[k] += d;
      const auto u = static_cast<std::uint16_t>(d);
      dat.bytes[(i * leads + k) * 2] = static_cast<std::uint8_t>(u & 0xFF);
      dat.bytes[(i * leads + k) * 2 + 1] = static_cast<std::uint8_t>(u >> 8);
    }
  }
  char fs[32];
  std::snprintf(fs, sizeof fs, "%.10g", record.fs_hz);
  std::string hea = name + " " + std::to_string(leads) + " " + fs + " " + std::to_string(n);
  if (start_unix_ms) {
    const CivilTime t = civil(*start_unix_ms);
    char when[48];
    std::snprintf(when, sizeof when, " %02d:%02d:%02d %02d/%02d/%04lld", t.hour, t.minute, t.second, t.day, t.month,
                  static_cast<long long>(t.year));
    hea += when;
  }
  hea += "\n";
  for (std::size_t k = 0; k < leads; ++k) {
    // WFDB checksum: the 16-bit two's-complement sum of the stored values.
    const auto sum = static_cast<std::int16_t>(static_cast<std::uint16_t>(checksum[k] & 0xFFFF));
    hea += name + ".dat 16 1000/mV 16 0 " + std::to_string(first[k]) + " " + std::to_string(sum) + " 0 " + record.leads[k] + "\n";
  }
  for (const std::string& c : record.comments) hea += "# " + c + "\n";
  if (invalid) hea += "# " + std::to_string(invalid) + " samples lost (stored as -32768, the WFDB invalid-sample marker)\n";
  if (clipped) hea += "# " + std::to_string(clipped) + " samples beyond +-32.767 mV clipped\n";
  return {WrittenFile{name + ".hea", std::vector<std::uint8_t>(hea.begin(), hea.end())}, std::move(dat)};
}

WrittenFile write_csv(const Record& record, const std::string& name) {
  check_writable(record, name, "CSV record");
  const std::size_t n = record.n_samples, leads = record.n_leads();
  std::string out = "time_s";
  for (const std::string& lead : record.leads) out += "," + lead + " (mV)";
  out += "\n";
  out.reserve(out.size() + n * (12 + 9 * leads));
  char cell[32];
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(cell, sizeof cell, "%.6f", static_cast<double>(i) / record.fs_hz);
    out += cell;
    for (std::size_t k = 0; k < leads; ++k) {
      const float v = record.samples_mv[k * n + i];
      out += ',';
      if (std::isfinite(v)) {
        std::snprintf(cell, sizeof cell, "%.3f", static_cast<double>(v));
        out += cell;
      }
    }
    out += '\n';
  }
  return {name + ".csv", std::vector<std::uint8_t>(out.begin(), out.end())};
}

}  // namespace ecg::io
