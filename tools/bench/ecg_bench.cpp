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
#include "ecg/annotations.h"
#include "ecg/error.h"
#include "ecg/rules.h"

namespace fs = std::filesystem;

int bench_beats(const std::vector<std::string>& args);  // tools/bench/beats_bench.cpp

namespace {

constexpr const char* kUsage =
    "usage: ecg-bench rpeaks [--lead NAME|INDEX] [--window-ms 150] [--ann atr] <record>...\n"
    "       ecg-bench delineation [--lead II] [--ext ii] <record>...\n"
    "       ecg-bench rules --labels LIST.csv\n"
    "       ecg-bench hr --reference path/to/REFERENCE.csv\n"
    "       ecg-bench beats [--lead MLII] [--dump F.csv] <record>... | --labels LIST.csv (docs/beats.md)\n"
    "\n"
    "  rpeaks       R-peak sensitivity (Se) and positive predictivity (+P) per record and gross against\n"
    "               the beat annotations in <record>.<ann> (MIT symbols N L R a V F J A S E j / Q B ? e n f r;\n"
    "               ventricular flutter episodes between '[' and ']' are not scored), one-to-one matching\n"
    "               within the window. Detection on the lead given (default: the first). Markdown table.\n"
    "  delineation  R-peaks and P/QRS/T boundary errors (mean, sd in ms) of one lead against LUDB-style\n"
    "               per-lead annotations <record>.<ext> ('(' onset, p/N/t peak, ')' offset).\n"
    "  rules        confusion matrix of every rule against SNOMED labels (tools/bench/rules_labels.py).\n"
    "  hr           share of records (first lead) whose detected heart rate is plausible, per class.\n";

struct Reference {
  std::vector<std::int64_t> beats;
  std::vector<std::pair<std::int64_t, std::int64_t>> excluded;  // [start, end] sample ranges
};

std::string strip_hea(std::string base) {
  if (base.size() > 4 && base.substr(base.size() - 4) == ".hea") base.resize(base.size() - 4);
  return base;
}

ecg::io::AnnotationSet read_annotations(const std::string& path) {
  ecg::cli::LoadedFile f = ecg::cli::load_file(path);
  return ecg::io::read_wfdb_annotations({f.name, f.bytes});
}

// MIT annotation codes of beats (wfdb-python's is_qrs: N L R a V F J A S E j / Q B ? e n f r).
bool is_beat(int code) {
  static const int beats[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 25, 30, 34, 35, 38, 41};
  return std::find(std::begin(beats), std::end(beats), code) != std::end(beats);
}

Reference read_reference(const std::string& record_arg, const std::string& ext) {
  Reference ref;
  std::int64_t open = -1;
  for (const auto& a : read_annotations(strip_hea(record_arg) + "." + ext).annotations) {
    if (is_beat(a.code)) ref.beats.push_back(a.sample);
    else if (a.code == 32) open = a.sample;                                            // '[' VF onset
    else if (a.code == 33 && open >= 0) ref.excluded.emplace_back(open, a.sample), open = -1;  // ']'
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
  std::string lead, ext = "atr";
  double window_ms = 150.0;
  std::vector<std::string> records;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--lead" && i + 1 < args.size()) lead = args[++i];
    else if (args[i] == "--window-ms" && i + 1 < args.size()) window_ms = std::stod(args[++i]);
    else if (args[i] == "--ann" && i + 1 < args.size()) ext = args[++i];
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
      Reference ref = read_reference(arg, ext);
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

// ---- delineation against LUDB-style per-lead annotations ------------------------------------------

struct Wave {
  std::int64_t on = -1, peak = -1, off = -1;
};
struct RefBeat {
  Wave p, qrs, t;
};

// LUDB annotation triplets '(' peak ')' with peak symbols p, N, t; waves attach to the QRS they
// precede (P) or follow (T).
std::vector<RefBeat> read_ludb(const std::string& path, std::int64_t& first, std::int64_t& last) {
  std::vector<std::pair<std::int64_t, std::string>> ann;
  for (const auto& a : read_annotations(path).annotations) ann.emplace_back(a.sample, a.symbol);
  std::vector<RefBeat> beats;
  Wave pending_p;
  first = ann.empty() ? 0 : ann.front().first;
  last = ann.empty() ? 0 : ann.back().first;
  for (std::size_t i = 0; i < ann.size(); ++i) {
    if (ann[i].second != "p" && ann[i].second != "N" && ann[i].second != "t") continue;
    Wave w;
    w.peak = ann[i].first;
    if (i > 0 && ann[i - 1].second == "(") w.on = ann[i - 1].first;
    if (i + 1 < ann.size() && ann[i + 1].second == ")") w.off = ann[i + 1].first;
    if (ann[i].second == "p") pending_p = w;
    else if (ann[i].second == "N") {
      RefBeat b;
      b.qrs = w;
      if (pending_p.peak >= 0 && pending_p.peak < w.peak) b.p = pending_p;
      pending_p = Wave{};
      beats.push_back(b);
    } else if (!beats.empty() && beats.back().t.peak < 0 && w.peak > beats.back().qrs.peak) {
      beats.back().t = w;
    }
  }
  return beats;
}

struct ErrStats {
  std::size_t ref = 0, found = 0;
  double sum = 0, sum2 = 0;
  void add(double e) { ++found, sum += e, sum2 += e * e; }
  double mean() const { return found ? sum / static_cast<double>(found) : 0; }
  double sd() const { return found > 1 ? std::sqrt(std::max(0.0, (sum2 - sum * sum / static_cast<double>(found)) / static_cast<double>(found - 1))) : 0; }
};

int bench_delineation(const std::vector<std::string>& args) {
  std::string lead = "II", ext = "ii";
  std::vector<std::string> records;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--lead" && i + 1 < args.size()) lead = args[++i];
    else if (args[i] == "--ext" && i + 1 < args.size()) ext = args[++i];
    else records.push_back(args[i]);
  }
  const char* names[] = {"P onset", "P offset", "QRS onset", "QRS offset", "T offset"};
  ErrStats stats[5];
  Score rp;
  int status = 0;
  for (const auto& arg : records) {
    try {
      ecg::Record record = ecg::cli::read_record_at(arg);
      const std::size_t li = pick_lead(record, lead);
      std::int64_t first = 0, last = 0;
      auto ref = read_ludb(strip_hea(arg) + "." + ext, first, last);
      auto peaks = ecg::dsp::detect_rpeaks(record.lead(li), record.fs_hz);
      std::vector<std::int64_t> in_range, ref_r;
      for (auto p : peaks) if (p >= first && p <= last) in_range.push_back(p);
      for (auto& b : ref) ref_r.push_back(b.qrs.peak);
      Score s = match(ref_r, in_range, static_cast<std::int64_t>(std::lround(0.15 * record.fs_hz)));
      rp.tp += s.tp, rp.fn += s.fn, rp.fp += s.fp;
      auto beats = ecg::dsp::delineate(record.lead(li), record.fs_hz, peaks);
      const double to_ms = 1000.0 / record.fs_hz;
      for (const auto& rb : ref) {
        const ecg::dsp::Beat* best = nullptr;
        for (const auto& b : beats) {
          if (std::llabs(b.r - rb.qrs.peak) <= std::lround(0.15 * record.fs_hz) && (!best || std::llabs(b.r - rb.qrs.peak) < std::llabs(best->r - rb.qrs.peak))) best = &b;
        }
        auto score = [&](int k, std::int64_t ref_at, const std::optional<std::int64_t>& got) {
          if (ref_at < 0) return;
          ++stats[k].ref;
          if (best && got) stats[k].add(static_cast<double>(*got - ref_at) * to_ms);
        };
        score(0, rb.p.on, best ? best->p_on : std::nullopt);
        score(1, rb.p.off, best ? best->p_off : std::nullopt);
        score(2, rb.qrs.on, best ? best->qrs_on : std::nullopt);
        score(3, rb.qrs.off, best ? best->qrs_off : std::nullopt);
        score(4, rb.t.off, best ? best->t_off : std::nullopt);
      }
    } catch (const ecg::Error& e) {
      std::fprintf(stderr, "ecg-bench: %s: %s\n", arg.c_str(), e.what());
      status = 1;
    }
  }
  std::printf("R-peaks (lead %s, annotated span only, 150 ms window): TP %zu, FN %zu, FP %zu, Se %.2f %%, +P %.2f %%\n\n", lead.c_str(),
              rp.tp, rp.fn, rp.fp, rp.se(), rp.ppv());
  std::printf("| boundary | reference | found | found (%%) | error mean (ms) | error sd (ms) |\n|---|---|---|---|---|---|\n");
  for (int k = 0; k < 5; ++k) {
    std::printf("| %s | %zu | %zu | %.1f | %+.1f | %.1f |\n", names[k], stats[k].ref, stats[k].found,
                stats[k].ref ? 100.0 * static_cast<double>(stats[k].found) / static_cast<double>(stats[k].ref) : 0.0, stats[k].mean(), stats[k].sd());
  }
  return status;
}


// ---- rules against labelled 12-lead data -----------------------------------------------------------

struct RuleTarget {
  const char* rule;
  const char* label_name;
  std::vector<std::string> codes;  // a record is positive when it has any of these SNOMED codes
};

const std::vector<RuleTarget>& rule_targets() {
  static const std::vector<RuleTarget> targets = {
      {"Brady", "Brady or SB (426627000, 426177001)", {"426627000", "426177001"}},
      {"SB", "SB (426177001)", {"426177001"}},
      {"STach", "STach (427084000)", {"427084000"}},
      {"LAD", "LAD (39732003)", {"39732003"}},
      {"RAD", "RAD (47665007)", {"47665007"}},
      {"LQRSV", "LQRSV (251146004)", {"251146004"}},
      {"PR", "PR (10370003)", {"10370003"}},
      {"IAVB", "IAVB (270492004)", {"270492004"}},
      {"LQT", "LQT (111975006)", {"111975006"}},
      {"QRS120", "CLBBB, CRBBB, BBB or NSIVCB", {"733534002", "164909002", "713427006", "59118001", "6374002", "698252002"}},
      {"IrregularRR", "AF (164889003)", {"164889003"}},
  };
  return targets;
}

struct Confusion {
  std::size_t tp = 0, fp = 0, tn = 0, fn = 0, na_pos = 0, na_neg = 0;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

void print_confusion(const std::string& title, const std::vector<Confusion>& m) {
  std::printf("\n### %s\n\n| class (rule) | label set | label + | TP | FP | TN | FN | Se (%%) | Sp (%%) | not assessable (label + / -) |\n"
              "|---|---|---|---|---|---|---|---|---|---|\n", title.c_str());
  const auto& t = rule_targets();
  for (std::size_t k = 0; k < t.size(); ++k) {
    const auto& c = m[k];
    auto pct = [](std::size_t a, std::size_t b) { return b ? 100.0 * static_cast<double>(a) / static_cast<double>(b) : std::nan(""); };
    std::printf("| %s | %s | %zu | %zu | %zu | %zu | %zu | %.1f | %.1f | %zu / %zu |\n", t[k].rule, t[k].label_name, c.tp + c.fn + c.na_pos, c.tp, c.fp,
                c.tn, c.fn, pct(c.tp, c.tp + c.fn), pct(c.tn, c.tn + c.fp), c.na_pos, c.na_neg);
  }
}

int bench_rules(const std::vector<std::string>& args) {
  std::string labels_path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--labels" && i + 1 < args.size()) labels_path = args[++i];
  }
  std::ifstream in(labels_path);
  if (!in) {
    std::fprintf(stderr, "ecg-bench rules: cannot open the label list '%s' (make it with tools/bench/rules_labels.py)\n", labels_path.c_str());
    return 2;
  }
  const auto& targets = rule_targets();
  std::vector<Confusion> all(targets.size());
  std::vector<std::pair<std::string, std::vector<Confusion>>> per_dataset;
  std::vector<std::string> unreadable;
  std::string line;
  std::getline(in, line);  // header: path,dataset,sex,codes
  std::size_t n = 0;
  while (std::getline(in, line)) {
    auto f = split(line, ',');
    if (f.size() < 4) continue;
    const std::string& path = f[0];
    ecg::Record record;
    try {
      record = ecg::cli::read_record_at(path);
    } catch (const ecg::Error& e) {
      unreadable.push_back(path + ": " + e.what());
      continue;
    }
    ++n;
    const ecg::Sex sex = f[2] == "F" || f[2] == "female" ? ecg::Sex::female : f[2] == "M" || f[2] == "male" ? ecg::Sex::male : record.sex;
    const auto codes = split(f[3], ';');
    const auto report = ecg::rules::evaluate(record, sex);
    auto it = std::find_if(per_dataset.begin(), per_dataset.end(), [&](auto& p) { return p.first == f[1]; });
    if (it == per_dataset.end()) per_dataset.push_back({f[1], std::vector<Confusion>(targets.size())}), it = per_dataset.end() - 1;
    for (std::size_t k = 0; k < targets.size(); ++k) {
      const bool label = std::any_of(codes.begin(), codes.end(), [&](const std::string& c) {
        return std::find(targets[k].codes.begin(), targets[k].codes.end(), c) != targets[k].codes.end();
      });
      const auto* r = report.find(targets[k].rule);
      for (Confusion* c : {&all[k], &it->second[k]}) {
        if (!r || r->decision == ecg::rules::Decision::not_assessable) (label ? c->na_pos : c->na_neg)++;
        else if (r->decision == ecg::rules::Decision::positive) (label ? c->tp : c->fp)++;
        else (label ? c->fn : c->tn)++;
      }
    }
  }
  std::printf("Records evaluated: %zu; unreadable: %zu\n", n, unreadable.size());
  print_confusion("All datasets", all);
  for (const auto& [name, m] : per_dataset) print_confusion(name, m);
  if (!unreadable.empty()) {
    std::printf("\nUnreadable records (first 5):\n\n");
    for (std::size_t i = 0; i < std::min<std::size_t>(5, unreadable.size()); ++i) std::printf("- %s\n", unreadable[i].c_str());
  }
  return 0;
}

// ---- heart-rate plausibility on unannotated records (CinC 2017) ---------------------------------------

// Share of records whose detected heart rate is physiologically plausible (30-220 bpm from the
// median RR, and at least 3 beats), per class of a REFERENCE.csv ("A00001,N").
int bench_hr(const std::vector<std::string>& args) {
  std::string reference, dir;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--reference" && i + 1 < args.size()) reference = args[++i];
  }
  std::ifstream in(reference);
  if (!in) {
    std::fprintf(stderr, "ecg-bench hr: cannot open the reference list '%s'\n", reference.c_str());
    return 2;
  }
  dir = fs::path(reference).parent_path().string();
  struct Count {
    std::size_t n = 0, plausible = 0, unreadable = 0;
  };
  std::vector<std::pair<std::string, Count>> by_class;
  Count total;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    const std::string rec = line.substr(0, comma), cls = line.substr(comma + 1);
    auto it = std::find_if(by_class.begin(), by_class.end(), [&](auto& p) { return p.first == cls; });
    if (it == by_class.end()) by_class.push_back({cls, {}}), it = by_class.end() - 1;
    try {
      ecg::Record record = ecg::cli::read_record_at((fs::path(dir) / (rec + ".hea")).string());
      auto peaks = ecg::dsp::detect_rpeaks(record.lead(0), record.fs_hz);
      auto hr = ecg::dsp::heart_rate_bpm(peaks, record.fs_hz);
      const bool ok = peaks.size() >= 3 && hr && *hr >= 30.0 && *hr <= 220.0;
      for (Count* c : {&it->second, &total}) ++c->n, c->plausible += ok;
    } catch (const ecg::Error& e) {
      for (Count* c : {&it->second, &total}) ++c->unreadable;
      std::fprintf(stderr, "ecg-bench: %s: %s\n", rec.c_str(), e.what());
    }
  }
  std::printf("| class | records | plausible HR (30-220 bpm, >= 3 beats) | share (%%) | unreadable |\n|---|---|---|---|---|\n");
  auto row = [](const std::string& name, const Count& c) {
    std::printf("| %s | %zu | %zu | %.2f | %zu |\n", name.c_str(), c.n, c.plausible, c.n ? 100.0 * static_cast<double>(c.plausible) / static_cast<double>(c.n) : 0.0, c.unreadable);
  };
  for (const auto& [name, c] : by_class) row(name, c);
  row("**all**", total);
  return 0;
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
  if (command == "delineation") return bench_delineation(args);
  if (command == "rules") return bench_rules(args);
  if (command == "hr") return bench_hr(args);
  if (command == "beats") return bench_beats(args);
  std::fprintf(stderr, "ecg-bench: unknown command '%s'\n%s", command.c_str(), kUsage);
  return 2;
}
