// Native nn benchmark: one model, every backend in this build, one thread, the same input.
// usage: ecg-nn-bench <model.safetensors> <input.bin: float32 ecg then demographics> [min_seconds]
// Prints one JSON object per backend: {"model", "backend", "ms" (median per record), "gflops", "arena_bytes"}.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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
      std::vector<double> times;
      using clock = std::chrono::steady_clock;
      for (int i = 0; i < 2; ++i) s.run();
      const auto end = clock::now() + std::chrono::duration<double>(min_s);
      while (times.size() < 5 || (clock::now() < end && times.size() < 2000)) {
        auto t0 = clock::now();
        s.run();
        times.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count());
        if (backend == ecg::nn::Backend::reference && times.size() >= 5) break;
      }
      std::sort(times.begin(), times.end());
      const double ms = times[times.size() / 2];
      std::printf("{\"model\": \"%s\", \"backend\": \"%s\", \"ms\": %.4f, \"runs\": %zu, \"gflops\": %.3f, \"arena_bytes\": %zu, \"out0\": %.6f}\n",
                  model->info.name.c_str(), ecg::nn::backend_name(backend), ms, times.size(), flops / ms / 1e6, s.arena_bytes(),
                  static_cast<double>(s.output(0)[0]));
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ecg-nn-bench: %s\n", e.what());
    return 1;
  }
}
