// CSV reader: one column per lead, as spreadsheets, device exports and the Chapman database write them.
//
// Accepted layouts:
//   - a header row naming the leads ("I,II,III,aVR,..."; aliases and case as canonical_lead_name
//     knows them), optionally with units in the name ("II (mV)", "V1 [uV]");
//   - an optional time column ("time", "t", "time_s", "time (ms)", ...): it gives the sampling rate
//     when the caller does not; an index column ("sample", "index", or an unnamed first column) is
//     skipped;
//   - no header row and 12 columns: the Chapman-Shaoxing layout (I, II, III, aVR, aVL, aVF, V1-V6);
//     its convention is 500 Hz and microvolts, used (with a warning) when the caller gives neither;
//   - delimiter ',', ';' or tab (whichever the first line uses); with ';' or tab a decimal comma
//     ("0,125") is accepted; cells may be double-quoted; a UTF-8 byte-order mark is skipped.
// Units come from the header, else from ReadOptions::units; a file whose units are unknown is refused
// (a silent mV/uV mix-up would be a 1000-fold amplitude error).
#include <algorithm>
#include <cmath>

#include "ecg/error.h"
#include "io/readers.h"
#include "io/text.h"

namespace ecg::io {
namespace {

using text::quote;
using text::trim;

constexpr std::string_view kChapmanLeads[12] = {"I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"};

std::vector<std::string_view> split_cells(std::string_view line, char delim) {
  std::vector<std::string_view> cells;
  std::size_t i = 0;
  while (true) {
    std::size_t start = i;
    bool quoted = false;
    for (; i < line.size(); ++i) {
      if (line[i] == '"') quoted = !quoted;
      else if (line[i] == delim && !quoted) break;
    }
    std::string_view cell = trim(line.substr(start, i - start));
    if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"') cell = trim(cell.substr(1, cell.size() - 2));
    cells.push_back(cell);
    if (i >= line.size()) break;
    ++i;  // skip the delimiter
  }
  return cells;
}

std::optional<double> parse_cell(std::string_view cell, bool decimal_comma) {
  if (!decimal_comma || cell.find(',') == std::string_view::npos) return text::to_double(cell);
  std::string copy(cell);
  std::replace(copy.begin(), copy.end(), ',', '.');
  return text::to_double(copy);
}

std::optional<double> units_factor_to_mv(std::string_view units) {
  const std::string u = text::lower(trim(units));
  if (u == "mv") return 1.0;
  if (u == "uv" || u == "\xc2\xb5v" || u == "\xce\xbcv" || u == "microvolt" || u == "microvolts") return 1e-3;
  if (u == "v") return 1e3;
  return std::nullopt;
}

struct Column {
  enum Kind { lead, time, skip } kind = lead;
  std::string label;        // as written, without units
  std::string units;        // from the header, if any
  double time_to_s = 1.0;   // time column: factor to seconds
};

Column parse_column(std::string_view name) {
  Column c;
  std::string_view label = name;
  if (!label.empty() && (label.back() == ')' || label.back() == ']')) {
    const char open = label.back() == ')' ? '(' : '[';
    if (auto pos = label.rfind(open); pos != std::string_view::npos) {
      c.units = std::string(trim(label.substr(pos + 1, label.size() - pos - 2)));
      label = trim(label.substr(0, pos));
    }
  }
  c.label = std::string(label);
  const std::string l = text::lower(label);
  if (l == "time" || l == "t" || l == "time_s" || l == "times" || l == "seconds" || l == "sec" || l == "time_ms" || l == "timestamp") {
    c.kind = Column::time;
    const std::string u = text::lower(c.units);
    c.time_to_s = (u == "ms" || l == "time_ms") ? 1e-3 : 1.0;
    if (!u.empty() && u != "s" && u != "ms" && u != "sec") throw Error("time column '" + c.label + "': expected units s or ms, found " + quote(c.units));
  } else if (l == "sample" || l == "samples" || l == "index" || l == "idx" || l.empty()) {
    // An unnamed column is a pandas index (first) or the trace of a trailing delimiter (last).
    c.kind = Column::skip;
  }
  return c;
}

}  // namespace

Record read_csv(const NamedBuffer& file, const ReadOptions& options) {
  std::string_view content(reinterpret_cast<const char*>(file.bytes.data()), file.bytes.size());
  if (content.size() >= 3 && content.substr(0, 3) == "\xEF\xBB\xBF") content.remove_prefix(3);
  if (content.find('\0') != std::string_view::npos) {
    throw Error(file.name + ": expected a text file (CSV), found binary data (a NUL byte at offset " +
                std::to_string(content.find('\0')) + ")");
  }
  const std::string& fname = file.name;
  auto all_lines = text::lines(content);
  std::vector<std::pair<std::size_t, std::string_view>> rows;  // (line number, text), blank lines dropped
  for (std::size_t i = 0; i < all_lines.size(); ++i) {
    if (!trim(all_lines[i]).empty()) rows.emplace_back(i + 1, all_lines[i]);
  }
  if (rows.empty()) throw Error(fname + ": expected rows of samples, found an empty file");
  const std::string_view first = rows.front().second;
  const char delim = first.find('\t') != std::string_view::npos ? '\t' : first.find(';') != std::string_view::npos ? ';' : ',';
  const bool decimal_comma = delim != ',';

  auto first_cells = split_cells(first, delim);
  const bool has_header = std::any_of(first_cells.begin(), first_cells.end(),
                                      [&](std::string_view c) { return !parse_cell(c, decimal_comma); });
  std::vector<Column> columns;
  Record record;
  const std::string stem = fname.substr(fname.find_last_of("/\\") == std::string::npos ? 0 : fname.find_last_of("/\\") + 1);
  record.name = stem.substr(0, stem.rfind('.'));
  record.source_format = "csv";
  record.files.push_back(fname);
  bool chapman = false;
  if (has_header) {
    for (std::size_t i = 0; i < first_cells.size(); ++i) {
      try {
        columns.push_back(parse_column(first_cells[i]));
      } catch (const Error& e) {
        throw Error(fname + ", line " + std::to_string(rows.front().first) + ": " + e.what());
      }
    }
  } else if (first_cells.size() == 12) {
    chapman = true;
    for (std::string_view lead : kChapmanLeads) columns.push_back({Column::lead, std::string(lead), "", 1.0});
  } else {
    throw Error(fname + ", line " + std::to_string(rows.front().first) +
                ": expected a header row naming the leads, or 12 columns without a header (Chapman layout), found " +
                std::to_string(first_cells.size()) + " numeric columns");
  }
  if (columns.size() > kMaxSignals + 2) {
    throw Error(fname + ": expected at most " + std::to_string(kMaxSignals) + " lead columns, found " + std::to_string(columns.size()));
  }
  std::vector<std::size_t> lead_cols;
  std::optional<std::size_t> time_col;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].kind == Column::lead) {
      lead_cols.push_back(i);
    } else if (columns[i].kind == Column::time) {
      if (time_col) throw Error(fname + ": expected at most one time column, found '" + columns[*time_col].label + "' and '" + columns[i].label + "'");
      time_col = i;
    }
  }
  if (lead_cols.empty()) throw Error(fname + ": expected at least one lead column, found only time/index columns");
  for (std::size_t a = 0; a < lead_cols.size(); ++a) {
    const std::string name = canonical_lead_name(columns[lead_cols[a]].label);
    if (name.empty()) throw Error(fname + ": column " + std::to_string(lead_cols[a] + 1) + ": expected a lead name, found an empty header cell");
    if (std::find(record.leads.begin(), record.leads.end(), name) != record.leads.end()) {
      throw Error(fname + ": column " + std::to_string(lead_cols[a] + 1) + " (" + quote(columns[lead_cols[a]].label) +
                  "): expected each lead once, found lead " + name + " twice");
    }
    record.leads.push_back(name);
  }

  // Units per lead column: header, else caller, else the Chapman convention, else refuse.
  std::vector<double> to_mv;
  for (std::size_t c : lead_cols) {
    std::string units = columns[c].units;
    if (units.empty()) units = options.units;
    if (units.empty() && chapman) units = "uV";
    if (units.empty()) {
      throw Error(fname + ": units of column " + quote(columns[c].label) +
                  " unknown: expected them in the header (e.g. 'II (mV)') or given by the caller (mV or uV), found neither");
    }
    auto factor = units_factor_to_mv(units);
    if (!factor) throw Error(fname + ": column " + quote(columns[c].label) + ": expected units mV, uV or V, found " + quote(units));
    to_mv.push_back(*factor);
    record.lead_info.push_back({columns[c].label, units, 1.0 / *factor, 0.0, false});
  }

  const std::size_t first_data = has_header ? 1 : 0;
  const std::uint64_t n = rows.size() - first_data;
  if (n == 0) throw Error(fname + ": expected rows of samples after the header, found none");
  if (n > kMaxTotalSamples / lead_cols.size()) {
    throw Error(fname + ": " + std::to_string(n) + " rows x " + std::to_string(lead_cols.size()) + " leads is more than the " +
                std::to_string(kMaxTotalSamples) + " samples this reader accepts");
  }
  record.n_samples = n;
  record.samples_mv.resize(n * lead_cols.size());
  std::vector<double> times;
  if (time_col) times.reserve(n);
  for (std::uint64_t r = 0; r < n; ++r) {
    const auto& [line_no, line] = rows[first_data + r];
    const auto cells = split_cells(line, delim);
    const std::string at = fname + ", line " + std::to_string(line_no);
    if (cells.size() != columns.size()) {
      throw Error(at + ": expected " + std::to_string(columns.size()) + " cells as in the first row, found " + std::to_string(cells.size()));
    }
    for (std::size_t k = 0; k < lead_cols.size(); ++k) {
      const std::string_view cell = cells[lead_cols[k]];
      auto value = parse_cell(cell, decimal_comma);
      if (!value) {
        throw Error(at + ", column " + quote(columns[lead_cols[k]].label) + ": expected a finite number, found " +
                    (cell.empty() ? std::string("an empty cell") : quote(cell)));
      }
      const double mv = *value * to_mv[k];
      if (!std::isfinite(static_cast<float>(mv))) {
        throw Error(at + ", column " + quote(columns[lead_cols[k]].label) + ": expected a value within float range, found " + quote(cell));
      }
      record.samples_mv[k * n + r] = static_cast<float>(mv);
    }
    if (time_col) {
      auto t = parse_cell(cells[*time_col], decimal_comma);
      if (!t) throw Error(at + ", column " + quote(columns[*time_col].label) + ": expected a time, found " + quote(cells[*time_col]));
      times.push_back(*t * columns[*time_col].time_to_s);
    }
  }

  // Sampling rate: the caller's, else the time column's (which must be evenly spaced).
  std::optional<double> fs_from_time;
  if (time_col && n >= 2) {
    const double dt = (times.back() - times.front()) / static_cast<double>(n - 1);
    if (!(dt > 0)) throw Error(fname + ": time column " + quote(columns[*time_col].label) + ": expected increasing times, found them not increasing");
    for (std::uint64_t r = 1; r < n; ++r) {
      const double step = times[r] - times[r - 1];
      if (std::abs(step - dt) > 0.01 * dt + 1e-9) {
        throw Error(fname + ", line " + std::to_string(rows[first_data + r].first) + ": time column: expected evenly spaced times (step " +
                    std::to_string(dt) + " s), found a step of " + std::to_string(step) + " s");
      }
    }
    double fs = 1.0 / dt;
    if (std::abs(fs - std::round(fs)) < 1e-4 * fs) fs = std::round(fs);
    fs_from_time = fs;
  }
  if (options.fs_hz) {
    record.fs_hz = *options.fs_hz;
    if (fs_from_time && std::abs(*fs_from_time - record.fs_hz) > 0.01 * record.fs_hz) {
      record.warnings.push_back(fname + ": the time column implies " + std::to_string(*fs_from_time) + " Hz; used the given " +
                                std::to_string(record.fs_hz) + " Hz");
    }
  } else if (fs_from_time) {
    record.fs_hz = *fs_from_time;
  } else if (chapman) {
    record.fs_hz = 500.0;
  } else {
    throw Error(fname + ": sampling rate unknown: expected a time column or a rate given by the caller, found neither");
  }
  if (!(record.fs_hz > 0) || record.fs_hz > kMaxFsHz) {
    throw Error(fname + ": expected a sampling rate above 0 and at most 20000 Hz, found " + std::to_string(record.fs_hz));
  }
  if (chapman && (!options.fs_hz || options.units.empty())) {
    record.warnings.push_back(fname + ": no header row; read as the Chapman layout (12 leads I..V6" +
                              std::string(options.fs_hz ? "" : ", 500 Hz") + (options.units.empty() ? ", microvolts" : "") +
                              " assumed): give the rate and units if this file is not from that database");
  }
  return record;
}

}  // namespace ecg::io
