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
// here when not given). sex chooses the QTc threshold (unknown: the lower, 450 ms). ectopic_beats:
// optional per-beat flags (one per R-peak; e.g. S or V from a beat classifier) that the AF rule
// discounts instead of its own RR-based premature-beat test. baseline_free, when given, is
// dsp::remove_baseline(record) (the QRS areas read it where they would filter a whole lead);
// leads_quality, when given, is dsp::lead_quality(record).
Report evaluate(const Record& record, Sex sex, std::span<const std::int64_t> rpeaks, std::span<const dsp::Beat> beats,
                std::span<const std::uint8_t> ectopic_beats = {}, const dsp::BaselineFree* baseline_free = nullptr,
                const std::vector<dsp::LeadQuality>* leads_quality = nullptr);
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

// Decision thresholds (docs/rules.md gives each one's source; tests/core/test_rules.cpp tests each
// just below and just above).
inline constexpr double kBradyBpm = 60.0;            // Brady (rhythm not sinus): heart rate below
inline constexpr double kSbBpm = 55.0;               // SB (rhythm sinus): heart rate below
inline constexpr double kTachyBpm = 100.0;           // STach: heart rate above
inline constexpr double kQtcMaleMs = 450.0;          // LQT: Fridericia QTc above (men, sex unknown)
inline constexpr double kQtcFemaleMs = 460.0;        // LQT: Fridericia QTc above (women)
inline constexpr std::size_t kQtMinBeats = 3;        // LQT assessed with a T-wave end in >= 3 beats ...
inline constexpr double kQtMaxIqrMs = 40.0;          // ... and a QT interquartile range <= 40 ms
inline constexpr double kPrematureRatio = 0.85;      // ectopic beat: RR below 0.85 x the local median ...
inline constexpr double kPauseRatio = 1.10;          // ... and the next RR above 1.10 x it
inline constexpr std::size_t kEctopyHalfWindow = 4;  // local median over up to 4 intervals either side
inline constexpr std::size_t kAfMinKeptIntervals = 6;
inline constexpr double kAfMedianDelta = 0.05;       // median |successive RR difference| / median RR above
inline constexpr double kAfDeltaFraction = 0.10;     // a successive difference counts as large above 10 % of the median RR
inline constexpr double kAfDeltaShare = 0.30;        // ... and more than 30 % of them must be large

// RR irregularity with ectopic beats discounted. An ectopic beat is taken from `ectopic_beats` when
// given (one flag per beat, beats = rr_ms.size() + 1, e.g. from a beat classifier: S or V), else from
// the RR series: a premature interval (< kPrematureRatio x the local median) followed by a pause
// (> kPauseRatio x it). The two intervals around each ectopic beat are removed; the irregularity of
// what remains is measured on successive differences between kept neighbours.
struct RrIrregularity {
  std::size_t intervals = 0, ectopic_beats = 0, kept_intervals = 0, kept_pairs = 0;
  std::optional<double> nrmssd;        // of all intervals (rr_nrmssd)
  std::optional<double> median_delta;  // median |RR[i+1] - RR[i]| over kept pairs / median kept RR (>= 3 pairs)
  std::optional<double> delta_share;   // share of kept pairs with |RR[i+1] - RR[i]| > kAfDeltaFraction x median kept RR
};
RrIrregularity rr_irregularity(std::span<const double> rr_ms, std::span<const std::uint8_t> ectopic_beats = {});
// The RR series' own ectopic beats (one flag per beat, rr_ms.size() + 1): what rr_irregularity uses
// when no flags are given.
std::vector<std::uint8_t> rr_ectopic_beats(std::span<const double> rr_ms);

// The IrregularRR (AF) rule: positive when the RR intervals left after removing ectopic beats are
// irregularly irregular (>= kAfMinKeptIntervals kept, median_delta > kAfMedianDelta and delta_share
// > kAfDeltaShare) and P waves are absent (p_share < kAfMaxPShare and not sinus); not assessable
// under 8 beats. Without P-wave evidence (RR intervals from a heart-rate strap) sinus arrhythmia
// cannot be excluded, and the note says so. `ectopic_beats`: optional per-beat mask (see above).
RuleResult irregular_rr(std::span<const double> rr_ms, const std::optional<PWaveEvidence>& p_waves,
                        std::span<const std::uint8_t> ectopic_beats = {});

}  // namespace ecg::rules
