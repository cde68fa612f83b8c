// ecg-bench: benchmarks of the core against reference annotations (R-peaks; more as issues ask).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <span>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <optional>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "bench_text.h"
#include "cli/files.h"
#include "ecg/dsp.h"
#include "ecg/annotations.h"
#include "ecg/beats.h"
#include "ecg/error.h"
#include "ecg/metric.h"
#include "ecg/rules.h"
#include "ecg/screen.h"
#include "dsp/streamed.h"
#include "screen/pipeline.h"
#include <map>
#include <nlohmann/json.hpp>

#include <zlib.h>
#include <sys/resource.h>

namespace fs = std::filesystem;

int bench_beats(const std::vector<std::string>& args);  // tools/bench/beats_bench.cpp

namespace {

// --detector classical|learned (any command, before its other options): the QRS detector the
// rpeaks, cpsc2019, noise, hr and speed commands run (default: learned, as the product).
ecg::dsp::QrsDetector g_detector = ecg::dsp::QrsDetector::learned;

constexpr const char* kUsage =
    "usage: ecg-bench [--detector learned|classical] COMMAND ...  (the QRS detector; default learned)\n"
    "       ecg-bench rpeaks [--lead NAME|INDEX|all] [--window-ms 150] [--ann atr] [--qrs-model FILE] <record>...\n"
    "       ecg-bench delineation [--lead II] [--ext ii] [--noise bw|ma|em|mix --snr DB] <record>...\n"
    "       ecg-bench rules --labels LIST.csv [--dataset NAME] [--dump FILE.csv]\n"
    "       ecg-bench af [--reference REFERENCE.csv] [--cpsc record.hea...] [--window-s 30] [--ectopy rr|beats|both] [--dump FILE.csv]\n"
    "       ecg-bench merge --labels LIST.csv [--model FILE]... [--folds tools/train/folds.json --fold 0]\n"
    "       ecg-bench hr --reference path/to/REFERENCE.csv\n"
    "       ecg-bench cpsc2019 [--per-record] [--dump] [--qrs-model FILE] DIR\n"
    "       ecg-bench noise [--seconds 300] [--seed 1] [--noise bw,ma,em,mix] <record>...\n"
    "       ecg-bench speed [--repeats 50] <record>...\n"
    "       ecg-bench quality cinc2017|noisy-copies|flat-noise ... (tools/bench/quality_bench.cpp)\n"
    "       ecg-bench beats [--lead MLII] [--dump F.csv] <record>... | --labels LIST.csv (docs/beats.md)\n"
    "\n"
    "  rpeaks       R-peak sensitivity (Se) and positive predictivity (+P) per record and gross against\n"
    "               the beat annotations in <record>.<ann> (MIT symbols N L R a V F J A S E j / Q B ? e n f r;\n"
    "               ventricular flutter episodes between '[' and ']' are not scored), one-to-one matching\n"
    "               within the window. Detection on the lead given (default: the first; 'all': every\n"
    "               lead, fused as detect_rpeaks(Record) does). Markdown table.\n"
    "  delineation  R-peaks and P/QRS/T boundary errors (mean, sd in ms) of one lead against LUDB-style\n"
    "               per-lead annotations <record>.<ext> ('(' onset, p/N/t peak, ')' offset).\n"
    "  rules        confusion matrix of every rule against SNOMED labels (tools/bench/rules_labels.py);\n"
    "               --dump writes one row per record: path, dataset, codes and each rule's decision and evidence.\n"
    "  af           the IrregularRR (AF) rule alone: CinC 2017 (A against N and O; '~' left out) split by\n"
    "               record (FNV-1a hash of the name: even = tuning half, odd = held-out half), and CPSC 2021\n"
    "               windows (AF: >= 90 % of the window inside '(AFIB'; non-AF: no AF or flutter at all).\n"
    "               --ectopy: the ectopic beats the rule discounts: rr (its own RR rule, as screen() runs it),\n"
    "               beats (the beat classifier's S and V beats), both (either).\n"
    "  merge        challenge metric of the model alone, of the rules deciding their classes, of the shipped\n"
    "               merge policy and of each rule class decided by rule / agreement / either (the rest by the\n"
    "               model); --fold keeps only records of that test fold (of folds.json twelve_lead and\n"
    "               twelve_lead_extra; pass --model with that fold's model, tools/bench/fold-models) plus those\n"
    "               absent from folds.json (counted in the output).\n"
    "  hr           share of records (first lead) whose detected heart rate is plausible, per class.\n"
    "  cpsc2019     QRSacc, beat Se and +P on CPSC 2019 records (DIR/data/data_N.mat, DIR/ref/R_N.mat),\n"
    "               scored as the challenge's score.py (75 ms, refs in 0.5-9.5 s, 1 / 0.7 / 0.3 / 0 points).\n"
    "               --qrs-model: run this QRS model file (task qrs) instead of the built-in one (e.g. the\n"
    "               cross-validation models of tools/train/qrs_cv.py).\n"
    "  noise        Se and +P with synthetic baseline-wander (bw), muscle (ma), electrode-motion (em) and\n"
    "               mixed noise added at SNR 24..-6 dB (EC57/nst SNR from the QRS peak-to-peak amplitude).\n"
    "  speed        milliseconds per fused detect_rpeaks(Record) call.\n"
    "  stages [--repeats 20] [--tile N] [--whole] [--dump FILE] <record>...: per-stage ms of screen() (median),\n"
    "               read included, with the shipped models; peak RSS. --tile repeats the samples N times\n"
    "               (24-h records); --whole keeps long leads whole (the plain path, not in chunks);\n"
    "               --dump writes the last record's findings JSON (timings left out) to FILE.\n";

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

// --qrs-model FILE: a QRS model file (task qrs) run instead of the built-in detector; none for "".
std::optional<ecg::dsp::LearnedQrs> load_qrs_model(const std::string& path) {
  std::optional<ecg::dsp::LearnedQrs> model;
  if (path.empty()) return model;
  const ecg::cli::LoadedFile f = ecg::cli::load_file(path);
  model.emplace(std::span<const std::uint8_t>(f.bytes.data(), f.bytes.size()));
  return model;
}

int bench_rpeaks(const std::vector<std::string>& args) {
  std::string lead, ext = "atr";
  double window_ms = 150.0;
  std::vector<std::string> records;
  std::string model_path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--lead" && i + 1 < args.size()) lead = args[++i];
    else if (args[i] == "--window-ms" && i + 1 < args.size()) window_ms = std::stod(args[++i]);
    else if (args[i] == "--ann" && i + 1 < args.size()) ext = args[++i];
    else if (args[i] == "--qrs-model" && i + 1 < args.size()) model_path = args[++i];
    else records.push_back(args[i]);
  }
  if (!model_path.empty() && lead == "all") { std::fputs("ecg-bench rpeaks: --qrs-model works on one lead, not --lead all\n", stderr); return 2; }
  std::optional<ecg::dsp::LearnedQrs> model = load_qrs_model(model_path);  // another QRS model file (one lead only)
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
      const bool fused = lead == "all";  // --lead all: every lead, fused (detect_rpeaks(Record))
      const std::size_t li = fused ? 0 : pick_lead(record, lead);
      Reference ref = read_reference(arg, ext);
      auto det = outside(fused ? ecg::dsp::detect_rpeaks(record, g_detector)
                         : model ? ecg::dsp::detect_rpeaks(record.lead(li), record.fs_hz, *model)
                                 : ecg::dsp::detect_rpeaks(record.lead(li), record.fs_hz, g_detector), ref);
      auto beats = outside(ref.beats, ref);
      Score s = match(beats, det, static_cast<std::int64_t>(std::lround(window_ms * 1e-3 * record.fs_hz)));
      total.tp += s.tp, total.fn += s.fn, total.fp += s.fp;
      std::printf("| %s | %s | %g | %zu | %zu | %zu | %zu | %.2f | %.2f |\n", record.name.c_str(), fused ? "all" : record.leads[li].c_str(),
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

std::vector<float> make_noise(const std::string& kind, std::size_t n, double fs, std::uint64_t seed);
double signal_power(std::span<const float> x, const std::vector<std::int64_t>& beats, double fs);

int bench_delineation(const std::vector<std::string>& args) {
  std::string lead = "II", ext = "ii", noise_kind;
  double snr_db = 0;
  std::vector<std::string> records;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--lead" && i + 1 < args.size()) lead = args[++i];
    else if (args[i] == "--ext" && i + 1 < args.size()) ext = args[++i];
    else if (args[i] == "--noise" && i + 1 < args.size()) noise_kind = args[++i];
    else if (args[i] == "--snr" && i + 1 < args.size()) snr_db = std::stod(args[++i]);
    else records.push_back(args[i]);
  }
  if (!noise_kind.empty()) std::printf("Noise: %s at %g dB on the delineated lead (as `ecg-bench noise` makes it, seed 1000003 + 101 r for record r).\n", noise_kind.c_str(), snr_db);
  std::size_t index = 0;
  const char* names[] = {"P onset", "P offset", "QRS onset", "QRS offset", "T offset"};
  ErrStats stats[5];
  Score rp, fused;
  int status = 0;
  for (const auto& arg : records) {
    try {
      ecg::Record record = ecg::cli::read_record_at(arg);
      const std::size_t li = pick_lead(record, lead);
      std::int64_t first = 0, last = 0;
      auto ref = read_ludb(strip_hea(arg) + "." + ext, first, last);
      std::vector<std::int64_t> ref_r;
      for (auto& b : ref) ref_r.push_back(b.qrs.peak);
      if (!noise_kind.empty()) {  // the lead with noise at the SNR against its reference QRS amplitude
        auto x = record.lead(li);
        const auto noise = make_noise(noise_kind, x.size(), record.fs_hz, 1000003ull + 101ull * index);
        const float gain = float(std::sqrt(signal_power(x, ref_r, record.fs_hz) / std::pow(10.0, snr_db / 10.0)));
        for (std::size_t i = 0; i < x.size(); ++i) x[i] += gain * noise[i];
      }
      ++index;
      auto peaks = ecg::dsp::detect_rpeaks(record.lead(li), record.fs_hz, g_detector);
      std::vector<std::int64_t> in_range;
      for (auto p : peaks) if (p >= first && p <= last) in_range.push_back(p);
      Score s = match(ref_r, in_range, static_cast<std::int64_t>(std::lround(0.15 * record.fs_hz)));
      rp.tp += s.tp, rp.fn += s.fn, rp.fp += s.fp;
      std::vector<std::int64_t> fused_in_range;
      for (auto p : ecg::dsp::detect_rpeaks(record, g_detector)) if (p >= first && p <= last) fused_in_range.push_back(p);
      Score sf = match(ref_r, fused_in_range, static_cast<std::int64_t>(std::lround(0.15 * record.fs_hz)));
      fused.tp += sf.tp, fused.fn += sf.fn, fused.fp += sf.fp;
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
  std::printf("R-peaks (lead %s, annotated span only, 150 ms window): TP %zu, FN %zu, FP %zu, Se %.2f %%, +P %.2f %%\n", lead.c_str(),
              rp.tp, rp.fn, rp.fp, rp.se(), rp.ppv());
  std::printf("R-peaks (all leads fused by detect_rpeaks(Record), same reference and span): TP %zu, FN %zu, FP %zu, Se %.2f %%, +P %.2f %%\n\n",
              fused.tp, fused.fn, fused.fp, fused.se(), fused.ppv());
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
  std::string only_dataset = {};   // non-empty: only records of this dataset are scored
};

const std::vector<RuleTarget>& rule_targets() {
  static const std::vector<RuleTarget> targets = {
      {"Brady", "Brady (426627000)", {"426627000"}},
      {"SB", "SB (426177001)", {"426177001"}},
      {"STach", "STach (427084000)", {"427084000"}},
      {"LAD", "LAD (39732003)", {"39732003"}},
      {"LAD", "PTB-XL heart_axis ALAD or AXL (ptbxl only)", {"ptbxl_axis:ALAD", "ptbxl_axis:AXL"}, "ptbxl"},
      {"RAD", "RAD (47665007)", {"47665007"}},
      {"RAD", "PTB-XL heart_axis ARAD or AXR (ptbxl only)", {"ptbxl_axis:ARAD", "ptbxl_axis:AXR"}, "ptbxl"},
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

using ecg::bench::split;

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

// One rule as "decision,name=value|name=value,...,note" for --dump (commas and quotes dropped from notes).
std::string dump_rule(const ecg::rules::RuleResult& r) {
  std::string ev;
  for (const auto& e : r.evidence) {
    char v[64];
    std::snprintf(v, sizeof v, "%.4g", e.value);
    ev += (ev.empty() ? "" : "|") + e.name + (e.lead.empty() ? "" : "@" + e.lead) + "=" + v;
  }
  std::string note = r.note;
  std::replace(note.begin(), note.end(), ',', ';');
  note.erase(std::remove(note.begin(), note.end(), '"'), note.end());
  return std::string(ecg::rules::to_string(r.decision)) + "," + ev + "," + note;
}

int bench_rules(const std::vector<std::string>& args) {
  std::string labels_path, only_dataset, dump_path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--labels" && i + 1 < args.size()) labels_path = args[++i];
    else if (args[i] == "--dataset" && i + 1 < args.size()) only_dataset = args[++i];
    else if (args[i] == "--dump" && i + 1 < args.size()) dump_path = args[++i];
  }
  std::ofstream dump;
  if (!dump_path.empty()) {
    dump.open(dump_path);
    if (!dump) {
      std::fprintf(stderr, "ecg-bench rules: cannot write '%s'\n", dump_path.c_str());
      return 2;
    }
    dump << "path,dataset,codes,rule,decision,evidence,note\n";
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
    if (!only_dataset.empty() && f[1] != only_dataset) continue;
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
    if (dump) {
      for (const auto& r : report.rules) dump << path << ',' << f[1] << ',' << f[3] << ',' << r.id << ',' << dump_rule(r) << '\n';
    }
    auto it = std::find_if(per_dataset.begin(), per_dataset.end(), [&](auto& p) { return p.first == f[1]; });
    if (it == per_dataset.end()) per_dataset.push_back({f[1], std::vector<Confusion>(targets.size())}), it = per_dataset.end() - 1;
    for (std::size_t k = 0; k < targets.size(); ++k) {
      if (!targets[k].only_dataset.empty() && targets[k].only_dataset != f[1]) continue;
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

// ---- the AF rule alone: CinC 2017 (A against N and O) and CPSC 2021 AF episodes -----------------

// FNV-1a (32 bit) of a record name: even = the half the AF rule's thresholds were tuned on, odd = the
// held-out half (tools/bench/af_tune.py uses the same hash).
std::uint32_t fnv1a(const std::string& s) {
  std::uint32_t h = 2166136261u;
  for (unsigned char ch : s) h = (h ^ ch) * 16777619u;
  return h;
}

struct AfCount {
  std::size_t tp = 0, fp = 0, tn = 0, fn = 0, na_pos = 0, na_neg = 0;
  void add(bool label, ecg::rules::Decision d) {
    if (d == ecg::rules::Decision::not_assessable) (label ? na_pos : na_neg)++;
    else if (d == ecg::rules::Decision::positive) (label ? tp : fp)++;
    else (label ? fn : tn)++;
  }
};

void print_af_row(const std::string& name, const AfCount& c) {
  auto pct = [](std::size_t a, std::size_t b) { return b ? 100.0 * static_cast<double>(a) / static_cast<double>(b) : std::nan(""); };
  std::printf("| %s | %zu | %zu | %zu | %zu | %.1f | %.1f | %.1f | %zu / %zu |\n", name.c_str(), c.tp, c.fp, c.tn, c.fn, pct(c.tp, c.tp + c.fn),
              pct(c.tn, c.tn + c.fp), pct(c.tp, c.tp + c.fp), c.na_pos, c.na_neg);
}

// Per case for --dump: RR intervals (ms) and per-beat P-wave flags (1: P onset and peak found).
void dump_af_case(std::ofstream& dump, const std::string& id, const std::string& source, const std::string& label, const std::string& split,
                  const ecg::Record& record, const std::vector<std::int64_t>& rpeaks, const std::vector<ecg::dsp::Beat>& beats,
                  const ecg::rules::RuleResult& r) {
  if (!dump) return;
  dump << id << ',' << source << ',' << label << ',' << split << ',' << dump_rule(r) << ',';
  for (std::size_t i = 1; i < rpeaks.size(); ++i) dump << (i > 1 ? ";" : "") << static_cast<double>(rpeaks[i] - rpeaks[i - 1]) * 1000.0 / record.fs_hz;
  dump << ',';
  for (std::size_t i = 0; i < beats.size(); ++i) dump << (i ? ";" : "") << (beats[i].p_on && beats[i].p_peak ? 1 : 0);
  dump << '\n';
}

int bench_af(const std::vector<std::string>& args) {
  std::string reference, dump_path;
  std::vector<std::string> cpsc;
  double window_s = 30;
  std::string ectopy = "rr";  // the AF rule's ectopic beats: rr (the RR rule), beats (the beat classes S / V), both
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--reference" && i + 1 < args.size()) reference = args[++i];
    else if (args[i] == "--dump" && i + 1 < args.size()) dump_path = args[++i];
    else if (args[i] == "--window-s" && i + 1 < args.size()) window_s = std::stod(args[++i]);
    else if (args[i] == "--ectopy" && i + 1 < args.size()) ectopy = args[++i];
    else if (args[i] == "--cpsc") {
      while (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) cpsc.push_back(args[++i]);
    }
  }
  std::ofstream dump;
  if (!dump_path.empty()) {
    dump.open(dump_path);
    dump << "id,source,label,split,decision,evidence,note,rr_ms,p_flags\n";
  }
  if (ectopy != "rr" && ectopy != "beats" && ectopy != "both") {
    std::fprintf(stderr, "ecg-bench af: --ectopy expects rr, beats or both, found '%s'\n", ectopy.c_str());
    return 2;
  }
  auto run = [&ectopy](const ecg::Record& rec, std::vector<std::int64_t>& rpeaks, std::vector<ecg::dsp::Beat>& beats) {
    rpeaks = ecg::dsp::detect_rpeaks(rec, g_detector);
    beats = ecg::dsp::delineate(rec, rpeaks);
    std::vector<std::uint8_t> mask;
    if (ectopy != "rr" && rpeaks.size() >= 2) {
      mask.assign(rpeaks.size(), 0);
      const auto classes = ecg::beats::classify_beats(rec, rpeaks, beats);
      for (std::size_t j = 0; j < classes.size() && j < mask.size(); ++j)
        mask[j] = classes[j].cls == ecg::beats::BeatClass::S || classes[j].cls == ecg::beats::BeatClass::V;
      if (ectopy == "both") {
        std::vector<double> rr;
        for (std::size_t j = 1; j < rpeaks.size(); ++j) rr.push_back(static_cast<double>(rpeaks[j] - rpeaks[j - 1]) * 1000.0 / rec.fs_hz);
        const auto by_rr = ecg::rules::rr_ectopic_beats(rr);
        for (std::size_t j = 0; j < mask.size() && j < by_rr.size(); ++j) mask[j] = mask[j] || by_rr[j];
      }
    }
    const auto report = ecg::rules::evaluate(rec, ecg::Sex::unknown, rpeaks, beats, mask);
    return *report.find("IrregularRR");
  };
  if (!reference.empty()) {
    std::ifstream in(reference);
    if (!in) {
      std::fprintf(stderr, "ecg-bench af: cannot open the reference list '%s'\n", reference.c_str());
      return 2;
    }
    const std::string dir = fs::path(reference).parent_path().string();
    // by split (tune / held-out) and by negative class (N, O)
    AfCount tune_n, tune_o, held_n, held_o;
    std::size_t noisy = 0;
    for (const auto& [rec, cls] : ecg::bench::read_reference(in)) {
      if (rec == "A01176" || rec == "A03123") continue;  // copies of A00227 / A02656 (cinc2017/SOURCE.md)
      if (cls == "~") {
        ++noisy;
        continue;
      }
      const bool held = fnv1a(rec) % 2 == 1;
      ecg::Record record = ecg::cli::read_record_at((fs::path(dir) / (rec + ".hea")).string());
      std::vector<std::int64_t> rpeaks;
      std::vector<ecg::dsp::Beat> beats;
      const auto r = run(record, rpeaks, beats);
      const bool af = cls == "A";
      // Each AF record counts in both tables of its split (A against N, A against O); the negatives once.
      AfCount& vs_n = held ? held_n : tune_n;
      AfCount& vs_o = held ? held_o : tune_o;
      if (af) vs_n.add(true, r.decision), vs_o.add(true, r.decision);
      else (cls == "N" ? vs_n : vs_o).add(false, r.decision);
      dump_af_case(dump, rec, "cinc2017", cls, held ? "held-out" : "tune", record, rpeaks, beats, r);
    }
    auto both = [](const AfCount& n, const AfCount& o) {  // A against N and O: positives once
      AfCount c = n;
      c.fp += o.fp, c.tn += o.tn, c.na_neg += o.na_neg;
      return c;
    };
    std::printf("### CinC 2017 (single lead, AliveCor, 300 Hz; %zu noisy '~' records left out)\n\n", noisy);
    std::printf("| split / negatives | TP | FP | TN | FN | Se (%%) | Sp (%%) | PPV (%%) | not assessable (A / other) |\n|---|---|---|---|---|---|---|---|---|\n");
    print_af_row("held-out half: A vs N and O", both(held_n, held_o));
    print_af_row("held-out half: A vs N", held_n);
    print_af_row("held-out half: A vs O", held_o);
    print_af_row("tuning half: A vs N and O", both(tune_n, tune_o));
    print_af_row("tuning half: A vs N", tune_n);
    print_af_row("tuning half: A vs O", tune_o);
  }
  if (!cpsc.empty()) {
    AfCount total;
    std::vector<std::pair<std::string, AfCount>> per_record;
    std::size_t mixed = 0;
    for (const std::string& arg : cpsc) {
      const std::string base = strip_hea(arg);
      ecg::Record record = ecg::cli::read_record_at(base + ".hea");
      const auto ann = read_annotations(base + ".atr");
      // Rhythm per sample from the '(AFIB', '(AFL', '(N' ... aux notes: 2 = AF, 1 = flutter, 0 = other.
      std::vector<std::uint8_t> rhythm(record.n_samples, 0);
      std::uint8_t cur = 0;
      std::int64_t from = 0;
      auto fill = [&](std::int64_t to) {
        for (std::int64_t s = std::max<std::int64_t>(0, from); s < std::min<std::int64_t>(to, static_cast<std::int64_t>(record.n_samples)); ++s) rhythm[static_cast<std::size_t>(s)] = cur;
      };
      for (const auto& a : ann.annotations) {
        if (a.aux.empty() || a.aux[0] != '(') continue;
        fill(a.sample);
        from = a.sample;
        cur = a.aux.rfind("(AFIB", 0) == 0 ? 2 : a.aux.rfind("(AFL", 0) == 0 ? 1 : 0;
      }
      fill(static_cast<std::int64_t>(record.n_samples));
      const auto win = static_cast<std::size_t>(std::llround(window_s * record.fs_hz));
      AfCount rec_count;
      for (std::size_t start = 0; start + win <= record.n_samples; start += win) {
        std::size_t af = 0, afl = 0;
        for (std::size_t s = start; s < start + win; ++s) af += rhythm[s] == 2, afl += rhythm[s] == 1;
        const bool pos = af >= win * 9 / 10, neg = af == 0 && afl == 0;
        if (!pos && !neg) {
          ++mixed;
          continue;
        }
        ecg::Record w;
        w.name = record.name;
        w.fs_hz = record.fs_hz;
        w.leads = record.leads;
        w.n_samples = win;
        for (std::size_t k = 0; k < record.n_leads(); ++k) {
          auto x = record.lead(k);
          w.samples_mv.insert(w.samples_mv.end(), x.begin() + static_cast<std::ptrdiff_t>(start), x.begin() + static_cast<std::ptrdiff_t>(start + win));
        }
        std::vector<std::int64_t> rpeaks;
        std::vector<ecg::dsp::Beat> beats;
        const auto r = run(w, rpeaks, beats);
        total.add(pos, r.decision);
        rec_count.add(pos, r.decision);
        dump_af_case(dump, record.name + "@" + std::to_string(start), "cpsc2021", pos ? "A" : "N", "all", w, rpeaks, beats, r);
      }
      per_record.push_back({record.name, rec_count});
    }
    std::printf("\n### CPSC 2021 (2 leads, 200 Hz): %.0f-s windows (%zu windows with both AF and other rhythm, or flutter, left out)\n\n", window_s, mixed);
    std::printf("| record | TP | FP | TN | FN | Se (%%) | Sp (%%) | PPV (%%) | not assessable (AF / other) |\n|---|---|---|---|---|---|---|---|---|\n");
    for (const auto& [name, c] : per_record) print_af_row(name, c);
    print_af_row("**all windows**", total);
  }
  return 0;
}

// ---- merge policy: challenge metric of model, rules and their combinations -----------------------

int bench_merge(const std::vector<std::string>& args) {
  using ecg::screen::MergePolicy;
  std::string labels_path, folds_path;
  int fold = -1;
  std::vector<std::string> model_files;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--labels" && i + 1 < args.size()) labels_path = args[++i];
    else if (args[i] == "--model" && i + 1 < args.size()) model_files.push_back(args[++i]);
    else if (args[i] == "--folds" && i + 1 < args.size()) folds_path = args[++i];
    else if (args[i] == "--fold" && i + 1 < args.size()) fold = std::stoi(args[++i]);
  }
  if (model_files.empty()) model_files = ecg::cli::default_model_files();
  std::ifstream in(labels_path);
  if (!in) {
    std::fprintf(stderr, "ecg-bench merge: cannot open the label list '%s' (make it with tools/bench/rules_labels.py)\n", labels_path.c_str());
    return 2;
  }
  std::map<std::string, int> folds;
  if (!folds_path.empty()) {
    std::ifstream fj(folds_path);
    const auto j = nlohmann::json::parse(fj);
    // the base pool's folds and extra's (the models of issue 15 train on both; fold -1 = always trained)
    for (const char* key : {"twelve_lead", "twelve_lead_extra"})
      if (j.contains(key))
        for (const auto& [k, v] : j.at(key).items()) folds[k] = v.get<int>();
  }
  ecg::screen::Screener screener;
  for (const auto& m : model_files) {
    const auto f = ecg::cli::load_file(m);
    screener.add_model(f.bytes);
  }
  // Per record: labels, and per class its snomed, the model's decision and the rule's.
  struct Cls {
    std::string snomed, rule_id;
    std::optional<bool> model;
    std::optional<ecg::rules::Decision> rule;
  };
  struct Rec {
    std::string dataset;
    std::vector<std::string> labels;
    std::vector<Cls> classes;
  };
  std::vector<Rec> recs;
  std::size_t n_outside = 0;  // records that no fold of folds.json holds (not in the models' pool)
  std::string line;
  std::getline(in, line);  // path,dataset,sex,codes,key
  while (std::getline(in, line)) {
    auto f = split(line, ',');
    if (f.size() < 5) continue;
    bool outside = false;
    if (fold >= 0) {
      auto it = folds.find(f[4]);
      if (it != folds.end() && it->second != fold) continue;
      outside = it == folds.end();
    }
    ecg::Record record;
    try {
      record = ecg::cli::read_record_at(f[0]);
    } catch (const ecg::Error& e) {
      std::fprintf(stderr, "ecg-bench merge: %s: %s\n", f[0].c_str(), e.what());
      continue;
    }
    const auto codes = split(f[3], ';');
    if (codes.empty() || (codes.size() == 1 && codes[0].empty())) continue;
    const ecg::screen::Findings fi = screener.screen(record, {});
    Rec r{f[1], codes, {}};
    for (const auto& c : fi.classes) {
      Cls k{c.snomed, "", c.probability ? std::optional<bool>(c.model_positive) : std::nullopt, std::nullopt};
      for (const auto& rule : fi.rules.rules)
        if (rule.snomed == c.snomed && rule.id != "IrregularRR" && rule.id != "QRS120") k.rule = rule.decision, k.rule_id = rule.id;
      r.classes.push_back(k);
    }
    recs.push_back(std::move(r));
    n_outside += outside;
  }
  // A policy: per rule id, how its class is decided (absent: by the model alone).
  using Policy = std::map<std::string, MergePolicy>;
  auto score = [&](const Policy& pol, const std::string& dataset) {
    ecg::metric::Accumulator acc;
    for (const auto& r : recs) {
      if (!dataset.empty() && r.dataset != dataset) continue;
      std::vector<std::string> out;
      for (const auto& c : r.classes) {
        auto it = c.rule ? pol.find(c.rule_id) : pol.end();
        const auto d = it == pol.end() ? ecg::screen::decide_class(std::nullopt, c.model, MergePolicy::model)
                                       : ecg::screen::decide_class(c.rule, c.model, it->second);
        if (d.decision) out.push_back(c.snomed);
      }
      acc.add_codes(r.labels, out);
    }
    return acc.summary().challenge_metric;
  };
  const std::vector<std::string> rule_ids = {"Brady", "SB", "STach", "LAD", "RAD", "LQRSV", "PR", "IAVB", "LQT", "PAC", "PVC"};
  std::vector<std::string> datasets;
  for (const auto& r : recs)
    if (std::find(datasets.begin(), datasets.end(), r.dataset) == datasets.end()) datasets.push_back(r.dataset);
  std::printf("Records: %zu (%s)\n\n| policy | all |", recs.size(),
              fold >= 0 ? ("test fold " + std::to_string(fold) + " + " + std::to_string(n_outside) + " records outside folds.json").c_str() : "all");
  for (const auto& d : datasets) std::printf(" %s |", d.c_str());
  std::printf("\n|---|---|");
  for (std::size_t i = 0; i < datasets.size(); ++i) std::printf("---|");
  std::printf("\n");
  auto row = [&](const std::string& name, const Policy& pol) {
    std::printf("| %s | %.3f |", name.c_str(), score(pol, ""));
    for (const auto& d : datasets) std::printf(" %.3f |", score(pol, d));
    std::printf("\n");
  };
  Policy rules_all, shipped;
  for (const auto& id : rule_ids) rules_all[id] = MergePolicy::rule, shipped[id] = ecg::screen::merge_policy(id);
  row("model alone", {});
  row("every rule decides its class (before)", rules_all);
  row("shipped merge_policy", shipped);
  for (const auto& id : rule_ids) {
    for (MergePolicy p : {MergePolicy::rule, MergePolicy::agreement, MergePolicy::either}) {
      row("model alone, " + id + " by " + std::string(ecg::screen::to_string(p)), Policy{{id, p}});
    }
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
  for (const auto& [rec, cls] : ecg::bench::read_reference(in)) {
    auto it = std::find_if(by_class.begin(), by_class.end(), [&](auto& p) { return p.first == cls; });
    if (it == by_class.end()) by_class.push_back({cls, {}}), it = by_class.end() - 1;
    try {
      ecg::Record record = ecg::cli::read_record_at((fs::path(dir) / (rec + ".hea")).string());
      auto peaks = ecg::dsp::detect_rpeaks(record.lead(0), record.fs_hz, g_detector);
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


// ---- CPSC 2019: MATLAB v5 .mat records (bench-only reader, zlib) and the challenge's scoring ------

// Reads the first numeric matrix of a MATLAB v5 file (uncompressed or miCOMPRESSED elements) as
// doubles. Bench-only: the core reads MATLAB v4 (.mat of WFDB/CinC); CPSC 2019 ships v5 files whose
// variables are zlib-compressed, and zlib exists only in the native build.
std::vector<double> read_mat5_first_matrix(const std::string& path) {
  const auto f = ecg::cli::load_file(path);
  const auto& b = f.bytes;
  auto fail = [&](const std::string& why) -> std::vector<double> {
    throw ecg::Error(path + ": not a MATLAB v5 numeric matrix as CPSC 2019 ships it (" + why + ")");
  };
  if (b.size() < 136 || std::string(b.begin(), b.begin() + 6) != "MATLAB") return fail("no 'MATLAB 5.0' header");
  if (!(b[126] == 'I' && b[127] == 'M')) return fail("only little-endian files are read");
  auto u32 = [](const std::uint8_t* p) { return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24; };
  // Parses one miMATRIX body; returns its real part as doubles.
  auto parse_matrix = [&](const std::uint8_t* p, std::size_t n) -> std::vector<double> {
    std::size_t at = 0;
    int sub = 0;
    while (at + 8 <= n) {
      std::uint32_t type = u32(p + at), bytes = u32(p + at + 4);
      const std::uint8_t* data = p + at + 8;
      std::size_t step = 8 + ((bytes + 7) / 8) * 8;
      if (type >> 16) {  // small data element: 2-byte count, 2-byte type, 4 data bytes
        bytes = type >> 16, type &= 0xffff, data = p + at + 4, step = 8;
      }
      if (data + bytes > p + n) return fail("element runs past the end");
      if (sub == 3) {  // flags, dims, name, then the real part
        std::vector<double> out;
        auto each = [&](std::size_t size, auto conv) {
          for (std::size_t i = 0; i + size <= bytes; i += size) out.push_back(conv(data + i));
        };
        switch (type) {
          case 1: each(1, [](const std::uint8_t* q) { return double(std::int8_t(q[0])); }); break;
          case 2: each(1, [](const std::uint8_t* q) { return double(q[0]); }); break;
          case 3: each(2, [](const std::uint8_t* q) { return double(std::int16_t(q[0] | q[1] << 8)); }); break;
          case 4: each(2, [](const std::uint8_t* q) { return double(std::uint16_t(q[0] | q[1] << 8)); }); break;
          case 5: each(4, [&](const std::uint8_t* q) { return double(std::int32_t(u32(q))); }); break;
          case 6: each(4, [&](const std::uint8_t* q) { return double(u32(q)); }); break;
          case 7: each(4, [&](const std::uint8_t* q) { float v; std::uint32_t w = u32(q); std::memcpy(&v, &w, 4); return double(v); }); break;
          case 9: each(8, [](const std::uint8_t* q) { double v; std::memcpy(&v, q, 8); return v; }); break;
          default: return fail("numeric type " + std::to_string(type) + " is not read");
        }
        return out;
      }
      ++sub, at += step;
    }
    return fail("matrix without data");
  };
  std::size_t at = 128;
  while (at + 8 <= b.size()) {
    const std::uint32_t type = u32(&b[at]), bytes = u32(&b[at + 4]);
    if (at + 8 + bytes > b.size()) return fail("element runs past the end of the file");
    if (type == 14) return parse_matrix(&b[at + 8], bytes);
    if (type == 15) {
      std::vector<std::uint8_t> out(std::max<std::size_t>(1024, 8u * bytes));
      for (;;) {
        uLongf len = out.size();
        const int rc = uncompress(out.data(), &len, &b[at + 8], bytes);
        if (rc == Z_BUF_ERROR && out.size() < (1u << 28)) { out.resize(out.size() * 4); continue; }
        if (rc != Z_OK) return fail("zlib stream does not inflate");
        out.resize(len);
        break;
      }
      if (out.size() >= 8 && u32(out.data()) == 14) return parse_matrix(out.data() + 8, std::min<std::size_t>(u32(out.data() + 4), out.size() - 8));
    }
    at += 8 + bytes;
  }
  return fail("no numeric matrix");
}

struct Cpsc2019Score {
  std::size_t tp = 0, fn = 0, fp = 0;  // official counting (see below)
  std::size_t fp_all = 0;              // FPs counted in every gap (the one the official code skips included)
  double points = 0.0;
};

// CPSC 2019 score.py, step for step (FS 500, THR 0.075): reference beats restricted to
// [0.5 s, 9.5 s]; for reference j every detection within thr is "loc" (1 TP, the rest FP, none -> FN);
// FP "err" are detections in [0.5 s + thr, ref0 - thr] for j = 0, in [ref_j + thr, 9.5 s - thr] for
// the last j, else in [ref_j + thr, ref_j+1 - thr]. As in the official code the gap between the first
// and second reference is never searched for FPs; fp_all counts it too (for the beat +P we report).
Cpsc2019Score score_cpsc2019(std::vector<double> ref, const std::vector<std::int64_t>& det, double fs) {
  const double thr = 0.075 * fs;
  std::erase_if(ref, [&](double r) { return r < 0.5 * fs || r > 9.5 * fs; });
  Cpsc2019Score s;
  auto count = [&](double lo, double hi) {
    return static_cast<std::size_t>(std::count_if(det.begin(), det.end(), [&](std::int64_t d) { return double(d) >= lo && double(d) <= hi; }));
  };
  for (std::size_t j = 0; j < ref.size(); ++j) {
    const std::size_t loc = static_cast<std::size_t>(std::count_if(det.begin(), det.end(), [&](std::int64_t d) { return std::fabs(double(d) - ref[j]) <= thr; }));
    std::size_t err = 0;
    if (j == 0) err = count(0.5 * fs + thr, ref[j] - thr);
    else if (j + 1 == ref.size()) err = count(ref[j] + thr, 9.5 * fs - thr);
    else err = count(ref[j] + thr, ref[j + 1] - thr);
    s.fp += err;
    if (loc >= 1) ++s.tp, s.fp += loc - 1;
    else ++s.fn;
  }
  s.fp_all = s.fp;
  if (ref.size() >= 2) s.fp_all += count(ref[0] + thr, ref[1] - thr);
  if (ref.size() == 1) s.fp_all += count(ref[0] + thr, 9.5 * fs - thr);
  const std::size_t bad = s.fn + s.fp;
  s.points = bad == 0 ? 1.0 : (s.fn == 1 && s.fp == 0) ? 0.3 : (s.fn == 0 && s.fp == 1) ? 0.7 : 0.0;
  return s;
}

// ecg-bench cpsc2019 DIR: every DIR/data/data_N.mat with DIR/ref/R_N.mat.
int bench_cpsc2019(const std::vector<std::string>& args) {
  bool per_record = false, dump = false;
  std::string dir, model_path;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--per-record") per_record = true;
    else if (a == "--dump") dump = true;
    else if (a == "--qrs-model" && i + 1 < args.size()) model_path = args[++i];
    else dir = a;
  }
  std::optional<ecg::dsp::LearnedQrs> model = load_qrs_model(model_path);
  if (dir.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::vector<std::string> ids;
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "data")) {
    const std::string name = e.path().filename().string();
    if (name.rfind("data_", 0) == 0 && e.path().extension() == ".mat") ids.push_back(name.substr(5, name.size() - 9));
  }
  std::sort(ids.begin(), ids.end());
  const double fs_hz = 500.0;
  Cpsc2019Score total;
  std::size_t n = 0, full = 0, one_fp = 0, one_fn = 0;
  if (per_record) std::printf("| record | ref beats (0.5-9.5 s) | TP | FN | FP (official) | FP (all gaps) | points |\n|---|---|---|---|---|---|---|\n");
  for (const auto& id : ids) {
    const auto x64 = read_mat5_first_matrix((fs::path(dir) / "data" / ("data_" + id + ".mat")).string());
    const auto ref = read_mat5_first_matrix((fs::path(dir) / "ref" / ("R_" + id + ".mat")).string());
    std::vector<float> x(x64.begin(), x64.end());
    const auto det = model ? ecg::dsp::detect_rpeaks(x, fs_hz, *model) : ecg::dsp::detect_rpeaks(x, fs_hz, g_detector);
    const auto s = score_cpsc2019(ref, det, fs_hz);
    total.tp += s.tp, total.fn += s.fn, total.fp += s.fp, total.fp_all += s.fp_all, total.points += s.points, ++n;
    full += s.points == 1.0, one_fp += s.points == 0.7, one_fn += s.points == 0.3;
    if (per_record) std::printf("| %s | %zu | %zu | %zu | %zu | %zu | %.1f |\n", id.c_str(), s.tp + s.fn, s.tp, s.fn, s.fp, s.fp_all, s.points);
    if (dump && s.points < 1.0) {  // --dump: reference and detected samples of every imperfect record
      std::printf("%s ref:", id.c_str());
      for (double r : ref) std::printf(" %.0f", r);
      std::printf("\n%s det:", id.c_str());
      for (auto d : det) std::printf(" %lld", static_cast<long long>(d));
      std::printf("\n");
    }
  }
  if (per_record) std::printf("\n");
  const double se = 100.0 * double(total.tp) / double(std::max<std::size_t>(1, total.tp + total.fn));
  const double ppv = 100.0 * double(total.tp) / double(std::max<std::size_t>(1, total.tp + total.fp_all));
  std::printf("| records | QRSacc | records 1 / 0.7 / 0.3 / 0 | ref beats | TP | FN | FP (official / all gaps) | beat Se (%%) | beat +P (%%, all gaps) |\n|---|---|---|---|---|---|---|---|---|\n");
  std::printf("| %zu | **%.4f** | %zu / %zu / %zu / %zu | %zu | %zu | %zu | %zu / %zu | **%.2f** | **%.2f** |\n", n, n ? total.points / double(n) : 0.0, full, one_fp,
              one_fn, n - full - one_fp - one_fn, total.tp + total.fn, total.tp, total.fn, total.fp, total.fp_all, se, ppv);
  return 0;
}

// ---- noise stress test (EC57 / nst style, synthetic noise) -----------------------------------------

// Deterministic generator (splitmix64) with Box-Muller normals: the same seed gives the same noise
// on every platform and compiler.
struct Rng {
  std::uint64_t s;
  explicit Rng(std::uint64_t seed) : s(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double a, double b) { return a + (b - a) * uniform(); }
  double normal() {
    const double u = std::max(1e-300, uniform()), v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * M_PI * v);
  }
};

void normalise_power(std::vector<float>& v) {
  double m = 0, p = 0;
  for (float x : v) m += x;
  m /= double(std::max<std::size_t>(1, v.size()));
  for (float& x : v) x = float(x - m), p += double(x) * x;
  p /= double(std::max<std::size_t>(1, v.size()));
  if (p > 0) for (float& x : v) x = float(x / std::sqrt(p));
}

std::vector<float> band_noise(Rng& rng, std::size_t n, double fs, double lo, double hi) {
  std::vector<float> w(n);
  for (auto& x : w) x = float(rng.normal());
  ecg::dsp::FirSpec spec;
  spec.lo_hz = lo, spec.hi_hz = std::min(hi, 0.45 * fs);
  spec.low_transition_hz = std::min(lo, 0.5 * lo + 0.5), spec.high_transition_hz = std::min(10.0, 0.5 * fs - spec.hi_hz);
  spec.attenuation_db = 40, spec.ripple_db = 0.5;
  auto y = ecg::dsp::bandpass(w, fs, spec);
  normalise_power(y);
  return y;
}

// Hann-shaped bursts at Poisson times (rate per s), durations U(d0, d1) s, gains U(g0, g1).
std::vector<float> bursts(Rng& rng, std::size_t n, double fs, double rate, double d0, double d1, double g0, double g1, double floor) {
  std::vector<float> e(n, float(floor));
  double t = -std::log(std::max(1e-12, rng.uniform())) / rate;
  while (t * fs < double(n)) {
    const double d = rng.uniform(d0, d1), g = rng.uniform(g0, g1);
    const auto a = std::size_t(t * fs), len = std::max<std::size_t>(2, std::size_t(d * fs));
    for (std::size_t i = 0; i < len && a + i < n; ++i) e[a + i] += float(g * 0.5 * (1 - std::cos(2 * M_PI * double(i) / double(len - 1))));
    t += d + -std::log(std::max(1e-12, rng.uniform())) / rate;
  }
  return e;
}

// Unit-power noise of one kind (docs/rpeaks.md describes each recipe).
std::vector<float> make_noise(const std::string& kind, std::size_t n, double fs, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<float> out(n, 0.0f);
  if (kind == "bw") {  // baseline wander: 8 sinusoids 0.05-0.5 Hz (amplitude ~ 1/f, random phase) + a slow random walk
    for (int k = 0; k < 8; ++k) {
      const double f = rng.uniform(0.05, 0.5), ph = rng.uniform(0, 2 * M_PI), a = 0.05 / f;
      for (std::size_t i = 0; i < n; ++i) out[i] += float(a * std::sin(2 * M_PI * f * double(i) / fs + ph));
    }
    std::vector<float> walk(n);
    double w = 0;
    for (std::size_t i = 0; i < n; ++i) w = 0.9999 * w + rng.normal(), walk[i] = float(w);
    auto slow = band_noise(rng, n, fs, 0.05, 0.5);  // keeps the random walk's share bounded
    normalise_power(walk);
    normalise_power(out);
    for (std::size_t i = 0; i < n; ++i) out[i] = 0.8f * out[i] + 0.4f * walk[i] + 0.2f * slow[i];
  } else if (kind == "ma") {  // muscle (EMG): Gaussian noise band-limited to 20-150 Hz, amplitude-modulated by bursts
    auto g = band_noise(rng, n, fs, 20.0, 150.0);
    auto e = bursts(rng, n, fs, 0.5, 0.3, 2.0, 1.0, 4.0, 0.5);
    for (std::size_t i = 0; i < n; ++i) out[i] = g[i] * e[i];
  } else if (kind == "em") {  // electrode motion: 0.5-10 Hz bursts + decaying baseline steps + short spikes
    auto g = band_noise(rng, n, fs, 0.5, 10.0);
    auto e = bursts(rng, n, fs, 0.3, 0.2, 1.5, 1.0, 3.0, 0.1);
    std::vector<float> motion(n), steps(n, 0.0f), spikes(n, 0.0f);
    for (std::size_t i = 0; i < n; ++i) motion[i] = g[i] * e[i];
    double level = 0, next_step = -std::log(std::max(1e-12, rng.uniform())) / 0.1 * fs, tau = 0.5 * fs;
    for (std::size_t i = 0; i < n; ++i) {
      if (double(i) >= next_step) level += rng.normal(), tau = rng.uniform(0.3, 1.5) * fs, next_step += -std::log(std::max(1e-12, rng.uniform())) / 0.1 * fs;
      level *= std::exp(-1.0 / tau);
      steps[i] = float(level);
    }
    for (double t = -std::log(std::max(1e-12, rng.uniform())) / 0.3; t * fs < double(n); t += -std::log(std::max(1e-12, rng.uniform())) / 0.3) {
      const double width = rng.uniform(0.01, 0.04) * fs, amp = rng.uniform(0.5, 1.5) * (rng.uniform() < 0.5 ? -1 : 1);
      const auto a = std::size_t(t * fs);
      for (std::size_t i = 0; double(i) < width && a + i < n; ++i) {
        const double u = double(i) / width;  // biphasic triangle
        spikes[a + i] += float(amp * (u < 0.5 ? (u < 0.25 ? 4 * u : 2 - 4 * u) : (u < 0.75 ? -(4 * u - 2) : -(4 - 4 * u))));
      }
    }
    normalise_power(motion), normalise_power(steps), normalise_power(spikes);
    for (std::size_t i = 0; i < n; ++i) out[i] = 0.8f * motion[i] + 0.5f * steps[i] + 0.33f * spikes[i];
  } else {  // "mix": equal-power sum of the three
    auto a = make_noise("bw", n, fs, seed * 3 + 1), b = make_noise("ma", n, fs, seed * 3 + 2), c = make_noise("em", n, fs, seed * 3 + 3);
    for (std::size_t i = 0; i < n; ++i) out[i] = a[i] + b[i] + c[i];
  }
  normalise_power(out);
  return out;
}

// EC57/nst signal power: S = (mean QRS peak-to-peak amplitude)^2 / 8, the peak-to-peak amplitude
// measured within +-50 ms of each reference beat, largest and smallest 5 % of beats discarded.
double signal_power(std::span<const float> x, const std::vector<std::int64_t>& beats, double fs) {
  const auto reach = std::int64_t(std::lround(0.05 * fs));
  std::vector<double> pp;
  for (auto b : beats) {
    const auto lo = std::max<std::int64_t>(0, b - reach), hi = std::min<std::int64_t>(std::int64_t(x.size()) - 1, b + reach);
    if (hi <= lo) continue;
    const auto [mn, mx] = std::minmax_element(x.begin() + lo, x.begin() + hi + 1);
    pp.push_back(double(*mx - *mn));
  }
  if (pp.empty()) return 0;
  std::sort(pp.begin(), pp.end());
  const std::size_t cut = pp.size() / 20;
  double sum = 0;
  for (std::size_t i = cut; i < pp.size() - cut; ++i) sum += pp[i];
  const double mean = sum / double(pp.size() - 2 * cut);
  return mean * mean / 8.0;
}

int bench_noise(const std::vector<std::string>& args) {
  double seconds = 300.0;
  std::uint64_t seed = 1;
  std::vector<std::string> records, kinds = {"bw", "ma", "em", "mix"};
  const std::vector<double> snrs = {24, 18, 12, 6, 0, -6};
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--seconds" && i + 1 < args.size()) seconds = std::stod(args[++i]);
    else if (args[i] == "--seed" && i + 1 < args.size()) seed = std::stoull(args[++i]);
    else if (args[i] == "--noise" && i + 1 < args.size()) kinds = split(args[++i], ',');
    else records.push_back(args[i]);
  }
  if (records.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::vector<std::vector<Score>> total(kinds.size(), std::vector<Score>(snrs.size()));
  Score clean;
  for (std::size_t r = 0; r < records.size(); ++r) {
    ecg::Record record = ecg::cli::read_record_at(records[r]);
    Reference ref = read_reference(records[r], "atr");
    const auto n = std::min<std::size_t>(record.n_samples, std::size_t(seconds * record.fs_hz));
    std::span<const float> x = record.lead(0).subspan(0, n);
    std::vector<std::int64_t> beats;
    for (auto b : outside(ref.beats, ref)) if (b < std::int64_t(n)) beats.push_back(b);
    const double s_power = signal_power(x, beats, record.fs_hz);
    const auto window = std::int64_t(std::lround(0.15 * record.fs_hz));
    auto score = [&](std::span<const float> y) {
      auto det = outside(ecg::dsp::detect_rpeaks(y, record.fs_hz, g_detector), ref);
      return match(beats, det, window);
    };
    auto add = [](Score& t, const Score& s) { t.tp += s.tp, t.fn += s.fn, t.fp += s.fp; };
    add(clean, score(x));
    for (std::size_t k = 0; k < kinds.size(); ++k) {
      const auto noise = make_noise(kinds[k], n, record.fs_hz, seed * 1000003ull + r * 101ull + k);
      for (std::size_t q = 0; q < snrs.size(); ++q) {
        const float gain = float(std::sqrt(s_power / std::pow(10.0, snrs[q] / 10.0)));
        std::vector<float> y(x.begin(), x.end());
        for (std::size_t i = 0; i < n; ++i) y[i] += gain * noise[i];
        add(total[k][q], score(y));
      }
    }
  }
  std::printf("Records: %zu, first %g s of the first lead each, seed %llu. Clean: Se %.2f %%, +P %.2f %% (%zu beats).\n\n", records.size(), seconds,
              static_cast<unsigned long long>(seed), clean.se(), clean.ppv(), clean.tp + clean.fn);
  std::printf("| noise | SNR (dB) | TP | FN | FP | Se (%%) | +P (%%) |\n|---|---|---|---|---|---|---|\n");
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    for (std::size_t q = 0; q < snrs.size(); ++q) {
      const auto& s = total[k][q];
      std::printf("| %s | %g | %zu | %zu | %zu | %.2f | %.2f |\n", kinds[k].c_str(), snrs[q], s.tp, s.fn, s.fp, s.se(), s.ppv());
    }
  }
  return 0;
}

// ---- speed: fused R-peak detection on one record ---------------------------------------------------

int bench_speed(const std::vector<std::string>& args) {
  int repeats = 50;
  std::vector<std::string> records;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--repeats" && i + 1 < args.size()) repeats = std::stoi(args[++i]);
    else records.push_back(args[i]);
  }
  for (const auto& arg : records) {
    ecg::Record record = ecg::cli::read_record_at(arg);
    std::size_t beats = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < repeats; ++i) beats += ecg::dsp::detect_rpeaks(record, g_detector).size();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / repeats;
    std::printf("%s: %zu leads x %zu samples at %g Hz: detect_rpeaks(Record) %.2f ms per call (%d calls, %zu beats per call)\n", record.name.c_str(),
                record.n_leads(), record.n_samples, record.fs_hz, ms, repeats, beats / std::size_t(std::max(1, repeats)));
  }
  return 0;
}

// Per-stage time of screen() (Findings::timings) and of reading the record from its bytes, the
// median over --repeats runs after one warm-up, with the shipped models; and the process's peak RSS.
// --tile N repeats the record's samples N times first (e.g. MIT-BIH 100, 30 min, x 48 = 24 h).
int bench_stages(const std::vector<std::string>& args) {
  int repeats = 20, tile = 1;
  std::vector<std::string> records;
  std::string dump;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--repeats" && i + 1 < args.size()) repeats = std::max(1, std::stoi(args[++i]));
    else if (args[i] == "--tile" && i + 1 < args.size()) tile = std::max(1, std::stoi(args[++i]));
    else if (args[i] == "--whole") ecg::dsp::streamed::set_streamed_min_s(std::numeric_limits<double>::infinity());
    else if (args[i] == "--dump" && i + 1 < args.size()) dump = args[++i];
    else records.push_back(args[i]);
  }
  ecg::screen::Screener screener;
  for (const auto& m : ecg::cli::default_model_files()) screener.add_model(ecg::cli::load_file(m).bytes);
  const char* order[] = {"read", "quality", "rpeaks", "delineation", "rules", "measurements", "preprocess", "model"};
  std::printf("| record | leads x samples | fs (Hz) |");
  for (const char* o : order) std::printf(" %s ms |", o);
  std::printf(" screen() ms | all but model ms |\n|---|---|---|");
  for (std::size_t k = 0; k < std::size(order) + 2; ++k) std::printf("---|");
  std::printf("\n");
  auto median = [](std::vector<double> v) { std::sort(v.begin(), v.end()); return v.empty() ? 0.0 : v[v.size() / 2]; };
  for (const auto& arg : records) {
    std::map<std::string, std::vector<double>> ms;
    ecg::Record record;
    for (int run = 0; run <= repeats; ++run) {
      const auto t0 = std::chrono::steady_clock::now();
      record = ecg::cli::read_record_at(arg);
      const double read_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (tile > 1) {
        ecg::Record long_record = record;
        long_record.samples_mv.clear();
        long_record.samples_mv.reserve(record.samples_mv.size() * static_cast<std::size_t>(tile));  // no growth copies
        for (std::size_t l = 0; l < record.n_leads(); ++l)
          for (int t = 0; t < tile; ++t) long_record.samples_mv.insert(long_record.samples_mv.end(), record.lead(l).begin(), record.lead(l).end());
        long_record.n_samples = record.n_samples * static_cast<std::size_t>(tile);
        record = std::move(long_record);
      }
      const auto t1 = std::chrono::steady_clock::now();
      ecg::screen::Findings f = screener.screen(record, {});
      const double total = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count();
      if (!dump.empty() && run == repeats) {
        ecg::screen::Findings quiet = f;
        quiet.timings.clear();
        std::ofstream(dump) << ecg::screen::to_json(quiet) << "\n";
      }
      if (run == 0 && repeats > 1) continue;  // warm-up
      ms["read"].push_back(read_ms);
      for (const auto& t : f.timings) ms[t.stage].push_back(t.ms);
      ms["screen"].push_back(total);
      double model = 0;
      for (const auto& t : f.timings) if (t.stage == "model") model += t.ms;
      ms["but_model"].push_back(total - model);
    }
    std::printf("| %s | %zu x %zu | %g |", record.name.c_str(), record.n_leads(), record.n_samples, record.fs_hz);
    for (const char* o : order) std::printf(" %.2f |", median(ms[o]));
    std::printf(" %.2f | %.2f |\n", median(ms["screen"]), median(ms["but_model"]));
  }
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("\nPeak RSS of this process: %.1f MiB (%d runs per record after one warm-up).\n", usage.ru_maxrss / 1024.0, repeats);
  return 0;
}

}  // namespace

int bench_quality(const std::vector<std::string>& args);  // tools/bench/quality_bench.cpp

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args.size() >= 2 && args[0] == "--detector") {
    if (args[1] == "classical") g_detector = ecg::dsp::QrsDetector::classical;
    else if (args[1] != "learned") { std::fprintf(stderr, "ecg-bench: --detector: got '%s', expected learned or classical\n", args[1].c_str()); return 2; }
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args.empty()) { std::fputs(kUsage, stderr); return 2; }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "rpeaks") return bench_rpeaks(args);
  if (command == "delineation") return bench_delineation(args);
  if (command == "rules") return bench_rules(args);
  if (command == "hr") return bench_hr(args);
  if (command == "cpsc2019") return bench_cpsc2019(args);
  if (command == "noise") return bench_noise(args);
  if (command == "speed") return bench_speed(args);
  if (command == "stages") return bench_stages(args);
  if (command == "quality") return bench_quality(args);
  if (command == "af") return bench_af(args);
  if (command == "merge") return bench_merge(args);
  if (command == "beats") return bench_beats(args);
  std::fprintf(stderr, "ecg-bench: unknown command '%s'\n%s", command.c_str(), kUsage);
  return 2;
}
