// ecg::beats: a class per detected beat (AAMI EC57: N, S, V, F, Q) with its evidence, and the
// PAC / PVC findings built from them (core/dsp/beats.cpp, core/rules/ectopy.cpp; docs/beats.md).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ecg/dsp.h"
#include "ecg/record.h"
#include "ecg/rules.h"

namespace ecg::beats {

// AAMI EC57 beat classes: N normal and bundle-branch-block beats (and nodal/atrial escapes),
// S supraventricular ectopic, V ventricular ectopic, F fusion of ventricular and normal, Q paced or
// unclassifiable.
enum class BeatClass { N, S, V, F, Q };
inline constexpr BeatClass kBeatClasses[] = {BeatClass::N, BeatClass::S, BeatClass::V, BeatClass::F, BeatClass::Q};
std::string_view to_string(BeatClass c);  // "N", "S", "V", "F", "Q"

// What a beat's class rests on. RR ratios are against the local RR (median of the RR intervals of
// the 10 beats before and the 10 after); shape and width are against the dominant beat of the record's
// stretch around it (the median of the largest cluster of alike QRS complexes among ~64 beats, where
// beats that are not premature count more).
struct BeatEvidence {
  double rr_pre_ratio = 1.0;    // RR before the beat / local RR (1 for the first beat)
  double rr_post_ratio = 1.0;   // RR after the beat / local RR (1 for the last beat)
  double rr_pre_over_prev = 1.0;  // RR before the beat / the RR before that (1 for the first two beats)
  double local_rr_ms = 0.0;
  double rr_pre_ms = 0.0, rr_post_ms = 0.0;  // the RR intervals themselves (local RR at the ends)
  double average_rr_ms = 0.0;   // median of the 300 RR intervals around the beat (about 5 min)
  double sinus_rr_ms = 0.0;     // 95th percentile of the 100 RR intervals around the beat (the slower, sinus cycle when
                                // ectopic beats are frequent: runs of atrial beats faster than a sinus bradycardia)
  double rr_irregularity = 0.0; // median |successive RR difference| / local RR over those intervals
  double qrs_corr = 1.0;        // best Pearson correlation with the dominant QRS (r-100..+120 ms, lag +-20 ms)
  double width_ratio = 1.0;     // QRS width / dominant QRS width (width: |slope| above 15 % of its peak)
  double width_ms = 0.0;        // the beat's QRS width by that measure
  double amp_ratio = 1.0;       // QRS peak-to-peak / dominant's
  double residual = 0.0;        // RMS(beat - dominant) / RMS(dominant) over the QRS window, best lag
  double pre_corr = 1.0;        // correlation of the 300..100 ms before R with the dominant's (P wave, T-on-P)
  bool p_wave = false;          // delineation found a P wave before the QRS
  // The record's own recent level of each shape measure (per-record normalisation): the median over
  // the classified (not Q) beats within kShapeMedianHalf of this one among them, of qrs_corr,
  // log(width_ratio), log(amp_ratio) and residual as the classifier takes them (clamped: see
  // shape_measures in core/dsp/beats.cpp), and pre_corr. The classifier reads each measure minus its median.
  double median_qrs_corr = 1.0, median_log_width = 0.0, median_log_amp = 0.0, median_residual = 0.0, median_pre_corr = 1.0;
  double p_S = 0.0, p_V = 0.0, p_F = 0.0;  // the classifier's probabilities (N is the rest)
};

struct ClassifiedBeat {
  std::int64_t sample = 0;  // R-peak sample index
  BeatClass cls = BeatClass::Q;
  BeatEvidence evidence;
};

// Single lead (mV at fs_hz) around given R-peaks. beats: the delineation of the same R-peaks (for the
// P wave; may be empty: then p_wave is false). Beats whose QRS window leaves the record, or of a flat
// lead, are Q. Deterministic; any rate from 100 Hz. A lead longer than 10 min is prepared (baseline
// removed, low-passed) a stretch at a time (core/dsp/streamed.h): the same result in bounded memory.
std::vector<ClassifiedBeat> classify_beats(std::span<const float> lead_mv, double fs_hz, std::span<const std::int64_t> rpeaks,
                                           std::span<const dsp::Beat> beats);

// A beat whose QRS matches the dominant beat in shape (correlation >= kLikeDominantCorr), width
// (<= kLikeDominantMaxWidth x) and amplitude (kLikeDominantAmpLo..Hi x) is never called V: a
// ventricular beat has an abnormal QRS (AAMI EC57), so the classifier's V gives way to the more
// probable of N, S and F. A trade: on MIT-BIH DS1, 177 V beats are that alike and the fitted table
// calls 143 of them V (docs/beats.md), but out of its range (10-s 500 Hz records) it called premature
// narrow beats with P waves V.
inline constexpr double kLikeDominantCorr = 0.9;
inline constexpr double kLikeDominantMaxWidth = 1.15;
inline constexpr double kLikeDominantAmpLo = 0.75, kLikeDominantAmpHi = 1.33;
bool resembles_dominant(const BeatEvidence& e);

// Beats either side (among the classified ones) whose shape measures give a beat's running medians.
inline constexpr std::size_t kShapeMedianHalf = 32;

// The classifier alone on given evidence (the running medians included): sets e.p_S, e.p_V, e.p_F and
// returns N, S, V or F.
BeatClass classify_evidence(BeatEvidence& e);

// Multi-lead record: shape and width on one lead — II when usable, else the first usable lead — and
// the P wave from `beats` (the multi-lead delineation of the same R-peaks). No usable lead: all Q.
std::vector<ClassifiedBeat> classify_beats(const Record& record, std::span<const std::int64_t> rpeaks, std::span<const dsp::Beat> beats);

// The lead classify_beats(Record) reads, or nullopt when no lead is usable.
std::optional<std::size_t> classification_lead(const Record& record);

// ---- ectopy findings (core/rules/ectopy.cpp) -----------------------------------------------------

// Counts and patterns of one ectopic class (S or V) over a record.
struct EctopySummary {
  BeatClass cls = BeatClass::V;
  std::size_t beats = 0;                 // classified beats in the record (any class)
  std::size_t count = 0;                 // beats of the class
  double per_minute = 0.0;               // count / duration in minutes
  std::vector<double> times_s;           // each ectopic beat's time
  std::size_t couplets = 0;              // runs of exactly 2
  std::size_t runs = 0;                  // runs of 3 or more (tachycardia runs)
  std::size_t longest_run = 0;           // longest run of consecutive beats of the class
  std::size_t bigeminy_beats = 0;        // ectopic beats in bigeminy (>= 3 cycles of normal-ectopic in a row)
  std::size_t trigeminy_beats = 0;       // ectopic beats in trigeminy (>= 3 cycles of normal-normal-ectopic)
};
EctopySummary summarize(std::span<const ClassifiedBeat> beats, BeatClass cls, double fs_hz, double duration_s);

// Decision thresholds of the PAC and PVC rules: positive when the record has at least
// kMinEctopicBeats beats of the class AND they make at least kMinEctopicShare of its beats (chosen
// on the dev records, docs/beats.md). With fewer than kMinBeatsAssessable classified beats (N or
// S/V/F) the rules are not assessable.
inline constexpr std::size_t kMinEctopicBeats = 1;
inline constexpr double kMinEctopicShare = 0.0;
inline constexpr std::size_t kMinBeatsAssessable = 4;

// The PAC (284470004, equivalent SVPB 63593006) and PVC (427172004, equivalent VPB 17338001) rules
// from the beat classes: decision, criterion, and evidence (count, rate per minute, couplets, runs,
// longest run, bigeminy / trigeminy beats, the first 10 ectopic times). fs_hz, duration_s: of the record.
std::vector<rules::RuleResult> ectopy_rules(std::span<const ClassifiedBeat> beats, double fs_hz, double duration_s);

// Beats as JSON: [{"t_s", "sample", "class", "evidence": {...}}] (t_s from fs_hz).
std::string to_json(std::span<const ClassifiedBeat> beats, double fs_hz);

}  // namespace ecg::beats
