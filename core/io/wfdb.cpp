// WFDB reader: header (.hea) parsing and signal decoding (formats 16, 212, 80, 24, 32, 61; MAT v4).
//
// Header layout (https://physionet.org/physiotools/wag/header-5.htm):
//   record line:  name[/segments] n_signals [fs[/counter_fs][(base_counter)] [n_samples [time [date]]]]
//   signal line:  file format[xsamples][:skew][+offset] [gain[(baseline)][/units] [adc_res [adc_zero
//                 [initial [checksum [block_size [description]]]]]]]
//   comments:     lines starting with '#'; CinC uses "#Age: 74", "#Sex: Male", "#Dx: 59118001,...",
//                 LUDB "#<age>: 51", "#<sex>: F", "#<diagnoses>:" then one diagnosis per line,
//                 MIT-BIH "# 69 M 1085 1629 x1" (age, sex, ...).
// Signal files (https://physionet.org/physiotools/wag/signal-5.htm): the samples of the signals that
// share a file are interleaved frame by frame; signal k's sample t sits in frame t + skew_k.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>

#include "ecg/error.h"
#include "ecg/io.h"
#include "io/text.h"
#include "io/wfdb.h"

namespace ecg::io {
namespace {

using text::quote;
using text::trim;

std::string where(const std::string& file, std::size_t line) { return file + ", line " + std::to_string(line); }

template <typename T>
T parse_int(std::string_view s, const std::string& at, std::string_view field) {
  auto value = text::to_int<T>(s);
  if (!value) throw Error(at + ": expected an integer for " + std::string(field) + ", found " + quote(s));
  return *value;
}

double parse_double(std::string_view s, const std::string& at, std::string_view field) {
  auto value = text::to_double(s);
  if (!value) throw Error(at + ": expected a number for " + std::string(field) + ", found " + quote(s));
  return *value;
}

// Factor from the header's units to millivolts; nullopt for units that are not a voltage.
std::optional<double> units_to_mv(std::string_view units) {
  const std::string u = text::lower(units);
  if (u.empty() || u == "mv") return 1.0;
  if (u == "uv" || u == "\xc2\xb5v" || u == "\xce\xbcv") return 1e-3;  // u, micro sign, Greek mu
  if (u == "v") return 1e3;
  if (u == "nv") return 1e-6;
  return std::nullopt;
}

std::string base_name(const std::string& path) {
  auto slash = path.find_last_of("/\\");
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool ends_with_ci(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && text::lower(s.substr(s.size() - suffix.size())) == suffix;
}

void parse_comment(std::string_view comment, std::size_t index, bool& in_diagnoses, Record& record) {
  auto colon = comment.find(':');
  std::string key = colon == std::string_view::npos ? "" : text::lower(trim(comment.substr(0, colon)));
  if (key.size() > 2 && key.front() == '<' && key.back() == '>') key = key.substr(1, key.size() - 2);
  const std::string value(colon == std::string_view::npos ? "" : trim(comment.substr(colon + 1)));
  if (key == "age") {
    in_diagnoses = false;
    auto age = text::to_double(value);
    if (age && *age >= 0 && *age < 150) record.age_years = *age;
  } else if (key == "sex") {
    in_diagnoses = false;
    if (!value.empty() && (value[0] == 'F' || value[0] == 'f')) record.sex = Sex::female;
    else if (!value.empty() && (value[0] == 'M' || value[0] == 'm')) record.sex = Sex::male;
  } else if (key == "dx") {
    in_diagnoses = false;
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t end = std::min(value.find(',', start), value.size());
      auto code = trim(std::string_view(value).substr(start, end - start));
      if (!code.empty()) record.labels.emplace_back(code);
      start = end + 1;
    }
  } else if (key == "diagnoses" && value.empty()) {
    in_diagnoses = true;  // LUDB: the following comment lines are the diagnoses
  } else if (in_diagnoses) {
    if (!comment.empty()) record.labels.emplace_back(comment);
  } else {
    // MIT-BIH: the first comment line is "<age> <sex> ..." ("# 69 M 1085 1629 x1").
    auto tokens = text::split_ws(comment);
    if (index == 0 && colon == std::string_view::npos && tokens.size() >= 2 && (tokens[1] == "M" || tokens[1] == "F")) {
      if (auto age = text::to_int<int>(tokens[0]); age && *age >= 0 && *age < 150) record.age_years = *age;
      record.sex = tokens[1] == "M" ? Sex::male : Sex::female;
    }
    if (!comment.empty()) record.comments.emplace_back(comment);
  }
}

}  // namespace

bool wfdb_format_supported(int format) {
  return format == 16 || format == 212 || format == 80 || format == 24 || format == 32 || format == 61;
}

std::int32_t wfdb_invalid_sample(int format) {
  switch (format) {
    case 80: return -128;
    case 212: return -2048;
    case 24: return -(1 << 23);
    case 32: return std::numeric_limits<std::int32_t>::min();
    default: return -32768;  // 16, 61
  }
}

std::uint64_t wfdb_bytes_for_values(int format, std::uint64_t n) {
  switch (format) {
    case 16: case 61: return 2 * n;
    case 80: return n;
    case 24: return 3 * n;
    case 32: return 4 * n;
    case 212: return 3 * (n / 2) + (n % 2 ? 2 : 0);
    default: return 0;
  }
}

std::uint64_t wfdb_values_in_bytes(int format, std::uint64_t b) {
  switch (format) {
    case 16: case 61: return b / 2;
    case 80: return b;
    case 24: return b / 3;
    case 32: return b / 4;
    case 212: return (b / 3) * 2 + (b % 3 >= 2 ? 1 : 0);
    default: return 0;
  }
}

std::int32_t wfdb_decode_value(int format, const std::uint8_t* p, std::uint64_t j) {
  switch (format) {
    case 16: return static_cast<std::int16_t>(static_cast<std::uint16_t>(p[2 * j] | (p[2 * j + 1] << 8)));
    case 61: return static_cast<std::int16_t>(static_cast<std::uint16_t>((p[2 * j] << 8) | p[2 * j + 1]));
    case 80: return static_cast<std::int32_t>(p[j]) - 128;
    case 24: {
      const std::uint32_t u = p[3 * j] | (p[3 * j + 1] << 8) | (static_cast<std::uint32_t>(p[3 * j + 2]) << 16);
      return static_cast<std::int32_t>(u << 8) >> 8;
    }
    case 32: {
      const std::uint32_t u = p[4 * j] | (p[4 * j + 1] << 8) | (p[4 * j + 2] << 16) | (static_cast<std::uint32_t>(p[4 * j + 3]) << 24);
      return static_cast<std::int32_t>(u);
    }
    case 212: {
      // Two 12-bit samples in three bytes: low byte of the first, two high nibbles, low byte of the second.
      const std::uint8_t* q = p + 3 * (j / 2);
      const std::uint32_t u = (j % 2 == 0) ? (q[0] | ((q[1] & 0x0F) << 8)) : (q[2] | ((q[1] & 0xF0) << 4));
      return static_cast<std::int32_t>(u << 20) >> 20;
    }
    default: return 0;
  }
}

Mat4Matrix parse_mat4_header(const NamedBuffer& file) {
  const auto& b = file.bytes;
  if (b.size() >= 6 && std::memcmp(b.data(), "MATLAB", 6) == 0) {
    throw Error(file.name + ": expected a MATLAB v4 file (as the PhysioNet/CinC challenges write), found a MATLAB v5/v7 file");
  }
  if (b.size() < 20) {
    throw Error(file.name + ": expected a MATLAB v4 header of at least 20 bytes, found " + std::to_string(b.size()) + " bytes");
  }
  auto u32 = [&](std::size_t at) {
    return static_cast<std::uint32_t>(b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (static_cast<std::uint32_t>(b[at + 3]) << 24));
  };
  const std::uint32_t type = u32(0), rows = u32(4), cols = u32(8), imag = u32(12), name_len = u32(16);
  // Type MOPT = 0030: little-endian (M=0), P=3 int16, T=0 full numeric matrix.
  if (type != 30) {
    throw Error(file.name + ": MATLAB v4 type field: expected 30 (little-endian int16 matrix), found " + std::to_string(type));
  }
  if (imag != 0) throw Error(file.name + ": MATLAB v4 imagf field: expected 0 (real matrix), found " + std::to_string(imag));
  if (name_len == 0 || name_len > 64 || 20 + std::uint64_t{name_len} > b.size()) {
    throw Error(file.name + ": MATLAB v4 name length: expected 1 to 64 bytes within the file, found " + std::to_string(name_len));
  }
  std::string name(reinterpret_cast<const char*>(b.data()) + 20, name_len);
  if (name.back() == '\0') name.pop_back();
  if (name != "val") throw Error(file.name + ": MATLAB v4 variable: expected 'val', found " + quote(name));
  return {rows, cols, 20 + std::uint64_t{name_len}};
}

WfdbHeader parse_wfdb_header(const NamedBuffer& file) {
  WfdbHeader header;
  const std::string_view content(reinterpret_cast<const char*>(file.bytes.data()), file.bytes.size());
  if (content.size() > (1u << 20)) {
    throw Error(file.name + ": expected a WFDB header of at most 1 MiB, found " + std::to_string(content.size()) + " bytes");
  }
  bool have_record_line = false;
  std::size_t line_no = 0;
  for (std::string_view raw : text::lines(content)) {
    ++line_no;
    std::string_view line = trim(raw);
    if (line.empty()) continue;
    if (line.front() == '#') {
      header.comments.emplace_back(trim(line.substr(1)));
      continue;
    }
    auto fields = text::split_ws(line);
    const std::string at = where(file.name, line_no);
    if (!have_record_line) {
      have_record_line = true;
      if (fields.size() < 2) {
        throw Error(at + ": expected a record line 'name n_signals fs n_samples', found " + quote(line));
      }
      header.record_name = std::string(fields[0]);
      if (header.record_name.find('/') != std::string::npos) {
        throw Error(at + ": expected a single-segment record, found the multi-segment record name " + quote(header.record_name));
      }
      header.n_signals = parse_int<std::size_t>(fields[1], at, "the number of signals");
      if (header.n_signals == 0 || header.n_signals > kMaxSignals) {
        throw Error(at + ": expected 1 to " + std::to_string(kMaxSignals) + " signals, found " + std::string(fields[1]));
      }
      header.fs_hz = 250.0;  // WFDB default when the field is absent
      if (fields.size() > 2) {
        std::string_view fs = fields[2];
        fs = fs.substr(0, std::min(fs.find('/'), fs.find('(')));
        header.fs_hz = parse_double(fs, at, "the sampling frequency");
        if (!(header.fs_hz > 0.0) || header.fs_hz > kMaxFsHz) {
          throw Error(at + ": expected a sampling frequency above 0 and at most 20000 Hz, found " + quote(fields[2]));
        }
      }
      if (fields.size() > 3) {
        header.n_samples = parse_int<std::uint64_t>(fields[3], at, "the number of samples per signal");
        header.has_n_samples = true;
      }
      continue;
    }
    if (header.signals.size() == header.n_signals) {
      throw Error(at + ": expected " + std::to_string(header.n_signals) + " signal lines as the record line says, found more");
    }
    if (fields.size() < 2) {
      throw Error(at + ": expected a signal line 'file format gain ...', found " + quote(line));
    }
    WfdbSignal sig;
    sig.line = line_no;
    sig.file = std::string(fields[0]);
    // A signal file is a plain name in the header's folder: no path (absolute, '..', sub-folders), so a
    // header can never make a caller that loads companions by name read a file elsewhere.
    if (sig.file.find_first_of("/\\") != std::string::npos || sig.file == "." || sig.file == ".." ||
        (sig.file.size() >= 2 && sig.file[1] == ':')) {
      throw Error(at + ": expected the signal file as a plain file name in the header's folder, found the path " + quote(sig.file));
    }
    std::string_view fmt = fields[1];
    if (auto plus = fmt.find('+'); plus != std::string_view::npos) {
      sig.byte_offset = parse_int<std::uint64_t>(fmt.substr(plus + 1), at, "the byte offset");
      fmt = fmt.substr(0, plus);
    }
    if (auto colon = fmt.find(':'); colon != std::string_view::npos) {
      sig.skew = parse_int<std::int64_t>(fmt.substr(colon + 1), at, "the skew");
      if (sig.skew < 0 || sig.skew > 1'000'000) {
        throw Error(at + ": expected a skew of 0 to 1000000 samples, found " + std::to_string(sig.skew));
      }
      fmt = fmt.substr(0, colon);
    }
    if (auto x = fmt.find('x'); x != std::string_view::npos) {
      sig.samples_per_frame = parse_int<int>(fmt.substr(x + 1), at, "samples per frame");
      fmt = fmt.substr(0, x);
    }
    sig.format = parse_int<int>(fmt, at, "the signal format");
    if (fields.size() > 2) {
      std::string_view gain = fields[2];
      if (auto slash = gain.find('/'); slash != std::string_view::npos) {
        sig.units = std::string(gain.substr(slash + 1));
        gain = gain.substr(0, slash);
      }
      if (auto paren = gain.find('('); paren != std::string_view::npos) {
        auto close = gain.find(')', paren);
        if (close == std::string_view::npos || close + 1 != gain.size()) {
          throw Error(at + ": expected 'gain(baseline)' for the ADC gain, found " + quote(fields[2]));
        }
        sig.baseline = parse_int<std::int64_t>(gain.substr(paren + 1, close - paren - 1), at, "the baseline");
        sig.has_baseline = true;
        gain = gain.substr(0, paren);
      }
      sig.gain = parse_double(gain, at, "the ADC gain");
      if (sig.gain == 0.0) sig.gain = 200.0;  // WFDB: a gain of 0 means the default 200 units/mV
    }
    if (fields.size() > 3) sig.adc_resolution = parse_int<int>(fields[3], at, "the ADC resolution");
    if (fields.size() > 4) sig.adc_zero = parse_int<std::int64_t>(fields[4], at, "the ADC zero");
    if (!sig.has_baseline) sig.baseline = sig.adc_zero;
    if (fields.size() > 5) {
      sig.initial_value = parse_int<std::int64_t>(fields[5], at, "the initial value");
      sig.has_initial_value = true;
    }
    if (fields.size() > 6) {
      sig.checksum = parse_int<std::int64_t>(fields[6], at, "the checksum");
      sig.has_checksum = true;
    }
    if (fields.size() > 7) sig.block_size = parse_int<std::int64_t>(fields[7], at, "the block size");
    if (fields.size() > 8) {
      // The description is the rest of the line after the 8th field.
      const std::size_t pos = static_cast<std::size_t>(fields[8].data() - line.data());
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

std::vector<CompanionFile> wfdb_companion_limits(const NamedBuffer& header_file) {
  const WfdbHeader header = parse_wfdb_header(header_file);
  struct Group {
    std::string name;
    std::uint64_t n_signals = 0, offset = 0;
    std::int64_t skew = 0;
    int format = 32;
  };
  std::vector<Group> groups;
  for (const auto& s : header.signals) {
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return g.name == s.file; });
    if (it == groups.end()) {
      groups.push_back({s.file});
      it = groups.end() - 1;
    }
    ++it->n_signals;
    it->offset = std::max(it->offset, s.byte_offset);
    it->skew = std::max(it->skew, s.skew);
    if (wfdb_format_supported(s.format)) it->format = s.format;
  }
  // The bytes the header's samples take (offset + frames x signals in the format), plus 4 KiB of slack
  // (a MAT v4 header, a trailing partial frame); without a sample count, the reader's sample limit.
  const std::uint64_t n = header.has_n_samples && header.n_samples > 0 ? std::min(header.n_samples, kMaxTotalSamples) : kMaxTotalSamples;
  std::vector<CompanionFile> files;
  for (const Group& g : groups) {
    const std::uint64_t values = std::min(kMaxTotalSamples, (n + static_cast<std::uint64_t>(g.skew)) * g.n_signals);
    files.push_back({g.name, std::min<std::uint64_t>(g.offset, std::uint64_t{1} << 40) + wfdb_bytes_for_values(g.format, values) + 4096});
  }
  return files;
}

Record read_wfdb(std::span<const NamedBuffer> files, const NamedBuffer& header_file, const ReadOptions& options) {
  const WfdbHeader header = parse_wfdb_header(header_file);
  const std::string& hea = header_file.name;
  Record record;
  // Key by file name: some CinC headers name the record 'E00009.mat' on their first line.
  const std::string stem = base_name(hea);
  record.name = stem.substr(0, stem.rfind('.'));
  record.fs_hz = header.fs_hz;
  record.files.push_back(hea);

  // Group signals by file (in order of first appearance); check each group before allocating.
  struct Group {
    std::string file;
    std::vector<std::size_t> signals;
    const NamedBuffer* data = nullptr;
    std::uint64_t offset = 0;
    std::uint64_t frames_available = 0;
    std::int64_t max_skew = 0;
    bool mat = false;
  };
  std::vector<Group> groups;
  for (std::size_t i = 0; i < header.signals.size(); ++i) {
    const WfdbSignal& s = header.signals[i];
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return g.file == s.file; });
    if (it == groups.end()) {
      groups.push_back({s.file, {}, nullptr, 0, 0, 0, false});
      it = groups.end() - 1;
    }
    it->signals.push_back(i);
  }
  std::uint64_t n = header.n_samples;
  bool n_known = header.has_n_samples && header.n_samples > 0;
  for (Group& g : groups) {
    const WfdbSignal& first = header.signals[g.signals.front()];
    const std::string at = where(hea, first.line);
    if (g.file == "~") throw Error(at + ": expected a signal file name, found '~' (a signal with no stored samples)");
    for (const auto& f : files) {
      if (base_name(f.name) == g.file) g.data = &f;
    }
    if (g.data == nullptr) {
      throw Error(hea + ": the header refers to signal file '" + g.file +
                  "', which was not among the files given (give the .hea together with its signal files)");
    }
    for (std::size_t i : g.signals) {
      const WfdbSignal& s = header.signals[i];
      const std::string sat = where(hea, s.line);
      if (!wfdb_format_supported(s.format)) {
        throw Error(sat + ": expected signal format 16, 212, 80, 24, 32 or 61, found " + std::to_string(s.format));
      }
      if (s.format != first.format || s.byte_offset != first.byte_offset) {
        throw Error(sat + ": signals stored in '" + g.file + "' must share one format and byte offset; expected " +
                    std::to_string(first.format) + "+" + std::to_string(first.byte_offset) + " as on line " +
                    std::to_string(first.line) + ", found " + std::to_string(s.format) + "+" + std::to_string(s.byte_offset));
      }
      if (s.samples_per_frame != 1) {
        throw Error(sat + ": expected 1 sample per frame (multi-frequency records are not supported), found " +
                    std::to_string(s.samples_per_frame));
      }
      g.max_skew = std::max(g.max_skew, s.skew);
    }
    g.offset = first.byte_offset;
    g.mat = ends_with_ci(g.file, ".mat");
    const std::uint64_t n_in_file = g.signals.size();
    if (g.mat) {
      if (first.format != 16) {
        throw Error(at + ": expected format 16 for the MATLAB file '" + g.file + "', found " + std::to_string(first.format));
      }
      const Mat4Matrix m = parse_mat4_header(*g.data);
      if (m.rows != n_in_file) {
        throw Error(g.file + ": expected a 'val' matrix with " + std::to_string(n_in_file) + " rows (one per signal the header names), found " +
                    std::to_string(m.rows));
      }
      if (n_known && m.cols != n) {
        throw Error(g.file + ": expected a 'val' matrix with " + std::to_string(n) + " columns (the header's sample count), found " +
                    std::to_string(m.cols));
      }
      if (g.offset != m.data_offset) {
        record.warnings.push_back(hea + ": byte offset " + std::to_string(g.offset) + " for '" + g.file +
                                  "' disagrees with the MATLAB header (data at byte " + std::to_string(m.data_offset) + "); used the latter");
        g.offset = m.data_offset;
      }
      if (g.max_skew != 0) throw Error(at + ": expected no skew for the MATLAB file '" + g.file + "', found " + std::to_string(g.max_skew));
      if (!n_known) {
        n = m.cols;  // the matrix states its size; a short file is then reported as truncated below
        n_known = n > 0;
      }
    }
    if (g.offset > g.data->bytes.size()) {
      throw Error(g.file + ": the header places the samples at byte " + std::to_string(g.offset) + ", but the file has only " +
                  std::to_string(g.data->bytes.size()) + " bytes");
    }
    g.frames_available = wfdb_values_in_bytes(first.format, g.data->bytes.size() - g.offset) / n_in_file;
    if (!n_known) {
      // WFDB allows headers without a sample count: the signal file decides.
      if (g.frames_available <= static_cast<std::uint64_t>(g.max_skew)) {
        throw Error(g.file + ": expected samples after byte " + std::to_string(g.offset) + ", found none");
      }
      n = g.frames_available - static_cast<std::uint64_t>(g.max_skew);
      n_known = true;
      record.warnings.push_back(hea + ": the header gives no sample count; took " + std::to_string(n) + " from '" + g.file + "'");
    }
  }
  if (n == 0) throw Error(where(hea, 1) + ": expected the number of samples per signal, found 0");
  if (n > kMaxTotalSamples / header.n_signals) {
    throw Error(where(hea, 1) + ": the header claims " + std::to_string(n) + " samples x " + std::to_string(header.n_signals) +
                " signals, more than the " + std::to_string(kMaxTotalSamples) + " samples this reader accepts");
  }
  for (const Group& g : groups) {
    const int format = header.signals[g.signals.front()].format;
    const std::uint64_t n_in_file = g.signals.size();
    const std::uint64_t frames = n + static_cast<std::uint64_t>(g.max_skew);
    const std::uint64_t need = g.offset + wfdb_bytes_for_values(format, frames * n_in_file);
    if (g.frames_available < frames) {
      throw Error(g.file + ": expected at least " + std::to_string(need) + " bytes for " + std::to_string(n) + " samples x " +
                  std::to_string(n_in_file) + " signals in format " + std::to_string(format) +
                  (g.max_skew ? " (with skew " + std::to_string(g.max_skew) + ")" : "") + ", found " +
                  std::to_string(g.data->bytes.size()) + " (file truncated, or the header's sample count is wrong)");
    }
    const std::uint64_t extra = g.data->bytes.size() - need;
    if (!g.mat && extra >= wfdb_bytes_for_values(format, n_in_file) && extra > 1) {
      // The size must be exactly signals x samples x bytes: a header that leaves out a signal (11 signals
      // over 12-signal data) or understates the sample count would decode the rest de-interleaved.
      throw Error(g.file + ": expected " + std::to_string(need) + " bytes for " + std::to_string(n) + " samples x " +
                  std::to_string(n_in_file) + " signals in format " + std::to_string(format) + ", found " +
                  std::to_string(g.data->bytes.size()) + " (" + std::to_string(extra) +
                  " bytes more: the header's signal count or sample count is wrong, or the file belongs to another record)");
    }
  }
  record.n_samples = n;

