// Linear-phase FIR design (Kaiser window; firwin-Hamming for model parity), zero-phase application,
// running median and baseline-wander removal.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <string>

#include "ecg/dsp.h"
#include "ecg/error.h"
#include "dsp/kernels.h"
#include "dsp/reference.h"
#include "dsp/streamed.h"

namespace ecg::dsp {
namespace {

constexpr double kPi = std::numbers::pi;

double sinc(double x) { return x == 0.0 ? 1.0 : std::sin(kPi * x) / (kPi * x); }

// Modified Bessel function of the first kind, order 0 (power series; converges for all beta used).
double bessel_i0(double x) {
  double sum = 1.0, term = 1.0;
  const double q = x * x / 4.0;
  for (int k = 1; k < 200; ++k) {
    term *= q / (static_cast<double>(k) * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

double kaiser_beta(double attenuation_db) {
  if (attenuation_db > 50.0) return 0.1102 * (attenuation_db - 8.7);
  if (attenuation_db >= 21.0) return 0.5842 * std::pow(attenuation_db - 21.0, 0.4) + 0.07886 * (attenuation_db - 21.0);
  return 0.0;
}

std::string fmt(double v) {
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

std::vector<double> design_fir(const FirSpec& spec, double fs_hz) {
  const double nyq = fs_hz / 2.0;
  if (!(fs_hz > 0)) throw Error("FIR design: expected a sampling rate > 0 Hz, found " + fmt(fs_hz));
  const bool has_lo = spec.lo_hz > 0.0;
  const bool has_hi = spec.hi_hz > 0.0 && spec.hi_hz < nyq;
  if (!has_lo && !has_hi) throw Error("FIR design: expected a low cutoff > 0 Hz or a high cutoff below fs/2 = " + fmt(nyq) + " Hz, found neither");
  if (has_lo && has_hi && spec.lo_hz >= spec.hi_hz) {
    throw Error("FIR design: expected the low cutoff below the high cutoff, found " + fmt(spec.lo_hz) + " >= " + fmt(spec.hi_hz) + " Hz");
  }
  if (has_lo && (spec.lo_hz >= nyq || !(spec.low_transition_hz > 0) || spec.low_transition_hz > 2 * spec.lo_hz)) {
    throw Error("FIR design: low cutoff " + fmt(spec.lo_hz) + " Hz with transition " + fmt(spec.low_transition_hz) +
                " Hz: expected a cutoff below fs/2 = " + fmt(nyq) + " Hz and 0 < transition <= 2 x cutoff");
  }
  if (has_hi && (!(spec.high_transition_hz > 0) || spec.hi_hz + spec.high_transition_hz / 2 > nyq)) {
    throw Error("FIR design: high cutoff " + fmt(spec.hi_hz) + " Hz with transition " + fmt(spec.high_transition_hz) +
                " Hz: expected the stopband edge (cutoff + transition/2) at or below fs/2 = " + fmt(nyq) + " Hz");
  }
  // Kaiser: one delta for both ripple and attenuation, the tighter of the two.
  const double ripple_lin = std::pow(10.0, spec.ripple_db / 20.0);
  const double delta = std::min(std::pow(10.0, -spec.attenuation_db / 20.0), (ripple_lin - 1.0) / (ripple_lin + 1.0));
  // +3 dB: in a band-pass the two edges' ripples can add up where the transition bands' tails meet.
  const double a = -20.0 * std::log10(delta) + 3.0;
  const double beta = kaiser_beta(a);
  double tw = 1e300;
  if (has_lo) tw = std::min(tw, spec.low_transition_hz);
  if (has_hi) tw = std::min(tw, spec.high_transition_hz);
  // Kaiser's length estimate, with 5 % margin (the estimate is slightly optimistic for narrow bands).
  const double n_est = 1.05 * (a - 7.95) / (2.285 * 2.0 * kPi * tw / fs_hz) + 1.0;
  if (n_est > static_cast<double>(1 << 20)) {
    throw Error("FIR design: the spec needs about " + fmt(std::ceil(n_est)) + " taps at " + fmt(fs_hz) +
                " Hz (limit 2^20): widen the transition band");
  }
  auto n = static_cast<std::size_t>(std::ceil(n_est));
  if (n % 2 == 0) ++n;
  if (n < 3) n = 3;
  const double mid = static_cast<double>(n - 1) / 2.0;
  const double f1 = has_lo ? spec.lo_hz / fs_hz : 0.0;
  const double f2 = has_hi ? spec.hi_hz / fs_hz : 0.5;
  std::vector<double> h(n);
  const double i0_beta = bessel_i0(beta);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) - mid;
    const double ideal = 2 * f2 * sinc(2 * f2 * t) - 2 * f1 * sinc(2 * f1 * t);
    const double r = t / mid;
    h[i] = ideal * bessel_i0(beta * std::sqrt(std::max(0.0, 1.0 - r * r))) / i0_beta;
  }
  // Unit gain in the middle of the passband (DC for a low-pass, fs/2 for a high-pass).
  const double f_ref = !has_lo ? 0.0 : !has_hi ? fs_hz / 2.0 : (spec.lo_hz + spec.hi_hz) / 2.0;
  const double g = fir_gain(h, f_ref, fs_hz);
  for (double& v : h) v /= g;
  return h;
}

std::vector<double> design_bandpass_hamming(double lo_hz, double hi_hz, int taps, double fs_hz) {
  if (taps < 3 || taps % 2 == 0) throw Error("band-pass: expected an odd number of taps >= 3 (zero-phase type I FIR), found " + std::to_string(taps));
  if (!(fs_hz > 0) || !(lo_hz > 0) || !(hi_hz > lo_hz) || hi_hz >= fs_hz / 2) {
    throw Error("band-pass: expected 0 < low (" + fmt(lo_hz) + " Hz) < high (" + fmt(hi_hz) + " Hz) < fs/2 (" + fmt(fs_hz / 2) + " Hz)");
  }
  const auto n = static_cast<std::size_t>(taps);
  const double mid = static_cast<double>(n - 1) / 2.0;
  const double f1 = lo_hz / fs_hz, f2 = hi_hz / fs_hz, fc = (f1 + f2) / 2.0;
  std::vector<double> h(n);
  double norm = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) - mid;
    const double w = 0.54 - 0.46 * std::cos(2 * kPi * static_cast<double>(i) / static_cast<double>(n - 1));
    h[i] = w * (2 * f2 * sinc(2 * f2 * t) - 2 * f1 * sinc(2 * f1 * t));
    norm += h[i] * std::cos(2 * kPi * fc * t);
  }
  for (double& v : h) v /= norm;
  return h;
}

double fir_gain(std::span<const double> taps, double f_hz, double fs_hz) {
  const double mid = static_cast<double>(taps.size() - 1) / 2.0;
  double re = 0.0, im = 0.0;
  for (std::size_t i = 0; i < taps.size(); ++i) {
    const double phase = 2 * kPi * f_hz / fs_hz * (static_cast<double>(i) - mid);
    re += taps[i] * std::cos(phase);
    im -= taps[i] * std::sin(phase);
  }
  return std::hypot(re, im);
}

std::vector<float> fir_zero_phase(std::span<const float> x, std::span<const double> taps) {
  const std::size_t n = x.size();
  if (n == 0) return {};
  if (taps.size() % 2 == 0) throw Error("zero-phase FIR: expected an odd number of taps, found " + std::to_string(taps.size()));
  const std::size_t m = (taps.size() - 1) / 2;
  const std::size_t p = std::min(m, n - 1);
  // ext[j] holds x at position j - m (zeros beyond the reflected edge).
  std::vector<double> ext(n + 2 * m, 0.0);
  for (std::size_t i = 0; i < n; ++i) ext[m + i] = x[i];
  for (std::size_t i = 1; i <= p; ++i) {
    ext[m - i] = 2.0 * x[0] - x[i];
    ext[m + n - 1 + i] = 2.0 * x[n - 1] - x[n - 1 - i];
  }
#if defined(__wasm__)
  return fast::fir_symmetric_tiled(ext, taps, n);
#else
  return fast::fir_symmetric_blocked(ext, taps, n);
#endif
}

namespace fast {

std::vector<float> fir_symmetric_blocked(std::span<const double> ext, std::span<const double> taps, std::size_t n) {
  const std::size_t m = (taps.size() - 1) / 2;
  std::vector<float> y(n);
  // Symmetric taps: fold the pairs (h[m-k] = h[m+k]) to halve the multiplications. Blocks of output
  // positions with the tap loop outside: the inner loop runs over independent outputs, so it
  // vectorises (SSE/AVX, wasm-simd) while every output still sums its taps in the order k = 0, 1,
  // ..., m — the same result, bit for bit, as one output at a time.
  constexpr std::size_t kBlock = 256;
  double acc[kBlock];
  for (std::size_t t0 = 0; t0 < n; t0 += kBlock) {
    const std::size_t len = std::min(kBlock, n - t0);
    const double* c = &ext[t0 + m];
    for (std::size_t t = 0; t < len; ++t) acc[t] = taps[m] * c[t];
    for (std::size_t k = 1; k <= m; ++k) {
      const double h = taps[m - k];
      const double* ahead = c + k;
      const double* behind = c - k;
      for (std::size_t t = 0; t < len; ++t) acc[t] += h * (ahead[t] + behind[t]);
    }
    for (std::size_t t = 0; t < len; ++t) y[t0 + t] = static_cast<float>(acc[t]);
  }
  return y;
}

std::vector<float> fir_symmetric_tiled(std::span<const double> ext, std::span<const double> taps, std::size_t n) {
  const std::size_t m = (taps.size() - 1) / 2;
  std::vector<float> y(n);
  // Eight outputs whose sums stay in registers over the whole tap loop (each summing its taps in the
  // order k = 0, 1, ..., m, as one output at a time would); in WebAssembly (V8) about 1.6 times
  // faster than the blocked loop, whose accumulators go through memory; natively slower.
  constexpr std::size_t kTile = 8;
  std::size_t t0 = 0;
  for (; t0 + kTile <= n; t0 += kTile) {
    const double* c = &ext[t0 + m];
    double acc[kTile];
    for (std::size_t t = 0; t < kTile; ++t) acc[t] = taps[m] * c[t];
    for (std::size_t k = 1; k <= m; ++k) {
      const double h = taps[m - k];
      for (std::size_t t = 0; t < kTile; ++t) acc[t] += h * (c[t + k] + c[t - k]);
    }
    for (std::size_t t = 0; t < kTile; ++t) y[t0 + t] = static_cast<float>(acc[t]);
  }
  for (; t0 < n; ++t0) {
    const double* c = &ext[t0 + m];
    double acc = taps[m] * c[0];
    for (std::size_t k = 1; k <= m; ++k) acc += taps[m - k] * (c[k] + *(c - k));
    y[t0] = static_cast<float>(acc);
  }
  return y;
}

}  // namespace fast

std::vector<float> bandpass(std::span<const float> x, double fs_hz, const FirSpec& spec) {
  const auto taps = design_fir(spec, fs_hz);
  return fir_zero_phase(x, taps);
}

std::vector<float> highpass(std::span<const float> x, double fs_hz, double cutoff_hz, double transition_hz) {
  FirSpec spec;
  spec.lo_hz = cutoff_hz;
  spec.hi_hz = 0.0;
  spec.low_transition_hz = transition_hz;
  return bandpass(x, fs_hz, spec);
}

namespace {

// Sortable key of a sample: (float bits mapped to an unsigned order, sample index), so that keys
// order the samples as < does with ties broken by position; -0.0 and NaN are excluded by the caller.
std::uint64_t median_key(float v, std::size_t index) {
  std::uint32_t u;
  std::memcpy(&u, &v, sizeof u);
  u = u & 0x80000000u ? ~u : u | 0x80000000u;
  return (static_cast<std::uint64_t>(u) << 32) | static_cast<std::uint64_t>(index);
}

// Sorts keys[0, size) (spare: scratch): a stable LSD radix sort on the value half, 8 bits a pass (a
// pass whose byte is the same in every key is skipped); keys that start in sample order keep equal
// values in sample order, which is the order of the whole keys.
void radix_sort_keys(std::uint64_t* keys, std::size_t size, std::vector<std::uint64_t>& spare) {
  spare.resize(size);
  std::uint32_t count[4][256] = {};
  for (std::size_t t = 0; t < size; ++t) {
    const auto v = static_cast<std::uint32_t>(keys[t] >> 32);
    ++count[0][v & 255u], ++count[1][(v >> 8) & 255u], ++count[2][(v >> 16) & 255u], ++count[3][v >> 24];
  }
  std::uint64_t* from = keys;
  std::uint64_t* to = spare.data();
  for (int pass = 0; pass < 4; ++pass) {
    const int shift = 32 + 8 * pass;
    if (count[pass][(from[0] >> shift) & 255u] == size) continue;
    std::uint32_t at[256];
    std::uint32_t sum = 0;
    for (int d = 0; d < 256; ++d) at[d] = sum, sum += count[pass][d];
    for (std::size_t t = 0; t < size; ++t) to[at[(from[t] >> shift) & 255u]++] = from[t];
    std::swap(from, to);
  }
  if (from != keys) std::copy(from, from + size, keys);
}

// The sorted keys of the blocks [b k, (b + 1) k) of x, sorted a batch of blocks at a time: one radix
// sort of the batch (its prefix sums shared by its blocks), then a stable pass that deals the keys
// out to their blocks, which keeps each block's keys in order.
class BlockSorter {
 public:
  BlockSorter(std::span<const float> x, std::size_t k) : x_(x), k_(k), per_batch_(std::max<std::size_t>(1, 8192 / k)) {}
  // Block b's keys in order (min(k, n - b k) of them).
  const std::uint64_t* block(std::size_t b) {
    if (sorted_.empty() || b < first_ || b >= first_ + per_batch_) sort_batch(b);
    return sorted_.data() + (b - first_) * k_;
  }

