// read_record: picks the reader from the file names and checks what every reader must guarantee.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>

#include "ecg/error.h"
#include "ecg/io.h"
#include "io/readers.h"
#include "io/text.h"
#include "io/wfdb.h"

namespace ecg::io {
namespace {

std::string extension(const std::string& name) {
  auto dot = name.rfind('.');
  auto slash = name.find_last_of("/\\");
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  return text::lower(name.substr(dot + 1));
}

void check_record(const Record& record, const std::string& source) {
  if (record.samples_mv.size() != record.n_leads() * record.n_samples) {
    throw Error(source + ": internal error: expected " + std::to_string(record.n_leads() * record.n_samples) + " samples, found " +
                std::to_string(record.samples_mv.size()));
  }
  for (std::size_t lead = 0; lead < record.n_leads(); ++lead) {
    auto samples = record.lead(lead);
    for (std::size_t i = 0; i < samples.size(); ++i) {
      if (!std::isfinite(samples[i])) {
        throw Error(source + ": lead " + record.leads[lead] + ", sample " + std::to_string(i) +
                    ": expected a finite value, found " + (std::isnan(samples[i]) ? "NaN" : "infinity"));
      }
    }
  }
}

// Every lead at most once (a file with 12 x "II" would otherwise screen one lead as twelve).
void check_unique_leads(const Record& record, const std::string& source) {
  for (std::size_t i = 0; i < record.n_leads(); ++i) {
    for (std::size_t j = i + 1; j < record.n_leads(); ++j) {
      if (record.leads[i] == record.leads[j]) {
        const auto label = [&](std::size_t k) {
          return k < record.lead_info.size() && !record.lead_info[k].label.empty() ? text::quote(record.lead_info[k].label) : "'" + record.leads[k] + "'";
        };
        throw Error(source + ": expected each lead once, found lead " + record.leads[i] + " twice (signal " + std::to_string(i + 1) + " " +
                    label(i) + " and signal " + std::to_string(j + 1) + " " + label(j) + ")");
      }
    }
  }
}

// Einthoven and Goldberger: the six limb leads are two independent signals, so III = II - I,
// aVR = -(I + II)/2, aVL = I - II/2 and aVF = II - I/2 hold up to noise in every real recording.
// A large residual means swapped, mislabelled or inverted limb leads: warn and name them.
void check_limb_leads(Record& record, const std::string& source) {
  const auto i1 = record.lead_index("I"), i2 = record.lead_index("II");
  if (!i1 || !i2 || record.n_samples < 2) return;
  struct Formula { const char* name; const char* formula; double a, b; };  // lead = a * I + b * II
  constexpr Formula kFormulas[] = {{"III", "II - I", -1.0, 1.0}, {"aVR", "-(I + II)/2", -0.5, -0.5},
                                   {"aVL", "I - II/2", 1.0, -0.5}, {"aVF", "II - I/2", -0.5, 1.0}};
  const std::size_t n = record.n_samples;
  const auto lead_i = record.lead(*i1), lead_ii = record.lead(*i2);
  const auto mean = [n](std::span<const float> x) {
    double m = 0;
    for (float v : x) m += v;
    return m / static_cast<double>(n);
  };
  const double m1 = mean(lead_i), m2 = mean(lead_ii);
  std::vector<std::string> failed, suspects;
  std::size_t checked = 0;
  for (const Formula& f : kFormulas) {
    const auto k = record.lead_index(f.name);
    if (!k || (*k < record.lead_info.size() && record.lead_info[*k].derived)) continue;
    ++checked;
    const auto x = record.lead(*k);
    const double mx = mean(x);
    double res = 0, own = 0;
    for (std::size_t t = 0; t < n; ++t) {
      const double v = x[t] - mx;
      const double r = v - (f.a * (lead_i[t] - m1) + f.b * (lead_ii[t] - m2));
      res += r * r;
      own += v * v;
    }
    const double rms_res = std::sqrt(res / static_cast<double>(n)), rms_own = std::sqrt(own / static_cast<double>(n));
    // Tolerant on purpose: noise and rounding leave a few percent; a swap or inversion leaves 100 % or more.
    if (rms_res > 0.05 && rms_res > 0.5 * std::max(rms_own, 0.02)) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "%s differs from %s by %.2f mV RMS (its own RMS %.2f mV)", f.name, f.formula, rms_res, rms_own);
      failed.emplace_back(buf);
      suspects.emplace_back(f.name);
    }
  }
  if (failed.empty()) return;
  std::string msg = source + ": the limb leads disagree with Einthoven's and Goldberger's relations (";
  for (std::size_t i = 0; i < failed.size(); ++i) msg += (i ? "; " : "") + failed[i];
  msg += "): suspect leads ";
  if (failed.size() == checked && checked >= 2) {
    msg += "I and II (every relation that uses them fails)";
  } else {
    for (std::size_t i = 0; i < suspects.size(); ++i) msg += (i ? ", " : "") + suspects[i];
    msg += ", or I and II";
  }
  record.warnings.push_back(msg + " (swapped, mislabelled or inverted electrodes, or inconsistent gains in the header?)");
}

}  // namespace

