// Median (representative) beats per lead with their fiducial points (ecg/measure.h).
#include <algorithm>
#include <cmath>

#include "ecg/measure.h"

namespace ecg::measure {
namespace {

template <typename T>
T median_of(std::vector<T>& v) {
  const std::size_t m = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m), v.end());
  if (v.size() % 2) return v[m];
  const T lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(m));
  return static_cast<T>((lo + v[m]) / 2);
}

}  // namespace

MedianBeats median_beats(const Record& record, std::span<const dsp::Beat> beats, const dsp::BaselineFree* baseline_free) {
  MedianBeats out;
  out.fs_hz = record.fs_hz;
  out.leads = record.leads;
  out.pre = std::llround(kMedianPreS * record.fs_hz);
  const std::int64_t post = std::llround(kMedianPostS * record.fs_hz);
  const auto n = static_cast<std::int64_t>(record.n_samples);
  const std::int64_t span = std::min<std::int64_t>(n, std::llround(kMedianSpanS * record.fs_hz));
  std::vector<const dsp::Beat*> used;
  for (const dsp::Beat& b : beats) {
    if (b.r - out.pre >= 0 && b.r + post < span) used.push_back(&b);
  }
  out.beats = used.size();
  out.mv.assign(record.n_leads(), {});
  if (used.empty()) return out;
  const std::size_t width = static_cast<std::size_t>(out.pre + 1 + post);
  std::vector<float> column(used.size());
  for (std::size_t lead = 0; lead < record.n_leads(); ++lead) {
    const bool shared = baseline_free && lead < baseline_free->leads.size() && span == n && baseline_free->leads[lead].size() == record.n_samples;
    std::vector<float> own;
    if (!shared) own = dsp::remove_baseline(record.lead(lead).subspan(0, static_cast<std::size_t>(span)), record.fs_hz);
    const std::vector<float>& y = shared ? baseline_free->leads[lead] : own;
    std::vector<float>& m = out.mv[lead];
    m.resize(width);
    for (std::size_t k = 0; k < width; ++k) {
      for (std::size_t b = 0; b < used.size(); ++b) column[b] = y[static_cast<std::size_t>(used[b]->r - out.pre) + k];
      m[k] = median_of(column);
    }
  }
  auto fiducial = [&](std::optional<std::int64_t> dsp::Beat::*field) -> std::optional<std::int64_t> {
    std::vector<std::int64_t> offsets;
    for (const dsp::Beat* b : used) {
      if (b->*field) offsets.push_back(*(b->*field) - b->r);
    }
    if (offsets.empty() || static_cast<double>(offsets.size()) < kFiducialMinShare * static_cast<double>(used.size())) return std::nullopt;
    return std::clamp<std::int64_t>(median_of(offsets), -out.pre, post);
  };
  out.p_on = fiducial(&dsp::Beat::p_on);
  out.p_off = fiducial(&dsp::Beat::p_off);
  out.qrs_on = fiducial(&dsp::Beat::qrs_on);
  out.qrs_off = fiducial(&dsp::Beat::qrs_off);
  out.t_off = fiducial(&dsp::Beat::t_off);
  return out;
}

}  // namespace ecg::measure
