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
  return j.dump();
}

Record record_from_info_json(std::string_view info_json, std::span<const float> samples_mv) {
  nlohmann::json j = nlohmann::json::parse(info_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw Error("record metadata: expected a JSON object, found unparsable text");
  Record r;
  try {
    r.name = j.value("record", "");
    r.source_format = j.value("format", "");
    r.fs_hz = j.at("fs_hz").get<double>();
    r.leads = j.at("leads").get<std::vector<std::string>>();
    r.n_samples = j.at("n_samples").get<std::size_t>();
    if (j.contains("age") && j["age"].is_number()) r.age_years = j["age"].get<double>();
    const std::string sex = j.value("sex", "unknown");
    r.sex = sex == "female" ? Sex::female : sex == "male" ? Sex::male : Sex::unknown;
    r.labels = j.value("labels", std::vector<std::string>{});
    r.warnings = j.value("warnings", std::vector<std::string>{});
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("record metadata: ") + e.what());
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
