// ecg::screen: the screening pipeline — Record in, Findings out.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ecg/beats.h"
#include "ecg/measure.h"
#include "ecg/nn.h"
#include "ecg/quality.h"
#include "ecg/record.h"
#include "ecg/rules.h"

namespace ecg::screen {

struct Patient {
  std::optional<double> age_years;  // overrides the record's own when set
  Sex sex = Sex::unknown;           // overrides the record's own when not unknown
};

struct StageTiming {
  std::string stage;
  double ms = 0.0;
};

// One scored class (SNOMED CT) with what the model and the rules said about it.
struct ClassFinding {
  std::string snomed, abbr, name;
  std::optional<double> probability;  // model probability aggregated over windows; nullopt: no model ran
  std::optional<double> threshold;    // the model's decision threshold for this class
  bool model_positive = false;        // p >= threshold, or the argmax class (threshold_or_argmax)
  rules::Decision rule = rules::Decision::not_assessable;  // the rule screening for this class, if any
  bool has_rule = false;
  bool decision = false;              // an assessable rule's decision, else model_positive
  std::string source;                 // who made a positive decision: "rule", "both" (rule and model), "model"; "" when negative;
                                      // "withheld" on an inconclusive record (decision false whatever the model and rule said)
  bool withheld = false;              // inconclusive record: no decision; the probability is shown but not interpretable
};

// Which model ran and how.
struct ModelUse {
  std::string name;                    // model file name (its metadata `name`)
  std::string lead_set;                // lead set the outputs belong to ("12", "6", ... for lead-wise models)
  std::vector<std::string> leads;      // leads fed to the model, in its order
  double fs_hz = 0.0;
  std::int64_t input_len = 0;
  std::size_t windows = 0;             // windows covering the whole record
  std::string backend;
};

// One measured value of the measurement block, or why it could not be measured.
struct Measurement {
  std::optional<double> value;  // nullopt: not measured (reason says why)
  std::string unit;             // "bpm", "ms", "deg"
  std::string method;           // how it was measured (for QTc: the formula, named)
  std::string reason;           // why not measured; empty when measured
};

// The measurement block an electrocardiograph prints, read from the rules' evidence (the numbers their
// decisions rest on) and, for the P and T axes, measured on the median beats (ecg/measure.h).
struct Measurements {
  Measurement heart_rate, rr, pr, qrs, qt, qtc, p_axis, qrs_axis, t_axis;
  std::string qtc_formula;  // "Bazett", "Fridericia", ...: the rule's own; empty when QTc was not measured
};

// One class of a rhythm model with its probability.
struct RhythmClass {
  std::string snomed, abbr, name;  // snomed: SNOMED CT id, or "local:…" for a class without one
  double probability = 0.0;        // softmax over the classes, averaged over windows (sums to 1 with "aggregate": "mean")
};

struct RhythmResult {
  std::string model;                 // the model's name
  std::string lead;                  // the record's lead that was read
  std::vector<RhythmClass> classes;  // in the model's order
  std::size_t best = 0;              // the decided class: the most probable one ("argmax")
  std::size_t windows = 0;           // windows covering the record
  double duration_s = 0.0;           // of the record
};

struct Findings {
  std::string record;
  double fs_hz = 0.0;
  double duration_s = 0.0;
  std::vector<std::string> leads;          // leads the screening used
  std::vector<std::int64_t> rpeaks;        // sample indices, fused across leads
  std::vector<beats::ClassifiedBeat> beats;  // per R-peak: AAMI class (N/S/V/F/Q) and its evidence (ecg/beats.h)
  std::optional<double> heart_rate_bpm;    // nullopt: fewer than two beats found
  std::optional<double> age_years;
  Sex sex = Sex::unknown;
  std::vector<std::string> warnings;
  std::vector<std::string> quality;        // signal-quality flags (flat/saturated leads, short record, ...)
  rules::Report rules;                     // every clinical rule's decision with criterion and evidence
  std::vector<ClassFinding> classes;       // per scored class: model probability, rule, decision, source
  std::optional<ModelUse> model;           // nullopt: no model fits the record's leads (rules only)
  std::optional<RhythmResult> rhythm;      // a one-lead record no screening model fits, with a rhythm model added:
                                           // its result (it decides the AF class; `model` names it)
  bool inconclusive = false;               // the signal cannot support a result (see inconclusive_reasons);
                                           // then every class is withheld: decision false, source "withheld"
  std::vector<std::string> inconclusive_reasons;
  // Quality index per lead and window (ecg/quality.h): unusable leads were zeroed before R-peaks,
  // delineation, rules and the model. Empty when the quality gate did not run.
  dsp::RecordQuality signal_quality;
  std::vector<StageTiming> timings;
  Measurements measurements;               // the measurement block (rate, intervals, axes), each with its method or reason
  measure::MedianBeats median_beats;       // representative beat per lead with fiducial points
};

// Rules only: R-peaks, delineation, clinical rules and quality; no model. Both screen() and
// Screener::screen() throw ecg::Error on a NaN or infinite sample (naming the record, lead and sample).
Findings screen(const Record& record, const Patient& patient);

// The model's input for a record: the given leads (in the model's order; a lead the record lacks is
// zeros) resampled, band-passed and normalised exactly as the model file's `preprocess` block says
// (tools/train/preprocess.py is the Python twin). Returns lead-major samples at info.fs_hz.
Record preprocess_for_model(const Record& record, const nn::ModelInfo& info);
// The same with the preprocessing's filters designed already (model_input: for record.fs_hz and info).
Record preprocess_for_model(const Record& record, const nn::ModelInfo& info, const dsp::ModelInput& model_input);

// The model screening uses for a record with these leads, among models given in the order added:
// the screening model (task "screen"; for a lead-wise model, its lead set) that reads the most of the
// record's leads, all of them present (the first added wins a tie); else, for a one-lead record, the
// first rhythm model (task "rhythm"). Other tasks are never chosen. The one rule: Screener::screen
// applies it, and the JS API asks it (EcgScreen.chosenModel, modelsFor).
struct ModelChoice {
  std::size_t model = 0;                      // index among the models given
  std::string name;                           // the model's name
  std::string task;                           // "screen" or "rhythm"
  std::optional<std::size_t> lead_set_index;  // a lead-wise model's lead set (into ModelInfo::lead_sets)
  std::string lead_set;                       // that lead set's name; else the number of leads read ("12"; "1" for rhythm)
  std::vector<std::string> leads;             // the leads it reads (rhythm: the record's one lead)
};
std::optional<ModelChoice> choose_model(std::span<const nn::ModelInfo* const> models, const std::vector<std::string>& record_leads);

// Whether models not added yet, of which only their leads are known (each model's ModelInfo::leads),
// could be chosen instead of `choice` for a record with these leads. A model reads at most those of its
// leads the record has (a lead set is a subset of its leads) and is chosen only with more leads than
// `choice` reads (the one added first wins a tie); with no screening model chosen for a one-lead
// record, any model might be (a rhythm model reads whatever its one lead is called).
bool choice_may_change(const std::optional<ModelChoice>& choice, const std::vector<std::string>& record_leads,
                       const std::vector<std::vector<std::string>>& pending_leads);

// The full pipeline with models: picks, among the screening models added (task "screen"), the one
// (and for lead-wise models the lead set) using the most leads that the record has, runs it over
// windows covering the whole record, aggregates, decides per class, and merges with the rules. A
// one-lead record that no screening model fits goes to the first rhythm model added (task
// "rhythm", e.g. models/rhythm-1): Findings::rhythm holds its result and its AF decision is the AF
// class's (SNOMED 164889003); the other classes are the rules' only.
class Screener {
 public:
  explicit Screener(nn::Backend backend = nn::Backend::simd);
  ~Screener();
  Screener(Screener&&) noexcept;
  Screener& operator=(Screener&&) noexcept;

