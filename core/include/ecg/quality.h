// ecg::dsp quality index: per lead and per window (stretch) of a Record, is the signal an ECG that
// can be read, and if not, why (in words). core/dsp/quality.cpp; thresholds and how they were
// measured: docs/quality.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ecg/dsp.h"
#include "ecg/record.h"

namespace ecg::dsp {

// Decision thresholds of the quality index (docs/quality.md says where each comes from; tuned on the
// CinC 2017 dev half only).
struct QualityThresholds {
  double window_s = 2.5;                // window length; the tail shorter than half a window joins the last one
  double flat_mv = 0.02;                // robust peak-to-peak (0.5th..99.5th percentile) below: flat
  double saturated_share = 0.02;        // share of samples at the window's extremes (clipping)
  double lead_off_s = 0.5;              // the signal repeats one value for this long: lead off
  double implausible_mv = 30.0;         // |sample - median| beyond: not an ECG voltage (an ECG stays within ~10 mV)
  double min_kurtosis = 4.5;            // kurtosis of the 5-25 Hz band below: no QRS-like structure (noise is 3; 5 and above make clean 12-lead records inconclusive)
  double min_agreement = 0.6;           // F1 of the two beat detectors (150 ms) below: beats not detectable
  double min_similarity = 0.93;          // median over beats of the best correlation with a neighbour beat (4 either side, +-20 ms) below: beats unlike each other
  double max_hf_ratio = 1.0;            // power 40-150 Hz (mains removed) / power 5-25 Hz above: muscle noise
  double max_artefact_ratio = 2.0;      // largest 5-25 Hz excursion / median beat height above: motion artefact
  double mains_note_ratio = 0.1;        // power at 50 or 60 Hz / power 5-25 Hz above: mains noted (never unusable: the filters remove it)
  double wander_note_ratio = 0.8;       // power below 0.7 Hz / power below 40 Hz above: wander noted (not unusable)
  double max_rise_s = 0.05;             // range / steepest slope of the QRS windows above: implausible sampling rate
  double min_usable_share = 0.66;       // a lead with a smaller share of usable windows is unusable
};

// One window of one lead.
struct WindowQuality {
  std::size_t start = 0, length = 0;  // samples
  bool usable = true;
  std::vector<std::string> reasons;   // why the window is unusable, in words (empty when usable)
  std::vector<std::string> notes;     // defects that leave it usable (mild mains, wander)
  // The measurements behind the decision (NaN where not measurable).
  double range_mv = 0.0;              // 0.5th..99.5th percentile
  double kurtosis = 0.0;              // of the 5-25 Hz band
  double agreement = 0.0;             // F1 of the two beat detectors
  double similarity = 0.0;            // median over the window's beats of each one's best correlation with a neighbour beat
  double hf_ratio = 0.0, mains_ratio = 0.0, wander_ratio = 0.0, artefact_ratio = 0.0;
  std::size_t beats = 0;              // detect_rpeaks beats in the window
};

struct LeadQualityReport {
  std::string lead;
  bool usable = true;
  std::vector<std::string> reasons;  // why unusable (the most frequent window reasons), in words
  std::vector<std::string> notes;
  double usable_share = 1.0;         // share of windows that are usable (by samples)
  std::vector<WindowQuality> windows;
};

struct RecordQuality {
  std::vector<LeadQualityReport> leads;  // parallel to record.leads
  std::vector<std::string> reasons;      // the record as a whole cannot be read (implausible amplitude or rate)
  std::vector<std::string> warnings;     // plausibility warnings (inverted polarity) that do not withhold findings
  // Share of the record's samples where most leads are usable (a lead-wise majority per window).
  double usable_share = 1.0;
  bool lead_usable(std::size_t index) const { return index < leads.size() && leads[index].usable; }
};

// The quality of one lead (samples in mV at fs_hz). NaN/Inf samples make their window unusable.
// A lead longer than 10 min is assessed a chunk at a time (core/dsp/streamed.h): the same report,
// with working memory bounded by the chunk instead of copies of the whole lead.
LeadQualityReport assess_lead(std::span<const float> lead_mv, double fs_hz, const std::string& name = {},
                              const QualityThresholds& t = {});

// Every lead, plus record-level plausibility (amplitude, rate, polarity). qrs_bands, when given,
// receives per lead the R-peak detector's QRS band of the lead that the gate filtered anyway (the
// detect_rpeaks qrs_band of a later detection on the same samples), or an empty vector where the
// gate's band differs from the detector's or the lead is longer than kRpeakChunkS.
RecordQuality assess_quality(const Record& record, const QualityThresholds& t = {}, std::vector<std::vector<float>>* qrs_bands = nullptr);

// A simple amplitude-threshold QRS detector on the 5-25 Hz band, independent of detect_rpeaks's
// Pan-Tompkins logic: the second opinion of the agreement index.
std::vector<std::int64_t> detect_rpeaks_simple(std::span<const float> lead_mv, double fs_hz);

// F1 of two beat lists matched one to one within tolerance samples (1 when both are empty).
double beat_agreement(std::span<const std::int64_t> a, std::span<const std::int64_t> b, std::int64_t tolerance);

// A copy of `record` with every unusable lead set to zero (read as flat by every later step, as a
// lead the record lacks is zeros for the model).
Record mask_unusable_leads(const Record& record, const RecordQuality& quality);

// {"record", "fs_hz", "usable_share", "reasons", "warnings", "lead_quality": [{"lead", "usable",
// "reasons", "notes", "usable_share", "windows": [{"start_s", "duration_s", "usable", "reasons",
// "notes", "kurtosis", "agreement", ...}]}]}: what `ecg-screen quality` prints.
std::string quality_json(const Record& record, const RecordQuality& quality, bool with_windows = true);

// The first NaN/Inf sample of a record, as (lead index, sample index); nullopt when all are finite.
std::optional<std::pair<std::size_t, std::size_t>> first_non_finite(const Record& record);

}  // namespace ecg::dsp
