// Learned QRS detection: a model file of task "qrs" (models/qrs-1, tools/train/qrs.py) run by the nn
// engine on one lead; candidates are the probability-weighted centres of the runs above threshold.
// rpeaks.cpp places each candidate on its R wave and chunks long leads.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include "ecg/dsp.h"
#include "ecg/error.h"
#include "ecg/nn.h"

namespace ecg::dsp {
namespace {

const std::uint8_t kBuiltinQrs[] = {
#include "qrs_model_bytes.inc"
};

}  // namespace

struct LearnedQrs::Impl {
  std::shared_ptr<const nn::Model> model;
  nn::Session session;
  std::optional<ModelInput> input;  // the preprocessing's filters for the last lead's rate
};

LearnedQrs::LearnedQrs(std::span<const std::uint8_t> model_file) {
  auto model = std::make_shared<const nn::Model>(nn::Model::load(model_file));
  const nn::ModelInfo& info = model->info;
  if (info.task != "qrs") throw Error("model " + info.name + ": task: got \"" + info.task + "\", expected \"qrs\" (a QRS detector)");
  if (model->inputs.size() != 1 || model->inputs[0].shape.c != 1 || model->outputs.size() != 1)
    throw Error("model " + info.name + ": graph: got " + std::to_string(model->inputs.size()) + " input(s) of " + std::to_string(model->inputs[0].shape.c) +
                " lead(s) and " + std::to_string(model->outputs.size()) + " output(s), expected one one-lead input and one output");
  const nn::Shape out = model->infer_shapes(info.input_len)[static_cast<std::size_t>(model->outputs[0])];
  if (out.rank != 2 || out.c != 1 || out.l != info.input_len)
    throw Error("model " + info.name + ": graph output: got " + nn::to_string(out) + ", expected [1, " + std::to_string(info.input_len) + "] (one probability per input sample)");
  nn::Session session(model, nn::Backend::simd);  // the same kernels natively and in WebAssembly
  impl_ = std::make_unique<Impl>(Impl{std::move(model), std::move(session), std::nullopt});
}

LearnedQrs::~LearnedQrs() = default;
LearnedQrs::LearnedQrs(LearnedQrs&&) noexcept = default;
LearnedQrs& LearnedQrs::operator=(LearnedQrs&&) noexcept = default;

double LearnedQrs::model_fs_hz() const { return impl_->model->info.fs_hz; }
const std::string& LearnedQrs::name() const { return impl_->model->info.name; }

std::vector<float> LearnedQrs::probability(std::span<const float> lead_mv, double fs_hz, std::vector<float>* input) {
  const nn::ModelInfo& info = impl_->model->info;
  std::vector<float> local;
  std::vector<float>& x = input ? *input : local;
  if (!impl_->input || impl_->input->fs_hz() != fs_hz) impl_->input.emplace(fs_hz, info);  // designed once per rate
  x = (*impl_->input)(lead_mv);
  if (x.empty()) return {};
  // A flat lead: its scale (median 1-s range) is below the normalisation's epsilon, so the scaled
  // lead's own median range stays below 0.5; no QRS (the network would see only rounding noise).
  if (info.preprocess.normalize == "block_range_per_lead" && block_range_scale(x, info.fs_hz) < 0.5) return std::vector<float>(x.size(), 0.0f);
  nn::Session& s = impl_->session;
  s.reshape(1, static_cast<std::int64_t>(x.size()));
  std::copy(x.begin(), x.end(), s.input(0).begin());
  s.run();
  std::span<const float> p = s.output(0);
  return {p.begin(), p.end()};
}

std::vector<double> LearnedQrs::candidates(std::span<const float> lead_mv, double fs_hz) {
  const nn::ModelInfo& info = impl_->model->info;
  std::vector<float> x;
  const std::vector<float> p = probability(lead_mv, fs_hz, &x);
  const double threshold = info.thresholds.at(0);
  const double refractory = info.refractory_s * info.fs_hz;
  // Positions at the model's rate map back by the resampling ratio (exact for integer rates).
  const Ratio r = std::abs(fs_hz - info.fs_hz) > 1e-9 ? resample_ratio(fs_hz, info.fs_hz) : Ratio{1, 1};
  const double to_input = static_cast<double>(r.down) / static_cast<double>(r.up);
  std::vector<std::pair<double, float>> runs;  // (centre at the model's rate, peak probability)
  for (std::size_t k = 0; k < p.size();) {
    if (p[k] < threshold) { ++k; continue; }
    double sum = 0.0, weighted = 0.0;
    float peak = 0.0f;
    std::size_t e = k;
    for (; e < p.size() && p[e] >= threshold; ++e) sum += p[e], weighted += static_cast<double>(e) * p[e], peak = std::max(peak, p[e]);
    const double centre = weighted / sum;
    if (!runs.empty() && centre - runs.back().first < refractory) {
      if (peak > runs.back().second) runs.back() = {centre, peak};
    } else {
      runs.emplace_back(centre, peak);
    }
    k = e;
  }
  // Amplitude gate: the peak-to-peak of the model input within ±60 ms of each candidate against the
  // upper median of its neighbours' (8 each side and itself); below the model's share it is a beat
  // the rhythm led the network to expect, not one in the signal (tools/train/qrs.py amplitude_gate).
  constexpr std::ptrdiff_t kHalf = 6, kNeighbours = 8;
  std::vector<double> amp(runs.size());
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const auto i = static_cast<std::ptrdiff_t>(std::floor(runs[k].first + 0.5));
    const std::ptrdiff_t a = std::max<std::ptrdiff_t>(0, i - kHalf), b = std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(x.size()), i + kHalf + 1);
    if (a >= b) continue;
    const auto [lo, hi] = std::minmax_element(x.begin() + a, x.begin() + b);
    amp[k] = static_cast<double>(*hi) - static_cast<double>(*lo);
  }
  std::vector<double> out;
  out.reserve(runs.size());
  std::vector<double> nb;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const std::size_t a = k >= static_cast<std::size_t>(kNeighbours) ? k - kNeighbours : 0, b = std::min(runs.size(), k + kNeighbours + 1);
    nb.assign(amp.begin() + static_cast<std::ptrdiff_t>(a), amp.begin() + static_cast<std::ptrdiff_t>(b));
    std::nth_element(nb.begin(), nb.begin() + static_cast<std::ptrdiff_t>(nb.size() / 2), nb.end());
    if (amp[k] >= info.min_relative_amplitude * nb[nb.size() / 2]) out.push_back(runs[k].first * to_input);
  }
  return out;
}

LearnedQrs& builtin_qrs() {
  thread_local LearnedQrs qrs(std::span<const std::uint8_t>(kBuiltinQrs, sizeof kBuiltinQrs));
  return qrs;
}

}  // namespace ecg::dsp
