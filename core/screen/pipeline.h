// Steps shared by the rules-only pipeline (screen.cpp) and the model pipeline (screener.cpp).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>
#include <span>
#include <string>
#include <vector>

#include "ecg/nn.h"
#include "ecg/screen.h"

namespace ecg::screen {

// Times consecutive stages of one screening into Findings::timings.
class StageClock {
 public:
  explicit StageClock(std::vector<StageTiming>& out) : out_(out) {}
  void lap(std::string stage) {
    auto now = std::chrono::steady_clock::now();
    out_.push_back({std::move(stage), std::chrono::duration<double, std::milli>(now - last_).count()});
    last_ = now;
  }

 private:
  std::vector<StageTiming>& out_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// Throws ecg::Error naming the record, lead, sample index and time of the first NaN/Inf sample.
void require_finite(const Record& record);

// Records sampled above this rate are analysed on a copy decimated by analysis_decimation(fs):
// floor(fs / 1000), at most 1000, so the analysis rate lies in [1000, 2000) Hz up to 2 MHz. 1 (no
// decimation) up to kAnalysisMaxHz.
constexpr double kAnalysisMaxHz = 2000.0;
std::int64_t analysis_decimation(double fs_hz);

// Record facts, patient, quality index, R-peaks, heart rate, delineation, rules into `f`. Unusable
// leads (f.signal_quality) are zeroed before R-peaks, delineation and rules; when `masked` is given
// it receives that copy (for the model input), or stays empty when every lead is usable. Throws on
// non-finite samples (require_finite). Above kAnalysisMaxHz all of it runs on a decimated copy (then
// `masked` is at that rate too) and the sample indices in `f` are mapped back to the record's rate.
void screen_rules(const Record& record, const Patient& patient, StageClock& clock, Findings& f, std::optional<Record>* masked = nullptr);

// How a class that has a rule is decided when both the rule and the model speak.
enum class MergePolicy {
  rule,       // the rule's decision (a measured criterion beats a learned guess)
  model,      // the model's decision; the rule is shown as evidence only
  agreement,  // positive only when both are positive
  either,     // positive when either is positive
};
MergePolicy merge_policy(std::string_view rule_id);  // the policy of each rule class (docs/rules.md)
std::string_view to_string(MergePolicy p);

struct ClassDecision {
  bool decision = false;
  std::string source;  // "rule", "model", "both" (both positive) or "" (negative)
};
// One class: rule = its rule's decision (nullopt: no rule screens this class), model_positive = the
// model's decision (nullopt: no model output for the class, e.g. no model fits the record's leads).
// A rule that is not assessable leaves the class to the model; without a model an assessable rule
// decides alone; with both, `policy` decides.
ClassDecision decide_class(std::optional<rules::Decision> rule, std::optional<bool> model_positive, MergePolicy policy);

// Adds each scored rule to the class with its SNOMED code (appending the class when no model has
// it; the hint rules QRS120 and IrregularRR are not classes), then decides every class with
// decide_class and the rule's merge_policy; a class without a rule is the model's.
void merge_rules_into_classes(Findings& f);

// Marks the findings inconclusive when the signal cannot support a result: shorter than 2 s, fewer
// than two beats, not an ECG (implausible amplitude or sampling rate), most of `leads` (those the
// screening relied on) unusable, or most of the record's stretches unusable in most leads; a
// non-finite model probability too. An inconclusive record's classes are all withheld (decision
// false, source "withheld"); their probabilities stay, marked not interpretable.
void judge_signal(Findings& f, const Record& record, std::span<const std::string> leads);

// The model's per-class decisions, "threshold_or_argmax": positive when p >= its threshold, and the
// most probable class always (on a tie, the first in class order).
std::vector<bool> model_decisions(std::span<const double> probabilities, std::span<const double> thresholds);

// Reshapes `session` to `batch` windows of input_len samples and copies the windows of `x` that start
// at starts[first], ..., starts[first + batch - 1] into its first input, lead-major per window; a
// window reaching past the end of the record is zero-padded on the right.
void load_windows(nn::Session& session, const Record& x, std::span<const std::size_t> starts, std::size_t first, std::size_t batch,
                  std::size_t input_len);

// RhythmClassifier's checks and classification, shared with Screener (which runs a rhythm model on a
// one-lead record that no screening model fits).
void check_rhythm_model(const nn::Model& model);
RhythmResult classify_rhythm(const nn::Model& model, nn::Session& session, const Record& record);

}  // namespace ecg::screen
