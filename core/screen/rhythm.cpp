// Single-label rhythm classification (task "rhythm" models, e.g. models/rhythm-1): one lead,
// preprocessing as the file says, windows covering the record, softmax averaged over windows, argmax.
// tools/train/rhythm.py `predict` is the Python twin.
#include <algorithm>
#include <cmath>

#include "ecg/dsp.h"
#include "ecg/error.h"
#include "ecg/screen.h"
#include "pipeline.h"

namespace ecg::screen {
namespace {

constexpr std::size_t kMaxBatch = 16;  // windows per run, as in Screener

std::shared_ptr<const nn::Model> load_rhythm_model(std::span<const std::uint8_t> model_file) {
  auto model = std::make_shared<const nn::Model>(nn::Model::load(model_file));
  if (model->info.task != "rhythm") throw Error("model " + model->info.name + ": task: got \"" + model->info.task + "\", expected \"rhythm\" (screening models go to Screener)");
  check_rhythm_model(*model);
  return model;
}

}  // namespace

void check_rhythm_model(const nn::Model& model) {
  const nn::ModelInfo& info = model.info;
  if (model.inputs.size() != 1) throw Error("model " + info.name + ": graph.inputs: got " + std::to_string(model.inputs.size()) + " inputs, expected only 'ecg' for a rhythm model");
  if (model.outputs.size() != 1) throw Error("model " + info.name + ": graph.outputs: got " + std::to_string(model.outputs.size()) + " outputs, expected 1 for a rhythm model");
}

RhythmClassifier::RhythmClassifier(std::span<const std::uint8_t> model_file, nn::Backend backend)
    : model_(load_rhythm_model(model_file)), session_(std::make_unique<nn::Session>(model_, backend)) {}
RhythmClassifier::~RhythmClassifier() = default;
RhythmClassifier::RhythmClassifier(RhythmClassifier&&) noexcept = default;
RhythmClassifier& RhythmClassifier::operator=(RhythmClassifier&&) noexcept = default;

const nn::ModelInfo& RhythmClassifier::info() const { return model_->info; }

RhythmResult RhythmClassifier::classify(const Record& record) { return classify_rhythm(*model_, *session_, record); }

RhythmResult classify_rhythm(const nn::Model& model, nn::Session& session, const Record& record) {
  const nn::ModelInfo& info = model.info;
  if (record.n_samples == 0 || record.n_leads() == 0) throw Error("record " + record.name + ": got no samples, expected at least one lead with samples");
  // The leads to read, in the model's order: by name, or a one-lead record's only lead for a one-lead model.
  Record named = record;
  bool by_name = std::all_of(info.leads.begin(), info.leads.end(), [&](const std::string& l) { return record.lead_index(l).has_value(); });
  if (!by_name) {
    if (info.leads.size() == 1 && record.n_leads() == 1) {
      named.leads = info.leads;  // e.g. a chest strap's "ECG" read as the model's one lead
    } else {
      std::string want, have;
      for (const auto& l : info.leads) want += (want.empty() ? "" : ", ") + l;
      for (const auto& l : record.leads) have += (have.empty() ? "" : ", ") + l;
      throw Error("model " + info.name + ": got a record with leads " + have + ", expected lead(s) " + want + " or a single-lead record");
    }
  }
  const std::string lead = by_name ? info.leads[0] : record.leads[0];
  const Record x = preprocess_for_model(named, info);

  const auto input_len = static_cast<std::size_t>(info.input_len);
  const std::size_t stride = info.preprocess.window_stride > 0 ? static_cast<std::size_t>(info.preprocess.window_stride) : input_len;
  const std::vector<std::size_t> starts = dsp::window_starts(x.n_samples, input_len, stride);
  const std::size_t n_classes = info.classes.size();
  std::vector<double> aggregate(n_classes, 0.0);
  std::vector<double> p(n_classes);
  for (std::size_t first = 0; first < starts.size(); first += kMaxBatch) {
    const std::size_t batch = std::min(kMaxBatch, starts.size() - first);
    load_windows(session, x, starts, first, batch, input_len);
    session.run();
    std::span<const float> logits = session.output(0);
    for (std::size_t b = 0; b < batch; ++b) {
      // softmax in double, shifted by the max logit
      double top = logits[b * n_classes], sum = 0.0;
      for (std::size_t c = 1; c < n_classes; ++c) top = std::max(top, static_cast<double>(logits[b * n_classes + c]));
      for (std::size_t c = 0; c < n_classes; ++c) sum += p[c] = std::exp(static_cast<double>(logits[b * n_classes + c]) - top);
      for (std::size_t c = 0; c < n_classes; ++c)
        aggregate[c] = info.preprocess.aggregate == "max" ? std::max(aggregate[c], p[c] / sum) : aggregate[c] + p[c] / sum;
    }
  }
  if (info.preprocess.aggregate != "max")
    for (double& v : aggregate) v /= static_cast<double>(starts.size());

  RhythmResult r;
  r.model = info.name;
  r.lead = lead;
  r.windows = starts.size();
  r.duration_s = record.duration_s();
  for (std::size_t c = 0; c < n_classes; ++c) r.classes.push_back({info.classes[c].snomed, info.classes[c].abbr, info.classes[c].name, aggregate[c]});
  r.best = static_cast<std::size_t>(std::max_element(aggregate.begin(), aggregate.end()) - aggregate.begin());
  return r;
}

}  // namespace ecg::screen
