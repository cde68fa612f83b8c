// ecg-screen: the native command-line tool (paths -> bytes -> core -> JSON on stdout).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/eval.h"
#include "cli/files.h"
#include "ecg/annotations.h"
#include "ecg/dsp.h"
#include "ecg/error.h"
#include "ecg/io.h"
#include "ecg/options.h"
#include "ecg/quality.h"
#include "ecg/record.h"
#include "ecg/rules.h"
#include "ecg/screen.h"
#include "ecg/shard.h"

namespace {

constexpr const char* kUsage =
    "usage: ecg-screen <command> [options] <record>...\n"
    "\n"
    "commands:\n"
    "  info <record>...          print a JSON summary of each record (one JSON object per line)\n"
    "  screen [--model FILE]... [--no-model] [--csv] [--age YEARS] [--sex female|male] [--shard K/N] <record>...\n"
    "                            screen each record (model + rules) and print its findings as JSON, one\n"
    "                            object per line, or as CSV; models: every models/*.safetensors (or the\n"
    "                            folder in $ECG_SCREEN_MODELS) unless --model or --no-model is given\n"
    "  eval [--leads 12|6|4|3|2] [--model FILE]... [--no-model] [--threads N] [--record-timeout-s S] [--shard K/N] [--quiet] <folder>...\n"
    "                            screen every labelled WFDB record (*.hea with #Dx codes) under the folders,\n"
    "                            restricted to the lead set, on N threads (default: every core), and print\n"
    "                            one JSON object: n_records, challenge_metric, macro_f1, per-class counts\n"
    "                            (tp, fp, fn, tn, f1, sensitivity, specificity), skipped records, errors and\n"
    "                            records_per_s; progress goes to stderr unless --quiet; a record that takes\n"
    "                            longer than S seconds (default 300) is skipped and listed in errors\n"
    "  merge <file>...           merge the JSON results of 'eval --shard K/N' for K = 1..N into the result\n"
    "                            of one unsharded eval (docs/scale-out.md)\n"
    "  dump <record>...          print each record's stored integers as JSON, one object per line:\n"
    "                            {record, format, fs_hz, n_samples, leads, labels, units, gain, baseline,\n"
    "                            digital: [[lead 0 samples], ...]} (WFDB and EDF; used by tools/check_readers.py)\n"
    "  annotations <file>...     print a WFDB annotation file (.atr, LUDB .i/.ii/...) as JSON, one per line\n"
    "  rpeaks [--lead NAME] <record>...\n"
    "                            R-peaks as JSON {record, fs_hz, lead, rpeaks, heart_rate_bpm}: fused across\n"
    "                            leads, or on one lead\n"
    "  delineate [--lead NAME] <record>...\n"
    "                            P, QRS and T boundaries per beat as JSON (all leads fused, or one lead)\n"
    "  quality [--windows] <record>...\n"
    "                            signal quality per lead (usable, reasons in words, usable share) and the\n"
    "                            record's plausibility as JSON, one object per line; --windows adds each\n"
    "                            window's measurements (docs/quality.md)\n"
    "  rules [--sex female|male] <record>...\n"
    "                            every clinical rule's decision, criterion and evidence as JSON\n"
    "  --version                 print the version\n"
    "\n"
    "--shard K/N (screen, eval): only the records of shard K of N (1 <= K <= N), chosen by record name\n"
    "                            (FNV-1a 64 of the file name without folder and extension, modulo N, plus 1),\n"
    "                            the same on every host whatever the order of the files\n"
    "\n"
    "options (info, screen, dump, rpeaks, delineate, rules):\n"
    "  --fs HZ                   sampling rate of a CSV file without a time column\n"
    "  --units mV|uV             units of a CSV file whose header does not state them\n"
    "  --derive-limb-leads       add III, aVR, aVL, aVF computed from I and II when missing\n"
    "\n"
    "A <record> is a WFDB header (path/to/00003_hr.hea), its path without extension, a .mat with its\n"
    ".hea beside it, a .csv or an .edf file; a WFDB header's signal files are read from its folder.\n"
    "Only regular files are read (no directories, devices or FIFOs); a header's signal files must be plain\n"
    "names in its folder, and no file is read beyond the size its header declares.\n"
    "Exit status: 0 success, 1 a record, folder or model file could not be read or screened (named on\n"
    "stderr; the other records' output is kept), or eval results could not be merged (the file is named),\n"
    "2 bad usage (unknown command or option, bad option value).\n";

using ecg::cli::LoadedFile;
using ecg::cli::load_file;

ecg::Record read(const std::string& arg, const ecg::io::ReadOptions& options) { return ecg::cli::read_record_at(arg, options); }

// The stored integers of a record, for bit-exact comparison with an independent decoder.
std::string dump_json(const ecg::Record& record) {
  std::size_t stored = 0;  // derived leads come last and have no stored integers
  while (stored < record.n_leads() && !record.lead_info[stored].derived) ++stored;
  if (record.digital.empty() || record.digital.size() != stored * record.n_samples) {
    throw ecg::Error(record.name + ": dump: this format (" + record.source_format + ") stores no integers; use info");
  }
  nlohmann::json j;
  j["record"] = record.name;
  j["format"] = record.source_format;
  j["fs_hz"] = record.fs_hz;
  j["n_samples"] = record.n_samples;
  j["leads"] = std::vector<std::string>(record.leads.begin(), record.leads.begin() + static_cast<std::ptrdiff_t>(stored));
  nlohmann::json labels = nlohmann::json::array(), units = nlohmann::json::array(), gain = nlohmann::json::array(),
                 baseline = nlohmann::json::array(), digital = nlohmann::json::array();
  for (std::size_t i = 0; i < stored; ++i) {
    labels.push_back(record.lead_info[i].label);
    units.push_back(record.lead_info[i].units);
    gain.push_back(record.lead_info[i].gain);
    baseline.push_back(record.lead_info[i].baseline);
    digital.push_back(std::vector<std::int32_t>(record.digital.begin() + static_cast<std::ptrdiff_t>(i * record.n_samples),
                                                record.digital.begin() + static_cast<std::ptrdiff_t>((i + 1) * record.n_samples)));
  }
  j["labels"] = labels;
  j["units"] = units;
  j["gain"] = gain;
  j["baseline"] = baseline;
  j["warnings"] = record.warnings;
  j["digital"] = digital;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Reads a model file (a regular file of at most 512 MiB) into the screener; returns its bytes.
std::vector<std::uint8_t> load_model(ecg::screen::Screener& screener, const std::string& path) {
  LoadedFile f = load_file(path, ecg::cli::kMaxModelBytes, "the limit for a model file");
  try {
    screener.add_model(f.bytes);
  } catch (const ecg::Error& e) {
    throw ecg::Error(path + ": " + e.what());
  }
  return std::move(f.bytes);
}

// `merge <file>...`: the results of `eval --shard K/N` (K = 1..N) as one unsharded eval result.
int run_merge(const std::vector<std::string>& args) {
  std::vector<std::string> paths;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i].rfind("--", 0) == 0) {
      std::fprintf(stderr, "ecg-screen: unknown or incomplete option '%s'\n%s", args[i].c_str(), kUsage);
      return 2;
    }
    paths.push_back(args[i]);
  }
  if (paths.empty()) {
    std::fprintf(stderr, "ecg-screen: 'merge' needs at least one file\n%s", kUsage);
    return 2;
  }
  try {
    std::vector<LoadedFile> files;
    for (const std::string& path : paths) files.push_back(load_file(path, ecg::io::kMaxRecordFileBytes, "the limit for an eval result"));
    std::vector<ecg::io::NamedBuffer> buffers;
    for (const LoadedFile& f : files) buffers.push_back({f.name, f.bytes});
    std::printf("%s\n", ecg::screen::merge_eval_results(buffers).c_str());
    return 0;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "ecg-screen: merge: not enough memory to read the results\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ecg-screen: merge: %s\n", e.what());
  }
  return 1;
}

}  // namespace

