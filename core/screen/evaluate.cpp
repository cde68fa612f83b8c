// Evaluation of screening against labels (see ecg/evaluate.h).
#include "ecg/evaluate.h"

#include <algorithm>
#include <cstdio>
#include <tuple>

#include <nlohmann/json.hpp>

#include "ecg/error.h"

namespace ecg::screen {
namespace {

using nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }  // names come from files: never throw on bad UTF-8

EvalCase case_from(const json& j) {
  return {j.at("record").get<std::string>(), j.at("labels").get<std::vector<std::string>>(),
          j.at("outputs").get<std::vector<std::string>>(), j.at("model").get<std::string>(),
          j.at("inconclusive").get<bool>(), j.at("skipped").get<std::string>()};
}

// A JSON library exception in words: without its "[json.exception.type_error.302] " prefix.
std::string reason(const json::exception& e) { return json_error_text(e.what()); }

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

EvalCase eval_case(Screener& screener, const Record& record, std::string_view lead_set) {
  EvalCase c;
  c.record = record.name;
  c.label_codes = record.labels;
  std::optional<std::vector<std::string>> leads;
  if (!lead_set.empty()) {
    leads = lead_set_leads(lead_set);
    if (!leads) throw Error("lead set: got '" + std::string(lead_set) + "', expected 12, 6, 4, 3 or 2");
  }
  if (record.labels.empty()) {
    c.skipped = "no labels";
    return c;
  }
  std::string missing;
  if (leads) {
    for (const std::string& l : *leads) {
      if (!record.lead_index(l)) missing += (missing.empty() ? "" : ", ") + l;
    }
  }
  if (!missing.empty()) {
    c.skipped = "lacks lead(s) " + missing + " of the " + std::string(lead_set) + "-lead set";
    return c;
  }
  const Findings f = screener.screen(leads ? select_leads(record, *leads) : record, Patient{});
  for (const ClassFinding& k : f.classes) {
    if (k.decision) c.output_codes.push_back(k.snomed);
  }
  c.model = f.model ? f.model->name : "";
  c.inconclusive = f.inconclusive;
  return c;
}

std::string to_json(const EvalCase& c) {
  return nlohmann::json{{"record", c.record}, {"labels", c.label_codes}, {"outputs", c.output_codes},
                        {"model", c.model}, {"inconclusive", c.inconclusive}, {"skipped", c.skipped}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

EvalCase eval_case_from_json(const std::string& json) {
  const nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw Error("evaluation case: expected a JSON object, found " + json.substr(0, 40));
  try {
    return case_from(j);
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("evaluation case: ") + json_error_text(e.what()));
  }
}

void Evaluation::add(const EvalCase& c) {
  if (!c.skipped.empty()) {
    ++n_skipped_;
    ++skipped_[c.skipped.rfind("lacks lead", 0) == 0 ? "lacks leads of the lead set" : c.skipped];
    return;
  }
  metric_.add_codes(c.label_codes, c.output_codes);
  ++models_[c.model.empty() ? "(rules only)" : c.model];
  if (c.inconclusive) ++n_inconclusive_;
}

std::string Evaluation::to_json() const {
  nlohmann::json j = nlohmann::json::parse(metric::to_json(metric_.summary()));
  j["n_skipped"] = n_skipped_;
  j["skipped"] = skipped_;
  j["n_inconclusive"] = n_inconclusive_;
  j["models"] = models_;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // names and labels come from files: never throw on bad UTF-8
}

// ---- EvalReport: the JSON eval prints ---------------------------------------------------------

EvalReport::EvalReport(EvalRun run) : run_(std::move(run)) {
  // By name: the native tool loads models in file-name order, Node in models.json order; shards
  // of either tool merge.
  std::sort(run_.models.begin(), run_.models.end(),
            [](const Screener::ModelId& a, const Screener::ModelId& b) { return std::tie(a.name, a.fnv1a64) < std::tie(b.name, b.fnv1a64); });
}

void EvalReport::push(Entry e) {
  if (n_added_ > 0 && e.index <= last_index_) {
    throw Error("eval report: expected records in folder-listing order, found record " + std::to_string(e.index) + " after record " +
                std::to_string(last_index_));
  }
  last_index_ = e.index;
  ++n_added_;
  if (e.c) evaluation_.add(*e.c);
  else ++n_errors_;
  // Unsharded, only the errors are printed per record: memory holds counts, not records.
  if (run_.shard || !e.c) entries_.push_back(std::move(e));
}

void EvalReport::add(std::size_t index, const std::string& file, const EvalCase& c) { push({index, file, c, ""}); }

void EvalReport::add_error(std::size_t index, const std::string& file, const std::string& error) {
  push({index, file, std::nullopt, error});
}

std::string EvalReport::to_json(std::size_t threads, double elapsed_s) const {
  json out = json::parse(evaluation_.to_json());
  out["lead_set"] = run_.lead_set.empty() ? json(nullptr) : json(run_.lead_set);
  out["n_files"] = n_added_;
  json errors = json::array(), cases = json::array();
  for (const Entry& e : entries_) {
    if (!e.c) {
      json error = {{"file", e.file}, {"error", e.error}};
      if (run_.shard) error["index"] = e.index;
      errors.push_back(std::move(error));
    } else {
      cases.push_back({{"index", e.index}, {"file", e.file}, {"record", e.c->record}, {"labels", e.c->label_codes},
                       {"outputs", e.c->output_codes}, {"model", e.c->model}, {"inconclusive", e.c->inconclusive}, {"skipped", e.c->skipped}});
    }
  }
  out["errors"] = std::move(errors);
  out["threads"] = threads;
  out["elapsed_s"] = elapsed_s;
  out["records_per_s"] = static_cast<double>(n_added_) / std::max(elapsed_s, 1e-9);
  if (run_.shard) {
    json models = json::array();
    for (const Screener::ModelId& m : run_.models) models.push_back({{"name", m.name}, {"fnv1a64", hex64(m.fnv1a64)}});
    out["shard"] = {{"k", run_.shard->k}, {"n", run_.shard->n}, {"records_in_shard", n_added_},
                    {"records_in_folder", run_.records_in_folder}, {"models", std::move(models)}};
    out["cases"] = std::move(cases);
  }
  return dump(out);
}

// ---- merging the results of shards -------------------------------------------------------------

namespace {

constexpr const char* kWhat = "the JSON output of 'ecg-screen eval --shard K/N'";

std::string shard_text(const Shard& s) { return std::to_string(s.k) + "/" + std::to_string(s.n); }

std::string lead_set_text(const std::string& s) { return s.empty() ? "every lead (no --leads)" : "--leads " + s; }

std::string models_text(const std::vector<Screener::ModelId>& models) {
  if (models.empty()) return "no model (--no-model)";
  std::string out;
  for (const auto& m : models) out += (out.empty() ? "" : ", ") + m.name + " (fnv1a64 " + hex64(m.fnv1a64) + ")";
  return out;
}

// One record of a shard's result.
struct PartEntry {
  std::size_t index = 0;  // in the folder listing
  std::string file;
  std::optional<EvalCase> c;  // empty: `error`
  std::string error;
  std::size_t position = 0;  // in its list ("cases" or "errors"), for messages
  std::string where() const { return std::string(c ? "cases" : "errors") + "[" + std::to_string(position) + "]"; }
};

// A shard's result, its records already out of the JSON (a million records' JSON tree would take
// several GB; their cases a few hundred MB).
struct Part {
  std::string name;
  Shard shard;
  EvalRun run;
  std::size_t threads = 0;
  double elapsed_s = 0.0;
  std::vector<PartEntry> entries;
};

Part read_part(const io::NamedBuffer& file) {
  Part p;
  p.name = file.name;
  json j = json::parse(file.bytes.begin(), file.bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw Error(p.name + ": expected " + kWhat + ", found text that is not JSON");
  if (!j.is_object() || !j.contains("challenge_metric") || !j.contains("classes") || !j.contains("n_files")) {
    throw Error(p.name + ": expected " + kWhat + ", found JSON that is not an eval result");
  }
  if (!j.contains("shard")) {
    throw Error(p.name + ": expected " + kWhat + ", found the result of an eval without --shard (it is already a whole result)");
  }
  std::size_t records_in_shard = 0;
  try {
    const auto& s = j["shard"];
    p.shard = {s.at("k").get<std::size_t>(), s.at("n").get<std::size_t>()};
    records_in_shard = s.at("records_in_shard").get<std::size_t>();
    p.run.records_in_folder = s.at("records_in_folder").get<std::size_t>();
    for (const auto& m : s.at("models")) {
      const std::string hex = m.at("fnv1a64").get<std::string>();
      std::size_t used = 0;
      const unsigned long long v = hex.size() == 16 ? std::stoull(hex, &used, 16) : 0;
      if (used != 16) throw Error(p.name + ": shard.models: expected a 16-digit hexadecimal fnv1a64, found '" + hex + "'");
      p.run.models.push_back({m.at("name").get<std::string>(), v});
    }
    p.run.lead_set = j.at("lead_set").is_null() ? "" : j.at("lead_set").get<std::string>();
    p.threads = j.at("threads").get<std::size_t>();
    p.elapsed_s = j.at("elapsed_s").get<double>();
    const json& cases = j.at("cases");
    const json& errors = j.at("errors");
    if (!cases.is_array() || !errors.is_array()) {
      throw Error(p.name + ": expected \"cases\" and \"errors\" to be lists, found " + cases.type_name() + " and " + errors.type_name());
    }
  } catch (const json::exception& e) {
    throw Error(p.name + ": expected " + kWhat + " with shard {k, n, records_in_shard, records_in_folder, models}, lead_set, threads, elapsed_s, cases and errors; found " +
                reason(e));
  } catch (const std::logic_error&) {  // std::stoull on a bad digit
    throw Error(p.name + ": shard.models: expected a 16-digit hexadecimal fnv1a64");
  }
  if (p.shard.n < 1 || p.shard.k < 1 || p.shard.k > p.shard.n) {
    throw Error(p.name + ": shard: expected K/N with 1 <= K <= N, found " + shard_text(p.shard));
  }
  for (const char* list : {"cases", "errors"}) {
    json& entries = j[list];
    const bool is_case = list[0] == 'c';
    for (std::size_t i = 0; i < entries.size(); ++i) {
      PartEntry e;
      e.position = i;
      try {
        const json& entry = entries[i];
        e.index = entry.at("index").get<std::size_t>();
        e.file = entry.at("file").get<std::string>();
        if (is_case) e.c = case_from(entry);
        else e.error = entry.at("error").get<std::string>();
      } catch (const json::exception& x) {
        throw Error(p.name + ": " + list + "[" + std::to_string(i) + "]: expected {index, file, " + (is_case ? "record, labels, outputs, model, inconclusive, skipped" : "error") +
                    "}, found " + reason(x));
      }
      p.entries.push_back(std::move(e));
      entries[i] = nullptr;  // free as we go
    }
  }
  if (p.entries.size() != records_in_shard) {
    throw Error(p.name + ": expected " + std::to_string(records_in_shard) + " records (shard.records_in_shard), found " + std::to_string(p.entries.size()) +
                " in cases and errors");
  }
  return p;
}

}  // namespace

std::string merge_eval_results(std::span<const io::NamedBuffer> files) {
  if (files.empty()) throw Error("expected the result files of 'ecg-screen eval --shard K/N' for K = 1 to N, found none");
  std::vector<Part> parts;
  for (const io::NamedBuffer& file : files) {
    for (const Part& q : parts) {
      if (q.name == file.name) throw Error(file.name + ": given twice (expected each shard's file once)");
    }
    Part p = read_part(file);
    if (!parts.empty()) {
      const Part& first = parts.front();
      if (p.shard.n != first.shard.n) {
        throw Error(p.name + ": expected a shard of " + std::to_string(first.shard.n) + " like " + first.name + " (shard " + shard_text(first.shard) +
                    "), found shard " + shard_text(p.shard) + " (the shards of one run share N)");
      }
      if (p.run.lead_set != first.run.lead_set) {
        throw Error(p.name + ": expected " + lead_set_text(first.run.lead_set) + " like " + first.name + ", found " + lead_set_text(p.run.lead_set));
      }
      if (p.run.models != first.run.models) {
        throw Error(p.name + ": expected the models of " + first.name + ": " + models_text(first.run.models) + "; found " + models_text(p.run.models));
      }
      if (p.run.records_in_folder != first.run.records_in_folder) {
        throw Error(p.name + ": expected " + std::to_string(first.run.records_in_folder) + " records in the folder like " + first.name + ", found " +
                    std::to_string(p.run.records_in_folder) + " (the shards of one run list the same folder: is it the same on every host?)");
      }
    }
    for (const Part& q : parts) {
      if (q.shard.k == p.shard.k) {
        throw Error(p.name + ": shard " + shard_text(p.shard) + " again, already given as " + q.name + " (expected each shard once)");
      }
    }
    parts.push_back(std::move(p));
  }
  const std::size_t n = parts.front().shard.n;
  if (parts.size() < n) {
    std::vector<bool> have(n + 1, false);
    for (const Part& p : parts) have[p.shard.k] = true;
    std::string missing, given;
    for (std::size_t k = 1; k <= n; ++k) {
      if (!have[k]) missing += (missing.empty() ? "" : ", ") + shard_text({k, n});
    }
    for (const Part& p : parts) given += (given.empty() ? "" : ", ") + p.name + " (" + shard_text(p.shard) + ")";
    throw Error("expected shards 1/" + std::to_string(n) + " to " + shard_text({n, n}) + ", found no shard " + missing + " among " + given);
  }

  // Every record of the folder listing once, in the shard its name belongs to. The table is only
  // allocated when the files hold at least as many records as they claim the folder has; more
  // than that means a record in two shards (or out of range), named below.
  const std::size_t in_folder = parts.front().run.records_in_folder;
  std::size_t total = 0, threads = 0;
  double elapsed_s = 0.0;
  for (const Part& p : parts) {
    total += p.entries.size();
    threads += p.threads;
    elapsed_s = std::max(elapsed_s, p.elapsed_s);
  }
  if (total < in_folder) {
    throw Error("expected all " + std::to_string(in_folder) + " records of the folder across the " + std::to_string(n) + " shards, found " +
                std::to_string(total) + " (were the shards run over different folders, or is a shard's file cut short?)");
  }
  struct Slot {
    const Part* part = nullptr;
    const PartEntry* entry = nullptr;
  };
  std::vector<Slot> slots(in_folder);
  for (const Part& p : parts) {
    for (const PartEntry& e : p.entries) {
      if (e.index >= in_folder) {
        throw Error(p.name + ": " + e.where() + " (" + e.file + "): expected a record index below " + std::to_string(in_folder) +
                    " (the records in the folder), found " + std::to_string(e.index));
      }
      const Slot& taken = slots[e.index];
      if (taken.part) {
        throw Error(p.name + ": record " + std::to_string(e.index) + " of the folder (" + e.file + ") is also in " + taken.part->name +
                    (taken.entry->file == e.file ? "" : " (as " + taken.entry->file + ")") +
                    "; expected each record in one shard (were the shards run over different folders?)");
      }
      const std::string name = record_name_of_path(e.file);
      const std::size_t belongs = shard_of(name, n);
      if (belongs != p.shard.k) {
        throw Error(p.name + ": " + e.file + " belongs to shard " + shard_text({belongs, n}) + " (by its record name '" + name + "'), found in shard " +
                    shard_text(p.shard));
      }
      slots[e.index] = {&p, &e};
    }
  }
  EvalRun run = parts.front().run;
  run.shard.reset();
  EvalReport report(run);
  for (std::size_t i = 0; i < in_folder; ++i) {  // every slot is taken: at least in_folder entries, none twice or out of range
    const PartEntry& e = *slots[i].entry;
    if (e.c) report.add(i, e.file, *e.c);
    else report.add_error(i, e.file, e.error);
  }
  return report.to_json(threads, elapsed_s);
}

}  // namespace ecg::screen
