// EDF / EDF+ reader (continuous recordings only).
//
// Layout (https://www.edfplus.info/specs/edf.html, edfplus.html): a 256-byte ASCII header (version,
// patient, recording, start date/time, header bytes, reserved ("EDF+C"/"EDF+D"), number of data
// records, record duration in s, number of signals ns), then ns x 256 bytes of per-signal fields
// stored field by field (label 16, transducer 80, physical dimension 8, physical min/max 8+8,
// digital min/max 8+8, prefiltering 80, samples per data record 8, reserved 32), then the data
// records: for each signal in turn, its samples of that record as little-endian int16.
// physical = (digital - digital_min) * (physical_max - physical_min) / (digital_max - digital_min) + physical_min.
#include <algorithm>
#include <array>
#include <cmath>

#include "ecg/error.h"
#include "io/readers.h"
#include "io/text.h"

namespace ecg::io {
namespace {

using text::quote;
using text::trim;

std::optional<double> voltage_to_mv(std::string_view units) {
  const std::string u = text::lower(trim(units));
  if (u == "mv") return 1.0;
  if (u == "uv" || u == "\xc2\xb5v" || u == "\xce\xbcv") return 1e-3;
  if (u == "v") return 1e3;
  if (u == "nv") return 1e-6;
  return std::nullopt;
}

// "02-MAY-1951" -> {1951, 5, 2}
std::optional<std::array<int, 3>> parse_edfplus_date(std::string_view s) {
  static constexpr std::array<std::string_view, 12> kMonths = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  if (s.size() != 11 || s[2] != '-' || s[6] != '-') return std::nullopt;
  auto day = text::to_int<int>(s.substr(0, 2));
  auto year = text::to_int<int>(s.substr(7, 4));
  const std::string mon = [&] { std::string m(s.substr(3, 3)); for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c))); return m; }();
  auto it = std::find(kMonths.begin(), kMonths.end(), mon);
  if (!day || !year || it == kMonths.end()) return std::nullopt;
  return std::array<int, 3>{*year, static_cast<int>(it - kMonths.begin()) + 1, *day};
}

}  // namespace

