// Beat classes N/S/V/F/Q (AAMI EC57) from prematurity, QRS shape and width against the dominant
// beat, and the P wave: features computed here, a multinomial logistic regression whose
// coefficients were fitted on MIT-BIH DS1 only by tools/train/fit_beats.py (beats_model.inc).
#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

#include <nlohmann/json.hpp>

#include "dsp/streamed.h"
#include "ecg/beats.h"
#include "ecg/error.h"

namespace ecg::beats {
namespace {

#include "dsp/beats_model.inc"  // kBase, kFeatures, kFeatureMean, kFeatureSd, kWeights (N, S, V, F) x (1 + kFeatures)

std::int64_t samples(double milliseconds, double fs_hz) { return std::max<std::int64_t>(1, std::llround(milliseconds * 1e-3 * fs_hz)); }

// The prepared lead, whole (y0 = s0 = 0) or a stretch of it: y holds samples [y0, y0 + y.size()),
// slope [s0, s0 + slope.size()); indices are the lead's.
struct Prepared {
  std::vector<float> y;      // baseline-free, 40 Hz low-passed (mV)
  std::vector<float> slope;  // |dy/dt| smoothed over ~10 ms
  std::int64_t y0 = 0, s0 = 0;
  const float* yp(std::int64_t i) const { return y.data() + (i - y0); }
  float yv(std::int64_t i) const { return y[static_cast<std::size_t>(i - y0)]; }
  float sl(std::int64_t i) const { return slope[static_cast<std::size_t>(i - s0)]; }
};

// The low-pass of prepare() at fs_hz, or none (empty) at 95 Hz and below.
std::vector<double> lowpass_taps(double fs_hz) {
  if (!(fs_hz > 95.0)) return {};
  dsp::FirSpec spec;
  spec.lo_hz = 0.0;
  spec.hi_hz = std::min(40.0, 0.5 * fs_hz - 5.0);
  spec.high_transition_hz = std::min(10.0, 2.0 * (0.5 * fs_hz - spec.hi_hz));
  spec.attenuation_db = 40.0;
  spec.ripple_db = 0.2;
  return dsp::design_fir(spec, fs_hz);
}

constexpr std::size_t kSinusHalfWindow = 50;  // RR intervals either side for the sinus cycle
constexpr double kSinusPercentile = 0.95;

// q-quantile of v (0 <= q <= 1, v not empty), interpolating linearly between order statistics. Reorders v.
double percentile(std::vector<double>& v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(v.size() - 1, lo + 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

// The whole lead prepared (the plain path).
Prepared prepare(std::span<const float> x, double fs_hz) {
  Prepared p;
  std::vector<float> base = dsp::remove_baseline(x, fs_hz);
  if (fs_hz > 95.0) {
    p.y = dsp::fir_zero_phase(base, lowpass_taps(fs_hz));
  } else {
    p.y = std::move(base);
  }
  const std::size_t n = p.y.size();
  std::vector<double> prefix(n + 1, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const double d = i > 0 && i + 1 < n ? 0.5 * (p.y[i + 1] - p.y[i - 1]) * fs_hz : 0.0;
    prefix[i + 1] = prefix[i] + std::fabs(d);
  }
  const auto half = static_cast<std::size_t>(samples(5.0, fs_hz));
  p.slope.assign(n, 0.0f);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t lo = i >= half ? i - half : 0, hi = std::min(n, i + half + 1);
    p.slope[i] = static_cast<float>((prefix[hi] - prefix[lo]) / static_cast<double>(hi - lo));
  }
  return p;
}

// prepare() a stretch at a time: ensure(a, b) holds y and slope over [a, b) of the whole lead, each
// value the one prepare() computes there. y comes from the stretch's baseline removal and low-pass
// (dsp/streamed.h); slope from the running sum of |dy/dt| that prepare() accumulates from sample 0,
// carried forward in the same order (so the same sums), with checkpoints of it every chunk for a
// request that goes back before what is held. Holds about a chunk beyond the stretch requested.
class SlidingPrepared {
 public:
  SlidingPrepared(std::span<const float> x, double fs_hz)
      : x_(x), fs_(fs_hz), n_(static_cast<std::int64_t>(x.size())), taps_(lowpass_taps(fs_hz)),
        m_(taps_.empty() ? 0 : static_cast<std::int64_t>((taps_.size() - 1) / 2)), half_(samples(5.0, fs_hz)),
        chunk_(static_cast<std::int64_t>(dsp::streamed::chunk_samples(fs_hz))) {
    checkpoints_.emplace_back(0, 0.0);
    restart(0);
  }

  const Prepared& ensure(std::int64_t a, std::int64_t b) {
    a = std::clamp<std::int64_t>(a, 0, n_), b = std::clamp<std::int64_t>(b, a, n_);
    if (a < p_.s0 || a < p_.y0) restart(a);
    if (b > s1()) extend_slope(std::min(n_, std::max(b, s1() + chunk_)));
    if (b > y1()) extend_y(b);
    trim(a);
    return p_;
  }

 private:
  std::int64_t y1() const { return p_.y0 + static_cast<std::int64_t>(p_.y.size()); }
  std::int64_t s1() const { return p_.s0 + static_cast<std::int64_t>(p_.slope.size()); }

  // Back to the last checkpoint whose slopes start at or before a: nothing held.
  void restart(std::int64_t a) {
    std::size_t c = 0;
    for (std::size_t k = 0; k < checkpoints_.size(); ++k)
      if (start_of(checkpoints_[k].first) <= a) c = k;
    const auto [pos, value] = checkpoints_[c];
    pb0_ = pos;
    prefix_.assign(1, value);
    p_.s0 = start_of(pos);
    p_.slope.clear();
    p_.y0 = pos > 0 ? pos - 1 : 0;  // the next |dy/dt| (at pos) reads y[pos - 1]
    p_.y.clear();
  }
  // The first slope whose window's running sum starts at prefix index pos.
  std::int64_t start_of(std::int64_t pos) const { return pos > 0 ? pos + half_ : 0; }

  void extend_y(std::int64_t to) {
    const std::int64_t from = y1();
    to = std::min(n_, std::max(to, from + chunk_));
    if (to <= from) return;
    const dsp::streamed::Piece lead{x_, 0, x_.size()};
    const auto ufrom = static_cast<std::size_t>(from), uto = static_cast<std::size_t>(to);
    std::vector<float> more;
    if (taps_.empty()) {
      more = dsp::streamed::remove_baseline_range(lead, fs_, ufrom, uto);
    } else {
      const auto um = static_cast<std::size_t>(m_);
      const std::size_t bl = ufrom >= um ? ufrom - um : 0, bh = std::min(x_.size(), uto + um);
      const std::vector<float> base = dsp::streamed::remove_baseline_range(lead, fs_, bl, bh);
      more = dsp::streamed::fir_zero_phase_range(dsp::streamed::Piece{base, bl, x_.size()}, taps_, ufrom, uto);
    }
    p_.y.insert(p_.y.end(), more.begin(), more.end());
  }

  // Slopes [s1, to): the running sum up to min(n, to + half), which reads y up to that index.
  void extend_slope(std::int64_t to) {
    const std::int64_t need = std::min(n_, to + half_);
    if (y1() < std::min(n_, need + 1)) extend_y(std::min(n_, need + 1));
    std::int64_t pos = pb0_ + static_cast<std::int64_t>(prefix_.size()) - 1;  // prefix_ holds [pb0, pos]
    for (; pos < need; ++pos) {
      const std::int64_t i = pos;
      const double d = i > 0 && i + 1 < n_ ? 0.5 * (p_.yv(i + 1) - p_.yv(i - 1)) * fs_ : 0.0;
      prefix_.push_back(prefix_.back() + std::fabs(d));
    }
    if (pos > checkpoints_.back().first) checkpoints_.emplace_back(pos, prefix_.back());
    for (std::int64_t i = s1(); i < to; ++i) {
      const std::int64_t lo = i >= half_ ? i - half_ : 0, hi = std::min(n_, i + half_ + 1);
      p_.slope.push_back(static_cast<float>((prefix_[static_cast<std::size_t>(hi - pb0_)] - prefix_[static_cast<std::size_t>(lo - pb0_)]) /
                                            static_cast<double>(hi - lo)));
    }
  }

  // Drops what no later request at or after a reads (in steps of a chunk, so rarely).
  void trim(std::int64_t a) {
    const std::int64_t pos = pb0_ + static_cast<std::int64_t>(prefix_.size()) - 1;
    const std::int64_t keep_y = std::min(a, pos > 0 ? pos - 1 : 0);
    if (keep_y - p_.y0 > chunk_) {
      p_.y.erase(p_.y.begin(), p_.y.begin() + (keep_y - p_.y0));
      p_.y0 = keep_y;
    }
    if (a - p_.s0 > chunk_) {
      p_.slope.erase(p_.slope.begin(), p_.slope.begin() + (a - p_.s0));
      p_.s0 = a;
    }
    const std::int64_t keep_p = std::max<std::int64_t>(0, s1() - half_);  // the next slope's window starts here
    if (keep_p - pb0_ > chunk_) {
      prefix_.erase(prefix_.begin(), prefix_.begin() + (keep_p - pb0_));
      pb0_ = keep_p;
    }
  }

  std::span<const float> x_;
  double fs_;
  std::int64_t n_;
  std::vector<double> taps_;
  std::int64_t m_, half_, chunk_;
  Prepared p_;
  std::vector<double> prefix_;  // the running sum of |dy/dt| at prefix indices [pb0_, pb0_ + size)
  std::int64_t pb0_ = 0;
  std::vector<std::pair<std::int64_t, double>> checkpoints_;  // (prefix index, running sum there)
};

// Pearson correlation of a[0..len) and b[0..len); 0 when either is constant.
double pearson(const float* a, const float* b, std::size_t len) {
  double sa = 0, sb = 0;
  for (std::size_t i = 0; i < len; ++i) sa += a[i], sb += b[i];
  const double ma = sa / static_cast<double>(len), mb = sb / static_cast<double>(len);
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < len; ++i) {
    const double da = a[i] - ma, db = b[i] - mb;
    sab += da * db, saa += da * da, sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
}

struct Geometry {
  std::int64_t before = 0, after = 0, lag = 0, pre_from = 0, pre_to = 0;
  std::size_t len() const { return static_cast<std::size_t>(before + after + 1); }
  std::size_t pre_len() const { return static_cast<std::size_t>(pre_from - pre_to + 1); }
};

struct Template {
  std::vector<float> qrs, pre;
  double width_ms = 0.0, p2p = 0.0, rms = 0.0;
};

double peak_to_peak(std::span<const float> v) {
  if (v.empty()) return 0.0;
  auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return static_cast<double>(*hi - *lo);
}

// QRS width: from the steepest slope within the QRS window, walk out both ways while the smoothed
// |slope| stays above 15 % of that peak (dips up to 20 ms tolerated).
double qrs_width_ms(const Prepared& p, std::int64_t r, const Geometry& g, double fs_hz) {
  const std::int64_t lo = r - g.before, hi = r + g.after;
  std::int64_t top = lo;
  for (std::int64_t i = lo; i <= hi; ++i) if (p.sl(i) > p.sl(top)) top = i;
  const float thr = 0.15f * p.sl(top);
  const std::int64_t gap = samples(20.0, fs_hz);
  auto walk = [&](int dir) {
    std::int64_t last = top, below = 0;
    for (std::int64_t i = top; dir > 0 ? i <= hi : i >= lo; i += dir) {
      if (p.sl(i) > thr) last = i, below = 0;
      else if (++below > gap) break;
    }
    return last;
  };
  return static_cast<double>(walk(+1) - walk(-1) + 1) * 1000.0 / fs_hz;
}

// Best correlation of the beat's window (shifted by -lag..+lag) with the template, and the residual
// at that lag.
struct Match {
  double corr = 0.0, residual = 0.0;
  std::int64_t lag = 0;
};
Match best_match(const Prepared& p, std::int64_t r, const Geometry& g, const std::vector<float>& tpl, double tpl_rms) {
  Match m;
  m.corr = -2.0;
  for (std::int64_t l = -g.lag; l <= g.lag; ++l) {
    const double c = pearson(p.yp(r + l - g.before), tpl.data(), g.len());
    if (c > m.corr) m.corr = c, m.lag = l;
  }
  double ss = 0;
  const float* a = p.yp(r + m.lag - g.before);
  for (std::size_t i = 0; i < g.len(); ++i) ss += (a[i] - tpl[i]) * (a[i] - tpl[i]);
  m.residual = tpl_rms > 0 ? std::sqrt(ss / static_cast<double>(g.len())) / tpl_rms : 0.0;
  return m;
}

double rms(std::span<const float> v) {
  double ss = 0;
  for (float x : v) ss += static_cast<double>(x) * x;
  return v.empty() ? 0.0 : std::sqrt(ss / static_cast<double>(v.size()));
}

// The dominant beat of a block of beats: the beat with the most alike beats (correlation >= 0.9 at
// the best lag), beats that are not premature counting 1 and premature ones 0.3; the template is the
// sample-wise median of that cluster.
std::optional<Template> block_template(const Prepared& p, std::span<const std::int64_t> r, const std::vector<std::size_t>& members,
                                       const std::vector<double>& pre_ratio, const Geometry& g, double fs_hz) {
  if (members.empty()) return std::nullopt;
  const std::size_t m = members.size();
  std::vector<double> corr(m * m, 1.0);
  std::vector<std::int64_t> lag(m * m, 0);
  for (std::size_t a = 0; a < m; ++a) {
    for (std::size_t b = a + 1; b < m; ++b) {
      double best = -2.0;
      std::int64_t best_l = 0;
      const float* pa = p.yp(r[members[a]] - g.before);
      for (std::int64_t l = -g.lag; l <= g.lag; ++l) {
        const double c = pearson(pa, p.yp(r[members[b]] + l - g.before), g.len());
        if (c > best) best = c, best_l = l;
      }
      corr[a * m + b] = corr[b * m + a] = best;
      lag[a * m + b] = best_l, lag[b * m + a] = -best_l;
    }
  }
  std::size_t centre = 0;
  double best_score = -1.0;
  for (std::size_t a = 0; a < m; ++a) {
    double score = 0;
    for (std::size_t b = 0; b < m; ++b) {
      if (corr[a * m + b] >= 0.9) score += pre_ratio[members[b]] >= 0.9 ? 1.0 : 0.3;
    }
    if (score > best_score) best_score = score, centre = a;
  }
  std::vector<std::size_t> cluster;
  for (std::size_t b = 0; b < m; ++b) if (corr[centre * m + b] >= 0.9) cluster.push_back(b);
  Template t;
  t.qrs.resize(g.len());
  t.pre.resize(g.pre_len());
  std::vector<float> column(cluster.size());
  auto median_of = [&](auto at) {
    for (std::size_t k = 0; k < cluster.size(); ++k) column[k] = at(cluster[k]);
    auto mid = column.begin() + static_cast<std::ptrdiff_t>(column.size() / 2);
    std::nth_element(column.begin(), mid, column.end());
    return *mid;
  };
  for (std::size_t i = 0; i < g.len(); ++i) {
    t.qrs[i] = median_of([&](std::size_t b) {
      return p.yv(r[members[b]] + lag[centre * m + b] - g.before + static_cast<std::int64_t>(i));
    });
  }
  for (std::size_t i = 0; i < g.pre_len(); ++i) {
    t.pre[i] = median_of([&](std::size_t b) {
      return p.yv(r[members[b]] + lag[centre * m + b] - g.pre_from + static_cast<std::int64_t>(i));
    });
  }
  std::vector<double> widths;
  for (std::size_t b : cluster) widths.push_back(qrs_width_ms(p, r[members[b]], g, fs_hz));
  std::nth_element(widths.begin(), widths.begin() + static_cast<std::ptrdiff_t>(widths.size() / 2), widths.end());
  t.width_ms = widths[widths.size() / 2];
  t.p2p = peak_to_peak(t.qrs);
  t.rms = rms(t.qrs);
  return t;
}

// The shape measures as the classifier takes them: qrs_corr, log width ratio, log amplitude ratio,
// residual (at most 3), pre_corr (the order of the running medians in BeatEvidence).
std::array<double, 5> shape_measures(const BeatEvidence& e) {
  return {e.qrs_corr, std::log(std::clamp(e.width_ratio, 0.2, 5.0)), std::log(std::clamp(e.amp_ratio, 0.1, 10.0)),
          std::min(e.residual, 3.0), e.pre_corr};
}

// The classifier's inputs, in the order of tools/train/fit_beats.py FEATURES; classify_evidence()
// expands them (standardised) with all their pairwise products, so the boundaries are quadratic.
// RR enters only as ratios (no absolute interval: those differ between patients), shape both as
// measured against the dominant beat and minus the record's running median of that measure.
std::array<double, kBase> features(const BeatEvidence& e) {
  const double prem = std::max(0.0, 1.0 - e.rr_pre_ratio);
  const auto m = shape_measures(e);
  return {e.rr_pre_ratio,
          e.rr_post_ratio,
          e.rr_pre_ratio / std::max(0.05, e.rr_post_ratio),
          e.rr_pre_over_prev,
          m[0],
          m[1],
          m[2],
          m[3],
          m[4],
          e.p_wave ? 1.0 : 0.0,
          prem * e.qrs_corr,
          std::min(e.rr_irregularity, 1.0),
          e.rr_pre_ms / std::max(1.0, e.average_rr_ms),
          e.rr_pre_ms / std::max(1.0, e.sinus_rr_ms),
          e.rr_post_ms / std::max(1.0, e.sinus_rr_ms),
          m[0] - e.median_qrs_corr,
          m[1] - e.median_log_width,
          m[2] - e.median_log_amp,
          m[3] - e.median_residual,
          m[4] - e.median_pre_corr};
}

// Median as numpy's (the mean of the two middle values of an even count). Reorders v (not empty).
double median(std::vector<double>& v) {
  const std::size_t h = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h), v.end());
  const double hi = v[h];
  if (v.size() % 2) return hi;
  return 0.5 * (*std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h)) + hi);
}

