// ecg::dsp: signal processing on Records — R-peak detection and heart rate so far.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "ecg/record.h"

namespace ecg::dsp {

// R-peak sample indices for one lead sampled at fs_hz.
std::vector<std::int64_t> detect_rpeaks(std::span<const float> lead_mv, double fs_hz);

// R-peak sample indices fused across all leads of a record (each lead's QRS energy is scaled to a
// common level and summed before peak picking, so one noisy lead cannot dominate).
std::vector<std::int64_t> detect_rpeaks(const Record& record);

// Heart rate in beats per minute from the median RR interval; nullopt with fewer than two peaks.
std::optional<double> heart_rate_bpm(std::span<const std::int64_t> rpeaks, double fs_hz);

}  // namespace ecg::dsp