Record read_edf(const NamedBuffer& file, const ReadOptions& options) {
  const auto& b = file.bytes;
  const std::string& fname = file.name;
  auto field = [&](std::size_t at, std::size_t len) {
    return trim(std::string_view(reinterpret_cast<const char*>(b.data()) + at, len));
  };
  if (b.size() < 256) {
    throw Error(fname + ": expected an EDF header of 256 bytes, found a file of " + std::to_string(b.size()) + " bytes");
  }
  if (b[0] == 0xFF) throw Error(fname + ": version field: expected '0' (EDF), found a BDF (24-bit) file, which is not supported");
  if (field(0, 8) != "0") throw Error(fname + ": version field: expected '0' (EDF), found " + quote(field(0, 8)));
  auto int_field = [&](std::size_t at, std::size_t len, std::string_view what) {
    auto v = text::to_int<std::int64_t>(field(at, len));
    if (!v) throw Error(fname + ": header field '" + std::string(what) + "' (byte " + std::to_string(at) + "): expected an integer, found " + quote(field(at, len)));
    return *v;
  };
  auto num_field = [&](std::size_t at, std::size_t len, std::string_view what) {
    auto v = text::to_double(field(at, len));
    if (!v) throw Error(fname + ": header field '" + std::string(what) + "' (byte " + std::to_string(at) + "): expected a number, found " + quote(field(at, len)));
    return *v;
  };
  const std::int64_t ns = int_field(252, 4, "number of signals");
  if (ns < 1 || ns > static_cast<std::int64_t>(kMaxSignals)) {
    throw Error(fname + ": header field 'number of signals': expected 1 to " + std::to_string(kMaxSignals) + ", found " + std::to_string(ns));
  }
  const std::int64_t header_bytes = int_field(184, 8, "number of bytes in header");
  if (header_bytes != 256 * (ns + 1)) {
    throw Error(fname + ": header field 'number of bytes in header': expected " + std::to_string(256 * (ns + 1)) + " for " +
                std::to_string(ns) + " signals, found " + std::to_string(header_bytes));
  }
  if (b.size() < static_cast<std::uint64_t>(header_bytes)) {
    throw Error(fname + ": expected a header of " + std::to_string(header_bytes) + " bytes, found a file of " + std::to_string(b.size()) +
                " bytes (file truncated?)");
  }
  const std::string_view reserved = field(192, 44);
  if (reserved.substr(0, 5) == "EDF+D") {
    throw Error(fname + ": expected a continuous recording (EDF or EDF+C), found EDF+D (discontinuous), which is not supported");
  }
  const double duration_s = num_field(244, 8, "duration of a data record");
  if (!(duration_s > 0)) {
    throw Error(fname + ": header field 'duration of a data record': expected more than 0 s, found " + quote(field(244, 8)));
  }
  const std::size_t S = static_cast<std::size_t>(ns);
  struct Signal {
    std::string label, units;
    double pmin = 0, pmax = 0, dmin = 0, dmax = 0;
    std::int64_t spr = 0;
    std::uint64_t offset_in_record = 0;  // in samples
  };
  std::vector<Signal> sig(S);
  std::uint64_t samples_per_record = 0;
  for (std::size_t i = 0; i < S; ++i) {
    Signal& s = sig[i];
    s.label = std::string(field(256 + i * 16, 16));
    s.units = std::string(field(256 + S * 96 + i * 8, 8));
    const std::string what = "signal " + std::to_string(i + 1) + " (" + quote(s.label) + ") ";
    s.pmin = num_field(256 + S * 104 + i * 8, 8, what + "physical minimum");
    s.pmax = num_field(256 + S * 112 + i * 8, 8, what + "physical maximum");
    s.dmin = static_cast<double>(int_field(256 + S * 120 + i * 8, 8, what + "digital minimum"));
    s.dmax = static_cast<double>(int_field(256 + S * 128 + i * 8, 8, what + "digital maximum"));
    s.spr = int_field(256 + S * 216 + i * 8, 8, what + "number of samples in each data record");
    if (s.spr < 1 || s.spr > 10'000'000) {
      throw Error(fname + ": " + what + "samples per data record: expected 1 to 10000000, found " + std::to_string(s.spr));
    }
    s.offset_in_record = samples_per_record;
    samples_per_record += static_cast<std::uint64_t>(s.spr);
  }
  const std::uint64_t record_bytes = samples_per_record * 2;
  const std::uint64_t data_bytes = b.size() - static_cast<std::uint64_t>(header_bytes);
  std::int64_t n_records = int_field(236, 8, "number of data records");
  Record record;
  const std::string stem = fname.substr(fname.find_last_of("/\\") == std::string::npos ? 0 : fname.find_last_of("/\\") + 1);
  record.name = stem.substr(0, stem.rfind('.'));
  record.source_format = reserved.substr(0, 4) == "EDF+" ? "edf+" : "edf";
  record.files.push_back(fname);
  if (n_records == -1) {
    n_records = static_cast<std::int64_t>(data_bytes / record_bytes);
    record.warnings.push_back(fname + ": the header leaves the number of data records open (-1); took " + std::to_string(n_records) + " from the file size");
  }
  if (n_records < 1) throw Error(fname + ": header field 'number of data records': expected at least 1, found " + std::to_string(n_records));
  if (static_cast<std::uint64_t>(n_records) > data_bytes / record_bytes) {
    throw Error(fname + ": expected " + std::to_string(header_bytes + n_records * static_cast<std::int64_t>(record_bytes)) + " bytes for " +
                std::to_string(n_records) + " data records of " + std::to_string(record_bytes) + " bytes, found " + std::to_string(b.size()) +
                " (file truncated?)");
  }
  if (data_bytes > static_cast<std::uint64_t>(n_records) * record_bytes) {
    record.warnings.push_back(fname + ": " + std::to_string(data_bytes - static_cast<std::uint64_t>(n_records) * record_bytes) +
                              " bytes after the last data record were ignored");
  }

  // ECG signals: voltage units; annotation and other signals are left out.
  std::vector<std::size_t> kept;
  for (std::size_t i = 0; i < S; ++i) {
    const Signal& s = sig[i];
    if (s.label == "EDF Annotations") continue;
    if (!voltage_to_mv(s.units)) {
      record.warnings.push_back(fname + ": signal " + quote(s.label) + " left out: units " + quote(s.units) + " are not a voltage");
      continue;
    }
    if (s.dmax <= s.dmin || s.pmax == s.pmin) {
      throw Error(fname + ": signal " + quote(s.label) + ": expected digital maximum > digital minimum and physical maximum != minimum, found digital " +
                  std::to_string(static_cast<std::int64_t>(s.dmin)) + ".." + std::to_string(static_cast<std::int64_t>(s.dmax)) +
                  ", physical " + std::to_string(s.pmin) + ".." + std::to_string(s.pmax));
    }
    if (!kept.empty() && s.spr != sig[kept.front()].spr) {
      throw Error(fname + ": signal " + quote(s.label) + ": expected every ECG signal at one sampling rate (" + std::to_string(sig[kept.front()].spr) +
                  " samples per data record as " + quote(sig[kept.front()].label) + "), found " + std::to_string(s.spr));
    }
    kept.push_back(i);
  }
  if (kept.empty()) throw Error(fname + ": expected at least one ECG signal in voltage units (mV, uV, V), found none");
  const auto spr = static_cast<std::uint64_t>(sig[kept.front()].spr);
  record.fs_hz = static_cast<double>(spr) / duration_s;
  if (!(record.fs_hz > 0) || record.fs_hz > kMaxFsHz) {
    throw Error(fname + ": expected a sampling rate above 0 and at most 20000 Hz, found " + std::to_string(record.fs_hz) + " (" +
                std::to_string(spr) + " samples per " + std::to_string(duration_s) + " s data record)");
  }
  const std::uint64_t n = static_cast<std::uint64_t>(n_records) * spr;
  if (n > kMaxTotalSamples / kept.size()) {
    throw Error(fname + ": " + std::to_string(n) + " samples x " + std::to_string(kept.size()) + " signals is more than the " +
                std::to_string(kMaxTotalSamples) + " samples this reader accepts");
  }
  record.n_samples = n;
  record.samples_mv.resize(n * kept.size());
  if (options.keep_digital) record.digital.resize(n * kept.size());
  const std::uint8_t* data = b.data() + header_bytes;
  for (std::size_t k = 0; k < kept.size(); ++k) {
    const Signal& s = sig[kept[k]];
    const double scale = (s.pmax - s.pmin) / (s.dmax - s.dmin);
    const double to_mv = *voltage_to_mv(s.units);
    for (std::uint64_t r = 0; r < static_cast<std::uint64_t>(n_records); ++r) {
      const std::uint8_t* p = data + r * record_bytes + s.offset_in_record * 2;
      for (std::uint64_t j = 0; j < spr; ++j) {
        const auto d = static_cast<std::int16_t>(static_cast<std::uint16_t>(p[2 * j] | (p[2 * j + 1] << 8)));
        const std::uint64_t t = r * spr + j;
        record.samples_mv[k * n + t] = static_cast<float>(((d - s.dmin) * scale + s.pmin) * to_mv);
        if (options.keep_digital) record.digital[k * n + t] = d;
      }
    }
    if (s.pmax < s.pmin) {
      record.warnings.push_back(fname + ": signal " + quote(s.label) + ": physical minimum " + text::format_number(s.pmin) +
                                " is above the physical maximum " + text::format_number(s.pmax) +
                                ": its polarity is inverted; check the recording or the header");
    }
    record.leads.push_back(canonical_lead_name(s.label));
    const double gain = (s.dmax - s.dmin) / (s.pmax - s.pmin);
    record.lead_info.push_back({s.label, s.units, gain, s.dmin - s.pmin * gain, false});
  }

  // EDF+ patient field: "code sex birthdate name"; recording field: "Startdate dd-MMM-yyyy ...".
  if (record.source_format == "edf+") {
    const auto patient = text::split_ws(field(8, 80));
    if (patient.size() >= 2) {
      if (patient[1] == "F") record.sex = Sex::female;
      else if (patient[1] == "M") record.sex = Sex::male;
    }
    const auto recording = text::split_ws(field(88, 80));
    if (patient.size() >= 3 && recording.size() >= 2 && recording[0] == "Startdate") {
      auto birth = parse_edfplus_date(patient[2]);
      auto start = parse_edfplus_date(recording[1]);
      if (birth && start) {
        int age = (*start)[0] - (*birth)[0];
        if ((*start)[1] < (*birth)[1] || ((*start)[1] == (*birth)[1] && (*start)[2] < (*birth)[2])) --age;
        if (age >= 0 && age < 150) record.age_years = age;
      }
    }
  }
  return record;
}

}  // namespace ecg::io