// The running medians of the shape measures over the classified beats `done` (in detection order):
// for each, its kShapeMedianHalf neighbours either side among them and itself.
void set_shape_medians(std::vector<ClassifiedBeat>& out, const std::vector<std::size_t>& done) {
  std::vector<std::array<double, 5>> m(done.size());
  for (std::size_t j = 0; j < done.size(); ++j) m[j] = shape_measures(out[done[j]].evidence);
  std::vector<double> w;
  for (std::size_t j = 0; j < done.size(); ++j) {
    const std::size_t lo = j >= kShapeMedianHalf ? j - kShapeMedianHalf : 0, hi = std::min(done.size(), j + kShapeMedianHalf + 1);
    std::array<double, 5> med{};
    for (std::size_t k = 0; k < 5; ++k) {
      w.clear();
      for (std::size_t q = lo; q < hi; ++q) w.push_back(m[q][k]);
      med[k] = median(w);
    }
    BeatEvidence& e = out[done[j]].evidence;
    e.median_qrs_corr = med[0], e.median_log_width = med[1], e.median_log_amp = med[2], e.median_residual = med[3],
    e.median_pre_corr = med[4];
  }
}

}  // namespace

bool resembles_dominant(const BeatEvidence& e) {
  return e.qrs_corr >= kLikeDominantCorr && e.width_ratio <= kLikeDominantMaxWidth && e.amp_ratio >= kLikeDominantAmpLo &&
         e.amp_ratio <= kLikeDominantAmpHi;
}

