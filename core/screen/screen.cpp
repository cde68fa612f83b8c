// The rules-only screening pipeline (Record -> R-peaks, delineation, rules -> Findings) and the steps
// the model pipeline (screener.cpp) shares with it.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "ecg/dsp.h"
#include "ecg/error.h"
#include "ecg/screen.h"
#include "screen/pipeline.h"

namespace ecg::screen {
namespace {
bool is_hint_rule(const std::string& id) { return id == "QRS120" || id == "IrregularRR"; }

}  // namespace

void merge_rules_into_classes(Findings& f) {
  for (const rules::RuleResult& rule : f.rules.rules) {
    if (is_hint_rule(rule.id)) continue;  // hints (QRS >= 120 ms, irregular RR) are not scored classes
    auto it = std::find_if(f.classes.begin(), f.classes.end(), [&](const ClassFinding& c) { return c.snomed == rule.snomed; });
    if (it == f.classes.end()) {
      ClassFinding c;
      c.snomed = rule.snomed;
      c.abbr = rule.id;
      c.name = rule.name;
      f.classes.push_back(std::move(c));
      it = std::prev(f.classes.end());
    }
    it->has_rule = true;
    it->rule = rule.decision;
  }
  // A rule that can assess its class decides it (as in Kang & Wen, where the rule classes replace the
  // network's): rate, axis, voltage and interval criteria are measured, not learned. The network
  // decides every other class, and a rule class the record's signal cannot assess.
  for (ClassFinding& c : f.classes) {
    const bool assessable = c.has_rule && c.rule != rules::Decision::not_assessable;
    const bool rule_positive = assessable && c.rule == rules::Decision::positive;
    c.decision = assessable ? rule_positive : c.model_positive;
    c.source = !c.decision ? "" : rule_positive && c.model_positive ? "both" : rule_positive ? "rule" : "model";
  }
}

void judge_signal(Findings& f, const Record& record, std::span<const std::string> leads) {
  if (record.duration_s() < 2.0) f.inconclusive_reasons.push_back("the record is shorter than 2 s");
  if (f.rpeaks.size() < 2) f.inconclusive_reasons.push_back("fewer than two heartbeats were found");
  std::size_t unusable = 0, present = 0;
  for (const std::string& lead : leads) {
    auto index = record.lead_index(lead);
    if (!index) continue;
    ++present;
    if (!dsp::lead_quality(record.lead(*index)).usable()) ++unusable;
  }
  if (present == 0 || 2 * unusable > present) {
    f.inconclusive_reasons.push_back(std::to_string(unusable) + " of " + std::to_string(present) +
                                     " leads used are flat, saturated or clipped");
  }
  f.inconclusive = !f.inconclusive_reasons.empty();
}

void screen_rules(const Record& record, const Patient& patient, StageClock& clock, Findings& f) {
  if (record.n_leads() == 0 || record.n_samples == 0) {
    throw Error("record '" + record.name + "': expected at least one lead with samples, found none");
  }
  f.record = record.name;
  f.fs_hz = record.fs_hz;
  f.duration_s = record.duration_s();
  f.leads = record.leads;
  f.age_years = patient.age_years ? patient.age_years : record.age_years;
  f.sex = patient.sex != Sex::unknown ? patient.sex : record.sex;
  f.warnings = record.warnings;
  f.rpeaks = dsp::detect_rpeaks(record);
  f.heart_rate_bpm = dsp::heart_rate_bpm(f.rpeaks, record.fs_hz);
  if (!f.heart_rate_bpm) f.warnings.push_back("fewer than two heartbeats found: heart rate not assessable");
  clock.lap("rpeaks");
  const std::vector<dsp::Beat> beats = dsp::delineate(record, f.rpeaks);
  clock.lap("delineation");
  f.rules = rules::evaluate(record, f.sex, f.rpeaks, beats);
  f.quality = f.rules.quality;
  f.beats = beats::classify_beats(record, f.rpeaks, beats);  // PAC / PVC from the beat classes
  for (rules::RuleResult& r : beats::ectopy_rules(f.beats, record.fs_hz, record.duration_s())) f.rules.rules.push_back(std::move(r));
  clock.lap("rules");
}

Findings screen(const Record& record, const Patient& patient) {
  if (record.n_leads() == 0 || record.n_samples == 0) {
    throw Error("record '" + record.name + "': expected at least one lead with samples, found none");
  }
  Findings f;
  StageClock clock(f.timings);
  screen_rules(record, patient, clock, f);
  merge_rules_into_classes(f);
  judge_signal(f, record, record.leads);
  return f;
}

std::string to_json(const Findings& f) {
  nlohmann::json j;
  j["record"] = f.record;
  j["fs_hz"] = f.fs_hz;
  j["duration_s"] = f.duration_s;
  j["leads"] = f.leads;
  j["rpeaks"] = f.rpeaks;
  j["beats"] = nlohmann::json::parse(beats::to_json(f.beats, f.fs_hz));
  j["heart_rate_bpm"] = f.heart_rate_bpm ? nlohmann::json(*f.heart_rate_bpm) : nlohmann::json(nullptr);
  j["age"] = f.age_years ? nlohmann::json(*f.age_years) : nlohmann::json(nullptr);
  j["sex"] = to_string(f.sex);
  j["warnings"] = f.warnings;
  j["quality"] = f.quality;
  j["rules"] = nlohmann::json::parse(rules::to_json(f.rules));
  nlohmann::json classes = nlohmann::json::array();
  for (const ClassFinding& c : f.classes) {
    classes.push_back({{"snomed", c.snomed}, {"abbr", c.abbr}, {"name", c.name},
                       {"probability", c.probability ? nlohmann::json(*c.probability) : nlohmann::json(nullptr)},
                       {"threshold", c.threshold ? nlohmann::json(*c.threshold) : nlohmann::json(nullptr)},
                       {"model", c.probability ? nlohmann::json(c.model_positive ? "positive" : "negative") : nlohmann::json(nullptr)},
                       {"rule", c.has_rule ? nlohmann::json(rules::to_string(c.rule)) : nlohmann::json(nullptr)},
                       {"decision", c.decision}, {"source", c.source}});
  }
  j["classes"] = classes;
  if (f.model) {
    j["model"] = {{"name", f.model->name}, {"lead_set", f.model->lead_set}, {"leads", f.model->leads},
                  {"fs_hz", f.model->fs_hz}, {"input_len", f.model->input_len}, {"windows", f.model->windows},
                  {"backend", f.model->backend}};
  } else {
    j["model"] = nullptr;
  }
  j["inconclusive"] = f.inconclusive;
  j["inconclusive_reasons"] = f.inconclusive_reasons;
  nlohmann::json timings = nlohmann::json::object();
  for (const auto& t : f.timings) timings[t.stage + "_ms"] = t.ms;
  j["timings"] = timings;
  j["disclaimer"] = "Screening aid only, not a diagnosis: a clinician must review the ECG.";
  return j.dump();
}

namespace {
// RFC 4180 field: quoted when it holds a comma, quote or line break.
std::string csv_field(const std::string& v) {
  if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string joined(const std::vector<std::string>& items, const char* separator = "; ") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : separator) + i;
  return out;
}
}  // namespace

