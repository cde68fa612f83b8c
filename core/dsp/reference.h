// Reference kernels of the DSP layer: the plain, obviously-correct code that each fast path replaced,
// kept as the oracle its tests compare against (bit for bit) and as the fast paths' fallback for
// inputs they do not take (NaN, negative zeros).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ecg::dsp::ref {

// Running median over a centred window of `width` samples (shrunk at the edges): a sorted copy of
// the window, one insertion and one removal per sample (O(n * width)).
std::vector<float> running_median(std::span<const float> x, std::size_t width);

// The quality gate's beat similarity (dsp/quality.cpp): for each detection pt[b] whose +-(half +
// max_lag + 1) samples fit in `band`, the best Pearson correlation of band[pt[b] - half ..
// pt[b] + half] with the same stretch around each of its up to 4 neighbours on either side,
// shifted by lag + st / steps samples (lag in [-max_lag, max_lag), st in [0, steps), linear
// interpolation) or by +max_lag; 0 for the others.
std::vector<double> beat_similarity(std::span<const float> band, std::span<const std::int64_t> pt, std::int64_t half, std::int64_t max_lag,
                                    int steps);

// The quality gate's Welch power spectrum of x (Hann, 50 % overlap, segments of the largest power of
// two within about 2 s, the mean removed): power per bin, with a std::complex radix-2 FFT.
std::vector<double> welch_power(std::span<const float> x, double fs_hz);

// Polyphase resampling, one output at a time over the whole prototype filter (every up-th tap):
// what dsp::resample and dsp::Resampler compute (implemented in dsp/resample.cpp, which designs the
// filter for both).
std::vector<float> resample(std::span<const float> x, double fs_in_hz, double fs_out_hz, bool scipy_quality);

// fast::fir_symmetric_*: one output at a time, y[t] = h[m] ext[t + m] + sum over k = 1 .. m of
// h[m - k] (ext[t + m + k] + ext[t + m - k]), in that order.
std::vector<float> fir_symmetric(std::span<const double> ext, std::span<const double> taps, std::size_t n);

}  // namespace ecg::dsp::ref