 private:
  void sort_batch(std::size_t b0) {
    first_ = b0;
    const std::size_t lo = b0 * k_, hi = std::min(x_.size(), (b0 + per_batch_) * k_), size = hi - lo;
    keys_.resize(size);
    block_of_.resize(size);
    for (std::size_t t = 0; t < size; ++t) keys_[t] = median_key(x_[lo + t], lo + t);
    for (std::size_t j = 0, t = 0; t < size; ++j)
      for (std::size_t e = std::min(size, t + k_); t < e; ++t) block_of_[t] = static_cast<std::uint32_t>(j);
    radix_sort_keys(keys_.data(), size, spare_);
    sorted_.resize(size);
    std::vector<std::size_t>& at = at_;
    at.assign(per_batch_, 0);
    for (std::size_t j = 0; j < per_batch_; ++j) at[j] = j * k_;
    for (std::size_t t = 0; t < size; ++t) sorted_[at[block_of_[static_cast<std::size_t>((keys_[t] & 0xffffffffu) - lo)]]++] = keys_[t];
  }

  std::span<const float> x_;
  std::size_t k_, per_batch_, first_ = 0;
  std::vector<std::uint64_t> keys_, spare_, sorted_;
  std::vector<std::uint32_t> block_of_;
  std::vector<std::size_t> at_;
};

// One block of `k` consecutive samples as a doubly linked list in sorted order (slot = rank in the
// block, slot m = the list's sentinel, key +infinity). Samples leave and enter the list by slot.
struct MedianBlock {
  std::vector<std::uint64_t> key;   // key of each slot, [m] = max
  std::vector<std::int32_t> next, prev;
  std::vector<std::int32_t> slot_of;  // slot of the block's t-th sample
  std::int32_t m = 0;
  std::vector<std::uint64_t> spare;

