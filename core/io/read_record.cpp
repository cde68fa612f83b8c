// read_record: picks the reader from the file names and checks what every reader must guarantee.
#include <algorithm>
#include <cmath>

#include "ecg/error.h"
#include "ecg/io.h"
#include "io/wfdb.h"

namespace ecg::io {
namespace {

std::string extension(const std::string& name) {
  auto dot = name.rfind('.');
  if (dot == std::string::npos) return "";
  std::string ext = name.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

void check_record(const Record& record, const std::string& source) {
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

Record read_record(std::span<const NamedBuffer> files) {
  if (files.empty()) throw Error("no files given: expected an ECG record (e.g. a .hea with its .dat)");
  std::vector<const NamedBuffer*> headers;
  for (const auto& f : files) {
    if (extension(f.name) == "hea") headers.push_back(&f);
  }
  if (headers.size() > 1) {
    throw Error("expected one record, found " + std::to_string(headers.size()) + " WFDB headers (" +
                headers[0]->name + ", " + headers[1]->name + ", ...): read them one at a time");
  }
  if (headers.size() == 1) {
    Record record = read_wfdb(files, *headers[0]);
    check_record(record, headers[0]->name);
    return record;
  }
  std::string names;
  for (const auto& f : files) names += (names.empty() ? "" : ", ") + f.name;
  throw Error("could not recognise the record format of: " + names +
              " (expected a WFDB .hea header with its signal files)");
}

}  // namespace ecg::io