BeatClass classify_evidence(BeatEvidence& e) {
  const auto x = features(e);
  std::array<double, kFeatures> phi{};
  std::array<double, kBase> zs{};
  for (std::size_t k = 0; k < kBase; ++k) zs[k] = std::clamp((x[k] - kFeatureMean[k]) / kFeatureSd[k], -8.0, 8.0);
  std::size_t at = 0;
  for (std::size_t k = 0; k < kBase; ++k) phi[at++] = zs[k];
  for (std::size_t a = 0; a < kBase; ++a) {
    for (std::size_t c = a; c < kBase; ++c) phi[at++] = zs[a] * zs[c];
  }
  std::array<double, 4> z{};
  for (std::size_t c = 0; c < 4; ++c) {
    z[c] = kWeights[c][0];
    for (std::size_t k = 0; k < kFeatures; ++k) z[c] += kWeights[c][k + 1] * phi[k];
  }
  const double top = *std::max_element(z.begin(), z.end());
  double sum = 0;
  for (double& v : z) v = std::exp(v - top), sum += v;
  for (double& v : z) v /= sum;
  e.p_S = z[1], e.p_V = z[2], e.p_F = z[3];
  if (resembles_dominant(e)) z[2] = -1.0;  // never V (the probabilities stay as evidence)
  const std::size_t best = static_cast<std::size_t>(std::max_element(z.begin(), z.end()) - z.begin());
  return best == 0 ? BeatClass::N : best == 1 ? BeatClass::S : best == 2 ? BeatClass::V : BeatClass::F;
}

