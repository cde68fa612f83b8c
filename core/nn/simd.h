// The one thin SIMD layer of the nn kernels: a few float-vector operations per instruction set.
// Each struct maps load/store/splat/add/mul/fma/max onto one ISA; kernels are templates over it.
// No standard-library headers here: the AVX2 translation unit includes this with -mavx2 -mfma, and
// shared inline functions compiled there could be picked by the linker for baseline code.
#pragma once

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#elif defined(__SSE2__)
#include <immintrin.h>
#endif

namespace ecg::nn::simd {

struct Scalar {
  using V = float;
  static constexpr int W = 1;
  static constexpr const char* isa = "scalar";
  static V loadu(const float* p) { return *p; }
  static void storeu(float* p, V v) { *p = v; }
  static V splat(float x) { return x; }
  static V zero() { return 0.0f; }
  static V add(V a, V b) { return a + b; }
  static V mul(V a, V b) { return a * b; }
  static V fma(V a, V b, V c) { return a * b + c; }  // two roundings, like the wasm path
  static V max(V a, V b) { return a > b ? a : b; }
};

#if defined(__wasm_simd128__)
struct Wasm128 {
  using V = v128_t;
  static constexpr int W = 4;
  static constexpr const char* isa = "wasmsimd";
  static V loadu(const float* p) { return wasm_v128_load(p); }
  static void storeu(float* p, V v) { wasm_v128_store(p, v); }
  static V splat(float x) { return wasm_f32x4_splat(x); }
  static V zero() { return wasm_f32x4_const_splat(0.0f); }
  static V add(V a, V b) { return wasm_f32x4_add(a, b); }
  static V mul(V a, V b) { return wasm_f32x4_mul(a, b); }
  static V fma(V a, V b, V c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), c); }  // no FMA in wasm-simd128
  static V max(V a, V b) { return wasm_f32x4_pmax(a, b); }  // pmax: one x86 maxps, no NaN fix-up
  // [max(a0, a1), max(a2, a3), max(b0, b1), max(b2, b3)]: adjacent pairs, for a 2-wide stride-2 max pool
  static V max_pairs(V a, V b) { return wasm_f32x4_pmax(wasm_i32x4_shuffle(a, b, 0, 2, 4, 6), wasm_i32x4_shuffle(a, b, 1, 3, 5, 7)); }
  static V evens(V a, V b) { return wasm_i32x4_shuffle(a, b, 0, 2, 4, 6); }  // [a0, a2, b0, b2]
};
using Native = Wasm128;
#elif defined(__SSE2__)
struct Sse2 {
  using V = __m128;
  static constexpr int W = 4;
  static constexpr const char* isa = "sse2";
  static V loadu(const float* p) { return _mm_loadu_ps(p); }
  static void storeu(float* p, V v) { _mm_storeu_ps(p, v); }
  static V splat(float x) { return _mm_set1_ps(x); }
  static V zero() { return _mm_setzero_ps(); }
  static V add(V a, V b) { return _mm_add_ps(a, b); }
  static V mul(V a, V b) { return _mm_mul_ps(a, b); }
  static V fma(V a, V b, V c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
  static V max(V a, V b) { return _mm_max_ps(a, b); }
  static V max_pairs(V a, V b) { return _mm_max_ps(_mm_shuffle_ps(a, b, 0x88), _mm_shuffle_ps(a, b, 0xDD)); }
  static V evens(V a, V b) { return _mm_shuffle_ps(a, b, 0x88); }
};
using Native = Sse2;
#if defined(__AVX2__) && defined(__FMA__)
struct Avx2 {
  using V = __m256;
  static constexpr int W = 8;
  static constexpr const char* isa = "avx2";
  static V loadu(const float* p) { return _mm256_loadu_ps(p); }
  static void storeu(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V splat(float x) { return _mm256_set1_ps(x); }
  static V zero() { return _mm256_setzero_ps(); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V max(V a, V b) { return _mm256_max_ps(a, b); }
};
#endif
#else
using Native = Scalar;
#endif

}  // namespace ecg::nn::simd
