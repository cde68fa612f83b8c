// Reference kernels (see reference.h): straight loops, double accumulators, no tiling.
#include "nn/reference.h"

#include <cmath>
#include <limits>

namespace ecg::nn::ref {

void conv1d(const float* x, std::int64_t c_in, std::int64_t l, const float* w, const float* bias, std::int64_t c_out, int k,
            int stride, int pad_left, int /*pad_right*/, int dilation, int groups, float* y, std::int64_t l_out) {
  const std::int64_t cig = c_in / groups, og = c_out / groups;
  for (std::int64_t co = 0; co < c_out; ++co) {
    const std::int64_t g = co / og;
    for (std::int64_t t = 0; t < l_out; ++t) {
      double acc = bias ? bias[co] : 0.0;
      for (std::int64_t ci = 0; ci < cig; ++ci)
        for (int j = 0; j < k; ++j) {
          const std::int64_t pos = t * stride + static_cast<std::int64_t>(j) * dilation - pad_left;
          if (pos < 0 || pos >= l) continue;
          acc += static_cast<double>(w[(co * cig + ci) * k + j]) * x[(g * cig + ci) * l + pos];
        }
      y[co * l_out + t] = static_cast<float>(acc);
    }
  }
}

void batchnorm(const float* x, std::int64_t c, std::int64_t l, const float* w, const float* b, const float* mean, const float* var,
               float eps, float* y) {
  for (std::int64_t ch = 0; ch < c; ++ch) {
    const double inv = 1.0 / std::sqrt(static_cast<double>(var[ch]) + eps);
    for (std::int64_t t = 0; t < l; ++t) y[ch * l + t] = static_cast<float>((x[ch * l + t] - mean[ch]) * inv * w[ch] + b[ch]);
  }
}

void groupnorm(const float* x, std::int64_t c, std::int64_t l, int groups, float eps, const float* w, const float* b, float* y) {
  const std::int64_t cg = c / groups, n = cg * l;
  for (int g = 0; g < groups; ++g) {
    const float* xg = x + g * n;
    double sum = 0, sq = 0;
    for (std::int64_t i = 0; i < n; ++i) sum += xg[i];
    const double mean = sum / static_cast<double>(n);
    for (std::int64_t i = 0; i < n; ++i) sq += (xg[i] - mean) * (xg[i] - mean);
    const double inv = 1.0 / std::sqrt(sq / static_cast<double>(n) + eps);
    for (std::int64_t ch = g * cg; ch < (g + 1) * cg; ++ch)
      for (std::int64_t t = 0; t < l; ++t) y[ch * l + t] = static_cast<float>((x[ch * l + t] - mean) * inv * w[ch] + b[ch]);
  }
}

void relu(const float* x, std::int64_t n, float* y) {
  for (std::int64_t i = 0; i < n; ++i) y[i] = x[i] > 0 ? x[i] : 0.0f;
}

void mish(const float* x, std::int64_t n, float* y) {
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = x[i];
    y[i] = static_cast<float>(v * std::tanh(std::log1p(std::exp(v > 30 ? 30 : v)) + (v > 30 ? v - 30 : 0)));
  }
}

void sigmoid(const float* x, std::int64_t n, float* y) {
  for (std::int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(x[i]))));
}

void add(const float* a, const float* b, std::int64_t n, float* y) {
  for (std::int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}

void mul_channel(const float* x, const float* s, std::int64_t c, std::int64_t l, float* y) {
  for (std::int64_t ch = 0; ch < c; ++ch)
    for (std::int64_t t = 0; t < l; ++t) y[ch * l + t] = x[ch * l + t] * s[ch];
}

void global_avg_pool(const float* x, std::int64_t c, std::int64_t l, float* y) {
  for (std::int64_t ch = 0; ch < c; ++ch) {
    double s = 0;
    for (std::int64_t t = 0; t < l; ++t) s += x[ch * l + t];
    y[ch] = static_cast<float>(s / static_cast<double>(l));
  }
}

void global_max_pool(const float* x, std::int64_t c, std::int64_t l, float* y) {
  for (std::int64_t ch = 0; ch < c; ++ch) {
    float m = -std::numeric_limits<float>::infinity();
    for (std::int64_t t = 0; t < l; ++t) m = x[ch * l + t] > m ? x[ch * l + t] : m;
    y[ch] = m;
  }
}

void max_pool1d(const float* x, std::int64_t c, std::int64_t l, int k, int stride, int pad_left, float* y, std::int64_t l_out) {
  for (std::int64_t ch = 0; ch < c; ++ch)
    for (std::int64_t t = 0; t < l_out; ++t) {
      float m = -std::numeric_limits<float>::infinity();
      for (int j = 0; j < k; ++j) {
        const std::int64_t pos = t * stride + j - pad_left;
        if (pos >= 0 && pos < l && x[ch * l + pos] > m) m = x[ch * l + pos];
      }
      y[ch * l_out + t] = m;
    }
}

void avg_pool1d(const float* x, std::int64_t c, std::int64_t l, int k, int stride, int pad_left, float* y, std::int64_t l_out) {
  for (std::int64_t ch = 0; ch < c; ++ch)
    for (std::int64_t t = 0; t < l_out; ++t) {
      double s = 0;
      int count = 0;
      for (int j = 0; j < k; ++j) {
        const std::int64_t pos = t * stride + j - pad_left;
        if (pos >= 0 && pos < l) {
          s += x[ch * l + pos];
          ++count;
        }
      }
      y[ch * l_out + t] = count ? static_cast<float>(s / count) : 0.0f;
    }
}

void linear(const float* x, std::int64_t f, const float* w, const float* bias, std::int64_t o, float* y) {
  for (std::int64_t i = 0; i < o; ++i) {
    double acc = bias ? bias[i] : 0.0;
    for (std::int64_t j = 0; j < f; ++j) acc += static_cast<double>(w[i * f + j]) * x[j];
    y[i] = static_cast<float>(acc);
  }
}

}  // namespace ecg::nn::ref
