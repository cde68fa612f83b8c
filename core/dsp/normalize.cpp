// Normalisation (z-score with epsilon), crop, pad and sliding-window starts.
#include <algorithm>
#include <cmath>

#include "ecg/dsp.h"
#include "ecg/error.h"
#include "ecg/nn.h"

namespace ecg::dsp {
namespace {

struct Moments {
  double mean = 0.0;
  double sd = 0.0;
};

Moments moments(std::span<const float> x) {
  if (x.empty()) return {};
  double sum = 0.0;
  for (float v : x) sum += v;
  const double mean = sum / static_cast<double>(x.size());
  double ss = 0.0;
  for (float v : x) ss += (v - mean) * (v - mean);
  return {mean, std::sqrt(ss / static_cast<double>(x.size()))};
}

void apply(std::span<float> x, Moments m, double epsilon) {
  const double scale = 1.0 / (m.sd + epsilon);
  for (float& v : x) v = static_cast<float>((v - m.mean) * scale);
}

}  // namespace

void zscore(std::span<float> x, double epsilon) { apply(x, moments(x), epsilon); }

double block_range_scale(std::span<const float> x, double fs_hz) {
  if (x.empty()) return 0.0;
  const auto block = static_cast<std::size_t>(std::max(1.0, std::floor(fs_hz)));
  const std::size_t n = x.size() / block;
  if (n == 0) {
    const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
    return static_cast<double>(*hi) - static_cast<double>(*lo);
  }
  std::vector<double> ranges(n);
  for (std::size_t b = 0; b < n; ++b) {
    const auto [lo, hi] = std::minmax_element(x.begin() + static_cast<std::ptrdiff_t>(b * block), x.begin() + static_cast<std::ptrdiff_t>((b + 1) * block));
    ranges[b] = static_cast<double>(*hi) - static_cast<double>(*lo);
  }
  std::nth_element(ranges.begin(), ranges.begin() + static_cast<std::ptrdiff_t>(n / 2), ranges.end());
  return ranges[n / 2];
}

void block_range_normalize(std::span<float> x, double fs_hz, double epsilon) {
  const double scale = 1.0 / (block_range_scale(x, fs_hz) + epsilon);
  for (float& v : x) v = static_cast<float>(static_cast<double>(v) * scale);
}

ModelInput::ModelInput(double fs_hz, const nn::ModelInfo& info) : info_(&info), fs_hz_(fs_hz) {
  const nn::Preprocess& pre = info.preprocess;
  if (pre.resample != "polyphase") throw Error("model " + info.name + ": preprocess.resample: got \"" + pre.resample + "\", expected \"polyphase\"");
  if (std::abs(fs_hz - info.fs_hz) > 1e-9) resampler_.emplace(fs_hz, info.fs_hz, ResampleQuality::scipy);
  if (pre.bandpass_hz) {
    const int taps = static_cast<int>(pre.fir_taps.value_or(2 * static_cast<std::int64_t>(std::floor(info.fs_hz)) + 1));
    bandpass_ = design_bandpass_hamming(pre.bandpass_hz->first, pre.bandpass_hz->second, taps, info.fs_hz);
  }
}

std::vector<float> ModelInput::operator()(std::span<const float> lead) const {
  const nn::ModelInfo& info = *info_;
  const nn::Preprocess& pre = info.preprocess;
  std::vector<float> x = resampler_ ? (*resampler_)(lead) : std::vector<float>(lead.begin(), lead.end());
  if (pre.bandpass_hz) x = fir_zero_phase(x, bandpass_);
  if (pre.normalize == "zscore_per_lead") zscore(x, pre.epsilon);
  else if (pre.normalize == "block_range_per_lead") block_range_normalize(x, info.fs_hz, pre.epsilon);
  else if (pre.normalize != "none" && pre.normalize != "zscore_all_leads")
    throw Error("model " + info.name + ": preprocess.normalize: got \"" + pre.normalize + "\", expected zscore_per_lead, zscore_all_leads, block_range_per_lead or none");
  return x;
}

std::vector<float> model_input(std::span<const float> lead, double fs_hz, const nn::ModelInfo& info) { return ModelInput(fs_hz, info)(lead); }

void zscore_per_lead(Record& record, double epsilon) {
  for (std::size_t lead = 0; lead < record.n_leads(); ++lead) zscore(record.lead(lead), epsilon);
}

void zscore_all_leads(Record& record, double epsilon) {
  std::span<float> all(record.samples_mv.data(), record.samples_mv.size());
  apply(all, moments(all), epsilon);
}

Record crop(const Record& record, std::size_t start, std::size_t length) {
  Record out = record;
  const std::size_t begin = std::min(start, record.n_samples);
  const std::size_t end = begin + std::min(length, record.n_samples - begin);
  out.n_samples = end - begin;
  out.samples_mv.clear();
  out.samples_mv.reserve(out.n_samples * record.n_leads());
  for (std::size_t lead = 0; lead < record.n_leads(); ++lead) {
    auto x = record.lead(lead);
    out.samples_mv.insert(out.samples_mv.end(), x.begin() + static_cast<std::ptrdiff_t>(begin), x.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return out;
}

Record pad_right(const Record& record, std::size_t length) {
  Record out = record;
  out.n_samples = length;
  out.samples_mv.assign(length * record.n_leads(), 0.0f);
  const std::size_t keep = std::min(length, record.n_samples);
  for (std::size_t lead = 0; lead < record.n_leads(); ++lead) {
    auto x = record.lead(lead);
    std::copy(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(keep), out.samples_mv.begin() + static_cast<std::ptrdiff_t>(lead * length));
  }
  return out;
}

std::vector<std::size_t> window_starts(std::size_t n, std::size_t length, std::size_t stride) {
  if (n <= length || length == 0) return {0};
  stride = std::max<std::size_t>(stride, 1);
  std::vector<std::size_t> starts;
  for (std::size_t s = 0; s + length <= n; s += stride) starts.push_back(s);
  if (starts.back() + length < n) starts.push_back(n - length);
  return starts;
}

}  // namespace ecg::dsp