  // Decode the stored integers, lead-major.
  std::vector<std::int32_t> digital(n * header.n_signals);
  for (const Group& g : groups) {
    const int format = header.signals[g.signals.front()].format;
    const std::uint8_t* stream = g.data->bytes.data() + g.offset;
    const std::uint64_t n_in_file = g.signals.size();
    for (std::size_t k = 0; k < g.signals.size(); ++k) {
      const std::size_t sig = g.signals[k];
      const auto skew = static_cast<std::uint64_t>(header.signals[sig].skew);
      std::int32_t* out = digital.data() + sig * n;
      for (std::uint64_t t = 0; t < n; ++t) out[t] = wfdb_decode_value(format, stream, (t + skew) * n_in_file + k);
    }
    if (std::find(record.files.begin(), record.files.end(), g.data->name) == record.files.end()) record.files.push_back(g.data->name);
  }

  // Checks the header allows: checksum (16-bit sum of the samples) and the first sample.
  for (std::size_t i = 0; i < header.signals.size(); ++i) {
    const WfdbSignal& s = header.signals[i];
    const std::string name = s.description.empty() ? "signal " + std::to_string(i) : s.description;
    const std::int32_t* d = digital.data() + i * n;
    if (s.has_checksum) {
      std::uint32_t sum = 0;
      for (std::uint64_t t = 0; t < n; ++t) sum += static_cast<std::uint32_t>(d[t]);
      const auto computed = static_cast<std::int16_t>(static_cast<std::uint16_t>(sum & 0xFFFF));
      const auto stated = static_cast<std::int16_t>(static_cast<std::uint16_t>(static_cast<std::uint64_t>(s.checksum) & 0xFFFF));
      if (computed != stated) {
        record.warnings.push_back(hea + ", line " + std::to_string(s.line) + ": checksum mismatch for signal '" + name +
                                  "': header says " + std::to_string(s.checksum) + ", samples sum to " + std::to_string(computed) +
                                  " (mod 2^16)");
      }
    }
    if (s.has_initial_value && s.initial_value != d[0]) {
      record.warnings.push_back(hea + ", line " + std::to_string(s.line) + ": initial value of signal '" + name + "': header says " +
                                std::to_string(s.initial_value) + ", the first sample is " + std::to_string(d[0]));
    }
  }

