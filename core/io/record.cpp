// Record helpers: lead lookup and the JSON summary used by the CLI and the JS API.
#include <nlohmann/json.hpp>

#include "ecg/error.h"
#include "ecg/record.h"

namespace ecg {

std::string_view to_string(Sex sex) {
  switch (sex) {
    case Sex::female: return "female";
    case Sex::male: return "male";
    case Sex::unknown: break;
  }
  return "unknown";
}

std::optional<std::size_t> Record::lead_index(std::string_view canonical_name) const {
  for (std::size_t i = 0; i < leads.size(); ++i) {
    if (leads[i] == canonical_name) return i;
  }
  return std::nullopt;
}

std::optional<std::vector<std::string>> lead_set_leads(std::string_view lead_set) {
  if (lead_set == "12") return std::vector<std::string>{"I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"};
  if (lead_set == "6") return std::vector<std::string>{"I", "II", "III", "aVR", "aVL", "aVF"};
  if (lead_set == "4") return std::vector<std::string>{"I", "II", "III", "V2"};
  if (lead_set == "3") return std::vector<std::string>{"I", "II", "V2"};
  if (lead_set == "2") return std::vector<std::string>{"I", "II"};
  return std::nullopt;
}

Record select_leads(const Record& record, std::span<const std::string> leads) {
  std::vector<std::size_t> index;
  std::string missing;
  for (const std::string& name : leads) {
    if (auto i = record.lead_index(name)) index.push_back(*i);
    else missing += (missing.empty() ? "" : ", ") + name;
  }
  if (!missing.empty()) {
    std::string has;
    for (const std::string& l : record.leads) has += (has.empty() ? "" : ", ") + l;
    throw Error(record.name + ": lacks lead(s) " + missing + " (it has " + has + ")");
  }
  Record out = record;
  out.leads.clear();
  out.lead_info.clear();
  out.samples_mv.clear();
  out.digital.clear();
  out.samples_mv.reserve(index.size() * record.n_samples);
  for (std::size_t i : index) {
    out.leads.push_back(record.leads[i]);
    if (i < record.lead_info.size()) out.lead_info.push_back(record.lead_info[i]);
    auto lead = record.lead(i);
    out.samples_mv.insert(out.samples_mv.end(), lead.begin(), lead.end());
  }
  if (out.lead_info.size() != out.leads.size()) out.lead_info.clear();
  return out;
}

std::string record_info_json(const Record& record) {
  nlohmann::json j;
  j["record"] = record.name;
  j["format"] = record.source_format;
  j["fs_hz"] = record.fs_hz;
  j["leads"] = record.leads;
  j["n_samples"] = record.n_samples;
  j["duration_s"] = record.duration_s();
  j["age"] = record.age_years ? nlohmann::json(*record.age_years) : nlohmann::json(nullptr);
  j["sex"] = to_string(record.sex);
  j["labels"] = record.labels;
  j["warnings"] = record.warnings;
  // Source metadata: how each lead was stored (label as written, units, gain, baseline) and which
  // leads were derived rather than recorded.
  nlohmann::json details = nlohmann::json::array();
  std::vector<std::string> derived;
  for (std::size_t i = 0; i < record.lead_info.size() && i < record.leads.size(); ++i) {
    const LeadInfo& info = record.lead_info[i];
    details.push_back({{"lead", record.leads[i]}, {"label", info.label}, {"units", info.units}, {"gain", info.gain},
                       {"baseline", info.baseline}, {"derived", info.derived}});
    if (info.derived) derived.push_back(record.leads[i]);
  }
  j["derived_leads"] = derived;
  j["lead_details"] = std::move(details);
  j["files"] = record.files;
  j["comments"] = record.comments;
  // Header text is untrusted bytes: replace invalid UTF-8 instead of throwing.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Record record_from_info_json(std::string_view info_json, std::span<const float> samples_mv) {
  nlohmann::json j = nlohmann::json::parse(info_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw Error("record metadata: expected a JSON object, found unparsable text");
  Record r;
  const char* field = "record";  // the field being read, for the message
  try {
    r.name = j.value("record", "");
    field = "format", r.source_format = j.value("format", "");
    field = "fs_hz", r.fs_hz = j.at("fs_hz").get<double>();
    field = "leads", r.leads = j.at("leads").get<std::vector<std::string>>();
    field = "n_samples", r.n_samples = j.at("n_samples").get<std::size_t>();
    if (j.contains("age") && j["age"].is_number()) r.age_years = j["age"].get<double>();
    field = "sex";
    const std::string sex = j.value("sex", "unknown");
    r.sex = sex == "female" ? Sex::female : sex == "male" ? Sex::male : Sex::unknown;
    field = "labels", r.labels = j.value("labels", std::vector<std::string>{});
    field = "warnings", r.warnings = j.value("warnings", std::vector<std::string>{});
    field = "files", r.files = j.value("files", std::vector<std::string>{});
    field = "comments", r.comments = j.value("comments", std::vector<std::string>{});
    field = "lead_details";
    if (j.contains("lead_details") && j["lead_details"].is_array() && j["lead_details"].size() == r.leads.size()) {
      for (const auto& d : j["lead_details"]) {
        LeadInfo info;
        info.label = d.value("label", "");
        info.units = d.value("units", "");
        info.gain = d.value("gain", 1.0);
        info.baseline = d.value("baseline", 0.0);
        info.derived = d.value("derived", false);
        r.lead_info.push_back(info);
      }
    }
  } catch (const nlohmann::json::exception& e) {
    std::string found = j.contains(field) ? j[field].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) : "none";
    if (found.size() > 60) found = found.substr(0, 57) + "...";
    found = ", found " + found;
    throw Error(std::string("record metadata: ") + field + ": " + json_error_text(e.what()) + found);
  }
  if (!(r.fs_hz > 0)) throw Error("record metadata: expected fs_hz > 0, found " + std::to_string(r.fs_hz));
  if (samples_mv.size() != r.n_samples * r.leads.size()) {
    throw Error("record samples: expected " + std::to_string(r.n_samples * r.leads.size()) + " values (" +
                std::to_string(r.leads.size()) + " leads x " + std::to_string(r.n_samples) + "), found " +
                std::to_string(samples_mv.size()));
  }
  r.samples_mv.assign(samples_mv.begin(), samples_mv.end());
  return r;
}

}  // namespace ecg