  // Adds a model file (bytes of a models/*.safetensors); throws ecg::Error when it is invalid.
  void add_model(std::span<const std::uint8_t> model_file);
  std::vector<std::string> model_names() const;
  // The ModelInfo of each model added, in order.
  std::vector<const nn::ModelInfo*> model_infos() const;
  // choose_model among the models added: what screen() runs for a record with these leads.
  std::optional<ModelChoice> model_choice(const std::vector<std::string>& record_leads) const;
  // The first rhythm model added (task "rhythm"): what a one-lead record falls back to, and the
  // default rhythm model of a live ECG stream; nullopt when none was added.
  std::optional<std::size_t> rhythm_model() const;
  // Each model added, in order: its name and the FNV-1a 64 of its file's bytes (two files with the
  // same name but other weights differ here; `eval --shard` results record it, merge compares it).
  struct ModelId {
    std::string name;
    std::uint64_t fnv1a64 = 0;
    bool operator==(const ModelId&) const = default;
  };
  std::vector<ModelId> model_ids() const;
  // Why no model added can screen `record` (its leads fit no screening model, and a rhythm model
  // needs a one-lead record), naming each model's needs; nullopt when one can, or none was added.
  std::optional<std::string> why_no_model(const Record& record) const;
  Findings screen(const Record& record, const Patient& patient);

 private:
  struct Loaded;
  nn::Backend backend_;
  std::vector<std::unique_ptr<Loaded>> models_;
};

// Single-label rhythm classification with a model of task "rhythm" (models/rhythm-1: CinC 2017
// N / A / O / ~ on one lead at 130 Hz, the Polar H10 rate). Kept apart from Screener: its classes are
// not the scored CinC 2020/2021 classes and it decides one class, not one decision per class.
class RhythmClassifier {
 public:
  // Throws ecg::Error when the file is invalid or its task is not "rhythm".
  explicit RhythmClassifier(std::span<const std::uint8_t> model_file, nn::Backend backend = nn::Backend::simd);
  ~RhythmClassifier();
  RhythmClassifier(RhythmClassifier&&) noexcept;
  RhythmClassifier& operator=(RhythmClassifier&&) noexcept;

  const nn::ModelInfo& info() const;
  // Preprocesses as the file says (resample, band-pass, z-score over the whole record), runs windows
  // of input_len every window_stride samples (a shorter record is one window zero-padded on the
  // right), averages the softmax probabilities and takes the argmax. The lead read is the model's
  // lead when the record has it, else the record's only lead whatever its name (a chest strap's
  // "ECG"); a multi-lead record without the model's lead is refused with an ecg::Error.
  RhythmResult classify(const Record& record);

 private:
  std::shared_ptr<const nn::Model> model_;
  std::unique_ptr<nn::Session> session_;
};

// Findings as one JSON object; the single serialisation used by the CLI, the bindings and tests.
std::string to_json(const Findings& findings);

// Findings as CSV: one header line and one row per record, with columns that do not depend on the
// model: record, model, lead_set, inconclusive, heart_rate_bpm, positive (the positive classes as
// ABBR(source) joined by ';'), quality, warnings. Per-class probabilities are in the JSON.
std::string csv_header();
std::string to_csv_row(const Findings& findings);


}  // namespace ecg::screen
