// Measures this machine's WebAssembly SIMD fp32 peak in Node: f32x4 multiply + add pairs (wasm-simd128
// has no FMA) on 12 independent accumulator chains held in locals (enough to cover the mul+add
// latency without register spills). Built and run by tools/bench/run.mjs; prints
// "wasm_simd_peak_gflops=<x>".
// The loop is a function called once per repetition: V8 first compiles wasm with its baseline
// compiler (Liftoff, which keeps values on the stack) and switches a function to optimised code only
// at a later call (there is no on-stack replacement for wasm), so a loop that runs inside one call
// measures Liftoff code. The best of many short repetitions, as the machine may be shared.
#include <emscripten.h>
#include <wasm_simd128.h>

#include <cstdio>

#define STEP(a) a = wasm_f32x4_add(wasm_f32x4_mul(a, m), x)

__attribute__((noinline)) static void chains(v128_t* acc, v128_t x, v128_t m, int iters) {
  v128_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5];
  v128_t a6 = acc[6], a7 = acc[7], a8 = acc[8], a9 = acc[9], a10 = acc[10], a11 = acc[11];
  for (int it = 0; it < iters; ++it) {
    STEP(a0); STEP(a1); STEP(a2); STEP(a3); STEP(a4); STEP(a5);
    STEP(a6); STEP(a7); STEP(a8); STEP(a9); STEP(a10); STEP(a11);
  }
  acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3; acc[4] = a4; acc[5] = a5;
  acc[6] = a6; acc[7] = a7; acc[8] = a8; acc[9] = a9; acc[10] = a10; acc[11] = a11;
}

int main() {
  v128_t acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = wasm_f32x4_splat(static_cast<float>(i));
  // From volatile memory, so they are not constants: V8 rebuilds a v128.const operand at every use.
  volatile float xs = 1e-3f, ms = 0.9999999f;
  const v128_t x = wasm_f32x4_splat(xs), m = wasm_f32x4_splat(ms);
  const int iters = 200000;
  for (int rep = 0; rep < 50; ++rep) chains(acc, x, m, iters);  // warm-up: lets V8 tier up
  double best = 0;
  for (int rep = 0; rep < 400; ++rep) {
    const double t0 = emscripten_get_now();
    chains(acc, x, m, iters);
    const double t = emscripten_get_now() - t0;
    const double gflops = 12.0 * 8.0 * iters / t / 1e6;
    if (gflops > best) best = gflops;
  }
  v128_t s = acc[0];
  for (int i = 1; i < 12; ++i) s = wasm_f32x4_add(s, acc[i]);
  std::printf("wasm_simd_peak_gflops=%.3f (sink %g)\n", best, static_cast<double>(wasm_f32x4_extract_lane(s, 0)));
  return 0;
}
