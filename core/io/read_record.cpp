// read_record: picks the reader from the file names and checks what every reader must guarantee.
#include <algorithm>
#include <cmath>

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

}  // namespace

Record read_record(std::span<const NamedBuffer> files) { return read_record(files, ReadOptions{}); }

Record read_record(std::span<const NamedBuffer> files, const ReadOptions& options) {
  if (files.empty()) throw Error("no files given: expected an ECG record (a .hea with its .dat or .mat, a .csv or an .edf)");
  if (options.fs_hz && (!(*options.fs_hz > 0) || *options.fs_hz > kMaxFsHz)) {
    throw Error("options: expected a sampling rate above 0 and at most 20000 Hz, found " + std::to_string(*options.fs_hz));
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
  if (options.derive_limb_leads) derive_limb_leads(record);
  check_record(record, source);
  return record;
}

}  // namespace ecg::io
