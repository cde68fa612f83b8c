// Measures this machine's WebAssembly SIMD fp32 peak in Node: f32x4 multiply + add
// pairs (wasm-simd128 has no FMA), 12 independent accumulator chains, enough to cover the mul+add latency without register spills.
// Built and run by tools/bench/run.mjs; prints "wasm_simd_peak_gflops=<x>".
#include <emscripten.h>
#include <wasm_simd128.h>

#include <cstdio>

int main() {
  v128_t acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = wasm_f32x4_splat(static_cast<float>(i));
  const v128_t x = wasm_f32x4_splat(1e-3f), m = wasm_f32x4_splat(0.9999999f);
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const int iters = 20000000;
    const double t0 = emscripten_get_now();
    for (int it = 0; it < iters; ++it)
      for (int i = 0; i < 12; ++i) acc[i] = wasm_f32x4_add(wasm_f32x4_mul(acc[i], m), x);  // a mul+add chain per accumulator
    const double ms = emscripten_get_now() - t0;
    const double gflops = 12.0 * 8.0 * iters / ms / 1e6;
    if (gflops > best) best = gflops;
  }
  float sink = 0;
  for (int i = 0; i < 12; ++i) sink += wasm_f32x4_extract_lane(acc[i], 0);
  std::printf("wasm_simd_peak_gflops=%.3f (sink %g)\n", best, static_cast<double>(sink));
  return 0;
}
