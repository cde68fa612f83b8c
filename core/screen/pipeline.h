// Steps shared by the rules-only pipeline (screen.cpp) and the model pipeline (screener.cpp).
#pragma once

#include <chrono>
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

// Record facts, patient, R-peaks, heart rate, delineation, rules and quality into `f`.
void screen_rules(const Record& record, const Patient& patient, StageClock& clock, Findings& f);

// Adds each scored rule to the class with its SNOMED code (appending the class when no model has
// it), then decides every class: an assessable rule decides its class, the model the others.
void merge_rules_into_classes(Findings& f);

// Marks the findings inconclusive when the signal cannot support a result: shorter than 2 s, fewer
// than two beats, or most of `leads` (those the screening relied on) flat or clipped.
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
