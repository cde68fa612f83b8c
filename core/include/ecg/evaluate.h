// ecg::screen evaluation: screen labelled records and score the decisions with the CinC 2021
// challenge metric. One code path for `ecg-screen eval` (native, std::thread) and the Node CLI
// (worker_threads): workers produce one Case per record, one Evaluation adds them in record order.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ecg/metric.h"
#include "ecg/record.h"
#include "ecg/screen.h"

namespace ecg::screen {

// One record's part of an evaluation.
struct EvalCase {
  std::string record;
  std::vector<std::string> label_codes;   // the record's labels as the file states them
  std::vector<std::string> output_codes;  // SNOMED codes screening decided positive
  std::string model;                      // model that ran ("" for rules only)
  bool inconclusive = false;
  std::string skipped;                    // why the record was left out ("" when it counts)
};

// Screens `record` restricted to `lead_set` ("12", "6", "4", "3", "2"; "" keeps every lead). A
// record without labels, or one lacking a lead of the set, is returned with `skipped` set and not
// screened. Throws ecg::Error for an unknown lead set.
EvalCase eval_case(Screener& screener, const Record& record, std::string_view lead_set);

std::string to_json(const EvalCase& c);
EvalCase eval_case_from_json(const std::string& json);

// Adds cases one at a time; memory holds counts, not records.
class Evaluation {
 public:
  void add(const EvalCase& c);
  metric::Summary summary() const { return metric_.summary(); }
  // The metric summary (ecg/metric.h to_json) plus "n_skipped", "skipped" (reason -> count),
  // "n_inconclusive" and "models" (name -> records it screened).
  std::string to_json() const;

 private:
  metric::Accumulator metric_;
  std::size_t n_skipped_ = 0, n_inconclusive_ = 0;
  std::map<std::string, std::size_t> skipped_, models_;
};

}  // namespace ecg::screen
