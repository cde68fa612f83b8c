// JSON views of R-peaks and delineation, shared by the native CLI and the JS bindings.
#include <nlohmann/json.hpp>

#include "ecg/dsp.h"
#include "ecg/error.h"
#include "ecg/io.h"

namespace ecg::dsp {
namespace {

std::size_t lead_or_throw(const Record& record, std::string_view lead) {
  auto index = record.lead_index(io::canonical_lead_name(lead));
  if (!index) {
    std::string have;
    for (const auto& l : record.leads) have += (have.empty() ? "" : ", ") + l;
    throw Error("record '" + record.name + "': no lead '" + std::string(lead) + "'; it has " + have);
  }
  return *index;
}

nlohmann::json opt(const std::optional<std::int64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

}  // namespace

std::string rpeaks_json(const Record& record, std::string_view lead) {
  std::vector<std::int64_t> peaks = lead.empty() ? detect_rpeaks(record)
                                                 : detect_rpeaks(record.lead(lead_or_throw(record, lead)), record.fs_hz);
  auto hr = heart_rate_bpm(peaks, record.fs_hz);
  nlohmann::json j{{"record", record.name}, {"fs_hz", record.fs_hz}, {"lead", lead.empty() ? std::string("fused") : std::string(lead)},
                   {"rpeaks", peaks}, {"heart_rate_bpm", hr ? nlohmann::json(*hr) : nlohmann::json(nullptr)}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // names and labels come from files: never throw on bad UTF-8
}

std::string delineation_json(const Record& record, std::string_view lead) {
  std::vector<Beat> beats;
  if (lead.empty()) {
    beats = delineate(record, detect_rpeaks(record));
  } else {
    auto x = record.lead(lead_or_throw(record, lead));
    beats = delineate(x, record.fs_hz, detect_rpeaks(x, record.fs_hz));
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& b : beats) {
    list.push_back({{"r", b.r}, {"qrs_on", opt(b.qrs_on)}, {"qrs_off", opt(b.qrs_off)}, {"p_on", opt(b.p_on)}, {"p_peak", opt(b.p_peak)},
                    {"p_off", opt(b.p_off)}, {"t_peak", opt(b.t_peak)}, {"t_off", opt(b.t_off)}});
  }
  nlohmann::json j{{"record", record.name}, {"fs_hz", record.fs_hz}, {"lead", lead.empty() ? std::string("all") : std::string(lead)}, {"beats", list}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // names and labels come from files: never throw on bad UTF-8
}

}  // namespace ecg::dsp
