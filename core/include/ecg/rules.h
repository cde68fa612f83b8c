// ecg::rules: clinical-rule detectors on R-peaks and delineated waveforms, each with its evidence.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ecg/dsp.h"
#include "ecg/record.h"

namespace ecg::rules {

enum class Decision { positive, negative, not_assessable };
std::string_view to_string(Decision d);

// One measured value behind a decision (a lead-specific value names its lead).
struct Evidence {
  std::string name;   // e.g. "heart_rate_bpm", "qrs_peak_to_peak_mv"
  double value = 0.0;
  std::string unit;   // "bpm", "ms", "deg", "mV", "share", ...
  std::string lead;   // empty when not lead-specific
};

struct RuleResult {
  std::string id;         // class abbreviation as in docs/labels.md: Brady, SB, STach, LAD, RAD, LQRSV, PR, IAVB, LQT; or QRS120, IrregularRR
  std::string snomed;     // SNOMED CT code of the class the rule screens for (a hint class for QRS120 / IrregularRR)
  std::string name;
  Decision decision = Decision::not_assessable;
  std::string criterion;  // the exact criterion, thresholds included
  std::vector<Evidence> evidence;
  std::string note;       // why not assessable, or a caveat
};

struct Report {
  std::size_t n_beats = 0;
  std::vector<std::string> quality;  // e.g. "lead V3 flat", "record shorter than 2 s"
  std::vector<std::string> leads_used;
  std::vector<RuleResult> rules;
  const RuleResult* find(std::string_view id) const;
};

// Lowest sampling rate at which the pacing-spike detector is valid (spikes are 0.1-2 ms wide).
inline constexpr double kPacingMinFsHz = 500.0;

// Runs every rule. rpeaks/beats: fused R-peaks and multi-lead delineation of `record` (computed
// here when not given). sex chooses the QTc threshold (unknown: the lower, 450 ms).
Report evaluate(const Record& record, Sex sex, std::span<const std::int64_t> rpeaks, std::span<const dsp::Beat> beats);
Report evaluate(const Record& record, Sex sex);

std::string to_json(const Report& report);

}  // namespace ecg::rules
