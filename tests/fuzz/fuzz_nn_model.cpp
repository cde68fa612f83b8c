// libFuzzer target for the nn model loader: any bytes either load (and then run through a session)
// or throw ecg::Error; never a crash, an out-of-bounds read or an unbounded allocation.
// Build and run: tools/fuzz-nn.sh
#include <cstddef>
#include <cstdint>
#include <memory>

#include "ecg/error.h"
#include "ecg/nn.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    auto model = std::make_shared<const ecg::nn::Model>(ecg::nn::Model::load({data, size}));
    double floats = 0;
    for (const auto& shape : model->infer_shapes(model->info.input_len + 8)) floats += static_cast<double>(shape.numel());
    if (model->flops(model->info.input_len) < 2e7 && floats < 4e6) {
      ecg::nn::Session session(model, ecg::nn::Backend::simd);
      session.run();
      session.reshape(2, model->info.input_len + 8);
      session.run();
    }
  } catch (const ecg::Error&) {
  }
  return 0;
}
