// Internal executor interface behind ecg::nn::Session: one implementation per backend family.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

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
  // The steps run() takes, in order, for the current reshape (ms left 0). Every node is in exactly
  // one step.
  virtual std::vector<OpProfile> steps() const = 0;

  // Profiling: run() wraps step i in timed(i, …), which costs one branch when profiling is off.
  void set_profiling(bool on) {
    profiling_ = on;
    step_ms_.assign(on ? steps().size() : 0, 0.0);
    profiled_runs_ = 0;
  }
  bool profiling() const { return profiling_; }
  std::size_t profiled_runs() const { return profiled_runs_; }
  const std::vector<double>& step_ms() const { return step_ms_; }

 protected:
  void count_run() {
    if (profiling_) ++profiled_runs_;
  }
  template <class F>
  void timed(std::size_t step, F&& f) {
    if (!profiling_) {
      f();
      return;
    }
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    f();
    step_ms_[step] += std::chrono::duration<double, std::milli>(clock::now() - t0).count();
  }

 private:
  bool profiling_ = false;
  std::vector<double> step_ms_;  // per step, summed over the profiled runs
  std::size_t profiled_runs_ = 0;
};

// Planned executors over the built-in kernels: `fast` = SIMD kernels with fusion and packed
// weights; otherwise the reference kernels node by node.
std::unique_ptr<Executor> make_planned_executor(const Model& model, bool fast);
#ifdef ECG_NN_XNNPACK
std::unique_ptr<Executor> make_xnnpack_executor(const Model& model);
#endif

}  // namespace ecg::nn
