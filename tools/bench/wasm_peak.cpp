// Measures this machine's WebAssembly SIMD fp32 peak in Node: f32x4 multiply + add pairs (wasm-simd128
// has no FMA) on 12 independent accumulator chains held in locals (enough to cover the mul+add
// latency without register spills). Built and run by tools/bench/run.mjs; prints
// "wasm_simd_peak_gflops=<x>".
#include <emscripten.h>
#include <wasm_simd128.h>

#include <cstdio>

#define STEP(a) a = wasm_f32x4_add(wasm_f32x4_mul(a, m), x)

int main() {
  v128_t a0 = wasm_f32x4_splat(0.f), a1 = wasm_f32x4_splat(1.f), a2 = wasm_f32x4_splat(2.f), a3 = wasm_f32x4_splat(3.f);
  v128_t a4 = wasm_f32x4_splat(4.f), a5 = wasm_f32x4_splat(5.f), a6 = wasm_f32x4_splat(6.f), a7 = wasm_f32x4_splat(7.f);
  v128_t a8 = wasm_f32x4_splat(8.f), a9 = wasm_f32x4_splat(9.f), a10 = wasm_f32x4_splat(10.f), a11 = wasm_f32x4_splat(11.f);
  // From volatile memory, so they stay in locals: V8 rebuilds a v128.const operand at every use.
  volatile float xs = 1e-3f, ms = 0.9999999f;
  const v128_t x = wasm_f32x4_splat(xs), m = wasm_f32x4_splat(ms);
  double best = 0;
  for (int rep = 0; rep < 200; ++rep) {  // short reps, best of many: the machine may be shared
    const int iters = 1000000;
    const double t0 = emscripten_get_now();
    for (int it = 0; it < iters; ++it) {
      STEP(a0); STEP(a1); STEP(a2); STEP(a3); STEP(a4); STEP(a5);
      STEP(a6); STEP(a7); STEP(a8); STEP(a9); STEP(a10); STEP(a11);
    }
    const double ms = emscripten_get_now() - t0;
    const double gflops = 12.0 * 8.0 * iters / ms / 1e6;
    if (gflops > best) best = gflops;
  }
  v128_t s = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3)), wasm_f32x4_add(wasm_f32x4_add(a4, a5), wasm_f32x4_add(a6, a7)));
  s = wasm_f32x4_add(s, wasm_f32x4_add(wasm_f32x4_add(a8, a9), wasm_f32x4_add(a10, a11)));
  std::printf("wasm_simd_peak_gflops=%.3f (sink %g)\n", best, static_cast<double>(wasm_f32x4_extract_lane(s, 0)));
  return 0;
}
