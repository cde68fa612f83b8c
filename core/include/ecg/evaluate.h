// ecg::screen evaluation: screen labelled records and score the decisions with the CinC 2021
// challenge metric. One code path for `ecg-screen eval` (native, std::thread) and the Node CLI
// (worker_threads): workers produce one Case per record, one Evaluation adds them in record order;
// one EvalReport turns them into the JSON both CLIs print, and merges the results of shards.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ecg/io.h"
#include "ecg/metric.h"
#include "ecg/record.h"
#include "ecg/screen.h"
#include "ecg/shard.h"

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

// What an `eval` run reports besides its records: the same fields natively, under Node and after
// merging shards.
struct EvalRun {
  std::string lead_set;                        // "" = every lead of each record
  std::vector<Screener::ModelId> models;       // the models loaded (Screener::model_ids; any order)
  std::optional<Shard> shard;                  // nullopt: every record of the folder listing
  std::size_t records_in_folder = 0;           // WFDB headers listed under the folders (all shards)
};

// The JSON `eval` prints, built from the records of the folder listing in listing order (each
// screened, skipped or failed). One implementation for the native CLI, the Node CLI (bindings) and
// merge_eval_results, so a merged result is the unsharded one, floating-point sums included (the
// cases are added in the same order).
class EvalReport {
 public:
  explicit EvalReport(EvalRun run);
  // The record at `index` of the folder listing (0-based, increasing from call to call), read from
  // `file`: scored or skipped (add), or not readable or screenable (add_error). Throws ecg::Error
  // when the index does not increase.
  void add(std::size_t index, const std::string& file, const EvalCase& c);
  void add_error(std::size_t index, const std::string& file, const std::string& error);
  std::size_t n_files() const { return n_added_; }
  std::size_t n_errors() const { return n_errors_; }
  const EvalRun& run() const { return run_; }
  // Evaluation::to_json plus "lead_set" (null: every lead), "n_files", "errors" [{file, error}],
  // "threads", "elapsed_s", "records_per_s"; with a shard also "shard" {k, n, records_in_shard,
  // records_in_folder, models: [{name, fnv1a64}]}, "cases" [{index, file, record, labels, outputs,
  // model, inconclusive, skipped}] and each error's "index": what merge_eval_results needs.
  std::string to_json(std::size_t threads, double elapsed_s) const;

 private:
  struct Entry {
    std::size_t index = 0;
    std::string file;
    std::optional<EvalCase> c;  // empty: `error`
    std::string error;
  };
  void push(Entry e);
  EvalRun run_;
  Evaluation evaluation_;
  std::vector<Entry> entries_;  // with a shard every record, else the errors only
  std::size_t n_added_ = 0, n_errors_ = 0, last_index_ = 0;
};

// Merges the results of `eval --shard K/N` for K = 1..N (one file each, any order) into exactly the
// result of one unsharded `eval` over the same folder: the cases are replayed in folder-listing
// order. "threads" is the shards' sum, "elapsed_s" the longest shard's (the wall time when they run
// at once), "records_per_s" n_files / elapsed_s. Throws ecg::Error naming the file and what was
// expected and found when a file is not such a result, the shards differ in N, lead set, models or
// folder, a shard is missing or given twice, or a record is in two shards or in the wrong one.
std::string merge_eval_results(std::span<const io::NamedBuffer> files);

}  // namespace ecg::screen