namespace {

void decide(ClassifiedBeat& b) { b.cls = classify_evidence(b.evidence); }

}  // namespace

std::string_view to_string(BeatClass c) {
  switch (c) {
    case BeatClass::N: return "N";
    case BeatClass::S: return "S";
    case BeatClass::V: return "V";
    case BeatClass::F: return "F";
    case BeatClass::Q: return "Q";
  }
  return "Q";
}

namespace {

// whole: the lead prepared whole (the plain path); else a stretch at a time (SlidingPrepared), each
// block of beats reading the stretch its beats' windows span: the same values, so the same result.
std::vector<ClassifiedBeat> classify(std::span<const float> lead_mv, double fs_hz, std::span<const std::int64_t> rpeaks,
                                     std::span<const dsp::Beat> delineated, bool whole) {
  std::vector<ClassifiedBeat> out(rpeaks.size());
  for (std::size_t i = 0; i < rpeaks.size(); ++i) out[i].sample = rpeaks[i];
  if (rpeaks.empty() || !(fs_hz > 0) || !dsp::lead_quality(lead_mv).usable()) return out;
  std::optional<Prepared> prepared;
  std::optional<SlidingPrepared> sliding;
  if (whole) prepared = prepare(lead_mv, fs_hz);
  else sliding.emplace(lead_mv, fs_hz);
  const auto n = static_cast<std::int64_t>(lead_mv.size());
  Geometry g;
  g.before = samples(100.0, fs_hz), g.after = samples(120.0, fs_hz), g.lag = samples(20.0, fs_hz);
  g.pre_from = samples(300.0, fs_hz), g.pre_to = g.before;
  const std::size_t nb = rpeaks.size();
  auto valid = [&](std::size_t i) { return rpeaks[i] - g.before - g.lag >= 0 && rpeaks[i] + g.after + g.lag < n; };
  auto pre_valid = [&](std::size_t i) { return rpeaks[i] - g.pre_from - g.lag >= 0; };

  // RR context: local RR = median of the RR intervals of the 10 beats before and the 10 after (a
  // median, so ectopic beats and their pauses do not move it).
  std::vector<double> rr(nb > 1 ? nb - 1 : 0);
  for (std::size_t k = 0; k + 1 < nb; ++k) rr[k] = static_cast<double>(rpeaks[k + 1] - rpeaks[k]) * 1000.0 / fs_hz;
  std::vector<double> pre_ratio(nb, 1.0), around;
  for (std::size_t i = 0; i < nb; ++i) {
    BeatEvidence& e = out[i].evidence;
    if (rr.empty()) break;
    const std::size_t lo = i >= 10 ? i - 10 : 0, hi = std::min(rr.size(), i + 10);
    around.assign(rr.begin() + static_cast<std::ptrdiff_t>(lo), rr.begin() + static_cast<std::ptrdiff_t>(hi));
    std::nth_element(around.begin(), around.begin() + static_cast<std::ptrdiff_t>(around.size() / 2), around.end());
    e.local_rr_ms = around[around.size() / 2];
    if (i > 0) e.rr_pre_ratio = rr[i - 1] / e.local_rr_ms;
    if (i + 1 < nb) e.rr_post_ratio = rr[i] / e.local_rr_ms;
    if (i > 1) e.rr_pre_over_prev = rr[i - 1] / rr[i - 2];
    e.rr_pre_ms = i > 0 ? rr[i - 1] : e.local_rr_ms;
    e.rr_post_ms = i + 1 < nb ? rr[i] : e.local_rr_ms;
    pre_ratio[i] = e.rr_pre_ratio;
    // Average RR over about 5 minutes (the median of the 300 RR intervals around the beat).
    {
      const std::size_t llo = i >= 150 ? i - 150 : 0, lhi = std::min(rr.size(), i + 150);
      around.assign(rr.begin() + static_cast<std::ptrdiff_t>(llo), rr.begin() + static_cast<std::ptrdiff_t>(lhi));
      std::nth_element(around.begin(), around.begin() + static_cast<std::ptrdiff_t>(around.size() / 2), around.end());
      e.average_rr_ms = around[around.size() / 2];
    }
    // Sinus cycle: the 95th percentile of the 100 RR intervals around the beat (linear interpolation
    // between order statistics, as numpy's percentile). Against the local median, frequent ectopic
    // beats set the reference cycle themselves; the slower cycles are the sinus ones.
    {
      const std::size_t slo = i >= kSinusHalfWindow ? i - kSinusHalfWindow : 0, shi = std::min(rr.size(), i + kSinusHalfWindow);
      around.assign(rr.begin() + static_cast<std::ptrdiff_t>(slo), rr.begin() + static_cast<std::ptrdiff_t>(shi));
      e.sinus_rr_ms = percentile(around, kSinusPercentile);
    }
    // Irregularity: median |successive RR difference| over the same intervals / local RR. Isolated
    // ectopics leave it low; atrial fibrillation makes it high (its early beats are not S).
    around.clear();
    for (std::size_t k = lo; k + 1 < hi; ++k) around.push_back(std::fabs(rr[k + 1] - rr[k]));
    if (!around.empty()) {
      std::nth_element(around.begin(), around.begin() + static_cast<std::ptrdiff_t>(around.size() / 2), around.end());
      e.rr_irregularity = around[around.size() / 2] / e.local_rr_ms;
    }
  }

  // Dominant templates per block of 64 beats (a last block under 32 joins the one before).
  constexpr std::size_t kBlock = 64;
  std::vector<std::pair<std::size_t, std::size_t>> blocks;
  for (std::size_t s = 0; s < nb; s += kBlock) blocks.emplace_back(s, std::min(nb, s + kBlock));
  if (blocks.size() > 1 && blocks.back().second - blocks.back().first < kBlock / 2) {
    blocks[blocks.size() - 2].second = blocks.back().second;
    blocks.pop_back();
  }
  std::vector<std::optional<Template>> templates;
  std::vector<bool> matched(nb, false);  // shape evidence measured (the others stay Q)
  // The samples a block's beats read: from the earliest one's P-wave window to the latest one's QRS
  // window, each widened by the lag.
  auto stretch = [&](std::size_t k) -> const Prepared& {
    if (prepared) return *prepared;
    std::int64_t lo = n, hi = 0;
    for (std::size_t i = blocks[k].first; i < blocks[k].second; ++i) {
      lo = std::min(lo, rpeaks[i] - g.pre_from - g.lag);
      hi = std::max(hi, rpeaks[i] + g.after + g.lag + 1);
    }
    return sliding->ensure(lo, hi);
  };
  auto match_block = [&](std::size_t k, const Prepared& p) {
    const Template& t = *templates[k];
    for (std::size_t i = blocks[k].first; i < blocks[k].second; ++i) {
      if (!valid(i)) continue;  // stays Q
      BeatEvidence& e = out[i].evidence;
      const std::int64_t r = rpeaks[i];
      const Match m = best_match(p, r, g, t.qrs, t.rms);
      e.qrs_corr = m.corr;
      e.residual = m.residual;
      e.width_ms = qrs_width_ms(p, r, g, fs_hz);
      e.width_ratio = t.width_ms > 0 ? e.width_ms / t.width_ms : 1.0;
      const double p2p = peak_to_peak(std::span<const float>(p.yp(r + m.lag - g.before), g.len()));
      e.amp_ratio = t.p2p > 0 ? p2p / t.p2p : 1.0;
      e.pre_corr = pre_valid(i) ? pearson(p.yp(r + m.lag - g.pre_from), t.pre.data(), g.pre_len()) : 1.0;
      auto it = std::lower_bound(delineated.begin(), delineated.end(), r, [](const dsp::Beat& b, std::int64_t v) { return b.r < v; });
      e.p_wave = it != delineated.end() && it->r == r && it->p_peak.has_value();
      matched[i] = true;
    }
  };
  // Each block's template, and the beats of each block that has its own matched while its stretch
  // is held; the others wait for a borrowed template below.
  std::vector<std::size_t> waiting;
  for (std::size_t k = 0; k < blocks.size(); ++k) {
    const auto [s, e] = blocks[k];
    std::vector<std::size_t> members;
    for (std::size_t i = s; i < e; ++i) if (valid(i) && pre_valid(i)) members.push_back(i);
    if (members.empty()) {
      templates.emplace_back();
      waiting.push_back(k);
      continue;
    }
    const Prepared& p = stretch(k);
    templates.push_back(block_template(p, rpeaks, members, pre_ratio, g, fs_hz));
    if (templates[k]) match_block(k, p);
    else waiting.push_back(k);
  }
  // A block without a template borrows the nearest block's.
  for (std::size_t k = 0; k < templates.size(); ++k) {
    if (templates[k]) continue;
    for (std::size_t d = 1; d < templates.size() && !templates[k]; ++d) {
      if (k >= d && templates[k - d] && templates[k - d]->qrs.size()) templates[k] = templates[k - d];
      else if (k + d < templates.size() && templates[k + d] && templates[k + d]->qrs.size()) templates[k] = templates[k + d];
    }
  }

  for (std::size_t k : waiting) {
    if (templates[k]) match_block(k, stretch(k));
  }
  // Classes once every beat's evidence is in: the running medians read the beats around.
  std::vector<std::size_t> done;
  for (std::size_t i = 0; i < nb; ++i) if (matched[i]) done.push_back(i);
  set_shape_medians(out, done);
  for (std::size_t i : done) decide(out[i]);
  return out;
}

}  // namespace

