// Baseline kernel variants (scalar and the build's native SIMD: wasm-simd128 or SSE2) and the list
// of every compiled variant; the AVX2+FMA variants live in kernels_avx2.cpp (x86 builds only).
#include <algorithm>
#include <cstring>
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

template <class S>
constexpr EltKernels make_elt() {
  return {S::isa, relu_k<S>, add_k<S>, add_relu_k<S>, scale_shift_k<S>};
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
