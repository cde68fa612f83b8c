// Internal executor interface behind ecg::nn::Session: one implementation per backend family.
#pragma once

#include <cstddef>
#include <memory>

#include "ecg/nn.h"

namespace ecg::nn {

class Executor {
 public:
  virtual ~Executor() = default;
  virtual void reshape(std::size_t batch, std::int64_t input_len) = 0;
  virtual float* input(std::size_t i) = 0;
  virtual void run() = 0;
  virtual const float* output(std::size_t i) const = 0;
  virtual Shape output_shape(std::size_t i) const = 0;
  virtual std::size_t arena_bytes() const = 0;
};

// Planned executors over the built-in kernels: `fast` = SIMD kernels with fusion and packed
// weights; otherwise the reference kernels node by node.
std::unique_ptr<Executor> make_planned_executor(const Model& model, bool fast);
#ifdef ECG_NN_XNNPACK
std::unique_ptr<Executor> make_xnnpack_executor(const Model& model);
#endif

}  // namespace ecg::nn
