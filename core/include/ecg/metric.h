// ecg::metric: the official PhysioNet/CinC Challenge 2021 scoring of screening decisions against labels.
//
// The 26 scored classes and the 26x26 reward matrix are copied from the challenge's weights.csv
// (tools/train/reference/, BSD-2-Clause, physionetchallenges/evaluation-2021 e2a75fc); a test checks the
// table against that file and the metric against the golden vectors in tests/fixtures/metric/.
// The algorithm is evaluate_model.py's (FACTS.md §1.2): a label or output code belongs to class j when
// it is one of the class's codes (equivalent codes such as 59118001 = 713427006 form one class); per
// record u = max(|labels ∪ outputs|, 1) and every (label class, output class) pair adds W/u; the score
// is (observed - inactive) / (correct - inactive), where correct outputs the labels and inactive
// outputs sinus rhythm (426783006) for every record. tools/train/metric.py is the Python twin.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ecg::metric {

struct ScoredClass {
  std::vector<std::string> codes;  // SNOMED CT codes scored as this class
  std::string abbr;                // weights.csv abbreviation, e.g. "CRBBB|RBBB"
  std::string name;
};

// The 26 classes in weights.csv column order.
const std::vector<ScoredClass>& scored_classes();
// Reward for outputting class `output` on a record labelled with class `label` (symmetric).
double reward(std::size_t label, std::size_t output);
// Index of the class that scores this code; nullopt when the code is not scored.
std::optional<std::size_t> class_of(std::string_view code);
// Membership of each scored class (size 26) for a list of codes; unscored codes are ignored.
std::vector<bool> classes_of(std::span<const std::string> codes);

struct ClassCounts {
  std::string abbr;
  std::vector<std::string> codes;
  std::size_t tp = 0, fp = 0, fn = 0, tn = 0;
  std::optional<double> f1;           // 2TP / (2TP + FP + FN); nullopt when the class never occurs in labels or outputs
  std::optional<double> sensitivity;  // TP / (TP + FN)
  std::optional<double> specificity;  // TN / (TN + FP)
};

struct Summary {
  std::size_t n_records = 0;
  std::size_t n_without_scored_label = 0;  // labelled records none of whose labels is a scored class
  double challenge_metric = 0.0;
  std::optional<double> macro_f1;          // mean of the defined per-class F1 (evaluate_model.py's nanmean)
  double observed = 0.0, correct = 0.0, inactive = 0.0;
  std::vector<ClassCounts> classes;        // 26, in scored_classes() order
};

// Adds records one at a time (memory does not grow with their number) and scores them at the end.
class Accumulator {
 public:
  Accumulator();
  // labels/outputs: class memberships of size 26 (see classes_of). Throws ecg::Error on another size.
  void add(const std::vector<bool>& labels, const std::vector<bool>& outputs);
  // Codes given directly: the record's label codes and the codes screening decided positive.
  void add_codes(std::span<const std::string> label_codes, std::span<const std::string> output_codes);
  // Merges another accumulator's records (e.g. one per worker thread).
  void merge(const Accumulator& other);
  Summary summary() const;

 private:
  std::size_t n_ = 0, n_unscored_ = 0;
  double observed_ = 0.0, correct_ = 0.0, inactive_ = 0.0;
  std::vector<std::size_t> tp_, fp_, fn_, tn_;
};

// {"n_records", "n_without_scored_label", "challenge_metric", "macro_f1", "observed", "correct",
//  "inactive", "classes": [{"abbr", "codes", "tp", "fp", "fn", "tn", "f1", "sensitivity", "specificity"}]}
std::string to_json(const Summary& summary);

}  // namespace ecg::metric
