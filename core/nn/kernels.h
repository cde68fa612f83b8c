// Fast nn kernels: the direct 1-D convolution micro-kernel and elementwise kernels, as templates
// over the SIMD layer (simd.h), plus the list of compiled variants (scalar and SIMD side by side,
// tested against each other and against the reference kernels from that one list).
// Kernel names follow XNNPACK's convention: <dtype>-<op>-<tile>-<isa>, e.g. f32-conv1d-4x8-wasmsimd.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ecg::nn::kernels {

// One grouped convolution, output [groups·og, lout], from a prepared input: every input channel's
// zero-padded row split into `stride` phases (phase r holds padded[r + stride·j]), each phase a row
// of `row_len` floats, so tap k of output position l reads a contiguous run at offs[ci·K + k] + l.
struct ConvArgs {
  const float* rows = nullptr;    // [C_in][stride][row_len]
  std::int64_t row_len = 0;
  int stride = 1;
  // offs[ci·K + k] = ci·stride·row_len + (k·dilation mod stride)·row_len + k·dilation / stride: where
  // tap k of input channel ci (within a group) starts, so the micro-kernel runs one flat loop over
  // cig·K taps (1x1 and small grouped convs would otherwise spend their time in loop overhead).
  const std::ptrdiff_t* offs = nullptr;  // [cig·K] (pointer-sized: 32-bit adds in wasm)
  int k = 1, cig = 1, og = 1, groups = 1;
  const float* wpack = nullptr;   // pack_conv_weights layout for this kernel's mr
  const float* bias = nullptr;    // [C_out] or null
  bool relu = false;              // after bias
  const float* scale = nullptr;   // per-channel affine after relu (a folded batch-norm), or null
  const float* shift = nullptr;
  float* y = nullptr;             // [C_out][lout]
  std::int64_t lout = 0;
};

struct ConvKernel {
  const char* name;
  int mr;  // output channels per tile
  int nr;  // output positions per tile
  void (*fn)(const ConvArgs&);
};

// Variants compiled into this build and usable on this CPU, best last (scalar first).
const ConvKernel* conv_kernels(std::size_t* count);
const ConvKernel& best_conv_kernel(int og);
// Fills offs (cig·k entries) for the layout above.
void conv_offsets(int cig, int k, int stride, int dilation, std::int64_t row_len, std::ptrdiff_t* offs);

// Packs weights [C_out][cig][K] for tiles of mr output channels: for each group, each block of mr
// channels (zero-filled past og), [cig][K][mr].
std::size_t packed_conv_size(int groups, int og, int cig, int k, int mr);
void pack_conv_weights(const float* w, int groups, int og, int cig, int k, int mr, float* out);

// Elementwise kernels, baseline SIMD (wasm-simd128, SSE2, or scalar).
struct EltKernels {
  const char* isa;
  void (*relu)(const float* x, float* y, std::size_t n);
  void (*add)(const float* a, const float* b, float* y, std::size_t n);
  void (*add_relu)(const float* a, const float* b, float* y, std::size_t n);
  void (*scale_shift)(const float* x, float scale, float shift, float* y, std::size_t n);
  // One channel of a fused SE-scale + residual add + ReLU + batch-norm: y = act(x·mul + b)·scale +
  // shift, act ReLU or identity, b may be null (no add). The same operations in the same order as
  // scale_shift, add and add_relu run one by one, so the results are the same.
  void (*channel_affine)(const float* x, float mul, const float* b, bool relu, float scale, float shift, float* y, std::size_t n);
  float (*sum)(const float* x, std::size_t n);  // in float, several partial sums
  float (*max)(const float* x, std::size_t n);  // -infinity for n = 0
  // One channel of max_pool1d: y[t] = max of x[t·stride - pad_left + j], j < k, inside [0, l)
  // (-infinity when the window holds no sample).
  void (*max_pool)(const float* x, std::int64_t l, int k, int stride, int pad_left, float* y, std::int64_t lout);
  // y[j] = x[stride·j] for j < n (one phase of a strided conv's input rows); reads x[0 … stride·(n-1)].
  void (*gather)(const float* x, std::int64_t stride, float* y, std::size_t n);
};
const EltKernels& elt_kernels_native();
const EltKernels& elt_kernels_scalar();

}  // namespace ecg::nn::kernels