std::vector<ClassifiedBeat> classify_beats(std::span<const float> lead_mv, double fs_hz, std::span<const std::int64_t> rpeaks,
                                           std::span<const dsp::Beat> delineated) {
  // Long leads a stretch at a time (the same result in bounded memory); the whole-lead path for the
  // others and for a lead whose running medians take their reference path (NaN or -0.0 samples).
  const bool whole = !dsp::streamed::streams(lead_mv.size(), fs_hz) || dsp::streamed::plain_median_lead(lead_mv);
  return classify(lead_mv, fs_hz, rpeaks, delineated, whole);
}

}  // namespace ecg::beats

namespace ecg::dsp::streamed {
std::vector<beats::ClassifiedBeat> classify_beats(std::span<const float> lead_mv, double fs_hz, std::span<const std::int64_t> rpeaks,
                                                  std::span<const dsp::Beat> delineated, bool whole) {
  if (!whole && plain_median_lead(lead_mv)) throw Error("streamed beat classification: the lead holds NaN or -0.0 samples (the whole-lead path only)");
  return beats::classify(lead_mv, fs_hz, rpeaks, delineated, whole);
}
}  // namespace ecg::dsp::streamed

namespace ecg::beats {

std::optional<std::size_t> classification_lead(const Record& record) {
  if (auto ii = record.lead_index("II"); ii && dsp::lead_quality(record.lead(*ii)).usable()) return ii;
  for (std::size_t k = 0; k < record.n_leads(); ++k) {
    if (dsp::lead_quality(record.lead(k)).usable()) return k;
  }
  return std::nullopt;
}

std::vector<ClassifiedBeat> classify_beats(const Record& record, std::span<const std::int64_t> rpeaks, std::span<const dsp::Beat> beats) {
  const auto lead = classification_lead(record);
  if (!lead) {
    std::vector<ClassifiedBeat> out(rpeaks.size());
    for (std::size_t i = 0; i < rpeaks.size(); ++i) out[i].sample = rpeaks[i];
    return out;
  }
  return classify_beats(record.lead(*lead), record.fs_hz, rpeaks, beats);
}

std::string to_json(std::span<const ClassifiedBeat> beats, double fs_hz) {
  nlohmann::json out = nlohmann::json::array();
  auto round3 = [](double v) { return std::round(v * 1000.0) / 1000.0; };
  for (const ClassifiedBeat& b : beats) {
    const BeatEvidence& e = b.evidence;
    out.push_back({{"t_s", round3(fs_hz > 0 ? static_cast<double>(b.sample) / fs_hz : 0.0)},
                   {"sample", b.sample},
                   {"class", std::string(to_string(b.cls))},
                   {"evidence",
                    {{"rr_pre_ratio", round3(e.rr_pre_ratio)}, {"rr_post_ratio", round3(e.rr_post_ratio)},
                     {"qrs_corr", round3(e.qrs_corr)}, {"width_ratio", round3(e.width_ratio)}, {"width_ms", round3(e.width_ms)},
                     {"amp_ratio", round3(e.amp_ratio)}, {"p_wave", e.p_wave}, {"p_S", round3(e.p_S)}, {"p_V", round3(e.p_V)},
                     {"p_F", round3(e.p_F)}}}});
  }
  return out.dump();
}

}  // namespace ecg::beats
