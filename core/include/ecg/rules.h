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
// One rule as JSON: {id, snomed, name, decision, criterion, evidence: [{name, value, unit, lead?}], note}.
std::string to_json(const RuleResult& rule);

// ---- Rhythm criteria on their own, shared by evaluate() and live screening (ecg/live.h) ----------

// P waves over delineated beats: the share of QRS complexes with a P wave before them, the PR
// interval (median and sd over beats), and whether the rhythm reads as sinus (P before >= 70 % of QRS
// with PR sd <= 40 ms), non-sinus (P before < 30 %) or cannot be told (nullopt; also under 3 beats).
struct PWaveEvidence {
  std::size_t beats = 0;             // beats with a QRS onset
  double p_share = 0.0;
  std::optional<double> pr_ms, pr_sd_ms;
  std::optional<bool> sinus;
};
PWaveEvidence p_wave_evidence(std::span<const dsp::Beat> beats, double fs_hz);

// RMSSD of successive RR intervals divided by their mean; nullopt with fewer than 7 intervals.
std::optional<double> rr_nrmssd(std::span<const double> rr_ms);

// The IrregularRR rule: positive when rr_nrmssd > 0.10 over >= 8 beats, unless the P waves show a
// sinus rhythm. Without P-wave evidence (RR intervals from a heart-rate strap) sinus arrhythmia
// cannot be excluded, and the note says so.
RuleResult irregular_rr(std::span<const double> rr_ms, const std::optional<PWaveEvidence>& p_waves);

}  // namespace ecg::rules
