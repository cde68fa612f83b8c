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
#include "ecg/io.h"
#include "ecg/options.h"
#include "ecg/quality.h"
#include "ecg/screen.h"
#include "io/text.h"
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

MergePolicy merge_policy(std::string_view rule_id) {
  // Evidence per class: docs/rules.md "Merge policy" (`ecg-bench merge`, challenge metric with the
  // model alone and with each rule class decided each way).
  // A rule decides its class where that raised the challenge metric over the model alone (SB, LAD,
  // pacing, LQT, PAC, PVC); it must agree with the model where deciding alone lowered the metric and agreement
  // raised it (STach); elsewhere the model decides and the rule is evidence only (Brady, RAD, LQRSV,
  // IAVB: deciding or agreeing did not raise the metric).
  static constexpr std::pair<std::string_view, MergePolicy> kPolicies[] = {
      {"Brady", MergePolicy::model}, {"SB", MergePolicy::rule},     {"STach", MergePolicy::agreement},
      {"LAD", MergePolicy::rule},    {"RAD", MergePolicy::model},   {"LQRSV", MergePolicy::model},
      {"PR", MergePolicy::rule},     {"IAVB", MergePolicy::model},  {"LQT", MergePolicy::rule},
      {"PAC", MergePolicy::rule},    {"PVC", MergePolicy::rule},  // the beat classifier's counts (core/rules/ectopy.cpp)
  };
  for (const auto& [id, policy] : kPolicies)
    if (id == rule_id) return policy;
  return MergePolicy::rule;
}

std::string_view to_string(MergePolicy p) {
  switch (p) {
    case MergePolicy::rule: return "rule";
    case MergePolicy::model: return "model";
    case MergePolicy::agreement: return "agreement";
    default: return "either";
  }
}

ClassDecision decide_class(std::optional<rules::Decision> rule, std::optional<bool> model_positive, MergePolicy policy) {
  const bool assessable = rule && *rule != rules::Decision::not_assessable;
  const bool rule_pos = assessable && *rule == rules::Decision::positive;
  const bool model_pos = model_positive.value_or(false);
  bool decision = false;
  if (!model_positive) decision = rule_pos;  // no model output for this class (no model fits the leads): rules only
  else if (!assessable) decision = model_pos;  // the rule cannot assess this record: the model decides
  else if (policy == MergePolicy::rule) decision = rule_pos;
  else if (policy == MergePolicy::model) decision = model_pos;
  else if (policy == MergePolicy::agreement) decision = rule_pos && model_pos;
  else decision = rule_pos || model_pos;
  ClassDecision out;
  out.decision = decision;
  out.source = !decision ? "" : rule_pos && model_pos ? "both" : rule_pos ? "rule" : "model";
  return out;
}

void merge_rules_into_classes(Findings& f) {
  std::vector<std::pair<std::string, std::string>> rule_of_class;  // snomed -> rule id
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
    rule_of_class.emplace_back(rule.snomed, rule.id);
  }
  // Each class with a rule is decided by its merge policy (merge_policy: the rule, the model, their
  // agreement or either) when both can speak; a rule that cannot assess the record leaves its class
  // to the model, and without a model output an assessable rule decides alone. Every other class is
  // the model's.
  for (ClassFinding& c : f.classes) {
    std::string_view rule_id;
    for (const auto& [snomed, id] : rule_of_class)
      if (snomed == c.snomed) rule_id = id;
    const std::optional<bool> model = c.probability ? std::optional<bool>(c.model_positive) : std::nullopt;
    const auto d = decide_class(c.has_rule ? std::optional<rules::Decision>(c.rule) : std::nullopt, model,
                                c.has_rule ? merge_policy(rule_id) : MergePolicy::model);
    c.decision = d.decision;
    c.source = d.source;
  }
}

void require_finite(const Record& record) {
  if (auto bad = dsp::first_non_finite(record)) {
    const float v = record.lead(bad->first)[bad->second];
    char at[64];
    std::snprintf(at, sizeof at, "%.3f", record.fs_hz > 0 ? static_cast<double>(bad->second) / record.fs_hz : 0.0);
    throw Error("record '" + record.name + "': lead " + record.leads[bad->first] + " sample " + std::to_string(bad->second) + " (at " + at +
                " s) is " + (std::isnan(v) ? "NaN" : "infinite") +
                "; expected finite voltages in mV (lost samples must be cut out or the record split before screening)");
  }
}

