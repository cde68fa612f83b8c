// Baseline kernel variants (scalar and the build's native SIMD: wasm-simd128 or SSE2) and the list
// of every compiled variant; the AVX2+FMA variants live in kernels_avx2.cpp (x86 builds only).
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "nn/conv_tiles.h"
#include "nn/kernels.h"

namespace ecg::nn::kernels {

#if defined(ECG_NN_AVX2)
extern const ConvKernel avx2_conv_kernels[2];
#endif

namespace {

template <class S>
void relu_k(const float* x, float* y, std::size_t n) {
  std::size_t i = 0;
  for (; i + S::W <= n; i += S::W) S::storeu(y + i, S::max(S::loadu(x + i), S::zero()));
  for (; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

template <class S>
void add_k(const float* a, const float* b, float* y, std::size_t n) {
  std::size_t i = 0;
  for (; i + S::W <= n; i += S::W) S::storeu(y + i, S::add(S::loadu(a + i), S::loadu(b + i)));
  for (; i < n; ++i) y[i] = a[i] + b[i];
}

template <class S>
void add_relu_k(const float* a, const float* b, float* y, std::size_t n) {
  std::size_t i = 0;
  for (; i + S::W <= n; i += S::W) S::storeu(y + i, S::max(S::add(S::loadu(a + i), S::loadu(b + i)), S::zero()));
  for (; i < n; ++i) {
    float v = a[i] + b[i];
    y[i] = v > 0.0f ? v : 0.0f;
  }
}

template <class S>
void scale_shift_k(const float* x, float scale, float shift, float* y, std::size_t n) {
  std::size_t i = 0;
  const auto sc = S::splat(scale), sh = S::splat(shift);
  for (; i + S::W <= n; i += S::W) S::storeu(y + i, S::fma(S::loadu(x + i), sc, sh));
  for (; i < n; ++i) y[i] = x[i] * scale + shift;
}

template <class S, bool kAdd, bool kRelu>
void channel_affine_loop(const float* x, float mul, const float* b, float scale, float shift, float* y, std::size_t n) {
  std::size_t i = 0;
  const auto m = S::splat(mul), sc = S::splat(scale), sh = S::splat(shift);
  for (; i + S::W <= n; i += S::W) {
    auto v = S::mul(S::loadu(x + i), m);
    if constexpr (kAdd) v = S::add(v, S::loadu(b + i));
    if constexpr (kRelu) v = S::max(v, S::zero());
    S::storeu(y + i, S::fma(v, sc, sh));
  }
  for (; i < n; ++i) {
    float v = x[i] * mul;
    if constexpr (kAdd) v = v + b[i];
    if constexpr (kRelu) v = v > 0.0f ? v : 0.0f;
    y[i] = v * scale + shift;
  }
}

template <class S>
void channel_affine_k(const float* x, float mul, const float* b, bool relu, float scale, float shift, float* y, std::size_t n) {
  if (b) (relu ? channel_affine_loop<S, true, true> : channel_affine_loop<S, true, false>)(x, mul, b, scale, shift, y, n);
  else (relu ? channel_affine_loop<S, false, true> : channel_affine_loop<S, false, false>)(x, mul, b, scale, shift, y, n);
}

template <class S>
float sum_k(const float* x, std::size_t n) {
  constexpr std::size_t W = S::W;
  auto a0 = S::zero(), a1 = S::zero(), a2 = S::zero(), a3 = S::zero();
  std::size_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    a0 = S::add(a0, S::loadu(x + i));
    a1 = S::add(a1, S::loadu(x + i + W));
    a2 = S::add(a2, S::loadu(x + i + 2 * W));
    a3 = S::add(a3, S::loadu(x + i + 3 * W));
  }
  for (; i + W <= n; i += W) a0 = S::add(a0, S::loadu(x + i));
  float lanes[W];
  S::storeu(lanes, S::add(S::add(a0, a1), S::add(a2, a3)));
  float s = 0.0f;
  for (std::size_t j = 0; j < W; ++j) s += lanes[j];
  for (; i < n; ++i) s += x[i];
  return s;
}

template <class S>
float max_k(const float* x, std::size_t n) {
  constexpr std::size_t W = S::W;
  const float lowest = -std::numeric_limits<float>::infinity();
  auto a0 = S::splat(lowest), a1 = S::splat(lowest);
  std::size_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    a0 = S::max(a0, S::loadu(x + i));
    a1 = S::max(a1, S::loadu(x + i + W));
  }
  for (; i + W <= n; i += W) a0 = S::max(a0, S::loadu(x + i));
  float lanes[W];
  S::storeu(lanes, S::max(a0, a1));
  float m = lowest;
  for (std::size_t j = 0; j < W; ++j) m = lanes[j] > m ? lanes[j] : m;
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

template <class S>
void max_pool_k(const float* x, std::int64_t l, int k, int stride, int pad_left, float* y, std::int64_t lout) {
  constexpr std::int64_t W = S::W;
  const std::int64_t s = stride, pl = pad_left;
  auto window = [&](std::int64_t t) {  // with bounds checks, for the edges
    float m = -std::numeric_limits<float>::infinity();
    for (int j = 0; j < k; ++j) {
      const std::int64_t p = t * s - pl + j;
      if (p >= 0 && p < l && x[p] > m) m = x[p];
    }
    return m;
  };
  // outputs [t0, t1) have their whole window inside the input
  const std::int64_t t0 = std::min(lout, (pl + s - 1) / s);
  const std::int64_t t1 = l - k + pl < 0 ? t0 : std::clamp((l - k + pl) / s + 1, t0, lout);
  std::int64_t t = 0;
  for (; t < t0; ++t) y[t] = window(t);
  if (t0 < t1) {
    // output t0 + i reads xm[i·s + j], all inside the input
    const float* xm = x + (t0 * s - pl);
    float* ym = y + t0;
    const std::int64_t nm = t1 - t0;
    std::int64_t i = 0;
    if constexpr (W == 4) {
      if (s == 2 && k == 2) {
        for (; i + W <= nm; i += W) S::storeu(ym + i, S::max_pairs(S::loadu(xm + 2 * i), S::loadu(xm + 2 * i + W)));
      } else if (s == 1) {
        for (; i + W <= nm; i += W) {
          auto m = S::loadu(xm + i);
          for (int j = 1; j < k; ++j) m = S::max(m, S::loadu(xm + i + j));
          S::storeu(ym + i, m);
        }
      }
    }
    for (; i < nm; ++i) {
      float m = xm[i * s];
      for (int j = 1; j < k; ++j) m = xm[i * s + j] > m ? xm[i * s + j] : m;
      ym[i] = m;
    }
    t = t1;
  }
  for (; t < lout; ++t) y[t] = window(t);
}

template <class S>
void gather_k(const float* x, std::int64_t stride, float* y, std::size_t n) {
  std::size_t j = 0;
  if constexpr (S::W == 4) {
    // stride 2 by shuffles; the last vector pair ends at x[2·(j+3)+1], inside while j + 4 < n
    if (stride == 2)
      for (; j + 5 <= n; j += 4) S::storeu(y + j, S::evens(S::loadu(x + 2 * j), S::loadu(x + 2 * j + 4)));
  }
  for (; j < n; ++j) y[j] = x[static_cast<std::int64_t>(j) * stride];
}

template <class S>
constexpr EltKernels make_elt() {
  return {S::isa, relu_k<S>, add_k<S>, add_relu_k<S>, scale_shift_k<S>, channel_affine_k<S>, sum_k<S>, max_k<S>, max_pool_k<S>, gather_k<S>};
}

const EltKernels kScalarElt = make_elt<simd::Scalar>();
const EltKernels kNativeElt = make_elt<simd::Native>();

#if defined(__wasm_simd128__)
#define ECG_NATIVE_SUFFIX "wasmsimd"
#elif defined(__SSE2__)
#define ECG_NATIVE_SUFFIX "sse2"
#endif

std::vector<ConvKernel> build_list() {
  std::vector<ConvKernel> list = {
      {"f32-conv1d-1x4-scalar", 1, 4, conv_run<simd::Scalar, 1, 4>},
      {"f32-conv1d-4x2-scalar", 4, 2, conv_run<simd::Scalar, 4, 2>},
  };
#if defined(ECG_NATIVE_SUFFIX)
  list.push_back({"f32-conv1d-1x16-" ECG_NATIVE_SUFFIX, 1, 16, conv_run<simd::Native, 1, 4>});
  list.push_back({"f32-conv1d-4x8-" ECG_NATIVE_SUFFIX, 4, 8, conv_run<simd::Native, 4, 2>});
  list.push_back({"f32-conv1d-6x8-" ECG_NATIVE_SUFFIX, 6, 8, conv_run<simd::Native, 6, 2>});
#endif
#if defined(ECG_NN_AVX2)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    for (const auto& k : avx2_conv_kernels) list.push_back(k);
#endif
  return list;
}

}  // namespace

const ConvKernel* conv_kernels(std::size_t* count) {
  static const std::vector<ConvKernel> list = build_list();
  *count = list.size();
  return list.data();
}

const ConvKernel& best_conv_kernel(int og) {
  std::size_t n = 0;
  const ConvKernel* list = conv_kernels(&n);
  // Among the widest ISA's variants (listed last), the tile that wastes the fewest padded output
  // channels (og rounded up to mr), ties to the taller tile; depthwise layers (og 1) get mr 1.
  const char* isa = std::strrchr(list[n - 1].name, '-');
  const ConvKernel* best = nullptr;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::strcmp(std::strrchr(list[i].name, '-'), isa) != 0) continue;
    auto waste = [&](const ConvKernel& k) { return static_cast<double>((og + k.mr - 1) / k.mr * k.mr - og) / ((og + k.mr - 1) / k.mr * k.mr); };
    if (!best || waste(list[i]) < waste(*best) || (waste(list[i]) == waste(*best) && list[i].mr > best->mr)) best = &list[i];
  }
  return *best;
}