Record read_record(std::span<const NamedBuffer> files) { return read_record(files, ReadOptions{}); }

Record read_record(std::span<const NamedBuffer> files, const ReadOptions& options) {
  if (files.empty()) throw Error("no files given: expected an ECG record (a .hea with its .dat or .mat, a .csv or an .edf)");
  if (options.fs_hz && (!(*options.fs_hz > kMinFsHz) || *options.fs_hz > kMaxFsHz)) {
    // Named as the JS API and the options parser name it (ecg/options.h), so both tools say the same.
    char found[32];
    std::snprintf(found, sizeof found, "%.6g", *options.fs_hz);
    throw Error(std::string("fsHz: expected a number (above 10 and at most 20000 Hz), found ") + found);
  }
  std::vector<const NamedBuffer*> headers, csvs, edfs;
  for (const auto& f : files) {
    const std::string ext = extension(f.name);
    if (ext == "hea") headers.push_back(&f);
    else if (ext == "csv" || ext == "tsv") csvs.push_back(&f);
    else if (ext == "edf") edfs.push_back(&f);
  }
  const std::size_t n_candidates = headers.size() + (headers.empty() ? csvs.size() + edfs.size() : 0);
  if (n_candidates > 1) {
    std::vector<const NamedBuffer*> all = headers;
    all.insert(all.end(), csvs.begin(), csvs.end());
    all.insert(all.end(), edfs.begin(), edfs.end());
    throw Error("expected one record, found " + std::to_string(all.size()) + " (" + all[0]->name + ", " + all[1]->name +
                (all.size() > 2 ? ", ..." : "") + "): read them one at a time");
  }
  Record record;
  std::string source;
  if (headers.size() == 1) {
    source = headers[0]->name;
    record = read_wfdb(files, *headers[0], options);
  } else if (csvs.size() == 1) {
    source = csvs[0]->name;
    record = read_csv(*csvs[0], options);
  } else if (edfs.size() == 1) {
    source = edfs[0]->name;
    record = read_edf(*edfs[0], options);
  } else {
    std::string names;
    for (const auto& f : files) names += (names.empty() ? "" : ", ") + f.name;
    const bool has_mat = std::any_of(files.begin(), files.end(), [](const NamedBuffer& f) { return extension(f.name) == "mat"; });
    throw Error("could not recognise the record format of: " + names +
                (has_mat ? " (a .mat signal file needs its .hea header, which states the sampling rate and gains)"
                         : " (expected a WFDB .hea header with its signal files, a .csv or an .edf file)"));
  }
  if (record.lead_info.size() != record.leads.size()) record.lead_info.resize(record.leads.size());
  if (!(record.fs_hz > kMinFsHz)) {
    throw Error(source + ": expected a sampling rate above 10 Hz (an ECG needs at least 50 Hz to show its waves), found " +
                text::format_number(record.fs_hz) + " Hz: check the header's sampling frequency");
  }
  if (record.fs_hz < 100.0) {
    record.warnings.push_back(source + ": sampling rate " + text::format_number(record.fs_hz) +
                              " Hz is unusually low for an ECG (expected 100 Hz or more): if the header's rate is wrong, heart rate and intervals are too");
  }
  check_unique_leads(record, source);
  check_record(record, source);
  check_limb_leads(record, source);
  if (options.derive_limb_leads) derive_limb_leads(record);
  return record;
}

}  // namespace ecg::io
