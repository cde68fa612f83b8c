// ecg-bench: benchmarks of the core against reference annotations (R-peaks; more as issues ask).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/files.h"
#include "ecg/dsp.h"
#include "ecg/error.h"

namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage =
    "usage: ecg-bench rpeaks [--lead NAME|INDEX] [--window-ms 150] <record>...\n"
    "\n"
    "  rpeaks   R-peak sensitivity (Se) and positive predictivity (+P) per record and gross, against\n"
    "           the record's reference beats (<record>.ref: 'sample B' per beat, '[' / ']' marking\n"
    "           ventricular flutter episodes, which are not scored). Prints a Markdown table.\n";

struct Reference {
  std::vector<std::int64_t> beats;
  std::vector<std::pair<std::int64_t, std::int64_t>> excluded;  // [start, end] sample ranges
};

Reference read_reference(const std::string& record_arg) {
  std::string base = record_arg;
  if (base.size() > 4 && base.substr(base.size() - 4) == ".hea") base.resize(base.size() - 4);
  std::ifstream in(base + ".ref");
  if (!in) throw ecg::Error(base + ".ref: cannot open the reference annotations");
  Reference ref;
  std::int64_t t = 0, open = -1;
  std::string kind;
  while (in >> t >> kind) {
    if (kind == "B") ref.beats.push_back(t);
    else if (kind == "[") open = t;
    else if (kind == "]" && open >= 0) ref.excluded.emplace_back(open, t), open = -1;
  }
  if (open >= 0) ref.excluded.emplace_back(open, INT64_MAX);
  return ref;
}

struct Score {
  std::size_t tp = 0, fn = 0, fp = 0;
  double se() const { return tp + fn ? 100.0 * static_cast<double>(tp) / static_cast<double>(tp + fn) : 0.0; }
  double ppv() const { return tp + fp ? 100.0 * static_cast<double>(tp) / static_cast<double>(tp + fp) : 0.0; }
};

// One-to-one matching in time order: each reference beat takes the nearest unused detection within
// the window (EC57-style beat-by-beat comparison).
Score match(const std::vector<std::int64_t>& ref, const std::vector<std::int64_t>& det, std::int64_t window) {
  Score s;
  std::vector<bool> used(det.size(), false);
  std::size_t j = 0;
  for (std::int64_t r : ref) {
    while (j < det.size() && det[j] < r - window) ++j;
    std::size_t best = det.size();
    for (std::size_t k = j; k < det.size() && det[k] <= r + window; ++k) {
      if (!used[k] && (best == det.size() || std::llabs(det[k] - r) < std::llabs(det[best] - r))) best = k;
    }
    if (best < det.size()) used[best] = true, ++s.tp;
    else ++s.fn;
  }
  for (bool u : used) s.fp += !u;
  return s;
}

std::vector<std::int64_t> outside(const std::vector<std::int64_t>& v, const Reference& ref) {
  std::vector<std::int64_t> out;
  for (std::int64_t t : v) {
    bool in = std::any_of(ref.excluded.begin(), ref.excluded.end(), [&](auto& e) { return t >= e.first && t <= e.second; });
    if (!in) out.push_back(t);
  }
  return out;
}

std::size_t pick_lead(const ecg::Record& record, const std::string& lead) {
  if (lead.empty()) return 0;
  if (auto i = record.lead_index(lead)) return *i;
  if (std::all_of(lead.begin(), lead.end(), ::isdigit)) {
    const auto i = std::stoul(lead);
    if (i < record.n_leads()) return i;
  }
  throw ecg::Error("record '" + record.name + "' has no lead '" + lead + "'");
}

int bench_rpeaks(const std::vector<std::string>& args) {
  std::string lead;
  double window_ms = 150.0;
  std::vector<std::string> records;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--lead" && i + 1 < args.size()) lead = args[++i];
    else if (args[i] == "--window-ms" && i + 1 < args.size()) window_ms = std::stod(args[++i]);
    else records.push_back(args[i]);
  }
  if (records.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::printf("| record | lead | fs (Hz) | ref beats | TP | FN | FP | Se (%%) | +P (%%) |\n|---|---|---|---|---|---|---|---|---|\n");
  Score total;
  int status = 0;
  for (const auto& arg : records) {
    try {
      ecg::Record record = ecg::cli::read_record_at(arg);
      const std::size_t li = pick_lead(record, lead);
      Reference ref = read_reference(arg);
      auto det = outside(ecg::dsp::detect_rpeaks(record.lead(li), record.fs_hz), ref);
      auto beats = outside(ref.beats, ref);
      Score s = match(beats, det, static_cast<std::int64_t>(std::lround(window_ms * 1e-3 * record.fs_hz)));
      total.tp += s.tp, total.fn += s.fn, total.fp += s.fp;
      std::printf("| %s | %s | %g | %zu | %zu | %zu | %zu | %.2f | %.2f |\n", record.name.c_str(), record.leads[li].c_str(),
                  record.fs_hz, beats.size(), s.tp, s.fn, s.fp, s.se(), s.ppv());
      std::fflush(stdout);
    } catch (const ecg::Error& e) {
      std::fprintf(stderr, "ecg-bench: %s: %s\n", arg.c_str(), e.what());
      status = 1;
    }
  }
  std::printf("| **gross** | | | %zu | %zu | %zu | %zu | **%.2f** | **%.2f** |\n", total.tp + total.fn, total.tp, total.fn, total.fp,
              total.se(), total.ppv());
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "rpeaks") return bench_rpeaks(args);
  std::fprintf(stderr, "ecg-bench: unknown command '%s'\n%s", command.c_str(), kUsage);
  return 2;
}