void conv_offsets(int cig, int k, int stride, int dilation, std::int64_t row_len, std::ptrdiff_t* offs) {
  for (int ci = 0; ci < cig; ++ci)
    for (int t = 0; t < k; ++t) {
      const std::int64_t d = static_cast<std::int64_t>(t) * dilation;
      offs[ci * k + t] = static_cast<std::ptrdiff_t>(static_cast<std::int64_t>(ci) * stride * row_len + (d % stride) * row_len + d / stride);
    }
}

std::size_t packed_conv_size(int groups, int og, int cig, int k, int mr) {
  const std::size_t blocks = static_cast<std::size_t>((og + mr - 1) / mr);
  return static_cast<std::size_t>(groups) * blocks * static_cast<std::size_t>(cig) * static_cast<std::size_t>(k) * static_cast<std::size_t>(mr);
}

void pack_conv_weights(const float* w, int groups, int og, int cig, int k, int mr, float* out) {
  const int blocks = (og + mr - 1) / mr;
  for (int g = 0; g < groups; ++g)
    for (int b = 0; b < blocks; ++b)
      for (int ci = 0; ci < cig; ++ci)
        for (int t = 0; t < k; ++t)
          for (int m = 0; m < mr; ++m) {
            const int o = b * mr + m;
            const std::size_t co = static_cast<std::size_t>(g) * static_cast<std::size_t>(og) + static_cast<std::size_t>(o);
            *out++ = o < og ? w[(co * static_cast<std::size_t>(cig) + static_cast<std::size_t>(ci)) * static_cast<std::size_t>(k) + static_cast<std::size_t>(t)] : 0.0f;
          }
}

const EltKernels& elt_kernels_native() { return kNativeElt; }
const EltKernels& elt_kernels_scalar() { return kScalarElt; }

}  // namespace ecg::nn::kernels
