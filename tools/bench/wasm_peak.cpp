// Measures this machine's WebAssembly SIMD fp32 peak in Node: the fastest rate of f32x4 multiply +
// add pairs (wasm-simd128 has no FMA) of two formulations, each the best of many short repetitions
// (the machine may be shared: the best is the rate of a quiet moment). Built and run by tools/bench/run.mjs; prints
// "wasm_simd_peak_gflops=<x> chains=<a> tile=<b>".
//   chains: 12 independent dependent chains a = a·m + x held in locals (latency-bound where the
//           multiply and add latencies are long, as they are on some cores);
//   tile:   an outer-product tile of 4 splatted scalars × 2 vectors into 8 accumulators over
//           L1-resident data, the shape of a convolution micro-kernel (throughput-bound).
// Each loop is a function called once per repetition: V8 first compiles wasm with its baseline
// compiler (Liftoff, which keeps values on the stack) and switches a function to optimised code only
// at a later call (there is no on-stack replacement for wasm), so a loop that runs inside one call
// measures Liftoff code. Within one call of `tile` every load has its own address and the call is
// not inlined, so nothing can be hoisted out of the repetitions.
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

#define MAC(acc, s, v) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(s, v))

__attribute__((noinline)) static void tile(v128_t* acc, const float* x, const float* w, int n) {
  v128_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3], a20 = acc[4], a21 = acc[5], a30 = acc[6], a31 = acc[7];
  for (int t = 0; t < n; ++t, w += 4) {
    const v128_t x0 = wasm_v128_load(x + t), x1 = wasm_v128_load(x + t + 4);
    v128_t s = wasm_v128_load32_splat(w);
    MAC(a00, s, x0); MAC(a01, s, x1);
    s = wasm_v128_load32_splat(w + 1);
    MAC(a10, s, x0); MAC(a11, s, x1);
    s = wasm_v128_load32_splat(w + 2);
    MAC(a20, s, x0); MAC(a21, s, x1);
    s = wasm_v128_load32_splat(w + 3);
    MAC(a30, s, x0); MAC(a31, s, x1);
  }
  acc[0] = a00; acc[1] = a01; acc[2] = a10; acc[3] = a11; acc[4] = a20; acc[5] = a21; acc[6] = a30; acc[7] = a31;
}

constexpr int kTaps = 2048;  // x 8 KiB + w 32 KiB: inside L1
float xbuf[kTaps + 8], wbuf[4 * kTaps];

template <class F>
double best_gflops(F&& f, double flops_per_call, int calls, int reps) {
  for (int r = 0; r < 20; ++r) f();  // warm-up: lets V8 tier up
  double best = 0;
  for (int r = 0; r < reps; ++r) {
    const double t0 = emscripten_get_now();
    for (int c = 0; c < calls; ++c) f();
    const double g = flops_per_call * calls / (emscripten_get_now() - t0) / 1e6;
    if (g > best) best = g;
  }
  return best;
}

int main() {
  v128_t acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = wasm_f32x4_splat(static_cast<float>(i));
  for (int i = 0; i < kTaps + 8; ++i) xbuf[i] = 1e-3f * static_cast<float>(i % 7);
  for (int i = 0; i < 4 * kTaps; ++i) wbuf[i] = 1e-3f * static_cast<float>(i % 5);
  // From volatile memory, so they are not constants: V8 rebuilds a v128.const operand at every use.
  volatile float xs = 1e-3f, ms = 0.9999999f;
  const v128_t x = wasm_f32x4_splat(xs), m = wasm_f32x4_splat(ms);
  const int iters = 200000;
  const double c = best_gflops([&] { chains(acc, x, m, iters); }, 12.0 * 8.0 * iters, 1, 300);
  // Short repetitions over about a second, as many as the conv layers' profile takes, so that the
  // best of them meets the machine as quiet as the profile's fastest runs do.
  const double t = best_gflops([&] { tile(acc, xbuf, wbuf, kTaps); }, 64.0 * kTaps, 30, 6000);
  v128_t s = acc[0];
  for (int i = 1; i < 12; ++i) s = wasm_f32x4_add(s, acc[i]);
  std::printf("wasm_simd_peak_gflops=%.3f chains=%.3f tile=%.3f (sink %g)\n", c > t ? c : t, c, t,
              static_cast<double>(wasm_f32x4_extract_lane(s, 0)));
  return 0;
}
