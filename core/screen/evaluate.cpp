// Evaluation of screening against labels (see ecg/evaluate.h).
#include "ecg/evaluate.h"

#include <nlohmann/json.hpp>

#include "ecg/error.h"

namespace ecg::screen {

EvalCase eval_case(Screener& screener, const Record& record, std::string_view lead_set) {
  EvalCase c;
  c.record = record.name;
  c.label_codes = record.labels;
  std::optional<std::vector<std::string>> leads;
  if (!lead_set.empty()) {
    leads = lead_set_leads(lead_set);
    if (!leads) throw Error("lead set: got '" + std::string(lead_set) + "', expected 12, 6, 4, 3 or 2");
  }
  if (record.labels.empty()) {
    c.skipped = "no labels";
    return c;
  }
  std::string missing;
  if (leads) {
    for (const std::string& l : *leads) {
      if (!record.lead_index(l)) missing += (missing.empty() ? "" : ", ") + l;
    }
  }
  if (!missing.empty()) {
    c.skipped = "lacks lead(s) " + missing + " of the " + std::string(lead_set) + "-lead set";
    return c;
  }
  const Findings f = screener.screen(leads ? select_leads(record, *leads) : record, Patient{});
  for (const ClassFinding& k : f.classes) {
    if (k.decision) c.output_codes.push_back(k.snomed);
  }
  c.model = f.model ? f.model->name : "";
  c.inconclusive = f.inconclusive;
  return c;
}

std::string to_json(const EvalCase& c) {
  return nlohmann::json{{"record", c.record}, {"labels", c.label_codes}, {"outputs", c.output_codes},
                        {"model", c.model}, {"inconclusive", c.inconclusive}, {"skipped", c.skipped}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

EvalCase eval_case_from_json(const std::string& json) {
  const nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw Error("evaluation case: expected a JSON object, found " + json.substr(0, 40));
  try {
    return {j.at("record").get<std::string>(), j.at("labels").get<std::vector<std::string>>(),
            j.at("outputs").get<std::vector<std::string>>(), j.at("model").get<std::string>(),
            j.at("inconclusive").get<bool>(), j.at("skipped").get<std::string>()};
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("evaluation case: ") + e.what());
  }
}

void Evaluation::add(const EvalCase& c) {
  if (!c.skipped.empty()) {
    ++n_skipped_;
    ++skipped_[c.skipped.rfind("lacks lead", 0) == 0 ? "lacks leads of the lead set" : c.skipped];
    return;
  }
  metric_.add_codes(c.label_codes, c.output_codes);
  ++models_[c.model.empty() ? "(rules only)" : c.model];
  if (c.inconclusive) ++n_inconclusive_;
}

std::string Evaluation::to_json() const {
  nlohmann::json j = nlohmann::json::parse(metric::to_json(metric_.summary()));
  j["n_skipped"] = n_skipped_;
  j["skipped"] = skipped_;
  j["n_inconclusive"] = n_inconclusive_;
  j["models"] = models_;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // names and labels come from files: never throw on bad UTF-8
}

}  // namespace ecg::screen
