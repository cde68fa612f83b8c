// The model pipeline: choose the model for the leads present, preprocess as its file says, run it over
// windows covering the whole record, aggregate, decide per class, and merge with the rules.
#include <algorithm>
#include <array>
#include <optional>
#include <tuple>
#include <cmath>

#include "ecg/dsp.h"
#include "ecg/error.h"
#include "ecg/screen.h"
#include "ecg/shard.h"
#include "screen/pipeline.h"

namespace ecg::screen {
namespace {

// Windows per run: bounds the activation memory for hours-long records (the session plans memory
// for this batch once and reuses it).
constexpr std::size_t kMaxBatch = 16;

// LRH-Net demographics (FACTS §2.1): [age/100, age_known, female, male, sex_known].
std::array<float, 5> lrhnet5(const std::optional<double>& age_years, Sex sex) {
  std::array<float, 5> v{};
  if (age_years) {
    v[0] = static_cast<float>(*age_years / 100.0);
    v[1] = 1.0f;
  }
  if (sex != Sex::unknown) {
    v[sex == Sex::female ? 2 : 3] = 1.0f;
    v[4] = 1.0f;
  }
  return v;
}

constexpr const char* kAfSnomed = "164889003";

// A one-lead record that no screening model fits, screened by a rhythm model: its result goes to
// Findings::rhythm, its AF probability and decision (AF is the most probable class) to the AF class.
void add_rhythm_result(Findings& f, RhythmResult r, const nn::ModelInfo& info, const std::string& backend) {
  for (const RhythmClass& c : r.classes) {
    if (c.snomed != kAfSnomed) continue;
    ClassFinding cf;
    cf.snomed = c.snomed;
    cf.abbr = c.abbr;
    cf.name = c.name;
    cf.probability = c.probability;  // no threshold: single-label "argmax" rule
    cf.model_positive = r.classes[r.best].snomed == kAfSnomed;
    f.classes.push_back(std::move(cf));
  }
  f.model = ModelUse{info.name, "1", {r.lead}, info.fs_hz, info.input_len, r.windows, backend};
  f.warnings.push_back("one lead and no screening model for it: the rhythm model " + info.name +
                       " (normal / AF / other / noisy) decides AF; every other class is the rules' only");
  f.rhythm = std::move(r);
}

}  // namespace

std::optional<ModelChoice> choose_model(std::span<const nn::ModelInfo* const> models, const std::vector<std::string>& record_leads) {
  auto has_all = [&](const std::vector<std::string>& leads) {
    return std::all_of(leads.begin(), leads.end(), [&](const std::string& l) { return std::find(record_leads.begin(), record_leads.end(), l) != record_leads.end(); });
  };
  std::optional<ModelChoice> best;
  auto beats = [&](std::size_t n) { return n > (best ? best->leads.size() : 0); };
  for (std::size_t i = 0; i < models.size(); ++i) {
    const nn::ModelInfo& info = *models[i];
    if (info.task != "screen") continue;  // e.g. a rhythm model: other classes, single-label (RhythmClassifier)
    if (info.lead_sets.empty()) {
      if (has_all(info.leads) && beats(info.leads.size()))
        best = ModelChoice{i, info.name, info.task, std::nullopt, std::to_string(info.leads.size()), info.leads};
    } else {
      for (std::size_t k = 0; k < info.lead_sets.size(); ++k) {
        const nn::LeadSet& set = info.lead_sets[k];
        if (has_all(set.leads) && beats(set.leads.size())) best = ModelChoice{i, info.name, info.task, k, set.name, set.leads};
      }
    }
  }
  if (best || record_leads.size() != 1) return best;
  for (std::size_t i = 0; i < models.size(); ++i)
    if (models[i]->task == "rhythm") return ModelChoice{i, models[i]->name, "rhythm", std::nullopt, "1", record_leads};
  return std::nullopt;
}

bool choice_may_change(const std::optional<ModelChoice>& choice, const std::vector<std::string>& record_leads,
                       const std::vector<std::vector<std::string>>& pending_leads) {
  if (pending_leads.empty()) return false;
  if (!choice && record_leads.size() == 1) return true;  // a pending rhythm model would be chosen
  const std::size_t reads = choice && choice->task == "screen" ? choice->leads.size() : 0;
  for (const auto& leads : pending_leads) {
    const auto shared = static_cast<std::size_t>(std::count_if(leads.begin(), leads.end(), [&](const std::string& l) {
      return std::find(record_leads.begin(), record_leads.end(), l) != record_leads.end();
    }));
    if (shared > reads) return true;
  }
  return false;
}

Record preprocess_for_model(const Record& record, const nn::ModelInfo& info) { return preprocess_for_model(record, info, dsp::ModelInput(record.fs_hz, info)); }

Record preprocess_for_model(const Record& record, const nn::ModelInfo& info, const dsp::ModelInput& model_input) {
  Record x;
  x.name = record.name;
  x.leads = info.leads;
  const std::vector<float> zeros(record.n_samples, 0.0f);  // a lead the record lacks stays zero
  for (const std::string& lead : info.leads) {
    const auto index = record.lead_index(lead);
    const std::vector<float> y = model_input(index ? record.lead(*index) : std::span<const float>(zeros));
    x.n_samples = y.size();
    x.samples_mv.insert(x.samples_mv.end(), y.begin(), y.end());
  }
  const dsp::Ratio r = dsp::resample_ratio(record.fs_hz, info.fs_hz);
  x.fs_hz = std::abs(record.fs_hz - info.fs_hz) > 1e-9 ? record.fs_hz * static_cast<double>(r.up) / static_cast<double>(r.down) : record.fs_hz;
  if (info.preprocess.normalize == "zscore_all_leads") dsp::zscore_all_leads(x, info.preprocess.epsilon);
  return x;
}

struct Screener::Loaded {
  std::shared_ptr<const nn::Model> model;
  nn::Session session;
  std::uint64_t file_fnv1a64 = 0;
  std::optional<dsp::ModelInput> input;  // the preprocessing's filters for the last record's rate
};

Screener::Screener(nn::Backend backend) : backend_(backend) {}
Screener::~Screener() = default;
Screener::Screener(Screener&&) noexcept = default;
Screener& Screener::operator=(Screener&&) noexcept = default;

void Screener::add_model(std::span<const std::uint8_t> model_file) {
  auto model = std::make_shared<const nn::Model>(nn::Model::load(model_file));
  if (model->inputs.size() > 1 && !(model->inputs.size() == 2 && model->inputs[1].name == "demographics" && model->info.demographics == "lrhnet5")) {
    throw Error("model " + model->info.name + ": graph.inputs: got " + std::to_string(model->inputs.size()) +
                " inputs, expected 'ecg' and optionally 'demographics' with demographics \"lrhnet5\"");
  }
  if (model->info.task == "qrs") throw Error("model " + model->info.name + ": task: got \"qrs\" (a QRS detector, run by the beat layer), expected a screening or rhythm model");
  if (model->info.task == "rhythm") check_rhythm_model(*model);
  // Windows are averaged; "max" (allowed by the file format) is refused for screening models: no
  // shipped model uses it, so the code path would go untested (issue #14).
  if (model->info.task == "screen" && model->info.preprocess.aggregate != "mean") {
    throw Error("model " + model->info.name + ": preprocess.aggregate: got \"" + model->info.preprocess.aggregate +
                "\", expected \"mean\" (screening averages the windows' probabilities)");
  }
  models_.push_back(std::make_unique<Loaded>(Loaded{model, nn::Session(model, backend_),
                                                   fnv1a64({reinterpret_cast<const char*>(model_file.data()), model_file.size()}), std::nullopt}));
}

std::optional<std::string> Screener::why_no_model(const Record& record) const {
  if (models_.empty() || model_choice(record.leads)) return std::nullopt;
  std::string needs;
  for (const auto& m : models_) {
    const nn::ModelInfo& info = m->model->info;
    if (info.task == "rhythm") {
      needs += (needs.empty() ? "" : "; ") + info.name + " (a rhythm model) reads one-lead records only";
      continue;
    }
    std::vector<const std::vector<std::string>*> sets{&info.leads};
    for (const nn::LeadSet& set : info.lead_sets) sets.push_back(&set.leads);
    std::string want;
    for (const auto* leads : sets) {
      std::string l;
      for (const auto& name : *leads) l += (l.empty() ? "" : " ") + name;
      want += (want.empty() ? "" : " or ") + l;
    }
    needs += (needs.empty() ? "" : "; ") + info.name + " needs leads " + want;
  }
  std::string have;
  for (const auto& l : record.leads) have += (have.empty() ? "" : ", ") + l;
  return "no model given can screen this record: it has " + std::to_string(record.n_leads()) + " lead" + (record.n_leads() == 1 ? "" : "s") +
         " (" + have + "), and " + needs;
}

std::vector<const nn::ModelInfo*> Screener::model_infos() const {
  std::vector<const nn::ModelInfo*> infos;
  for (const auto& m : models_) infos.push_back(&m->model->info);
  return infos;
}

std::optional<ModelChoice> Screener::model_choice(const std::vector<std::string>& record_leads) const {
  return choose_model(model_infos(), record_leads);
}

std::optional<std::size_t> Screener::rhythm_model() const {
  for (std::size_t i = 0; i < models_.size(); ++i)
    if (models_[i]->model->info.task == "rhythm") return i;
  return std::nullopt;
}

std::vector<Screener::ModelId> Screener::model_ids() const {
  std::vector<ModelId> ids;
  for (const auto& m : models_) ids.push_back({m->model->info.name, m->file_fnv1a64});
  return ids;
}

std::vector<std::string> Screener::model_names() const {
  std::vector<std::string> names;
  for (const auto& m : models_) names.push_back(m->model->info.name);
  return names;
}

Findings Screener::screen(const Record& record, const Patient& patient) {
  Findings f;
  StageClock clock(f.timings);
  std::optional<Record> masked;  // the record with its unusable leads zeroed (none: every lead usable)
  screen_rules(record, patient, clock, f, &masked);

  // The model (and, for lead-wise models, the lead set) that uses the most leads the record has; for
  // a one-lead record no screening model fits, the first rhythm model (choose_model).
  const std::optional<ModelChoice> choice = model_choice(record.leads);
  if (choice && choice->task == "rhythm") {
    Loaded& rhythm = *models_[choice->model];
    add_rhythm_result(f, classify_rhythm(*rhythm.model, rhythm.session, record), rhythm.model->info, nn::backend_name(rhythm.session.backend()));
    clock.lap("model");
    merge_rules_into_classes(f);
    judge_signal(f, record, f.model->leads);
    return f;
  }
  if (!choice) {
    std::string names;
    for (const auto& m : models_)
      if (m->model->info.task == "screen") names += (names.empty() ? "" : "; ") + m->model->info.name + " needs " + std::to_string(m->model->info.leads.size()) + " leads";
    if (!names.empty()) f.warnings.push_back("no model fits this record's leads (" + std::to_string(record.n_leads()) + " leads; " + names + "): rules only");
    merge_rules_into_classes(f);
    judge_signal(f, record, record.leads);
    return f;
  }
  Loaded* chosen = models_[choice->model].get();
  const nn::LeadSet* chosen_set = choice->lead_set_index ? &chosen->model->info.lead_sets[*choice->lead_set_index] : nullptr;

  const nn::Model& model = *chosen->model;
  const nn::ModelInfo& info = model.info;
  const Record& model_record = masked ? *masked : record;  // at the analysis rate when masked (decimated records)
  if (!chosen->input || chosen->input->fs_hz() != model_record.fs_hz) chosen->input.emplace(model_record.fs_hz, info);  // designed once per rate
  const Record x = preprocess_for_model(model_record, info, *chosen->input);
  clock.lap("preprocess");

  const auto input_len = static_cast<std::size_t>(info.input_len);
  const std::size_t stride = info.preprocess.window_stride > 0 ? static_cast<std::size_t>(info.preprocess.window_stride) : input_len;
  const std::vector<std::size_t> starts = dsp::window_starts(x.n_samples, input_len, stride);
  const int out_index = chosen_set ? model.output_index(chosen_set->output) : 0;
  const std::vector<double>& thresholds = chosen_set ? chosen_set->thresholds : info.thresholds;
  const std::size_t n_classes = info.classes.size();
  const auto demographics = lrhnet5(f.age_years, f.sex);
  std::vector<double> aggregate(n_classes, 0.0);  // mean of the windows' sigmoid outputs
  nn::Session& session = chosen->session;
  for (std::size_t first = 0; first < starts.size(); first += kMaxBatch) {
    const std::size_t batch = std::min(kMaxBatch, starts.size() - first);
    load_windows(session, x, starts, first, batch, input_len);
    if (model.inputs.size() == 2) {
      std::span<float> demo = session.input(1);
      for (std::size_t b = 0; b < batch; ++b) std::copy(demographics.begin(), demographics.end(), demo.begin() + static_cast<std::ptrdiff_t>(b * 5));
    }
    session.run();
    std::span<const float> logits = session.output(static_cast<std::size_t>(out_index));
    for (std::size_t b = 0; b < batch; ++b) {
      for (std::size_t c = 0; c < n_classes; ++c) {
        const double p = 1.0 / (1.0 + std::exp(-static_cast<double>(logits[b * n_classes + c])));
        aggregate[c] += p;
      }
    }
  }
  for (double& p : aggregate) p /= static_cast<double>(starts.size());
  clock.lap("model");

  const std::vector<bool> positive = model_decisions(aggregate, thresholds);
  for (std::size_t c = 0; c < n_classes; ++c) {
    ClassFinding cf;
    cf.snomed = info.classes[c].snomed;
    cf.abbr = info.classes[c].abbr;
    cf.name = info.classes[c].name;
    cf.probability = aggregate[c];
    cf.threshold = thresholds[c];
    cf.model_positive = positive[c];
    f.classes.push_back(std::move(cf));
  }
  merge_rules_into_classes(f);
  f.model = ModelUse{info.name, chosen_set ? chosen_set->name : std::to_string(info.leads.size()),
                     chosen_set ? chosen_set->leads : info.leads, info.fs_hz, info.input_len, starts.size(),
                     nn::backend_name(session.backend())};
  judge_signal(f, record, f.model->leads);
  return f;
}

std::vector<bool> model_decisions(std::span<const double> probabilities, std::span<const double> thresholds) {
  std::vector<bool> out(probabilities.size(), false);
  if (probabilities.empty()) return out;
  // threshold_or_argmax: positive when p >= threshold, and the most probable class always (the first
  // of equally probable ones).
  const auto argmax = static_cast<std::size_t>(std::max_element(probabilities.begin(), probabilities.end()) - probabilities.begin());
  for (std::size_t c = 0; c < probabilities.size(); ++c) out[c] = probabilities[c] >= thresholds[c] || c == argmax;
  return out;
}

void load_windows(nn::Session& session, const Record& x, std::span<const std::size_t> starts, std::size_t first, std::size_t batch,
                  std::size_t input_len) {
  session.reshape(batch, static_cast<std::int64_t>(input_len));
  std::span<float> ecg = session.input(0);
  std::fill(ecg.begin(), ecg.end(), 0.0f);  // a record shorter than input_len is zero-padded on the right
  for (std::size_t b = 0; b < batch; ++b) {
    const std::size_t start = starts[first + b];
    const std::size_t n = std::min(input_len, x.n_samples - start);
    for (std::size_t k = 0; k < x.n_leads(); ++k) {
      std::copy_n(x.lead(k).begin() + static_cast<std::ptrdiff_t>(start), n, ecg.begin() + static_cast<std::ptrdiff_t>((b * x.n_leads() + k) * input_len));
    }
  }
}

}  // namespace ecg::screen
