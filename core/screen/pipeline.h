// Steps shared by the rules-only pipeline (screen.cpp) and the model pipeline (screener.cpp).
#pragma once

#include <chrono>
#include <optional>
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

// Record facts, patient, quality index, R-peaks, heart rate, delineation, rules into `f`. Unusable
// leads (f.signal_quality) are zeroed before R-peaks, delineation and rules; when `masked` is given
// it receives that copy (for the model input), or stays empty when every lead is usable. Throws on
// non-finite samples (require_finite).
void screen_rules(const Record& record, const Patient& patient, StageClock& clock, Findings& f, std::optional<Record>* masked = nullptr);

// Adds each scored rule to the class with its SNOMED code (appending the class when no model has
// it), then decides every class: an assessable rule decides its class, the model the others.
void merge_rules_into_classes(Findings& f);

// Marks the findings inconclusive when the signal cannot support a result: shorter than 2 s, fewer
// than two beats, not an ECG (implausible amplitude or sampling rate), most of `leads` (those the
// screening relied on) unusable, or most of the record's stretches unusable in most leads; a
// non-finite model probability too. An inconclusive record's classes are all withheld (decision
// false, source "withheld"); their probabilities stay, marked not interpretable.
void judge_signal(Findings& f, const Record& record, std::span<const std::string> leads);

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
