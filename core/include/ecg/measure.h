// ecg::measure: what an electrocardiograph prints beside the traces — a median (representative) beat
// per lead with its fiducial points, and the frontal P / T axes measured on those median beats.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ecg/dsp.h"
#include "ecg/record.h"

namespace ecg::measure {

// Window of a median beat around its R peak.
inline constexpr double kMedianPreS = 0.30;   // before R
inline constexpr double kMedianPostS = 0.55;  // after R
// Beats taken: those whose window lies inside the record's first kMedianSpanS seconds (at most).
inline constexpr double kMedianSpanS = 60.0;
// A fiducial point is drawn only when the delineation found it in at least this share of those beats.
inline constexpr double kFiducialMinShare = 0.5;

// Median beats of every lead: sample k of lead l is the median over the beats of the baseline-free
// lead (dsp::remove_baseline) at R - pre + k. Fiducial points are medians over the same beats of the
// delineated boundary minus R, in samples (negative: before R).
struct MedianBeats {
  double fs_hz = 0.0;
  std::int64_t pre = 0;                    // samples before R (sample `pre` is the R peak)
  std::size_t beats = 0;                   // beats the medians are taken over (0: none fit)
  std::vector<std::string> leads;
  std::vector<std::vector<float>> mv;      // per lead, pre + 1 + post samples
  std::optional<std::int64_t> p_on, p_off, qrs_on, qrs_off, t_off;  // relative to R, in samples
};
// `baseline_free`, when given, is dsp::remove_baseline(record) (used where the span is the whole record).
MedianBeats median_beats(const Record& record, std::span<const dsp::Beat> beats, const dsp::BaselineFree* baseline_free = nullptr);

// A frontal-plane axis: atan2(2 aVF / sqrt 3, I) of the wave's net area on the median beats (aVF
// derived as II - I/2 when the record lacks aVF); nullopt with the reason when it cannot be measured.
struct Axis {
  std::optional<double> deg;
  std::string reason;  // why not measured
};
enum class Wave { p, t };
// leads_used: the leads the rules judged usable; amplitude_normalised: the rules found every lead
// rescaled to the same range (areas cannot be compared then).
Axis frontal_axis(const MedianBeats& medians, Wave wave, std::span<const std::string> leads_used, bool amplitude_normalised);

}  // namespace ecg::measure
