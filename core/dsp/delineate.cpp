// Rule-based ECG delineation (QRS, P and T boundaries) around known R-peaks, single- and multi-lead.
#include <algorithm>
#include <cmath>

#include "ecg/dsp.h"

namespace ecg::dsp {
namespace {

std::int64_t ms(double milliseconds, double fs_hz) { return std::max<std::int64_t>(1, std::llround(milliseconds * 1e-3 * fs_hz)); }

struct Prepared {
  std::vector<float> y;      // baseline-free, low-passed lead (mV)
  std::vector<float> slope;  // |dy/dt| smoothed over ~10 ms (mV/s)
  std::vector<float> dy;     // dy/dt (mV/s), signed
};

// The 40 Hz low-pass (above 95 Hz; none below), designed once per delineation of a lead or record.
std::vector<double> lowpass_taps(double fs_hz) {
  if (!(fs_hz > 95.0)) return {};
  FirSpec spec;
  spec.lo_hz = 0.0;
  spec.hi_hz = std::min(40.0, 0.5 * fs_hz - 5.0);
  spec.high_transition_hz = std::min(10.0, 2.0 * (0.5 * fs_hz - spec.hi_hz));
  spec.attenuation_db = 40.0;
  spec.ripple_db = 0.2;
  return design_fir(spec, fs_hz);
}

// `base`: remove_baseline(x) when the caller has it.
Prepared prepare(std::span<const float> x, double fs_hz, std::span<const double> taps, const std::vector<float>* base) {
  Prepared p;
  std::vector<float> own;
  if (!base) own = remove_baseline(x, fs_hz);
  const std::vector<float>& baseline_free = base ? *base : own;
  p.y = taps.empty() ? baseline_free : fir_zero_phase(baseline_free, taps);
  const std::size_t n = p.y.size();
  p.dy.assign(n, 0.0f);
  for (std::size_t i = 1; i + 1 < n; ++i) p.dy[i] = 0.5f * (p.y[i + 1] - p.y[i - 1]) * static_cast<float>(fs_hz);
  // Smooth |dy| over ~10 ms so the zero slope at the tip of Q, R and S does not split the QRS.
  const std::size_t half = static_cast<std::size_t>(ms(5.0, fs_hz));
  p.slope.assign(n, 0.0f);
  std::vector<double> prefix(n + 1, 0.0);
  for (std::size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + std::fabs(p.dy[i]);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t lo = i >= half ? i - half : 0, hi = std::min(n, i + half + 1);
    p.slope[i] = static_cast<float>((prefix[hi] - prefix[lo]) / static_cast<double>(hi - lo));
  }
  return p;
}

std::int64_t argmax(const std::vector<float>& v, std::int64_t lo, std::int64_t hi, float (*f)(float)) {
  std::int64_t best = lo;
  for (std::int64_t i = lo; i <= hi; ++i) if (f(v[i]) > f(v[best])) best = i;
  return best;
}
float identity(float v) { return v; }
float magnitude(float v) { return std::fabs(v); }

// Walks from `from` in direction `dir` while the slope stays above `thr`, tolerating dips shorter
// than `gap` samples; returns the last sample above the threshold.
std::int64_t walk(const std::vector<float>& slope, std::int64_t from, int dir, float thr, std::int64_t gap, std::int64_t limit) {
  std::int64_t last = from, below = 0;
  for (std::int64_t i = from; dir > 0 ? i <= limit : i >= limit; i += dir) {
    if (slope[i] > thr) last = i, below = 0;
    else if (++below > gap) break;
  }
  return last;
}

std::vector<Beat> delineate_chunk(std::span<const float> x, double fs_hz, std::span<const std::int64_t> rpeaks, std::span<const double> taps,
                                  const std::vector<float>* base) {
  std::vector<Beat> beats;
  const auto n = static_cast<std::int64_t>(x.size());
  if (n < 3 || !(fs_hz > 0)) return beats;
  const Prepared p = prepare(x, fs_hz, taps, base);
  // Median RR for the beats at the edges.
  std::vector<std::int64_t> rr;
  for (std::size_t i = 1; i < rpeaks.size(); ++i) rr.push_back(rpeaks[i] - rpeaks[i - 1]);
  std::int64_t rr_median = ms(800, fs_hz);
  if (!rr.empty()) {
    std::nth_element(rr.begin(), rr.begin() + static_cast<std::ptrdiff_t>(rr.size() / 2), rr.end());
    rr_median = rr[rr.size() / 2];
  }
  for (std::size_t k = 0; k < rpeaks.size(); ++k) {
    Beat b;
    b.r = rpeaks[k];
    const std::int64_t r = b.r;
    if (r < 0 || r >= n) { beats.push_back(b); continue; }
    const std::int64_t prev = k > 0 ? rpeaks[k - 1] : r - rr_median;
    const std::int64_t next = k + 1 < rpeaks.size() ? rpeaks[k + 1] : r + rr_median;
    // ---- QRS
    const std::int64_t lo = std::max<std::int64_t>(1, r - ms(150, fs_hz)), hi = std::min(n - 2, r + ms(200, fs_hz));
    const std::int64_t core_lo = std::max<std::int64_t>(lo, r - ms(60, fs_hz)), core_hi = std::min(hi, r + ms(60, fs_hz));
    if (core_lo >= core_hi) { beats.push_back(b); continue; }
    const std::int64_t up = argmax(p.slope, core_lo, r, identity);
    const std::int64_t down = argmax(p.slope, r, core_hi, identity);
    const float peak_slope = std::max(p.slope[up], p.slope[down]);
    if (!(peak_slope > 0)) { beats.push_back(b); continue; }
    const float thr = 0.10f * peak_slope;
    const std::int64_t on = walk(p.slope, up, -1, thr, ms(16, fs_hz), lo);
    const std::int64_t off = walk(p.slope, down, +1, thr, ms(24, fs_hz), hi);
    b.qrs_on = b.qrs_wide_on = on;
    b.qrs_off = b.qrs_wide_off = off;
    const float iso = p.y[on];
    // ---- P wave: largest deflection from the isoelectric level 40-300 ms before QRS onset, after
    // the previous beat's T wave region.
    std::int64_t p_lo = std::max({std::int64_t{1}, on - ms(300, fs_hz), prev + (r - prev) / 2});
    // Not inside the previous beat's T wave (it can reach past the RR midpoint at fast rates).
    if (!beats.empty() && beats.back().r == prev && beats.back().t_off) p_lo = std::max(p_lo, *beats.back().t_off);
    const std::int64_t p_hi = on - ms(30, fs_hz);
    if (p_hi - p_lo > ms(40, fs_hz)) {
      // The P wave stands out of the window's median level (the PR and TP segments dominate it);
      // the level at the detected QRS onset is not used, as a late onset sits on the QRS upstroke.
      std::vector<float> level(p.y.begin() + p_lo, p.y.begin() + p_hi + 1);
      std::nth_element(level.begin(), level.begin() + static_cast<std::ptrdiff_t>(level.size() / 2), level.end());
      const float p_iso = level[level.size() / 2];
      std::int64_t pk = p_lo;
      for (std::int64_t i = p_lo; i <= p_hi; ++i) if (std::fabs(p.y[i] - p_iso) > std::fabs(p.y[pk] - p_iso)) pk = i;
      const float amp = std::fabs(p.y[pk] - p_iso);
      const bool interior = pk > p_lo + ms(10, fs_hz) && pk < p_hi;
      // Noise level: the slope just before the P search window's quietest stretch.
      if (amp >= 0.03f && interior) {
        const std::int64_t s_lo = std::max<std::int64_t>(1, pk - ms(80, fs_hz)), s_hi = std::min(on, pk + ms(80, fs_hz));
        const std::int64_t pu = argmax(p.slope, s_lo, pk, identity), pd = argmax(p.slope, pk, s_hi, identity);
        const float pthr = 0.25f * std::max(p.slope[pu], p.slope[pd]);
        b.p_peak = pk;
        b.p_on = walk(p.slope, pu, -1, pthr, ms(6, fs_hz), std::max<std::int64_t>(1, pk - ms(120, fs_hz)));
        b.p_off = std::min(walk(p.slope, pd, +1, pthr, ms(6, fs_hz), std::min(on, pk + ms(120, fs_hz))), on);
      }
    }
    // ---- T wave: largest deflection between QRS offset + 60 ms and 70 % of the way to the next R.
    const std::int64_t t_lo = off + ms(60, fs_hz);
    const std::int64_t t_hi = std::min({n - 2, r + (next - r) * 7 / 10, off + ms(550, fs_hz)});
    if (t_hi - t_lo > ms(60, fs_hz)) {
      const float t_iso = p.y[off] * 0.5f + iso * 0.5f;
      std::int64_t tp = t_lo;
      for (std::int64_t i = t_lo; i <= t_hi; ++i) if (std::fabs(p.y[i] - t_iso) > std::fabs(p.y[tp] - t_iso)) tp = i;
      const float t_amp = std::fabs(p.y[tp] - t_iso);
      if (t_amp >= 0.05f && tp > t_lo && tp < t_hi) {
        b.t_peak = tp;
        // Tangent at the steepest descent after the peak, extended to the isoelectric level.
        const std::int64_t s_hi = std::min(n - 2, tp + ms(150, fs_hz));
        const std::int64_t steep = argmax(p.dy, tp, s_hi, magnitude);
        const double d = p.dy[steep] / fs_hz;  // mV per sample
        std::int64_t end = s_hi;
        if (std::fabs(d) > 1e-9) {
          const double cross = static_cast<double>(steep) + (iso - p.y[steep]) / d;
          if (std::isfinite(cross)) end = std::clamp<std::int64_t>(std::llround(cross), steep, std::min(n - 2, tp + ms(250, fs_hz)));
        }
        b.t_off = end;
      }
    }
    beats.push_back(b);
  }
  return beats;
}

// base: remove_baseline(x), used where one chunk holds the whole lead.
std::vector<Beat> delineate_lead(std::span<const float> x, double fs_hz, std::span<const std::int64_t> rpeaks, std::span<const double> taps,
                                 const std::vector<float>* base) {
  // 60 s chunks with 3 s margins each side, so memory is bounded by the chunk for hours-long leads.
  std::vector<Beat> out;
  if (!(fs_hz > 0) || x.empty()) return out;
  out.reserve(rpeaks.size());  // at most one per R-peak: no growth copies on hours-long leads
  const auto n = static_cast<std::int64_t>(x.size());
  const std::int64_t core = ms(60000, fs_hz), margin = ms(3000, fs_hz);
  std::size_t k = 0;
  for (std::int64_t start = 0; start < n; start += core) {
    const std::int64_t end = std::min(n, start + core), lo = std::max<std::int64_t>(0, start - margin), hi = std::min(n, end + margin);
    std::vector<std::int64_t> local;
    std::size_t first = k;
    while (first < rpeaks.size() && rpeaks[first] < start) ++first;
    std::size_t k_end = first;
    while (k_end < rpeaks.size() && rpeaks[k_end] < end) ++k_end;
    // Neighbouring beats (inside the margins) give the RR context of the chunk's first and last beats.
    std::size_t from = first, to = k_end;
    while (from > 0 && rpeaks[from - 1] >= lo) --from;
    while (to < rpeaks.size() && rpeaks[to] < hi) ++to;
    for (std::size_t i = from; i < to; ++i) local.push_back(rpeaks[i] - lo);
    const bool whole = lo == 0 && hi == n;
    auto beats = delineate_chunk(x.subspan(static_cast<std::size_t>(lo), static_cast<std::size_t>(hi - lo)), fs_hz, local, taps,
                                 whole && base && base->size() == x.size() ? base : nullptr);
    auto shift = [&](std::optional<std::int64_t>& v) { if (v) *v += lo; };
    for (auto& b : beats) {
      b.r += lo;
      if (b.r < start || b.r >= end) continue;
      shift(b.qrs_on), shift(b.qrs_off), shift(b.qrs_wide_on), shift(b.qrs_wide_off), shift(b.p_on), shift(b.p_peak), shift(b.p_off), shift(b.t_peak), shift(b.t_off);
      out.push_back(b);
    }
    k = k_end;
  }
  return out;
}

}  // namespace

std::vector<Beat> delineate(std::span<const float> x, double fs_hz, std::span<const std::int64_t> rpeaks) {
  if (!(fs_hz > 0) || x.size() < 3) return delineate_lead(x, fs_hz, rpeaks, {}, nullptr);  // no chunk is delineated
  return delineate_lead(x, fs_hz, rpeaks, lowpass_taps(fs_hz), nullptr);
}

std::vector<Beat> delineate(const Record& record, std::span<const std::int64_t> rpeaks, const BaselineFree* baseline_free,
                            const std::vector<LeadQuality>* leads_quality) {
  std::vector<std::vector<Beat>> per_lead;
  const std::vector<double> taps = record.fs_hz > 0 && record.n_samples >= 3 ? lowpass_taps(record.fs_hz) : std::vector<double>{};
  for (std::size_t lead = 0; lead < record.n_leads(); ++lead) {
    const bool given = leads_quality && leads_quality->size() == record.n_leads();
    if (!(given ? (*leads_quality)[lead] : lead_quality(record.lead(lead))).usable()) continue;
    const std::vector<float>* base = baseline_free && lead < baseline_free->leads.size() ? &baseline_free->leads[lead] : nullptr;
    per_lead.push_back(delineate_lead(record.lead(lead), record.fs_hz, rpeaks, taps, base));
  }
  std::vector<Beat> out;
  out.reserve(rpeaks.size());
  for (std::size_t k = 0; k < rpeaks.size(); ++k) {
    Beat b;
    b.r = rpeaks[k];
    // q: which quantile over the leads; the QRS spans from an early onset to a late offset (a global
    // QRS is wider than most single leads show), the other boundaries take the median.
    auto fuse = [&](std::optional<std::int64_t> Beat::*field, double q = 0.5) -> std::optional<std::int64_t> {
      std::vector<std::int64_t> v;
      for (const auto& lead : per_lead) {
        auto it = std::lower_bound(lead.begin(), lead.end(), b.r, [](const Beat& x, std::int64_t r) { return x.r < r; });
        if (it != lead.end() && it->r == b.r && (*it).*field) v.push_back(*((*it).*field));
      }
      if (v.empty() || v.size() * 2 < per_lead.size()) return std::nullopt;
      const auto at = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
      std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(at), v.end());
      return v[at];
    };
    b.qrs_on = fuse(&Beat::qrs_on);
    b.qrs_off = fuse(&Beat::qrs_off);
    b.qrs_wide_on = fuse(&Beat::qrs_on, 0.25);
    b.qrs_wide_off = fuse(&Beat::qrs_off, 0.75);
    b.p_on = fuse(&Beat::p_on);
    b.p_peak = fuse(&Beat::p_peak);
    b.p_off = fuse(&Beat::p_off);
    b.t_peak = fuse(&Beat::t_peak);
    b.t_off = fuse(&Beat::t_off);
    out.push_back(b);
  }
  return out;
}

}  // namespace ecg::dsp
