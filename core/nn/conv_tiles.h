// The conv1d micro-kernel template (included only by kernel translation units; see kernels.h).
// No standard-library headers (see simd.h).
#pragma once

#include "nn/kernels.h"
#include "nn/simd.h"

namespace ecg::nn::kernels {

template <class S, int MR, int NV>
inline void conv_tile(const ConvArgs& a, const float* wblock, std::int64_t co0, int mvalid, std::int64_t l0, const float* x0, float* tail) {
  using V = typename S::V;
  constexpr int W = S::W;
  V acc[MR][NV];
  for (int m = 0; m < MR; ++m)
    for (int j = 0; j < NV; ++j) acc[m][j] = S::zero();
  const float* w = wblock;
  const float* xb = x0 + l0;
  const int taps = a.cig * a.k;
  for (int t = 0; t < taps; ++t, w += MR) {
    const float* xp = xb + a.offs[t];
    V xv[NV];
    for (int j = 0; j < NV; ++j) xv[j] = S::loadu(xp + j * W);
    for (int m = 0; m < MR; ++m) {
      const V wv = S::splat(w[m]);
      for (int j = 0; j < NV; ++j) acc[m][j] = S::fma(wv, xv[j], acc[m][j]);
    }
  }
  constexpr int NR = NV * W;
  const std::int64_t remaining = a.lout - l0;
  for (int m = 0; m < mvalid; ++m) {
    const std::int64_t co = co0 + m;
    V b = S::splat(a.bias ? a.bias[co] : 0.0f);
    V sc = S::splat(a.scale ? a.scale[co] : 1.0f);
    V sh = S::splat(a.shift ? a.shift[co] : 0.0f);
    float* yrow = a.y + co * a.lout + l0;
    float* dst = remaining >= NR ? yrow : tail;
    for (int j = 0; j < NV; ++j) {
      V v = S::add(acc[m][j], b);
      if (a.relu) v = S::max(v, S::zero());
      if (a.scale) v = S::fma(v, sc, sh);
      S::storeu(dst + j * W, v);
    }
    if (remaining < NR)
      for (std::int64_t i = 0; i < remaining; ++i) yrow[i] = tail[i];
  }
}

template <class S, int MR, int NV>
void conv_run(const ConvArgs& a) {
  constexpr int NR = NV * S::W;
  float tail[NR];
  const int blocks = (a.og + MR - 1) / MR;
  const std::int64_t block_size = static_cast<std::int64_t>(a.cig) * a.k * MR;
  for (int g = 0; g < a.groups; ++g) {
    const float* x0 = a.rows + static_cast<std::int64_t>(g) * a.cig * a.stride * a.row_len;
    for (int b = 0; b < blocks; ++b) {
      const float* wblock = a.wpack + (static_cast<std::int64_t>(g) * blocks + b) * block_size;
      const std::int64_t co0 = static_cast<std::int64_t>(g) * a.og + b * MR;
      const int mvalid = a.og - b * MR < MR ? a.og - b * MR : MR;
      for (std::int64_t l0 = 0; l0 < a.lout; l0 += NR) conv_tile<S, MR, NV>(a, wblock, co0, mvalid, l0, x0, tail);
    }
  }
}

}  // namespace ecg::nn::kernels