  // Physical values in mV; signals that are not voltages (respiration, blood pressure) are left out.
  std::vector<std::size_t> kept;
  for (std::size_t i = 0; i < header.signals.size(); ++i) {
    const WfdbSignal& s = header.signals[i];
    if (!units_to_mv(s.units)) {
      record.warnings.push_back(where(hea, s.line) + ": signal '" + s.description + "' left out: units " + quote(s.units) +
                                " are not a voltage (expected mV, uV, V or nV)");
      continue;
    }
    kept.push_back(i);
  }
  if (kept.empty()) throw Error(hea + ": expected at least one ECG signal in voltage units (mV, uV, V), found none");
  record.samples_mv.resize(n * kept.size());
  if (options.keep_digital) record.digital.resize(n * kept.size());
  for (std::size_t k = 0; k < kept.size(); ++k) {
    const WfdbSignal& s = header.signals[kept[k]];
    const double scale = *units_to_mv(s.units) / s.gain;
    const std::int32_t* d = digital.data() + kept[k] * n;
    float* out = record.samples_mv.data() + k * n;
    // WFDB marks missing samples with the format's most negative value (WFDB_INVALID_SAMPLE).
    const std::int32_t invalid = wfdb_invalid_sample(s.format);
    std::uint64_t n_invalid = 0;
    for (std::uint64_t t = 0; t < n; ++t) {
      if (d[t] == invalid) {
        out[t] = 0.0f;
        ++n_invalid;
      } else {
        out[t] = static_cast<float>((static_cast<double>(d[t]) - static_cast<double>(s.baseline)) * scale);
      }
    }
    if (n_invalid > 0) {
      record.warnings.push_back(where(hea, s.line) + ": " + std::to_string(n_invalid) + " samples of signal '" + s.description +
                                "' hold the WFDB invalid-sample marker " + std::to_string(invalid) + " (no data); they read as 0 mV");
    }
    if (options.keep_digital) std::copy(d, d + n, record.digital.begin() + static_cast<std::ptrdiff_t>(k * n));
    const std::string label = s.description.empty() ? "signal " + std::to_string(kept[k]) : s.description;
    if (s.gain < 0) {
      record.warnings.push_back(where(hea, s.line) + ": signal '" + label + "' has a negative ADC gain (" + std::to_string(s.gain) +
                                "): its polarity is inverted; check the recording or the header");
    }
    record.leads.push_back(canonical_lead_name(label));
    record.lead_info.push_back({label, s.units.empty() ? "mV" : s.units, s.gain, static_cast<double>(s.baseline), false});
  }

  const int format0 = header.signals.front().format;
  record.source_format = groups.front().mat ? "wfdb-mat" : "wfdb-" + std::to_string(format0);

  bool in_diagnoses = false;
  for (std::size_t i = 0; i < header.comments.size(); ++i) parse_comment(header.comments[i], i, in_diagnoses, record);
  return record;
}

}  // namespace ecg::io
