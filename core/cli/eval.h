// `ecg-screen eval`: screen every labelled record under folders, in parallel, and score the decisions
// with the CinC 2021 challenge metric (the core's ecg::screen::Evaluation; the Node CLI does the same
// with worker_threads).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/files.h"
#include "ecg/error.h"
#include "ecg/evaluate.h"
#include "ecg/shard.h"

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
    if (!fs::is_directory(root, ec)) throw Error(root + ": expected a folder or a WFDB header, found nothing there (does it exist?)");
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) throw Error(root + ": cannot list the folder (" + ec.message() + ")");
      // A .hea that is not a folder is a record; one that cannot be read (a broken link, a loop, a
      // FIFO) is reported as that record's error when it is loaded, and eval goes on.
      std::error_code entry_ec;
      if (it->path().extension() == ".hea" && !it->is_directory(entry_ec)) files.push_back(it->path().string());
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

struct EvalOptions {
  std::string lead_set;                        // "" = every lead
  std::vector<std::vector<std::uint8_t>> models;
  std::vector<screen::Screener::ModelId> model_ids;  // of `models`, for the shard's result
  std::optional<screen::Shard> shard;          // only the records of this shard (ecg/shard.h)
  nn::Backend backend = nn::Backend::simd;
  unsigned threads = 0;                        // 0 = every core
  bool progress = true;
  double record_timeout_s = 300.0;             // a record taking longer is skipped (listed in "errors")
};

// Prints the evaluation JSON on stdout; returns the exit status (1 when a record could not be read or
// screened; each such file is named on stderr and in "errors"). A record still running after
// record_timeout_s is abandoned: its thread is replaced by a fresh one and, since a thread cannot be
// stopped from outside, the process ends with std::_Exit once the result is printed.
inline int run_eval(const std::vector<std::string>& roots, const EvalOptions& options) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const std::vector<std::string> listed = labelled_record_files(roots);
  if (listed.empty()) throw Error("no WFDB records (*.hea) found under the given folder(s)");
  std::vector<std::string> files;   // the records of this shard (all without --shard)
  std::vector<std::size_t> listing;  // each one's index in `listed`
  for (std::size_t i = 0; i < listed.size(); ++i) {
    if (options.shard && !screen::in_shard(listed[i], *options.shard)) continue;
    files.push_back(listed[i]);
    listing.push_back(i);
  }
  // No thread for a shard without records (its result is still printed, for merge).
  const unsigned threads = std::min<unsigned>(options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency()),
                                              static_cast<unsigned>(files.size()));
  // Shared with the worker threads, which may outlive this function when one is abandoned.
  struct Slot {
    std::atomic<bool> abandoned{false};
    std::size_t index = 0;                     // record in progress (under `mutex`)
    std::optional<clock::time_point> started;  // when it started; empty when idle (under `mutex`)
  };
  struct Shared {
    std::vector<std::optional<screen::EvalCase>> cases;
    std::vector<std::string> errors;
    std::atomic<std::size_t> next{0};
    std::size_t done = 0;                      // under `mutex`
    std::mutex mutex;
  };
  auto shared = std::make_shared<Shared>();
  shared->cases.resize(files.size());
  shared->errors.resize(files.size());
  std::mutex stderr_mutex;
  auto worker = [shared, &files, models = options.models, backend = options.backend, lead_set = options.lead_set](std::shared_ptr<Slot> slot) {
    screen::Screener screener(backend);
    for (const auto& m : models) screener.add_model(m);
    for (std::size_t i = shared->next++; i < files.size(); i = shared->next++) {
      {
        std::lock_guard lock(shared->mutex);
        if (slot->abandoned) return;
        slot->index = i;
        slot->started = clock::now();
      }
      std::optional<screen::EvalCase> result;
      std::string error;
      try {
        result = screen::eval_case(screener, read_record_at(files[i]), lead_set);
      } catch (const std::bad_alloc&) {
        error = "not enough memory to read or screen the record";
      } catch (const std::exception& e) {
        error = e.what();
      }
      std::lock_guard lock(shared->mutex);
      if (slot->abandoned) return;  // timed out meanwhile: the record is already counted as an error
      slot->started.reset();
      shared->cases[i] = std::move(result);
      shared->errors[i] = error;
      if (!error.empty()) std::fprintf(stderr, "ecg-screen: %s: %s\n", files[i].c_str(), error.c_str());
      ++shared->done;
    }
  };
  std::vector<std::pair<std::shared_ptr<Slot>, std::thread>> pool;
  for (unsigned t = 0; t < threads; ++t) {
    auto slot = std::make_shared<Slot>();
    pool.emplace_back(slot, std::thread(worker, slot));
  }
  // Watch the records in progress (every 50 ms) and report progress on stderr about every 2 s.
  bool abandoned_any = false;
  auto last = clock::now();
  const auto limit = std::chrono::duration<double>(options.record_timeout_s);
  for (;;) {
    std::size_t d = 0;
    {
      std::lock_guard lock(shared->mutex);
      for (auto& [slot, thread] : pool) {
        if (slot->abandoned || !slot->started || clock::now() - *slot->started < limit) continue;
        slot->abandoned = true;
        const std::size_t i = slot->index;
        char buf[64];
        std::snprintf(buf, sizeof buf, "%g", options.record_timeout_s);
        shared->errors[i] = std::string("took longer than ") + buf + " s (--record-timeout-s): skipped";
        std::fprintf(stderr, "ecg-screen: %s: %s\n", files[i].c_str(), shared->errors[i].c_str());
        ++shared->done;
        thread.detach();
        abandoned_any = true;
        slot = std::make_shared<Slot>();
        thread = std::thread(worker, slot);
      }
      d = shared->done;
    }
    if (d >= files.size()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!options.progress || clock::now() - last < std::chrono::seconds(2)) continue;
    last = clock::now();
    const double s = std::chrono::duration<double>(last - start).count();
    const double rate = d / std::max(s, 1e-9);
    std::lock_guard lock(stderr_mutex);
    std::fprintf(stderr, "eval: %zu/%zu records, %.1f records/s, about %.0f s left\n", d, files.size(), rate,
                 rate > 0 ? (files.size() - d) / rate : 0.0);
  }
  for (auto& [slot, thread] : pool) {
    if (thread.joinable()) thread.join();
  }
  const double elapsed = std::chrono::duration<double>(clock::now() - start).count();
  std::lock_guard lock(shared->mutex);  // abandoned threads may still finish: they find their slot abandoned
  auto& cases = shared->cases;
  auto& errors = shared->errors;

  // Cases added in path order: the result does not depend on threads, and merged shards give it too.
  screen::EvalReport report({options.lead_set, options.model_ids, options.shard, listed.size()});
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (cases[i]) report.add(listing[i], files[i], *cases[i]);
    else report.add_error(listing[i], files[i], errors[i]);
  }
  std::printf("%s\n", report.to_json(threads, elapsed).c_str());
  const int status = report.n_errors() == 0 ? 0 : 1;
  if (abandoned_any) {
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(status);  // an abandoned thread is still running: do not destroy what it uses
  }
  return status;
}

}  // namespace ecg::cli