int run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::printf("ecg-screen %s\n", ECG_SCREEN_VERSION);
    return 0;
  }
  const std::string command = args[0];
  const bool known = command == "info" || command == "screen" || command == "dump" || command == "annotations" ||
                     command == "rpeaks" || command == "delineate" || command == "rules" || command == "eval" ||
                     command == "quality" || command == "merge";
  if (!known) {
    std::fprintf(stderr, "ecg-screen: unknown command '%s'\n%s", command.c_str(), kUsage);
    return 2;
  }
  if (command == "merge") return run_merge(args);
  ecg::io::ReadOptions options;
  std::vector<std::string> records;
  std::string lead, sex, age, backend = "simd";
  std::vector<std::string> model_paths;
  std::string lead_set, threads, timeout;
  bool has_age = false;
  bool no_model = false, csv = false, quiet = false, windows = false;
  std::optional<ecg::screen::Shard> shard;
  const bool screens = command == "screen" || command == "eval";
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (screens && a == "--shard" && i + 1 < args.size()) {
      try {
        shard = ecg::screen::parse_shard(args[++i]);
      } catch (const ecg::Error& e) {
        std::fprintf(stderr, "ecg-screen: %s%s\n", command == "eval" ? "eval: " : "", e.what());
        return 2;
      }
      continue;
    }
    if (screens && (a == "--model" || a == "--backend") && i + 1 < args.size()) {
      (a == "--model" ? model_paths.emplace_back() : backend) = args[++i];
      continue;
    }
    if (command == "screen" && a == "--age" && i + 1 < args.size()) {
      age = args[++i];
      has_age = true;
      char* end = nullptr;
      const double years = std::strtod(age.c_str(), &end);
      if (age.empty() || *end != '\0' || !(years >= 0 && years <= 150)) {
        std::fprintf(stderr, "ecg-screen: --age: expected an age in years from 0 to 150, found '%s'\n", age.c_str());
        return 2;
      }
      continue;
    }
    if (command == "eval" && (a == "--leads" || a == "--threads" || a == "--record-timeout-s") && i + 1 < args.size()) {
      (a == "--leads" ? lead_set : a == "--threads" ? threads : timeout) = args[++i];
      continue;
    }
    if (screens && (a == "--no-model" || (command == "screen" && a == "--csv") || (command == "eval" && a == "--quiet"))) {
      (a == "--csv" ? csv : a == "--quiet" ? quiet : no_model) = true;
      continue;
    }
    if (command == "quality" && a == "--windows") {
      windows = true;
      continue;
    }
    if ((a == "--fs" || a == "--units") && i + 1 < args.size()) {
      const std::string value = args[++i];
      if (a == "--units") {
        options.units = value;
        continue;
      }
      char* end = nullptr;
      const double fs = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(fs > 0)) {
        std::fprintf(stderr, "ecg-screen: --fs: expected a sampling rate in Hz above 0, found '%s'\n", value.c_str());
        return 2;
      }
      options.fs_hz = fs;
    } else if ((a == "--lead" || a == "--sex") && i + 1 < args.size()) {
      (a == "--lead" ? lead : sex) = args[++i];
      if (a == "--sex" && sex != "female" && sex != "male") {
        std::fprintf(stderr, "ecg-screen: --sex: expected female or male, found '%s'\n", sex.c_str());
        return 2;
      }
    } else if (a == "--derive-limb-leads") {
      options.derive_limb_leads = true;
    } else if (a.rfind("--", 0) == 0) {
      std::fprintf(stderr, "ecg-screen: unknown or incomplete option '%s'\n%s", a.c_str(), kUsage);
      return 2;
    } else {
      records.push_back(a);
    }
  }
  if (records.empty()) {
    std::fprintf(stderr, "ecg-screen: '%s' needs at least one %s\n%s", command.c_str(),
                 command == "annotations" ? "file" : command == "eval" ? "folder" : "record", kUsage);
    return 2;
  }
  if (command == "eval") {
    ecg::cli::EvalOptions eval;
    eval.shard = shard;
    try {
      if (!lead_set.empty() && !ecg::lead_set_leads(lead_set)) throw ecg::Error("--leads: got '" + lead_set + "', expected 12, 6, 4, 3 or 2");
      eval.lead_set = lead_set;
      if (!threads.empty()) {
        char* end = nullptr;
        const long n = std::strtol(threads.c_str(), &end, 10);
        if (*end != '\0' || n < 1 || n > 256) throw ecg::Error("--threads: got '" + threads + "', expected a whole number from 1 to 256");
        eval.threads = static_cast<unsigned>(n);
      }
      if (!timeout.empty()) {
        char* end = nullptr;
        const double t = std::strtod(timeout.c_str(), &end);
        if (*end != '\0' || !(t > 0 && t <= 86400)) throw ecg::Error("--record-timeout-s: got '" + timeout + "', expected seconds above 0 and at most 86400");
        eval.record_timeout_s = t;
      }
      auto b = ecg::nn::backend_from_name(backend);
      if (!b) throw ecg::Error("--backend: got '" + backend + "', expected simd, reference or xnnpack");
      eval.backend = *b;
    } catch (const ecg::Error& e) {
      std::fprintf(stderr, "ecg-screen: eval: %s\n", e.what());
      return 2;
    }
    try {
      if (!no_model && model_paths.empty()) model_paths = ecg::cli::default_model_files();
      ecg::screen::Screener check(eval.backend);  // validate every model once, naming the bad file
      for (const std::string& path : model_paths) eval.models.push_back(load_model(check, path));
      eval.model_ids = check.model_ids();
      eval.progress = !quiet;
      return ecg::cli::run_eval(records, eval);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ecg-screen: eval: %s\n", e.what());
      return 1;
    }
  }
  options.keep_digital = command == "dump";
  ecg::screen::Patient patient;
  std::optional<ecg::screen::Screener> screener;
  bool explicit_models = false;  // --model given: a record none of them can screen is an error
  if (command == "screen") {
    try {
      nlohmann::json p = nlohmann::json::object();
      if (has_age) p["age"] = std::strtod(age.c_str(), nullptr);
      if (!sex.empty()) p["sex"] = sex;
      patient = ecg::options::patient(p.dump());
      auto b = ecg::nn::backend_from_name(backend);
      if (!b) throw ecg::Error("--backend: got '" + backend + "', expected simd, reference or xnnpack");
      screener.emplace(*b);
      explicit_models = !model_paths.empty();
    } catch (const ecg::Error& e) {
      std::fprintf(stderr, "ecg-screen: %s\n", e.what());
      return 2;
    }
    try {
      if (!no_model && model_paths.empty()) model_paths = ecg::cli::default_model_files();
      for (const std::string& path : model_paths) load_model(*screener, path);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ecg-screen: %s\n", e.what());
      return 1;
    }
    if (csv) std::cout << ecg::screen::csv_header() << std::endl;
  }
  int status = 0;
  for (const std::string& arg : records) {
    if (shard && !ecg::screen::in_shard(arg, *shard)) continue;  // another shard's record: not ours to print
    try {
      if (command == "annotations") {
        LoadedFile f = load_file(arg);
        std::cout << ecg::io::annotations_json(ecg::io::read_wfdb_annotations({f.name, f.bytes})) << std::endl;
        continue;
      }
      ecg::Record record = read(arg, options);
      if (command == "info") {
        std::cout << ecg::record_info_json(record) << '\n';
      } else if (command == "dump") {
        std::cout << dump_json(record) << '\n';
      } else if (command == "rpeaks") {
        std::cout << ecg::dsp::rpeaks_json(record, lead) << '\n';
      } else if (command == "delineate") {
        std::cout << ecg::dsp::delineation_json(record, lead) << '\n';
      } else if (command == "quality") {
        std::cout << ecg::dsp::quality_json(record, ecg::dsp::assess_quality(record), windows) << '\n';
      } else if (command == "rules") {
        const ecg::screen::Patient p = ecg::options::patient(sex.empty() ? "" : nlohmann::json{{"sex", sex}}.dump());
        std::cout << ecg::rules::to_json(ecg::rules::evaluate(record, ecg::options::effective_sex(p, record))) << '\n';
      } else {
        if (explicit_models)
          if (auto why = screener->why_no_model(record)) throw ecg::Error(*why + " (--model)");
        const ecg::screen::Findings findings = screener->screen(record, patient);
        std::cout << (csv ? ecg::screen::to_csv_row(findings) : ecg::screen::to_json(findings)) << '\n';
      }
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr, "ecg-screen: %s: not enough memory to read or screen the record\n", arg.c_str());
      status = 1;
    } catch (const std::exception& e) {  // ecg::Error, and anything the standard library throws
      std::fprintf(stderr, "ecg-screen: %s: %s\n", arg.c_str(), e.what());
      status = 1;
    }
    std::cout.flush();  // each finished record is out before the next one starts
  }
  return status;
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cout.flush();
    std::fprintf(stderr, "ecg-screen: %s\n", e.what());
    return 1;
  }
}