  // Sorts key[0, size): a stable LSD radix sort on the value half, 8 bits a pass (a pass whose byte
  // is the same in every key is skipped); the keys start in sample order, so equal values stay in
  // sample order, which is the order of the whole keys.
  void sort_keys(std::size_t size) {
    if (size < 64) std::sort(key.begin(), key.begin() + static_cast<std::ptrdiff_t>(size));
    else radix_sort_keys(key.data(), size, spare);
  }

  void build(std::span<const float> x, std::size_t first, std::size_t size) {
    key.resize(size + 1);
    for (std::size_t t = 0; t < size; ++t) key[t] = median_key(x[first + t], first + t);
    sort_keys(size);
    link(first, size);
  }
  // The block from keys sorted already.
  void build_sorted(const std::uint64_t* sorted, std::size_t first, std::size_t size) {
    key.resize(size + 1);
    std::copy(sorted, sorted + size, key.begin());
    link(first, size);
  }
  void link(std::size_t first, std::size_t size) {
    m = static_cast<std::int32_t>(size);
    next.resize(size + 1);
    prev.resize(size + 1);
    slot_of.resize(size);
    key[size] = ~std::uint64_t{0};
    for (std::int32_t j = 0; j < m; ++j) slot_of[static_cast<std::size_t>((key[static_cast<std::size_t>(j)] & 0xffffffffu) - first)] = j;
    for (std::int32_t j = 0; j <= m; ++j) next[static_cast<std::size_t>(j)] = j == m ? 0 : j + 1, prev[static_cast<std::size_t>(j)] = j == 0 ? m : j - 1;
    if (m == 0) next[0] = prev[0] = 0;
  }
  void unlink(std::int32_t j) {
    next[static_cast<std::size_t>(prev[static_cast<std::size_t>(j)])] = next[static_cast<std::size_t>(j)];
    prev[static_cast<std::size_t>(next[static_cast<std::size_t>(j)])] = prev[static_cast<std::size_t>(j)];
  }
  // Undoes unlink(j); valid when the unlinks after j's have been undone (dancing links).
  void relink(std::int32_t j) {
    next[static_cast<std::size_t>(prev[static_cast<std::size_t>(j)])] = j;
    prev[static_cast<std::size_t>(next[static_cast<std::size_t>(j)])] = j;
  }
  std::uint64_t at(std::int32_t j) const { return key[static_cast<std::size_t>(j)]; }
  // Key of the slot before j in the list, 0 (below every sample) at the head.
  std::uint64_t before(std::int32_t j) const {
    const std::int32_t p = prev[static_cast<std::size_t>(j)];
    return p == m ? 0 : key[static_cast<std::size_t>(p)];
  }
};

// Medians of the full windows x[s, s + 2 half + 1), s = 0 .. n - 2 half - 1, into out[s + half]
// (Suomela 2014, "Median filtering is equivalent to sorting"): the samples are cut into blocks of
// the window's length k, each sorted once; a window is the tail of one block A and the head of the
// next, B. Each step removes A's oldest sample from A's list and restores B's next one into B's
// (B's samples were unlinked newest first, so they come back in order); a cut through both lists
// keeps `half` samples below it, and the median is the smaller of the two samples just above it.
// O(n log k) for the sorts, O(1) per step; the result is the same sample the sorted window holds.
void full_window_medians(std::span<const float> x, std::size_t half, std::vector<float>& out) {
  const std::size_t n = x.size(), k = 2 * half + 1, last_start = n - k;
  MedianBlock a, b;
  BlockSorter sorter(x, k);
  a.build_sorted(sorter.block(0), 0, k);
  const auto h = static_cast<std::int64_t>(half);
  std::int32_t pa = static_cast<std::int32_t>(half), pb = 0;  // first slot above the cut in A, in B
  std::int64_t small = h;                                     // samples below the cut
  out[half] = x[static_cast<std::size_t>(a.at(pa) & 0xffffffffu)];
  for (std::size_t base = 0;; base += k) {
    const std::size_t b_first = base + k;
    const std::size_t steps = std::min(k, last_start - base);  // windows starting at base + 1 .. base + steps
    if (steps == 0) break;
    b.build_sorted(sorter.block(b_first / k), b_first, std::min(k, n - b_first));
    for (std::int32_t j = b.m - 1; j >= 0; --j) b.unlink(b.slot_of[static_cast<std::size_t>(j)]);
    pb = b.m;
    for (std::size_t t = 0; t < steps; ++t) {
      const std::int32_t d = a.slot_of[t];  // A's oldest sample leaves, B's next one enters
      if (d < pa) --small;
      else if (d == pa) pa = a.next[static_cast<std::size_t>(pa)];
      a.unlink(d);
      const std::int32_t e = b.slot_of[t];
      b.relink(e);
      const std::uint64_t ke = b.at(e);
      if (ke < std::min(a.at(pa), b.at(pb))) ++small;
      else if (e < pb) pb = e;
      while (small < h) {
        if (a.at(pa) < b.at(pb)) pa = a.next[static_cast<std::size_t>(pa)];
        else pb = b.next[static_cast<std::size_t>(pb)];
        ++small;
      }
      while (small > h) {
        if (a.before(pa) > b.before(pb)) pa = a.prev[static_cast<std::size_t>(pa)];
        else pb = b.prev[static_cast<std::size_t>(pb)];
        --small;
      }
      out[base + t + 1 + half] = x[static_cast<std::size_t>(std::min(a.at(pa), b.at(pb)) & 0xffffffffu)];
    }
    if (steps < k) break;
    // The window is block B alone: B becomes A.
    std::swap(a, b);
    pa = pb;
  }
}

// Medians of the shrunk windows at the edges: [0, i + half + 1) for i < half (the list of the
// first 2 half samples, grown one sample a step) and [i - half, n) for i >= n - half (the list of
// the last 2 half, shrunk one a step). A pointer at the lower middle of the list moves at most one
// slot a step; an even count averages the two middle samples as the reference does.
void edge_medians(std::span<const float> x, std::size_t half, std::vector<float>& out) {
  const std::size_t n = x.size(), w = 2 * half;
  MedianBlock blk;
  std::int32_t p = 0;
  std::size_t small = 0;  // samples before p in the list
  auto settle = [&](std::size_t size) {
    const std::size_t target = (size - 1) / 2;
    for (; small < target; ++small) p = blk.next[static_cast<std::size_t>(p)];
    for (; small > target; --small) p = blk.prev[static_cast<std::size_t>(p)];
    const float lower = x[static_cast<std::size_t>(blk.at(p) & 0xffffffffu)];
    if (size % 2) return lower;
    return 0.5f * (lower + x[static_cast<std::size_t>(blk.at(blk.next[static_cast<std::size_t>(p)]) & 0xffffffffu)]);
  };
  blk.build(x, 0, w);
  for (std::size_t t = w; t-- > half + 1;) blk.unlink(blk.slot_of[t]);
  p = blk.next[static_cast<std::size_t>(blk.m)], small = 0;
  for (std::size_t i = 0; i < half; ++i) {
    if (i > 0) {
      const std::int32_t e = blk.slot_of[i + half];
      blk.relink(e);
      small += e < p;
    }
    out[i] = settle(i + half + 1);
  }
  const std::size_t first = n - w;
  blk.build(x, first, w);
  p = blk.next[static_cast<std::size_t>(blk.m)], small = 0;
  for (std::size_t i = n - half; i < n; ++i) {
    if (i > n - half) {
      const std::int32_t d = blk.slot_of[i - half - 1 - first];
      if (d < p) --small;
      else if (d == p) p = blk.next[static_cast<std::size_t>(p)];
      blk.unlink(d);
    }
    out[i] = settle(n - i + half);
  }
}

}  // namespace

std::vector<float> running_median(std::span<const float> x, std::size_t width) {
  const std::size_t n = x.size(), half = width / 2;
  // The reference where the window never fits whole, where the blocks' 32-bit positions would
  // overflow, and for NaN or -0.0 samples (the sorted window's order among them is its own).
  const bool plain = std::any_of(x.begin(), x.end(), [](float v) { return std::isnan(v) || (v == 0.0f && std::signbit(v)); });
  if (half == 0 || n < 2 * half + 1 || n >= (std::size_t{1} << 31) || plain) return ref::running_median(x, width);
  // A constant lead (a masked one is all zeros) is its own median: v, or (v + v) / 2 = v where the
  // shrunk windows hold an even count (exact below half the float range).
  if (std::all_of(x.begin(), x.end(), [&](float v) { return std::memcmp(&v, &x[0], sizeof v) == 0; }) && std::fabs(x[0]) < 1e38f) {
    return std::vector<float>(x.begin(), x.end());
  }
  std::vector<float> out(n);
  edge_medians(x, half, out);
  full_window_medians(x, half, out);
  return out;
}

std::vector<float> remove_baseline(std::span<const float> x, double fs_hz) {
  auto odd = [&](double seconds) {
    auto w = static_cast<std::size_t>(std::lround(seconds * fs_hz));
    return w | 1u;
  };
  std::vector<float> stage1 = running_median(x, odd(0.2));
  std::vector<float> baseline = running_median(stage1, odd(0.6));
  std::vector<float> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = x[i] - baseline[i];
  return y;
}

BaselineFree remove_baseline(const Record& record) {
  BaselineFree out;
  out.leads.resize(record.n_leads());
  // Longer leads are cut into 60-s chunks by every stage that reads them: a whole-lead copy would
  // cost time and memory (hours-long records) that no stage uses.
  if (static_cast<double>(record.n_samples) > static_cast<double>(std::llround(kBaselineFreeMaxS * record.fs_hz))) return out;
  for (std::size_t k = 0; k < record.n_leads(); ++k) out.leads[k] = remove_baseline(record.lead(k), record.fs_hz);
  return out;
}

// ---- Stretches of the whole-lead filters (dsp/streamed.h) ----------------------------------------

namespace streamed {
namespace {
// Atomic: a test or the bench may set them while another thread reads them (the setters are not
// meant for use during screening, but a data race would be undefined behaviour).
std::atomic<double> g_streamed_min_s{600.0};
std::atomic<double> g_chunk_s{300.0};
}  // namespace

double streamed_min_s() { return g_streamed_min_s; }
void set_streamed_min_s(double seconds) { g_streamed_min_s = seconds; }
bool streams(std::size_t n, double fs_hz) { return fs_hz > 0 && static_cast<double>(n) > g_streamed_min_s * fs_hz; }
double chunk_s() { return g_chunk_s; }
void set_chunk_s(double seconds) { g_chunk_s = seconds; }
std::size_t chunk_samples(double fs_hz) { return std::max<std::size_t>(256, static_cast<std::size_t>(std::llround(g_chunk_s * fs_hz))); }

namespace {
void require_cover(const Piece& x, std::size_t from, std::size_t to, const char* what) {
  if (from < x.x0 || to > x.x0 + x.xs.size() || to > x.n) {
    throw Error(std::string(what) + ": the piece [" + std::to_string(x.x0) + ", " + std::to_string(x.x0 + x.xs.size()) +
                ") does not cover samples [" + std::to_string(from) + ", " + std::to_string(to) + ") of the lead");
  }
}
}  // namespace

std::vector<float> fir_zero_phase_range(const Piece& x, std::span<const double> taps, std::size_t lo, std::size_t hi) {
  const std::size_t n = x.n;
  hi = std::min(hi, n);
  if (lo >= hi) return {};
  if (taps.size() % 2 == 0) throw Error("zero-phase FIR: expected an odd number of taps, found " + std::to_string(taps.size()));
  const std::size_t m = (taps.size() - 1) / 2;
  const std::size_t p = std::min(m, n - 1);
  require_cover(x, lo >= m ? lo - m : 0, std::min(n, hi + m), "zero-phase FIR stretch");
  // ext[j] holds the whole lead's extended input at position lo - m + j (fir_zero_phase's ext).
  const std::size_t len = hi - lo;
  std::vector<double> ext(len + 2 * m, 0.0);
  for (std::size_t j = 0; j < ext.size(); ++j) {
    const auto q = static_cast<std::int64_t>(lo + j) - static_cast<std::int64_t>(m);
    const auto sn = static_cast<std::int64_t>(n);
    const auto sp = static_cast<std::int64_t>(p);
    if (q >= 0 && q < sn) ext[j] = x.at(static_cast<std::size_t>(q));
    else if (q < 0 && -q <= sp) ext[j] = 2.0 * x.at(0) - x.at(static_cast<std::size_t>(-q));
    else if (q >= sn && q - (sn - 1) <= sp) ext[j] = 2.0 * x.at(n - 1) - x.at(static_cast<std::size_t>(2 * (sn - 1) - q));
  }
#if defined(__wasm__)
  return fast::fir_symmetric_tiled(ext, taps, len);
#else
  return fast::fir_symmetric_blocked(ext, taps, len);
#endif
}

std::vector<float> running_median_range(const Piece& x, std::size_t width, std::size_t lo, std::size_t hi) {
  const std::size_t n = x.n, half = width / 2;
  hi = std::min(hi, n);
  if (lo >= hi) return {};
  // Every output's window [j - half, j + half] (clipped to the lead) lies inside [a, b): the sub-lead's
  // running median holds the same window there, so the same median.
  const std::size_t a = lo >= half ? lo - half : 0, b = std::min(n, hi + half);
  require_cover(x, a, b, "running median stretch");
  const std::vector<float> sub = running_median(x.xs.subspan(a - x.x0, b - a), width);
  return std::vector<float>(sub.begin() + static_cast<std::ptrdiff_t>(lo - a), sub.begin() + static_cast<std::ptrdiff_t>(hi - a));
}

namespace {
std::size_t odd_width(double seconds, double fs_hz) { return static_cast<std::size_t>(std::lround(seconds * fs_hz)) | 1u; }
}  // namespace

std::size_t baseline_reach(double fs_hz) { return odd_width(0.2, fs_hz) / 2 + odd_width(0.6, fs_hz) / 2; }

std::vector<float> remove_baseline_range(const Piece& x, double fs_hz, std::size_t lo, std::size_t hi) {
  const std::size_t n = x.n;
  hi = std::min(hi, n);
  if (lo >= hi) return {};
  const std::size_t w1 = odd_width(0.2, fs_hz), w2 = odd_width(0.6, fs_hz), h2 = w2 / 2;
  // The first median over [a, b), what the second one's windows at [lo, hi) read.
  const std::size_t a = lo >= h2 ? lo - h2 : 0, b = std::min(n, hi + h2);
  const std::vector<float> stage1 = running_median_range(x, w1, a, b);
  const std::vector<float> baseline = running_median_range(Piece{stage1, a, n}, w2, lo, hi);
  std::vector<float> y(hi - lo);
  for (std::size_t i = lo; i < hi; ++i) y[i - lo] = x.at(i) - baseline[i - lo];
  return y;
}

bool plain_median_lead(std::span<const float> x) {
  return std::any_of(x.begin(), x.end(), [](float v) { return std::isnan(v) || (v == 0.0f && std::signbit(v)); });
}

}  // namespace streamed

}  // namespace ecg::dsp
