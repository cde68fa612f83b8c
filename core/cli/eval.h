// `ecg-screen eval`: screen every labelled record under folders, in parallel, and score the decisions
// with the CinC 2021 challenge metric (the core's ecg::screen::Evaluation; the Node CLI does the same
// with worker_threads).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/files.h"
#include "ecg/error.h"
#include "ecg/evaluate.h"

namespace ecg::cli {

// Every WFDB header (*.hea) under the given folders (or the headers given directly), sorted by path.
// Only WFDB headers carry diagnosis labels (#Dx), so other formats are not looked for.
inline std::vector<std::string> labelled_record_files(const std::vector<std::string>& roots) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& root : roots) {
    std::error_code ec;
    if (fs::is_regular_file(root, ec)) {
      files.push_back(root);
      continue;
    }
    if (!fs::is_directory(root, ec)) throw Error(root + ": not a folder or a file (does it exist?)");
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) throw Error(root + ": cannot list the folder (" + ec.message() + ")");
      if (it->is_regular_file() && it->path().extension() == ".hea") files.push_back(it->path().string());
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

struct EvalOptions {
  std::string lead_set;                        // "" = every lead
  std::vector<std::vector<std::uint8_t>> models;
  nn::Backend backend = nn::Backend::simd;
  unsigned threads = 0;                        // 0 = every core
  bool progress = true;
};

// Prints the evaluation JSON on stdout; returns the exit status (1 when a record could not be read or
// screened; each such file is named on stderr and in "errors").
inline int run_eval(const std::vector<std::string>& roots, const EvalOptions& options) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const std::vector<std::string> files = labelled_record_files(roots);
  if (files.empty()) throw Error("no WFDB records (*.hea) found under the given folder(s)");
  const unsigned threads = std::max(1u, std::min<unsigned>(options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency()),
                                                           static_cast<unsigned>(files.size())));
  std::vector<std::optional<screen::EvalCase>> cases(files.size());
  std::vector<std::string> errors(files.size());
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex stderr_mutex;
  auto worker = [&] {
    screen::Screener screener(options.backend);
    for (const auto& m : options.models) screener.add_model(m);
    for (std::size_t i = next++; i < files.size(); i = next++) {
      try {
        cases[i] = screen::eval_case(screener, read_record_at(files[i]), options.lead_set);
      } catch (const std::exception& e) {
        errors[i] = e.what();
        std::lock_guard lock(stderr_mutex);
        std::fprintf(stderr, "ecg-screen: %s: %s\n", files[i].c_str(), e.what());
      }
      ++done;
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  // Progress on stderr about every 2 s: records done, rate and time left.
  auto last = clock::now();
  while (options.progress && done < files.size()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (clock::now() - last < std::chrono::seconds(2) || done >= files.size()) continue;
    last = clock::now();
    const double s = std::chrono::duration<double>(last - start).count();
    const std::size_t d = done;
    const double rate = d / std::max(s, 1e-9);
    std::lock_guard lock(stderr_mutex);
    std::fprintf(stderr, "eval: %zu/%zu records, %.1f records/s, about %.0f s left\n", d, files.size(), rate,
                 rate > 0 ? (files.size() - d) / rate : 0.0);
  }
  for (auto& t : pool) t.join();
  const double elapsed = std::chrono::duration<double>(clock::now() - start).count();

  screen::Evaluation evaluation;  // cases added in path order: the result does not depend on threads
  nlohmann::json errs = nlohmann::json::array();
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (cases[i]) evaluation.add(*cases[i]);
    else errs.push_back({{"file", files[i]}, {"error", errors[i]}});
  }
  nlohmann::json out = nlohmann::json::parse(evaluation.to_json());
  out["lead_set"] = options.lead_set.empty() ? nlohmann::json(nullptr) : nlohmann::json(options.lead_set);
  out["n_files"] = files.size();
  out["errors"] = errs;
  out["threads"] = threads;
  out["elapsed_s"] = elapsed;
  out["records_per_s"] = files.size() / std::max(elapsed, 1e-9);
  std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return errs.empty() ? 0 : 1;
}

}  // namespace ecg::cli
