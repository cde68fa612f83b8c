// Fast kernels the DSP layer shares between its files, each tested bit for bit against its plain
// reference in dsp/reference.h (tests/core/test_dsp_fast.cpp).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ecg::dsp::fast {

// ref::beat_similarity with each beat's own sums taken once, each neighbour's shifted windows and
// their sums once (not once per beat that compares with it), and the cross products of all shifts
// summed side by side; every sum adds the same terms in the same order, so the result is the same.
std::vector<double> beat_similarity(std::span<const float> band, std::span<const std::int64_t> pt, std::int64_t half, std::int64_t max_lag,
                                    int steps);

// ref::welch_power with the FFT's twiddle factors and the Hann window computed once per size and
// the butterflies on separate real and imaginary parts (the same products and sums).
std::vector<double> welch_power(std::span<const float> x, double fs_hz);

// The symmetric FIR of fir_zero_phase on its extended input ext (x with (taps - 1) / 2 reflected
// samples each side): n outputs, each the sum over k = 0 .. m of h[m - k] (ext[t + m + k] + ext[t +
// m - k]) in that order (ref::fir_symmetric). Blocked: blocks of 256 outputs, tap loop outside (the
// native choice); tiled: 8 outputs in registers (the WebAssembly choice).
std::vector<float> fir_symmetric_blocked(std::span<const double> ext, std::span<const double> taps, std::size_t n);
std::vector<float> fir_symmetric_tiled(std::span<const double> ext, std::span<const double> taps, std::size_t n);

}  // namespace ecg::dsp::fast
