// The CinC 2021 challenge metric (see ecg/metric.h for the algorithm and the source of the tables).
#include "ecg/metric.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <nlohmann/json.hpp>

#include "ecg/error.h"

namespace ecg::metric {
namespace {

constexpr std::size_t kN = 26;
constexpr std::size_t kSinusRhythm = 14;  // 426783006, the "inactive" output

// weights.csv of physionetchallenges/evaluation-2021 (e2a75fc), rows and columns in the order below.
constexpr double kWeights[kN][kN] = {
    {1.0, 0.5, 0.475, 0.3, 0.475, 0.4, 0.3, 0.3, 0.35, 0.35, 0.3, 0.425, 0.45, 0.35, 0.25, 0.3375, 0.375, 0.425, 0.375, 0.4, 0.35, 0.3, 0.3, 0.375, 0.5, 0.5},
    {0.5, 1.0, 0.475, 0.3, 0.475, 0.4, 0.3, 0.3, 0.35, 0.35, 0.3, 0.425, 0.45, 0.35, 0.25, 0.3375, 0.375, 0.425, 0.375, 0.4, 0.35, 0.3, 0.3, 0.375, 0.5, 0.5},
    {0.475, 0.475, 1.0, 0.325, 0.475, 0.425, 0.325, 0.325, 0.375, 0.375, 0.325, 0.45, 0.475, 0.375, 0.275, 0.3625, 0.4, 0.45, 0.4, 0.375, 0.375, 0.325, 0.325, 0.4, 0.475, 0.475},
    {0.3, 0.3, 0.325, 1.0, 0.325, 0.4, 0.5, 0.5, 0.45, 0.45, 0.5, 0.375, 0.35, 0.45, 0.45, 0.4625, 0.425, 0.375, 0.425, 0.2, 0.45, 0.5, 0.5, 0.425, 0.3, 0.3},
    {0.475, 0.475, 0.475, 0.325, 1.0, 0.425, 0.325, 0.325, 0.375, 0.375, 0.325, 0.45, 0.475, 0.375, 0.275, 0.3625, 0.4, 0.45, 0.4, 0.375, 0.375, 0.325, 0.325, 0.4, 0.475, 0.475},
    {0.4, 0.4, 0.425, 0.4, 0.425, 1.0, 0.4, 0.4, 0.45, 0.45, 0.4, 0.475, 0.45, 0.45, 0.35, 0.4375, 0.475, 0.475, 0.475, 0.3, 0.45, 0.4, 0.4, 0.475, 0.4, 0.4},
    {0.3, 0.3, 0.325, 0.5, 0.325, 0.4, 1.0, 0.5, 0.45, 0.45, 0.5, 0.375, 0.35, 0.45, 0.45, 0.4625, 0.425, 0.375, 0.425, 0.2, 0.45, 0.5, 0.5, 0.425, 0.3, 0.3},
    {0.3, 0.3, 0.325, 0.5, 0.325, 0.4, 0.5, 1.0, 0.45, 0.45, 0.5, 0.375, 0.35, 0.45, 0.45, 0.4625, 0.425, 0.375, 0.425, 0.2, 0.45, 0.5, 0.5, 0.425, 0.3, 0.3},
    {0.35, 0.35, 0.375, 0.45, 0.375, 0.45, 0.45, 0.45, 1.0, 0.5, 0.45, 0.425, 0.4, 0.5, 0.4, 0.4875, 0.475, 0.425, 0.475, 0.25, 0.5, 0.45, 0.45, 0.475, 0.35, 0.35},
    {0.35, 0.35, 0.375, 0.45, 0.375, 0.45, 0.45, 0.45, 0.5, 1.0, 0.45, 0.425, 0.4, 0.5, 0.4, 0.4875, 0.475, 0.425, 0.475, 0.25, 0.5, 0.45, 0.45, 0.475, 0.35, 0.35},
    {0.3, 0.3, 0.325, 0.5, 0.325, 0.4, 0.5, 0.5, 0.45, 0.45, 1.0, 0.375, 0.35, 0.45, 0.45, 0.4625, 0.425, 0.375, 0.425, 0.2, 0.45, 0.5, 0.5, 0.425, 0.3, 0.3},
    {0.425, 0.425, 0.45, 0.375, 0.45, 0.475, 0.375, 0.375, 0.425, 0.425, 0.375, 1.0, 0.475, 0.425, 0.325, 0.4125, 0.45, 0.475, 0.45, 0.325, 0.425, 0.375, 0.375, 0.45, 0.425, 0.425},
    {0.45, 0.45, 0.475, 0.35, 0.475, 0.45, 0.35, 0.35, 0.4, 0.4, 0.35, 0.475, 1.0, 0.4, 0.3, 0.3875, 0.425, 0.475, 0.425, 0.35, 0.4, 0.35, 0.35, 0.425, 0.45, 0.45},
    {0.35, 0.35, 0.375, 0.45, 0.375, 0.45, 0.45, 0.45, 0.5, 0.5, 0.45, 0.425, 0.4, 1.0, 0.4, 0.4875, 0.475, 0.425, 0.475, 0.25, 0.5, 0.45, 0.45, 0.475, 0.35, 0.35},
    {0.25, 0.25, 0.275, 0.45, 0.275, 0.35, 0.45, 0.45, 0.4, 0.4, 0.45, 0.325, 0.3, 0.4, 1.0, 0.4125, 0.375, 0.325, 0.375, 0.15, 0.4, 0.45, 0.45, 0.375, 0.25, 0.25},
    {0.3375, 0.3375, 0.3625, 0.4625, 0.3625, 0.4375, 0.4625, 0.4625, 0.4875, 0.4875, 0.4625, 0.4125, 0.3875, 0.4875, 0.4125, 1.0, 0.4625, 0.4125, 0.4625, 0.2375, 0.4875, 0.4625, 0.4625, 0.4625, 0.3375, 0.3375},
    {0.375, 0.375, 0.4, 0.425, 0.4, 0.475, 0.425, 0.425, 0.475, 0.475, 0.425, 0.45, 0.425, 0.475, 0.375, 0.4625, 1.0, 0.45, 0.5, 0.275, 0.475, 0.425, 0.425, 0.5, 0.375, 0.375},
    {0.425, 0.425, 0.45, 0.375, 0.45, 0.475, 0.375, 0.375, 0.425, 0.425, 0.375, 0.475, 0.475, 0.425, 0.325, 0.4125, 0.45, 1.0, 0.45, 0.325, 0.425, 0.375, 0.375, 0.45, 0.425, 0.425},
    {0.375, 0.375, 0.4, 0.425, 0.4, 0.475, 0.425, 0.425, 0.475, 0.475, 0.425, 0.45, 0.425, 0.475, 0.375, 0.4625, 0.5, 0.45, 1.0, 0.275, 0.475, 0.425, 0.425, 0.5, 0.375, 0.375},
    {0.4, 0.4, 0.375, 0.2, 0.375, 0.3, 0.2, 0.2, 0.25, 0.25, 0.2, 0.325, 0.35, 0.25, 0.15, 0.2375, 0.275, 0.325, 0.275, 1.0, 0.25, 0.2, 0.2, 0.275, 0.4, 0.4},
    {0.35, 0.35, 0.375, 0.45, 0.375, 0.45, 0.45, 0.45, 0.5, 0.5, 0.45, 0.425, 0.4, 0.5, 0.4, 0.4875, 0.475, 0.425, 0.475, 0.25, 1.0, 0.45, 0.45, 0.475, 0.35, 0.35},
    {0.3, 0.3, 0.325, 0.5, 0.325, 0.4, 0.5, 0.5, 0.45, 0.45, 0.5, 0.375, 0.35, 0.45, 0.45, 0.4625, 0.425, 0.375, 0.425, 0.2, 0.45, 1.0, 0.5, 0.425, 0.3, 0.3},
    {0.3, 0.3, 0.325, 0.5, 0.325, 0.4, 0.5, 0.5, 0.45, 0.45, 0.5, 0.375, 0.35, 0.45, 0.45, 0.4625, 0.425, 0.375, 0.425, 0.2, 0.45, 0.5, 1.0, 0.425, 0.3, 0.3},
    {0.375, 0.375, 0.4, 0.425, 0.4, 0.475, 0.425, 0.425, 0.475, 0.475, 0.425, 0.45, 0.425, 0.475, 0.375, 0.4625, 0.5, 0.45, 0.5, 0.275, 0.475, 0.425, 0.425, 1.0, 0.375, 0.375},
    {0.5, 0.5, 0.475, 0.3, 0.475, 0.4, 0.3, 0.3, 0.35, 0.35, 0.3, 0.425, 0.45, 0.35, 0.25, 0.3375, 0.375, 0.425, 0.375, 0.4, 0.35, 0.3, 0.3, 0.375, 1.0, 0.5},
    {0.5, 0.5, 0.475, 0.3, 0.475, 0.4, 0.3, 0.3, 0.35, 0.35, 0.3, 0.425, 0.45, 0.35, 0.25, 0.3375, 0.375, 0.425, 0.375, 0.4, 0.35, 0.3, 0.3, 0.375, 0.5, 1.0},
};

}  // namespace

const std::vector<ScoredClass>& scored_classes() {
  static const std::vector<ScoredClass> classes = {
    {{"164889003"}, "AF", "atrial fibrillation"},
    {{"164890007"}, "AFL", "atrial flutter"},
    {{"6374002"}, "BBB", "bundle branch block"},
    {{"426627000"}, "Brady", "bradycardia"},
    {{"733534002", "164909002"}, "CLBBB|LBBB", "complete left bundle branch block|left bundle branch block"},
    {{"713427006", "59118001"}, "CRBBB|RBBB", "complete right bundle branch block|right bundle branch block"},
    {{"270492004"}, "IAVB", "1st degree av block"},
    {{"713426002"}, "IRBBB", "incomplete right bundle branch block"},
    {{"39732003"}, "LAD", "left axis deviation"},
    {{"445118002"}, "LAnFB", "left anterior fascicular block"},
    {{"164947007"}, "LPR", "prolonged pr interval"},
    {{"251146004"}, "LQRSV", "low qrs voltages"},
    {{"111975006"}, "LQT", "prolonged qt interval"},
    {{"698252002"}, "NSIVCB", "nonspecific intraventricular conduction disorder"},
    {{"426783006"}, "NSR", "sinus rhythm"},
    {{"284470004", "63593006"}, "PAC|SVPB", "premature atrial contraction|supraventricular premature beats"},
    {{"10370003"}, "PR", "pacing rhythm"},
    {{"365413008"}, "PRWP", "poor R wave Progression"},
    {{"427172004", "17338001"}, "PVC|VPB", "premature ventricular contractions|ventricular premature beats"},
    {{"164917005"}, "QAb", "qwave abnormal"},
    {{"47665007"}, "RAD", "right axis deviation"},
    {{"427393009"}, "SA", "sinus arrhythmia"},
    {{"426177001"}, "SB", "sinus bradycardia"},
    {{"427084000"}, "STach", "sinus tachycardia"},
    {{"164934002"}, "TAb", "t wave abnormal"},
    {{"59931005"}, "TInv", "t wave inversion"},
  };
  return classes;
}

double reward(std::size_t label, std::size_t output) {
  if (label >= kN || output >= kN) throw Error("challenge metric: class index " + std::to_string(std::max(label, output)) + " out of range, expected 0-25");
  return kWeights[label][output];
}

std::optional<std::size_t> class_of(std::string_view code) {
  const auto& classes = scored_classes();
  for (std::size_t j = 0; j < classes.size(); ++j) {
    for (const std::string& c : classes[j].codes) {
      if (c == code) return j;
    }
  }
  return std::nullopt;
}

std::vector<bool> classes_of(std::span<const std::string> codes) {
  std::vector<bool> out(kN, false);
  for (const std::string& code : codes) {
    if (auto j = class_of(code)) out[*j] = true;
  }
  return out;
}

Accumulator::Accumulator() : tp_(kN), fp_(kN), fn_(kN), tn_(kN) {}

namespace {
// Sum over label classes j and output classes i of W[j][i] / max(|labels ∪ outputs|, 1).
double record_score(const std::vector<bool>& labels, const std::vector<bool>& outputs) {
  std::size_t u = 0;
  for (std::size_t j = 0; j < kN; ++j) u += (labels[j] || outputs[j]) ? 1 : 0;
  double s = 0.0;
  for (std::size_t j = 0; j < kN; ++j) {
    if (!labels[j]) continue;
    for (std::size_t i = 0; i < kN; ++i) {
      if (outputs[i]) s += kWeights[j][i];
    }
  }
  return s / static_cast<double>(std::max<std::size_t>(u, 1));
}
}  // namespace

void Accumulator::add(const std::vector<bool>& labels, const std::vector<bool>& outputs) {
  if (labels.size() != kN || outputs.size() != kN) {
    throw Error("challenge metric: got " + std::to_string(labels.size()) + " label and " + std::to_string(outputs.size()) +
                " output class flags, expected 26 of each");
  }
  std::vector<bool> inactive(kN, false);
  inactive[kSinusRhythm] = true;
  observed_ += record_score(labels, outputs);
  correct_ += record_score(labels, labels);
  inactive_ += record_score(labels, inactive);
  bool any = false;
  for (std::size_t j = 0; j < kN; ++j) {
    any = any || labels[j];
    if (labels[j] && outputs[j]) ++tp_[j];
    else if (!labels[j] && outputs[j]) ++fp_[j];
    else if (labels[j]) ++fn_[j];
    else ++tn_[j];
  }
  ++n_;
  if (!any) ++n_unscored_;
}

void Accumulator::add_codes(std::span<const std::string> label_codes, std::span<const std::string> output_codes) {
  add(classes_of(label_codes), classes_of(output_codes));
}

void Accumulator::merge(const Accumulator& other) {
  n_ += other.n_;
  n_unscored_ += other.n_unscored_;
  observed_ += other.observed_;
  correct_ += other.correct_;
  inactive_ += other.inactive_;
  for (std::size_t j = 0; j < kN; ++j) {
    tp_[j] += other.tp_[j];
    fp_[j] += other.fp_[j];
    fn_[j] += other.fn_[j];
    tn_[j] += other.tn_[j];
  }
}

namespace {
std::optional<double> ratio(std::size_t num, std::size_t den) {
  if (den == 0) return std::nullopt;
  return static_cast<double>(num) / static_cast<double>(den);
}
}  // namespace

Summary Accumulator::summary() const {
  Summary s;
  s.n_records = n_;
  s.n_without_scored_label = n_unscored_;
  s.observed = observed_;
  s.correct = correct_;
  s.inactive = inactive_;
  s.challenge_metric = correct_ == inactive_ ? 0.0 : (observed_ - inactive_) / (correct_ - inactive_);
  double f1_sum = 0.0;
  std::size_t f1_n = 0;
  for (std::size_t j = 0; j < kN; ++j) {
    const ScoredClass& c = scored_classes()[j];
    ClassCounts k{c.abbr, c.codes, tp_[j], fp_[j], fn_[j], tn_[j], ratio(2 * tp_[j], 2 * tp_[j] + fp_[j] + fn_[j]),
                  ratio(tp_[j], tp_[j] + fn_[j]), ratio(tn_[j], tn_[j] + fp_[j])};
    if (k.f1) f1_sum += *k.f1, ++f1_n;
    s.classes.push_back(std::move(k));
  }
  if (f1_n > 0) s.macro_f1 = f1_sum / static_cast<double>(f1_n);
  return s;
}

std::string to_json(const Summary& summary) {
  using nlohmann::json;
  auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  json classes = json::array();
  for (const ClassCounts& c : summary.classes) {
    classes.push_back({{"abbr", c.abbr}, {"codes", c.codes}, {"tp", c.tp}, {"fp", c.fp}, {"fn", c.fn}, {"tn", c.tn},
                       {"f1", opt(c.f1)}, {"sensitivity", opt(c.sensitivity)}, {"specificity", opt(c.specificity)}});
  }
  json j = {{"n_records", summary.n_records},
            {"n_without_scored_label", summary.n_without_scored_label},
            {"challenge_metric", summary.challenge_metric},
            {"macro_f1", opt(summary.macro_f1)},
            {"observed", summary.observed},
            {"correct", summary.correct},
            {"inactive", summary.inactive},
            {"classes", classes}};
  return j.dump();
}

}  // namespace ecg::metric
