// Native nn benchmark: one model, every backend in this build, one thread, the same input.
// usage: ecg-nn-bench <model.safetensors> <input.bin: float32 ecg then demographics> [min_seconds]
// Prints one JSON object per backend: {"model", "backend", "ms" (median wall time per record), "cpu_ms"
// (median process CPU time per record: leaves out waits for a CPU on a shared machine), "gflops", "arena_bytes",
// "out0", "steps_ms", "conv_ms", "conv_flops", "conv_gflops", "steps": [{"op", "name", "ms", "flops"}]}:
// the steps from Session profiling, each step's ms its fastest of the profiled runs timed apart from
// the "ms" runs (on a shared machine a step's median still includes the times the process was
// preempted in it); steps_ms sums them; conv_* sum the steps whose
// op is conv1d (with the ops fused into them; none under xnnpack, whose convolutions run inside its
// subgraphs).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include "ecg/error.h"
#include "ecg/nn.h"

static std::vector<std::uint8_t> read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ecg::Error(std::string("cannot read ") + path);
  return {std::istreambuf_iterator<char>(in), {}};
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <model.safetensors> <input.bin> [min_seconds]\n", argv[0]);
    return 2;
  }
  try {
    const double min_s = argc > 3 ? std::atof(argv[3]) : 2.0;
    auto model = std::make_shared<const ecg::nn::Model>(ecg::nn::Model::load(read_file(argv[1])));
    auto raw = read_file(argv[2]);
    std::vector<float> input(raw.size() / 4);
    std::memcpy(input.data(), raw.data(), input.size() * 4);
    const double flops = model->flops(model->info.input_len);
    for (auto backend : ecg::nn::available_backends()) {
      ecg::nn::Session s(model, backend);
      std::size_t off = 0;
      for (std::size_t i = 0; i < model->inputs.size(); ++i) {
        auto dst = s.input(i);
        std::copy_n(input.begin() + static_cast<std::ptrdiff_t>(off), dst.size(), dst.begin());
        off += dst.size();
      }
      std::vector<double> times, cpu_times;  // wall; this process's CPU time (std::clock)
      using clock = std::chrono::steady_clock;
      for (int i = 0; i < 2; ++i) s.run();
      const auto end = clock::now() + std::chrono::duration<double>(min_s);
      while (times.size() < 5 || (clock::now() < end && times.size() < 2000)) {
        const auto t0 = clock::now();
        const std::clock_t c0 = std::clock();
        s.run();
        cpu_times.push_back(1000.0 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
        times.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count());
        if (backend == ecg::nn::Backend::reference && times.size() >= 5) break;
      }
      std::sort(times.begin(), times.end());
      std::sort(cpu_times.begin(), cpu_times.end());
      const double ms = times[times.size() / 2], cpu_ms = cpu_times[cpu_times.size() / 2];
      // Per-step profile: each profiled run on its own, so every step gets a median over runs.
      const std::size_t prof_runs = backend == ecg::nn::Backend::reference ? 3 : std::max<std::size_t>(5, std::min<std::size_t>(times.size() / 2, 200));
      std::vector<std::vector<double>> step_ms;
      auto steps = s.profile();
      for (std::size_t r = 0; r < prof_runs; ++r) {
        s.set_profiling(true);
        s.run();
        steps = s.profile();
        step_ms.resize(steps.size());
        for (std::size_t i = 0; i < steps.size(); ++i) step_ms[i].push_back(steps[i].ms);
      }
      s.set_profiling(false);
      double conv_flops = 0, conv_ms = 0, steps_ms = 0;
      for (std::size_t i = 0; i < steps.size(); ++i) {
        steps[i].ms = *std::min_element(step_ms[i].begin(), step_ms[i].end());
        steps_ms += steps[i].ms;
        if (steps[i].op == "conv1d") {
          conv_flops += steps[i].flops;
          conv_ms += steps[i].ms;
        }
      }
      std::printf("{\"model\": \"%s\", \"backend\": \"%s\", \"ms\": %.4f, \"cpu_ms\": %.4f, \"runs\": %zu, \"gflops\": %.3f, \"arena_bytes\": %zu, \"out0\": %.6f, "
                  "\"steps_ms\": %.4f, \"conv_ms\": %.4f, \"conv_flops\": %.0f, \"conv_gflops\": %.3f, \"steps\": [",
                  model->info.name.c_str(), ecg::nn::backend_name(backend), ms, cpu_ms, times.size(), flops / ms / 1e6, s.arena_bytes(),
                  static_cast<double>(s.output(0)[0]), steps_ms, conv_ms, conv_flops, conv_ms > 0 ? conv_flops / conv_ms / 1e6 : 0.0);
      for (std::size_t i = 0; i < steps.size(); ++i)
        std::printf("%s{\"op\": \"%s\", \"name\": \"%s\", \"ms\": %.5f, \"flops\": %.0f}", i ? ", " : "", steps[i].op.c_str(), steps[i].name.c_str(),
                    steps[i].ms, steps[i].flops);
      std::printf("]}\n");
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ecg-nn-bench: %s\n", e.what());
    return 1;
  }
}
