// WFDB reader: header (.hea) parsing and signal decoding (format 16 so far).
//
// Header layout (https://physionet.org/physiotools/wag/header-5.htm):
//   record line:  name[/segments] n_signals [fs[/counter_fs][(base_counter)] [n_samples [time [date]]]]
//   signal line:  file format[xsamples][:skew][+offset] [gain[(baseline)][/units] [adc_res [adc_zero
//                 [initial [checksum [block_size [description]]]]]]]
//   comments:     lines starting with '#'; CinC uses "#Age: 74", "#Sex: Male", "#Dx: 59118001,...".
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <sstream>

#include "ecg/error.h"
#include "ecg/io.h"
#include "io/wfdb.h"

namespace ecg::io {
namespace {

constexpr double kMaxFsHz = 20000.0;
// Refuse records whose decoded size would exceed this many samples (all leads): 2^28 floats = 1 GiB.
constexpr std::uint64_t kMaxTotalSamples = std::uint64_t{1} << 28;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string where(const std::string& file, std::size_t line) {
  return file + ", line " + std::to_string(line);
}

template <typename T>
T parse_number(std::string_view text, const std::string& at, std::string_view field) {
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) {
    throw Error(at + ": expected a number for " + std::string(field) + ", found '" + std::string(text) + "'");
  }
  return value;
}

double parse_double(std::string_view text, const std::string& at, std::string_view field) {
  // std::from_chars for double is not in every libc++ we build with; strtod on a bounded copy.
  std::string copy(text);
  char* end = nullptr;
  double value = std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size() || !std::isfinite(value)) {
    throw Error(at + ": expected a number for " + std::string(field) + ", found '" + copy + "'");
  }
  return value;
}

