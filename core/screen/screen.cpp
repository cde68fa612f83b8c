// The rules-only screening pipeline (Record -> R-peaks, delineation, rules -> Findings) and the steps
// the model pipeline (screener.cpp) shares with it.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "ecg/dsp.h"
#include "ecg/error.h"
#include "ecg/screen.h"
#include "screen/pipeline.h"

namespace ecg::screen {
namespace {
bool is_hint_rule(const std::string& id) { return id == "QRS120" || id == "IrregularRR"; }

// ---- measurement block: typed values read from the rules' evidence --------------------------------
const rules::Evidence* evidence_named(const rules::RuleResult& r, std::string_view name) {
  for (const auto& e : r.evidence) if (e.name == name && e.lead.empty()) return &e;
  return nullptr;
}

Measurement from_rule(const rules::Report& report, std::string_view id, std::string_view name, std::string unit, std::string method) {
  Measurement m{std::nullopt, std::move(unit), std::move(method), {}};
  const rules::RuleResult* r = report.find(id);
  const rules::Evidence* e = r ? evidence_named(*r, name) : nullptr;
  if (r && r->decision != rules::Decision::not_assessable && e && std::isfinite(e->value)) m.value = e->value;
  else m.reason = !r ? "no " + std::string(id) + " rule ran" : !r->note.empty() ? r->note : "not measured";
  return m;
}

// QTc as the LQT rule computed it: among its evidence named qtc_<formula>_ms, the formula its
// criterion names first (the one the decision rests on).
void qtc_from_rule(const rules::Report& report, Measurements& out) {
  out.qtc = {std::nullopt, "ms", "", {}};
  const rules::RuleResult* r = report.find("LQT");
  if (!r) return void(out.qtc.reason = "no LQT rule ran");
  std::string lower_criterion = r->criterion;
  for (char& ch : lower_criterion) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::size_t best_at = std::string::npos;
  for (const auto& e : r->evidence) {
    if (!e.lead.empty() || e.name.size() <= 7 || e.name.rfind("qtc_", 0) != 0 || e.name.substr(e.name.size() - 3) != "_ms" || e.name == "qtc_limit_ms") continue;
    const std::string formula = e.name.substr(4, e.name.size() - 7);
    const std::size_t at = lower_criterion.find(formula);
    if (out.qtc_formula.empty() || at < best_at) {
      best_at = at;
      out.qtc_formula = formula;
      out.qtc_formula[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(formula[0])));
      if (r->decision != rules::Decision::not_assessable && std::isfinite(e.value)) out.qtc.value = e.value;
    }
  }
  if (!out.qtc.value) {
    out.qtc_formula.clear();
    out.qtc.reason = !r->note.empty() ? r->note : "not measured";
  } else {
    out.qtc.method = out.qtc_formula + " (" + r->criterion + ")";
  }
}

Measurement axis_measurement(const measure::Axis& a, std::string method) {
  Measurement m{a.deg, "deg", std::move(method), a.reason};
  return m;
}

void fill_measurements(Findings& f) {
  Measurements& m = f.measurements;
  m.heart_rate = {f.heart_rate_bpm, "bpm", "60 / median RR interval", f.heart_rate_bpm ? "" : "fewer than two beats found"};
  m.rr = {f.heart_rate_bpm ? std::optional<double>(60000.0 / *f.heart_rate_bpm) : std::nullopt, "ms", "median RR interval",
          f.heart_rate_bpm ? "" : "fewer than two beats found"};
  m.pr = from_rule(f.rules, "IAVB", "pr_ms", "ms", "median over beats, P onset to QRS onset");
  m.qrs = from_rule(f.rules, "QRS120", "qrs_ms", "ms", "median over beats, earliest onset to latest offset over the leads");
  m.qt = from_rule(f.rules, "LQT", "qt_ms", "ms", "median over beats, QRS onset to T-wave end");
  qtc_from_rule(f.rules, m);
  m.qrs_axis = from_rule(f.rules, "LAD", "qrs_axis_deg", "deg", "net QRS area in leads I and aVF, per beat, median");
  const bool normalised = std::any_of(f.rules.quality.begin(), f.rules.quality.end(),
                                      [](const std::string& q) { return q.find("amplitudes normalised") != std::string::npos; });
  m.p_axis = axis_measurement(measure::frontal_axis(f.median_beats, measure::Wave::p, f.rules.leads_used, normalised),
                              "net P-wave area on the median beats of leads I and aVF");
  m.t_axis = axis_measurement(measure::frontal_axis(f.median_beats, measure::Wave::t, f.rules.leads_used, normalised),
                              "net area from QRS offset to T-wave end on the median beats of leads I and aVF");
}

nlohmann::json measurement_json(const Measurement& m) {
  return {{"value", m.value ? nlohmann::json(*m.value) : nlohmann::json(nullptr)}, {"unit", m.unit}, {"method", m.method},
          {"reason", m.value ? nlohmann::json(nullptr) : nlohmann::json(m.reason)}};
}

nlohmann::json median_beats_json(const measure::MedianBeats& mb) {
  auto ms = [&](std::optional<std::int64_t> k) { return k ? nlohmann::json(static_cast<double>(*k) * 1000.0 / mb.fs_hz) : nlohmann::json(nullptr); };
  nlohmann::json leads = nlohmann::json::object();
  for (std::size_t l = 0; l < mb.leads.size() && mb.beats; ++l) {
    nlohmann::json v = nlohmann::json::array();
    for (float x : mb.mv[l]) v.push_back(std::round(static_cast<double>(x) * 1000.0) / 1000.0);  // 1 uV
    leads[mb.leads[l]] = std::move(v);
  }
  return {{"fs_hz", mb.fs_hz}, {"start_ms", -static_cast<double>(mb.pre) * 1000.0 / mb.fs_hz}, {"beats", mb.beats}, {"mv", leads},
          {"fiducials_ms", {{"p_on", ms(mb.p_on)}, {"p_off", ms(mb.p_off)}, {"qrs_on", ms(mb.qrs_on)}, {"qrs_off", ms(mb.qrs_off)}, {"t_off", ms(mb.t_off)}}}};
}

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
  clock.lap("rules");
  f.median_beats = measure::median_beats(record, beats);
  fill_measurements(f);
  clock.lap("measurements");
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
  nlohmann::json measurements = {
      {"heart_rate_bpm", measurement_json(f.measurements.heart_rate)}, {"rr_ms", measurement_json(f.measurements.rr)},
      {"pr_ms", measurement_json(f.measurements.pr)}, {"qrs_ms", measurement_json(f.measurements.qrs)},
      {"qt_ms", measurement_json(f.measurements.qt)}, {"qtc_ms", measurement_json(f.measurements.qtc)},
      {"p_axis_deg", measurement_json(f.measurements.p_axis)}, {"qrs_axis_deg", measurement_json(f.measurements.qrs_axis)},
      {"t_axis_deg", measurement_json(f.measurements.t_axis)}};
  measurements["qtc_ms"]["formula"] = f.measurements.qtc_formula.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.measurements.qtc_formula);
  j["measurements"] = measurements;
  j["median_beats"] = median_beats_json(f.median_beats);
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
