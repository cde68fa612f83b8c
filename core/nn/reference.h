// Reference kernels: the plain, obviously-correct implementation of every op (the oracle in tests).
// One window at a time, layout [C][L], double accumulation.
#pragma once

#include <cstdint>

namespace ecg::nn::ref {

void conv1d(const float* x, std::int64_t c_in, std::int64_t l, const float* w, const float* bias, std::int64_t c_out, int k,
            int stride, int pad_left, int pad_right, int dilation, int groups, float* y, std::int64_t l_out);
void batchnorm(const float* x, std::int64_t c, std::int64_t l, const float* w, const float* b, const float* mean, const float* var,
               float eps, float* y);
void groupnorm(const float* x, std::int64_t c, std::int64_t l, int groups, float eps, const float* w, const float* b, float* y);
void relu(const float* x, std::int64_t n, float* y);
void mish(const float* x, std::int64_t n, float* y);
void sigmoid(const float* x, std::int64_t n, float* y);
void add(const float* a, const float* b, std::int64_t n, float* y);
void mul_channel(const float* x, const float* s, std::int64_t c, std::int64_t l, float* y);
void global_avg_pool(const float* x, std::int64_t c, std::int64_t l, float* y);
void global_max_pool(const float* x, std::int64_t c, std::int64_t l, float* y);
void max_pool1d(const float* x, std::int64_t c, std::int64_t l, int k, int stride, int pad_left, float* y, std::int64_t l_out);
// Average over the window's in-bounds samples (padding excluded, PyTorch count_include_pad=False).
void avg_pool1d(const float* x, std::int64_t c, std::int64_t l, int k, int stride, int pad_left, float* y, std::int64_t l_out);
void linear(const float* x, std::int64_t f, const float* w, const float* bias, std::int64_t o, float* y);

}  // namespace ecg::nn::ref
