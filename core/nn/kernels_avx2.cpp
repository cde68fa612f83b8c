// AVX2+FMA conv1d variants (x86 builds; compiled with -mavx2 -mfma, chosen at run time by CPUID).
// Only this file's own symbols are built for AVX2: it includes no standard-library header.
#include "nn/conv_tiles.h"

#if defined(__AVX2__) && defined(__FMA__)
namespace ecg::nn::kernels {
extern const ConvKernel avx2_conv_kernels[2];
const ConvKernel avx2_conv_kernels[2] = {
    {"f32-conv1d-1x32-avx2", 1, 32, conv_run<simd::Avx2, 1, 4>},
    {"f32-conv1d-4x24-avx2", 4, 24, conv_run<simd::Avx2, 4, 3>},
};
}  // namespace ecg::nn::kernels
#endif