void judge_signal(Findings& f, const Record& record, std::span<const std::string> leads) {
  if (record.duration_s() < 2.0) f.inconclusive_reasons.push_back("the record is shorter than 2 s");
  for (const std::string& reason : f.signal_quality.reasons) f.inconclusive_reasons.push_back("not a readable ECG: " + reason);
  if (f.rpeaks.size() < 2) f.inconclusive_reasons.push_back("fewer than two heartbeats were found");
  const bool gated = f.signal_quality.leads.size() == record.n_leads() && record.n_leads() > 0;
  std::size_t unusable = 0, present = 0;
  std::string which;
  for (const std::string& lead : leads) {
    auto index = record.lead_index(lead);
    if (!index) continue;
    ++present;
    const bool usable = gated ? f.signal_quality.lead_usable(*index) : dsp::lead_quality(record.lead(*index)).usable();
    if (usable) continue;
    ++unusable;
    if (gated && !f.signal_quality.leads[*index].reasons.empty()) which += (which.empty() ? "" : "; ") + lead + ": " + f.signal_quality.leads[*index].reasons[0];
  }
  if (present == 0 || 2 * unusable > present) {
    f.inconclusive_reasons.push_back(std::to_string(unusable) + " of " + std::to_string(present) + " leads used are unusable" +
                                     (which.empty() ? std::string(" (flat, saturated or clipped)") : " (" + which + ")"));
  } else if (gated && f.signal_quality.usable_share < 0.5) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "only %.0f %% of the record is usable in most leads (at least 50 %% needed)", 100.0 * f.signal_quality.usable_share);
    f.inconclusive_reasons.push_back(buf);
  }
  for (const ClassFinding& c : f.classes) {
    if (c.probability && !std::isfinite(*c.probability)) {
      f.inconclusive_reasons.push_back("the model's output is not a number for " + c.abbr);
      break;
    }
  }
  f.inconclusive = !f.inconclusive_reasons.empty();
  if (f.inconclusive) {
    // No class is positive on an inconclusive record: every decision is withheld.
    for (ClassFinding& c : f.classes) {
      c.decision = false;
      c.withheld = true;
      c.source = "withheld";
    }
  }
}

std::int64_t analysis_decimation(double fs_hz) {
  // At most 1000: the resampler's ratios have terms up to 1000 (above 2 MHz the analysis rate rises).
  return fs_hz > kAnalysisMaxHz ? std::min<std::int64_t>(static_cast<std::int64_t>(std::floor(fs_hz / 1000.0)), 1000) : 1;
}

namespace {
// Sample indices found on the decimated copy, back at the record's own rate: output sample m of a
// whole-factor polyphase decimation is input sample m * k (zero-phase filter).
void to_record_rate(Findings& f, std::int64_t k, std::size_t n_samples) {
  for (std::int64_t& p : f.rpeaks) p *= k;
  for (beats::ClassifiedBeat& b : f.beats) b.sample *= k;
  const auto uk = static_cast<std::size_t>(k);
  for (dsp::LeadQualityReport& l : f.signal_quality.leads) {
    for (dsp::WindowQuality& w : l.windows) {
      w.start = std::min(w.start * uk, n_samples);
      w.length = std::min(w.length * uk, n_samples - w.start);
    }
  }
}
}  // namespace