double units_to_mv(std::string_view units) {
  if (units == "mV" || units.empty()) return 1.0;
  if (units == "uV" || units == "µV") return 1e-3;
  if (units == "V") return 1e3;
  if (units == "nV") return 1e-6;
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

WfdbHeader parse_wfdb_header(const NamedBuffer& file) {
  WfdbHeader header;
  std::string text(reinterpret_cast<const char*>(file.bytes.data()), file.bytes.size());
  std::istringstream lines(text);
  std::string raw;
  std::size_t line_no = 0;
  bool have_record_line = false;
  while (std::getline(lines, raw)) {
    ++line_no;
    std::string_view line = trim(raw);
    if (line.empty()) continue;
    if (line.front() == '#') {
      std::string_view comment = trim(line.substr(1));
      auto colon = comment.find(':');
      if (colon != std::string_view::npos) {
        std::string key(trim(comment.substr(0, colon)));
        std::string value(trim(comment.substr(colon + 1)));
        header.comments.emplace_back(key, value);
      }
      continue;
    }
    auto fields = split_ws(line);
    const std::string at = where(file.name, line_no);
    if (!have_record_line) {
      have_record_line = true;
      if (fields.size() < 2) {
        throw Error(at + ": expected a record line 'name n_signals fs n_samples', found '" + std::string(line) + "'");
      }
      header.record_name = std::string(fields[0]);
      if (header.record_name.find('/') != std::string::npos) {
        throw Error(at + ": multi-segment records are not supported, found record name '" + header.record_name + "'");
      }
      header.n_signals = parse_number<std::size_t>(fields[1], at, "the number of signals");
      if (header.n_signals == 0 || header.n_signals > 256) {
        throw Error(at + ": expected 1 to 256 signals, found " + std::string(fields[1]));
      }
      header.fs_hz = 250.0;  // WFDB default when the field is absent
      if (fields.size() > 2) {
        std::string_view fs = fields[2];
        fs = fs.substr(0, std::min(fs.find('/'), fs.find('(')));
        header.fs_hz = parse_double(fs, at, "the sampling frequency");
      }
      if (!(header.fs_hz > 0.0) || header.fs_hz > kMaxFsHz) {
        throw Error(at + ": expected a sampling frequency above 0 and at most 20000 Hz, found " + std::string(fields[2]));
      }
      if (fields.size() > 3) header.n_samples = parse_number<std::uint64_t>(fields[3], at, "the number of samples");
      continue;
    }
    if (header.signals.size() == header.n_signals) {
      throw Error(at + ": expected " + std::to_string(header.n_signals) + " signal lines as the record line says, found more");
    }
    if (fields.size() < 2) {
      throw Error(at + ": expected a signal line 'file format gain ...', found '" + std::string(line) + "'");
    }
    WfdbSignal sig;
    sig.file = std::string(fields[0]);
    std::string_view fmt = fields[1];
    if (auto plus = fmt.find('+'); plus != std::string_view::npos) {
      sig.byte_offset = parse_number<std::uint64_t>(fmt.substr(plus + 1), at, "the byte offset");
      fmt = fmt.substr(0, plus);
    }
    if (auto colon = fmt.find(':'); colon != std::string_view::npos) {
      sig.skew = parse_number<std::int64_t>(fmt.substr(colon + 1), at, "the skew");
      fmt = fmt.substr(0, colon);
    }
    if (auto x = fmt.find('x'); x != std::string_view::npos) {
      sig.samples_per_frame = parse_number<int>(fmt.substr(x + 1), at, "samples per frame");
      fmt = fmt.substr(0, x);
    }
    sig.format = parse_number<int>(fmt, at, "the signal format");
    if (fields.size() > 2) {
      std::string_view gain = fields[2];
      if (auto slash = gain.find('/'); slash != std::string_view::npos) {
        sig.units = std::string(gain.substr(slash + 1));
        gain = gain.substr(0, slash);
      }
      if (auto paren = gain.find('('); paren != std::string_view::npos) {
        auto close = gain.find(')', paren);
        if (close == std::string_view::npos) throw Error(at + ": expected ')' after the baseline, found '" + std::string(fields[2]) + "'");
        sig.baseline = parse_number<std::int64_t>(gain.substr(paren + 1, close - paren - 1), at, "the baseline");
        sig.has_baseline = true;
        gain = gain.substr(0, paren);
      }
      sig.gain = parse_double(gain, at, "the ADC gain");
      if (sig.gain == 0.0) sig.gain = 200.0;  // WFDB: a gain of 0 means the default 200 units/mV
    }
    if (fields.size() > 3) sig.adc_resolution = parse_number<int>(fields[3], at, "the ADC resolution");
    if (fields.size() > 4) sig.adc_zero = parse_number<std::int64_t>(fields[4], at, "the ADC zero");
    if (!sig.has_baseline) sig.baseline = sig.adc_zero;
    if (fields.size() > 5) sig.initial_value = parse_number<std::int64_t>(fields[5], at, "the initial value");
    if (fields.size() > 6) {
      sig.checksum = parse_number<std::int64_t>(fields[6], at, "the checksum");
      sig.has_checksum = true;
    }
    if (fields.size() > 7) sig.block_size = parse_number<std::int64_t>(fields[7], at, "the block size");
    if (fields.size() > 8) {
      // The description is the rest of the line after the 8th field.
      std::size_t pos = fields[8].data() - line.data();
      sig.description = std::string(trim(line.substr(pos)));
    }
    header.signals.push_back(std::move(sig));
  }
  if (!have_record_line) throw Error(file.name + ": expected a WFDB record line, found an empty header");
  if (header.signals.size() != header.n_signals) {
    throw Error(file.name + ": the record line announces " + std::to_string(header.n_signals) +
                " signals, found " + std::to_string(header.signals.size()) + " signal lines");
  }
  return header;
}

std::vector<std::string> wfdb_companion_files(const NamedBuffer& header_file) {
  WfdbHeader header = parse_wfdb_header(header_file);
  std::vector<std::string> files;
  for (const auto& s : header.signals) {
    if (std::find(files.begin(), files.end(), s.file) == files.end()) files.push_back(s.file);
  }
  return files;
}

Record read_wfdb(std::span<const NamedBuffer> files, const NamedBuffer& header_file) {
  WfdbHeader header = parse_wfdb_header(header_file);
  Record record;
  // Key by file name: some CinC headers name the record 'E00009.mat' on their first line.
  std::string stem = header_file.name;
  if (auto slash = stem.find_last_of('/'); slash != std::string::npos) stem = stem.substr(slash + 1);
  record.name = stem.substr(0, stem.rfind('.'));
  record.fs_hz = header.fs_hz;
  record.n_samples = header.n_samples;
  if (header.n_samples == 0) {
    throw Error(header_file.name + ", line 1: expected the number of samples per signal, found none or 0");
  }
  if (header.n_samples * header.n_signals > kMaxTotalSamples) {
    throw Error(header_file.name + ", line 1: the header claims " + std::to_string(header.n_samples) + " samples x " +
                std::to_string(header.n_signals) + " signals, more than the " + std::to_string(kMaxTotalSamples) +
                " this reader accepts");
  }
  record.samples_mv.assign(header.n_samples * header.n_signals, 0.0f);

  // Group signals by file; within a file, samples are interleaved frame by frame.
  std::map<std::string, std::vector<std::size_t>> by_file;
  for (std::size_t i = 0; i < header.signals.size(); ++i) by_file[header.signals[i].file].push_back(i);
  std::string formats;
  for (const auto& [file_name, indices] : by_file) {
    const NamedBuffer* data = nullptr;
    for (const auto& f : files) {
      std::string base = f.name.substr(f.name.find_last_of('/') == std::string::npos ? 0 : f.name.find_last_of('/') + 1);
      if (base == file_name) data = &f;
    }
    if (data == nullptr) {
      throw Error(header_file.name + ": the header refers to signal file '" + file_name +
                  "', which was not among the files given (give the .hea together with its signal files)");
    }
    const WfdbSignal& first = header.signals[indices.front()];
    for (std::size_t i : indices) {
      const WfdbSignal& s = header.signals[i];
      if (s.format != first.format || s.byte_offset != first.byte_offset) {
        throw Error(header_file.name + ": signals in '" + file_name + "' must share format and byte offset; found formats " +
                    std::to_string(first.format) + " and " + std::to_string(s.format));
      }
      if (s.samples_per_frame != 1 || s.skew != 0) {
        throw Error(header_file.name + ": signal '" + s.description + "' uses samples-per-frame or skew, not supported yet");
      }
    }
    decode_wfdb_signals(header, indices, *data, record);
    formats = "wfdb-" + std::to_string(first.format);
  }
  record.source_format = formats;

  for (std::size_t i = 0; i < header.signals.size(); ++i) {
    const WfdbSignal& s = header.signals[i];
    std::string label = s.description.empty() ? "signal " + std::to_string(i) : s.description;
    record.leads.push_back(canonical_lead_name(label));
  }
  for (const auto& [key, value] : header.comments) {
    if (key == "Age") {
      char* end = nullptr;
      double age = std::strtod(value.c_str(), &end);
      if (!value.empty() && end == value.c_str() + value.size() && std::isfinite(age) && age >= 0 && age < 150) {
        record.age_years = age;
      }
    } else if (key == "Sex") {
      if (!value.empty() && (value[0] == 'F' || value[0] == 'f')) record.sex = Sex::female;
      else if (!value.empty() && (value[0] == 'M' || value[0] == 'm')) record.sex = Sex::male;
    } else if (key == "Dx") {
      std::stringstream ss(value);
      std::string code;
      while (std::getline(ss, code, ',')) {
        auto t = trim(code);
        if (!t.empty()) record.labels.emplace_back(t);
      }
    }
  }
  return record;
}

void decode_wfdb_signals(const WfdbHeader& header, const std::vector<std::size_t>& indices,
                         const NamedBuffer& data, Record& record) {
  const WfdbSignal& first = header.signals[indices.front()];
  const std::size_t n_in_file = indices.size();
  const std::uint64_t n = header.n_samples;
  if (first.format != 16) {
    throw Error(data.name + ": signal format " + std::to_string(first.format) +
                " is not supported yet (supported: 16)");
  }
  const std::uint64_t need = first.byte_offset + n * n_in_file * 2;
  if (data.bytes.size() < need) {
    throw Error(data.name + ": expected at least " + std::to_string(need) + " bytes for " + std::to_string(n) +
                " samples x " + std::to_string(n_in_file) + " signals in format 16, found " +
                std::to_string(data.bytes.size()) + " (file truncated?)");
  }
  const std::uint8_t* p = data.bytes.data() + first.byte_offset;
  std::vector<std::int64_t> sums(n_in_file, 0);
  for (std::uint64_t t = 0; t < n; ++t) {
    for (std::size_t k = 0; k < n_in_file; ++k) {
      const std::size_t at = (t * n_in_file + k) * 2;
      const auto v = static_cast<std::int16_t>(static_cast<std::uint16_t>(p[at] | (p[at + 1] << 8)));
      const WfdbSignal& s = header.signals[indices[k]];
      sums[k] += v;
      record.samples_mv[indices[k] * n + t] = static_cast<float>((v - s.baseline) / s.gain * units_to_mv(s.units));
    }
  }
  for (std::size_t k = 0; k < n_in_file; ++k) {
    const WfdbSignal& s = header.signals[indices[k]];
    if (std::isnan(units_to_mv(s.units))) {
      throw Error(data.name + ": signal '" + s.description + "' has units '" + s.units + "', expected mV, uV, V or nV");
    }
    // WFDB checksum: 16-bit signed sum of all samples.
    const auto checksum = static_cast<std::int16_t>(static_cast<std::uint16_t>(sums[k] & 0xFFFF));
    if (s.has_checksum && checksum != static_cast<std::int16_t>(static_cast<std::uint16_t>(s.checksum & 0xFFFF))) {
      record.warnings.push_back(data.name + ": checksum mismatch for signal '" + s.description + "': header says " +
                                std::to_string(s.checksum) + ", samples sum to " + std::to_string(checksum));
    }
  }
}

}  // namespace ecg::io
