// Long leads in chunks: stretches [lo, hi) of the whole-lead filters computed from the samples
// around them only, each output the same value, bit for bit, as the whole-lead call holds there (the
// same extended input, the same taps in the same order; the same median window). The stages that
// read a whole lead (the quality gate's QRS band and polarity check, the beat classifier's prepared
// lead) use them above streamed_min_s(), so their working memory no longer grows with the record;
// each keeps its whole-lead path, which tests/core compare with this one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ecg/beats.h"
#include "ecg/quality.h"

namespace ecg::dsp::streamed {

// Leads longer than this (seconds) are processed in chunks by the stages above; 600 s by default.
// set_streamed_min_s changes it for the process (tools/bench `stages --whole` compares the two paths
// on long records; tests force either). Not thread-safe to change while screening.
double streamed_min_s();
void set_streamed_min_s(double seconds);
// A lead of n samples at fs_hz is streamed: longer than streamed_min_s().
bool streams(std::size_t n, double fs_hz);

// Chunk length of the streamed stages: chunk_s() of samples (300 s by default), at least 256. Any
// length gives the same results (tests shorten it to put many seams in a short record).
double chunk_s();
void set_chunk_s(double seconds);
std::size_t chunk_samples(double fs_hz);

// Samples xs of a lead of n samples, xs[0] being sample x0 of the lead.
struct Piece {
  std::span<const float> xs;
  std::size_t x0 = 0;
  std::size_t n = 0;
  float at(std::size_t i) const { return xs[i - x0]; }
};

// fir_zero_phase(x, taps)[lo, hi) of the whole lead x, from the piece of it that covers
// [max(0, lo - m), min(n, hi + m)) (m = (taps - 1) / 2). Throws ecg::Error when it does not.
std::vector<float> fir_zero_phase_range(const Piece& x, std::span<const double> taps, std::size_t lo, std::size_t hi);

// running_median(x, width)[lo, hi) of the whole lead x from the piece that covers
// [max(0, lo - width / 2), min(n, hi + width / 2)). The lead must hold no NaN and no -0.0 (whose
// order among equal samples the reference keeps by history, not by window): see plain_median_lead.
std::vector<float> running_median_range(const Piece& x, std::size_t width, std::size_t lo, std::size_t hi);

// remove_baseline(x, fs_hz)[lo, hi) from the piece that covers [lo - baseline_reach, hi +
// baseline_reach) (clipped to the lead); the same condition on the lead as running_median_range.
std::size_t baseline_reach(double fs_hz);
std::vector<float> remove_baseline_range(const Piece& x, double fs_hz, std::size_t lo, std::size_t hi);

// True when the lead holds a NaN or a -0.0: running_median takes its reference path over the whole
// lead, and the stages keep their whole-lead path too.
bool plain_median_lead(std::span<const float> x);

// The beat classifier (core/dsp/beats.cpp) either way: whole = the lead prepared whole (the plain
// path), else in chunks (the same result). beats::classify_beats picks by streams().
std::vector<beats::ClassifiedBeat> classify_beats(std::span<const float> lead_mv, double fs_hz, std::span<const std::int64_t> rpeaks,
                                                  std::span<const dsp::Beat> delineated, bool whole);

// The quality gate's lead assessment either way (core/dsp/quality.cpp); assess_lead picks by streams().
LeadQualityReport assess_lead(std::span<const float> lead_mv, double fs_hz, const std::string& name, const QualityThresholds& t, bool whole);

}  // namespace ecg::dsp::streamed