void screen_rules(const Record& input, const Patient& patient, StageClock& clock, Findings& f, std::optional<Record>* masked_out) {
  if (input.n_leads() == 0 || input.n_samples == 0) {
    throw Error("record '" + input.name + "': expected at least one lead with samples, found none");
  }
  if (!(input.fs_hz > io::kMinFsHz)) {  // the readers' rule, for records built by hand (JS EcgRecord, bindings)
    throw Error("record '" + input.name + "': expected a sampling rate above 10 Hz (an ECG needs at least 50 Hz to show its waves), found " +
                io::text::format_number(input.fs_hz) + " Hz");
  }
  require_finite(input);
  // Above kAnalysisMaxHz, quality, R-peaks, delineation, rules, beats and median beats run on a copy
  // decimated by a whole factor (20 kHz: 1 kHz); every sample index in the findings is mapped back.
  const std::int64_t k = analysis_decimation(input.fs_hz);
  std::optional<Record> decimated;
  if (k > 1) {
    decimated = dsp::resample(input, input.fs_hz / static_cast<double>(k));
    clock.lap("decimate");
  }
  const Record& record = decimated ? *decimated : input;
  f.record = record.name;
  f.fs_hz = input.fs_hz;
  f.duration_s = input.duration_s();
  f.leads = record.leads;
  f.age_years = patient.age_years ? patient.age_years : record.age_years;
  f.sex = options::effective_sex(patient, record);
  f.warnings = record.warnings;
  if (decimated) {
    char buf[200];
    std::snprintf(buf, sizeof buf, "sampled at %g Hz: analysed at %g Hz (decimated by %lld, anti-aliased at %g Hz); the model reads its own rate",
                  input.fs_hz, record.fs_hz, static_cast<long long>(k), record.fs_hz / 2.0);
    f.warnings.push_back(buf);
  }
  std::vector<std::vector<float>> qrs_bands;  // the gate's QRS band of each lead, reused by the R-peak detector
  f.signal_quality = dsp::assess_quality(record, {}, &qrs_bands);
  for (const std::string& w : f.signal_quality.warnings) f.warnings.push_back(w);
  clock.lap("quality");
  // Unusable leads are zeroed: R-peaks, delineation and rules read them as flat and leave them out.
  std::optional<Record> masked;
  if (std::any_of(f.signal_quality.leads.begin(), f.signal_quality.leads.end(), [](const dsp::LeadQualityReport& l) { return !l.usable; })) {
    masked = dsp::mask_unusable_leads(record, f.signal_quality);
  }
  const Record& signal = masked ? *masked : record;
  const std::vector<dsp::LeadQuality> leads_quality = dsp::lead_quality(signal);  // flat or saturated leads, for each stage
  f.rpeaks = dsp::detect_rpeaks(signal, dsp::QrsDetector::learned, &qrs_bands, &leads_quality);
  qrs_bands = {};
  f.heart_rate_bpm = dsp::heart_rate_bpm(f.rpeaks, record.fs_hz);
  if (!f.heart_rate_bpm) f.warnings.push_back("fewer than two heartbeats found: heart rate not assessable");
  clock.lap("rpeaks");
  // Each lead without its baseline, once, for delineation, the rules' QRS areas and the median beats.
  const dsp::BaselineFree baseline_free = dsp::remove_baseline(signal);
  const std::vector<dsp::Beat> beats = dsp::delineate(signal, f.rpeaks, &baseline_free, &leads_quality);
  clock.lap("delineation");
  f.rules = rules::evaluate(signal, f.sex, f.rpeaks, beats, {}, &baseline_free, &leads_quality);
  // Quality flags: the gate's words for unusable leads, then what the rules noticed on the others.
  f.quality.clear();
  for (const dsp::LeadQualityReport& l : f.signal_quality.leads) {
    if (!l.usable) f.quality.push_back("lead " + l.lead + " unusable: " + (l.reasons.empty() ? std::string("poor signal") : l.reasons[0]));
  }
  for (const std::string& q : f.rules.quality) {
    const bool about_masked = std::any_of(f.signal_quality.leads.begin(), f.signal_quality.leads.end(), [&](const dsp::LeadQualityReport& l) {
      return !l.usable && q.rfind("lead " + l.lead + " ", 0) == 0;
    });
    if (!about_masked) f.quality.push_back(q);
  }
  for (const dsp::LeadQualityReport& l : f.signal_quality.leads) {
    for (const std::string& note : l.notes) if (l.usable) f.quality.push_back("lead " + l.lead + ": " + note);
  }
  f.beats = beats::classify_beats(signal, f.rpeaks, beats);  // PAC / PVC from the beat classes
  for (rules::RuleResult& r : beats::ectopy_rules(f.beats, record.fs_hz, record.duration_s())) f.rules.rules.push_back(std::move(r));
  clock.lap("rules");
  f.median_beats = measure::median_beats(signal, beats, &baseline_free);
  fill_measurements(f);
  clock.lap("measurements");
  if (decimated) to_record_rate(f, k, input.n_samples);
  if (masked_out) *masked_out = std::move(masked);
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
                       {"decision", c.decision}, {"source", c.source}, {"interpretable", !c.withheld}});
  }
  j["classes"] = classes;
  if (f.model) {
    j["model"] = {{"name", f.model->name}, {"lead_set", f.model->lead_set}, {"leads", f.model->leads},
                  {"fs_hz", f.model->fs_hz}, {"input_len", f.model->input_len}, {"windows", f.model->windows},
                  {"backend", f.model->backend}};
  } else {
    j["model"] = nullptr;
  }
  if (f.rhythm) {  // a one-lead record screened by a rhythm model (Screener)
    nlohmann::json rc = nlohmann::json::array();
    for (const RhythmClass& c : f.rhythm->classes) rc.push_back({{"snomed", c.snomed}, {"abbr", c.abbr}, {"name", c.name}, {"probability", c.probability}});
    j["rhythm"] = {{"model", f.rhythm->model}, {"lead", f.rhythm->lead}, {"windows", f.rhythm->windows},
                   {"decided", f.rhythm->classes[f.rhythm->best].abbr}, {"classes", rc}};
  } else {
    j["rhythm"] = nullptr;
  }
  j["inconclusive"] = f.inconclusive;
  j["inconclusive_reasons"] = f.inconclusive_reasons;
  j["decisions"] = f.inconclusive ? "withheld" : "made";
  nlohmann::json lq = nlohmann::json::array();
  for (const dsp::LeadQualityReport& l : f.signal_quality.leads) {
    nlohmann::json unusable = nlohmann::json::array();  // [start_s, end_s] of each unusable window
    for (const dsp::WindowQuality& w : l.windows) {
      if (!w.usable && f.fs_hz > 0) unusable.push_back({std::round(1000.0 * static_cast<double>(w.start) / f.fs_hz) / 1000.0,
                                                         std::round(1000.0 * static_cast<double>(w.start + w.length) / f.fs_hz) / 1000.0});
    }
    lq.push_back({{"lead", l.lead}, {"usable", l.usable}, {"reasons", l.reasons}, {"notes", l.notes},
                  {"usable_share", std::round(1000.0 * l.usable_share) / 1000.0}, {"unusable_windows_s", unusable}});
  }
  j["lead_quality"] = lq;
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
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // names and labels come from files: never throw on bad UTF-8
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

}  // namespace ecg::screen