std::string csv_header() { return "record,model,lead_set,inconclusive,heart_rate_bpm,positive,quality,warnings"; }

std::string to_csv_row(const Findings& f) {
  std::vector<std::string> positive;
  for (const ClassFinding& c : f.classes) {
    if (c.decision) positive.push_back(c.abbr + "(" + c.source + ")");
  }
  char hr[32] = "";
  if (f.heart_rate_bpm) std::snprintf(hr, sizeof hr, "%.1f", *f.heart_rate_bpm);
  return csv_field(f.record) + "," + csv_field(f.model ? f.model->name : "") + "," + csv_field(f.model ? f.model->lead_set : "") + "," +
         (f.inconclusive ? "yes" : "no") + "," + hr + "," + csv_field(joined(positive, ";")) + "," + csv_field(joined(f.quality)) + "," +
         csv_field(joined(f.warnings));
}

Patient patient_from_json(const std::string& json) {
  Patient p;
  if (json.empty()) return p;
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw Error("patient: expected a JSON object like {\"age\": 56, \"sex\": \"female\"}, found '" + json + "'");
  if (j.contains("age") && !j["age"].is_null()) {
    if (!j["age"].is_number() || j["age"].get<double>() < 0 || j["age"].get<double>() > 150) {
      throw Error("patient age: expected a number of years between 0 and 150, found " + j["age"].dump());
    }
    p.age_years = j["age"].get<double>();
  }
  if (j.contains("sex") && !j["sex"].is_null()) {
    const std::string sex = j["sex"].is_string() ? j["sex"].get<std::string>() : "";
    if (sex == "female") p.sex = Sex::female;
    else if (sex == "male") p.sex = Sex::male;
    else if (sex == "unknown" || sex.empty()) p.sex = Sex::unknown;
    else throw Error("patient sex: expected \"female\", \"male\" or \"unknown\", found " + j["sex"].dump());
  }
  return p;
}

}  // namespace ecg::screen
