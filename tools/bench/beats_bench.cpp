// ecg-bench beats: beat classes (ecg::beats) against MIT-format beat annotations (EC57 scoring of S
// and V on detected beats), and the PAC / PVC decisions against SNOMED labels beside the model's.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <array>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bench_text.h"
#include "cli/files.h"
#include "ecg/annotations.h"
#include "ecg/beats.h"
#include "ecg/dsp.h"
#include "ecg/error.h"
#include "ecg/screen.h"

namespace {

using ecg::beats::BeatClass;

// MIT symbol -> AAMI class (EC57 / de Chazal 2004): N L R e j (and B, bundle-branch beat
// unspecified) -> N; A a J S (and n, supraventricular escape) -> S; V E (and r, R-on-T) -> V; F -> F;
// / f Q (and ?) -> Q. Other codes are not beats.
std::optional<BeatClass> aami(const std::string& s) {
  if (s == "N" || s == "L" || s == "R" || s == "e" || s == "j" || s == "B") return BeatClass::N;
  if (s == "A" || s == "a" || s == "J" || s == "S" || s == "n") return BeatClass::S;
  if (s == "V" || s == "E" || s == "r") return BeatClass::V;
  if (s == "F") return BeatClass::F;
  if (s == "/" || s == "f" || s == "Q" || s == "?") return BeatClass::Q;
  return std::nullopt;
}

std::size_t idx(BeatClass c) { return static_cast<std::size_t>(c); }

struct RefBeat {
  std::int64_t sample;
  BeatClass cls;
};

std::string strip_hea(std::string base) {
  if (base.size() > 4 && base.substr(base.size() - 4) == ".hea") base.resize(base.size() - 4);
  return base;
}

// Reference beats outside ventricular flutter episodes ('[' .. ']', which are not scored), and the
// excluded ranges.
std::vector<RefBeat> read_ref(const std::string& path, std::vector<std::pair<std::int64_t, std::int64_t>>& excluded) {
  ecg::cli::LoadedFile f = ecg::cli::load_file(path);
  auto set = ecg::io::read_wfdb_annotations({f.name, f.bytes});
  std::vector<RefBeat> out;
  std::int64_t open = -1;
  for (const auto& a : set.annotations) {
    if (auto c = aami(a.symbol)) out.push_back({a.sample, *c});
    else if (a.symbol == "[") open = a.sample;
    else if (a.symbol == "]" && open >= 0) excluded.emplace_back(open, a.sample), open = -1;
  }
  if (open >= 0) excluded.emplace_back(open, INT64_MAX);
  auto in = [&](std::int64_t t) { return std::any_of(excluded.begin(), excluded.end(), [&](auto& e) { return t >= e.first && t <= e.second; }); };
  out.erase(std::remove_if(out.begin(), out.end(), [&](const RefBeat& b) { return in(b.sample); }), out.end());
  return out;
}

// One-to-one matching in time order: each reference takes the nearest unused detection within the
// window. Returns, per reference, the matched detection index or -1.
std::vector<long> match(const std::vector<RefBeat>& ref, const std::vector<std::int64_t>& det, std::int64_t window) {
  std::vector<long> out(ref.size(), -1);
  std::vector<bool> used(det.size(), false);
  std::size_t j = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const std::int64_t r = ref[i].sample;
    while (j < det.size() && det[j] < r - window) ++j;
    std::size_t best = det.size();
    for (std::size_t k = j; k < det.size() && det[k] <= r + window; ++k) {
      if (!used[k] && (best == det.size() || std::llabs(det[k] - r) < std::llabs(det[best] - r))) best = k;
    }
    if (best < det.size()) used[best] = true, out[i] = static_cast<long>(best);
  }
  return out;
}

// Confusion: rows reference N S V F Q and 5 = "no reference beat" (extra detection); columns the
// classes given and 5 = "not detected".
struct Confusion {
  std::size_t m[6][6] = {};
  void add(const Confusion& o) {
    for (int a = 0; a < 6; ++a) for (int b = 0; b < 6; ++b) m[a][b] += o.m[a][b];
  }
  std::size_t ref(std::size_t c) const {
    std::size_t s = 0;
    for (int b = 0; b < 6; ++b) s += m[c][b];
    return s;
  }
  std::size_t called(std::size_t c) const {
    std::size_t s = 0;
    for (int a = 0; a < 6; ++a) s += m[a][c];
    return s;
  }
  // Se: of the reference beats of the class (missed ones included); +P: of the detections called that
  // class (extra detections included).
  double se(BeatClass c) const { return ref(idx(c)) ? 100.0 * static_cast<double>(m[idx(c)][idx(c)]) / static_cast<double>(ref(idx(c))) : std::nan(""); }
  double ppv(BeatClass c) const { return called(idx(c)) ? 100.0 * static_cast<double>(m[idx(c)][idx(c)]) / static_cast<double>(called(idx(c))) : std::nan(""); }
};

std::size_t pick_lead(const ecg::Record& record, const std::string& lead) {
  if (lead.empty()) return 0;
  for (const std::string& name : {lead, std::string(lead == "MLII" ? "II" : "")}) {
    if (name.empty()) continue;
    if (auto i = record.lead_index(name)) return *i;
    for (std::size_t k = 0; k < record.lead_info.size(); ++k) if (record.lead_info[k].label == name) return k;
  }
  if (std::all_of(lead.begin(), lead.end(), ::isdigit)) {
    const auto i = std::stoul(lead);
    if (i < record.n_leads()) return i;
  }
  throw ecg::Error("record '" + record.name + "' has no lead '" + lead + "'");
}

void print_confusion(const Confusion& c) {
  const char* names[] = {"N", "S", "V", "F", "Q", "none"};
  std::printf("| reference \\ called | n | s | v | f | q | not detected |\n|---|---|---|---|---|---|---|\n");
  for (int a = 0; a < 6; ++a) {
    std::printf("| %s%s |", names[a], a == 5 ? " (extra detection)" : "");
    for (int b = 0; b < 6; ++b) {
      if (a == 5 && b == 5) std::printf(" |");
      else std::printf(" %zu |", c.m[a][b]);
    }
    std::printf("\n");
  }
}

int bench_mit(const std::vector<std::string>& args) {
  std::string lead = "MLII", ext = "atr", dump;
  double window_ms = 150.0;
  std::vector<std::string> records;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--lead" && i + 1 < args.size()) lead = args[++i];
    else if (args[i] == "--ann" && i + 1 < args.size()) ext = args[++i];
    else if (args[i] == "--dump" && i + 1 < args.size()) dump = args[++i];
    else if (args[i] == "--window-ms" && i + 1 < args.size()) window_ms = std::stod(args[++i]);
    else records.push_back(args[i]);
  }
  std::FILE* out = dump.empty() ? nullptr : std::fopen(dump.c_str(), "w");
  if (!dump.empty() && !out) throw ecg::Error("ecg-bench beats: cannot write '" + dump + "'");
  if (out) {
    std::fprintf(out, "record,sample,ref,called,rr_pre_ratio,rr_post_ratio,rr_pre_over_prev,local_rr_ms,rr_irregularity,rr_pre_ms,rr_post_ms,average_rr_ms,sinus_rr_ms,qrs_corr,width_ratio,width_ms,amp_ratio,residual,pre_corr,p_wave,median_qrs_corr,median_log_width,median_log_amp,median_residual,median_pre_corr\n");
  }
  std::printf("| record | lead | fs (Hz) | ref N | ref S | ref V | ref F | ref Q | missed | extra | S Se (%%) | S +P (%%) | V Se (%%) | V +P (%%) |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  Confusion total;
  int status = 0;
  for (const auto& arg : records) {
    try {
      ecg::Record record = ecg::cli::read_record_at(arg);
      const std::size_t li = pick_lead(record, lead);
      std::vector<std::pair<std::int64_t, std::int64_t>> excluded;
      auto ref = read_ref(strip_hea(arg) + "." + ext, excluded);
      auto peaks = ecg::dsp::detect_rpeaks(record.lead(li), record.fs_hz);
      auto delineated = ecg::dsp::delineate(record.lead(li), record.fs_hz, peaks);
      auto classes = ecg::beats::classify_beats(record.lead(li), record.fs_hz, peaks, delineated);
      // Detections inside excluded ranges are not scored (classified with their context, then dropped).
      std::vector<std::int64_t> det;
      std::vector<const ecg::beats::ClassifiedBeat*> det_beats;
      for (const auto& b : classes) {
        if (std::any_of(excluded.begin(), excluded.end(), [&](auto& e) { return b.sample >= e.first && b.sample <= e.second; })) continue;
        det.push_back(b.sample), det_beats.push_back(&b);
      }
      auto m = match(ref, det, std::llround(window_ms * 1e-3 * record.fs_hz));
      Confusion c;
      std::vector<bool> matched(det.size(), false);
      for (std::size_t i = 0; i < ref.size(); ++i) {
        if (m[i] < 0) {
          ++c.m[idx(ref[i].cls)][5];
          continue;
        }
        matched[static_cast<std::size_t>(m[i])] = true;
        const auto& b = *det_beats[static_cast<std::size_t>(m[i])];
        ++c.m[idx(ref[i].cls)][idx(b.cls)];
        if (out) {
          const auto& e = b.evidence;
          std::fprintf(out, "%s,%lld,%s,%s,%.5f,%.5f,%.5f,%.2f,%.5f,%.2f,%.2f,%.2f,%.2f,%.5f,%.5f,%.2f,%.5f,%.5f,%.5f,%d,%.5f,%.5f,%.5f,%.5f,%.5f\n", record.name.c_str(), static_cast<long long>(b.sample),
                       std::string(ecg::beats::to_string(ref[i].cls)).c_str(), std::string(ecg::beats::to_string(b.cls)).c_str(), e.rr_pre_ratio,
                       e.rr_post_ratio, e.rr_pre_over_prev, e.local_rr_ms, e.rr_irregularity, e.rr_pre_ms, e.rr_post_ms, e.average_rr_ms, e.sinus_rr_ms, e.qrs_corr, e.width_ratio, e.width_ms, e.amp_ratio, e.residual, e.pre_corr, e.p_wave ? 1 : 0,
                       e.median_qrs_corr, e.median_log_width, e.median_log_amp, e.median_residual, e.median_pre_corr);
        }
      }
      for (std::size_t k = 0; k < det.size(); ++k) if (!matched[k]) ++c.m[5][idx(det_beats[k]->cls)];
      total.add(c);
      std::printf("| %s | %s | %g | %zu | %zu | %zu | %zu | %zu | %zu | %zu | %.1f | %.1f | %.1f | %.1f |\n", record.name.c_str(),
                  record.leads[li].c_str(), record.fs_hz, c.ref(0), c.ref(1), c.ref(2), c.ref(3), c.ref(4), c.called(5), c.ref(5),
                  c.se(BeatClass::S), c.ppv(BeatClass::S), c.se(BeatClass::V), c.ppv(BeatClass::V));
      std::fflush(stdout);
    } catch (const ecg::Error& e) {
      std::fprintf(stderr, "ecg-bench: %s: %s\n", arg.c_str(), e.what());
      status = 1;
    }
  }
  if (out) std::fclose(out);
  std::printf("| **gross** | | | %zu | %zu | %zu | %zu | %zu | %zu | %zu | **%.1f** | **%.1f** | **%.1f** | **%.1f** |\n", total.ref(0), total.ref(1),
              total.ref(2), total.ref(3), total.ref(4), total.called(5), total.ref(5), total.se(BeatClass::S), total.ppv(BeatClass::S),
              total.se(BeatClass::V), total.ppv(BeatClass::V));
  std::printf("\nGross confusion (rows: reference AAMI class; columns: class called for the matched detected beat):\n\n");
  print_confusion(total);
  std::printf("\nbeats-gross S_se=%.2f S_ppv=%.2f V_se=%.2f V_ppv=%.2f\n", total.se(BeatClass::S), total.ppv(BeatClass::S), total.se(BeatClass::V),
              total.ppv(BeatClass::V));
  return status;
}

// ---- PAC / PVC decisions against SNOMED labels, beside the model -----------------------------------

using ecg::bench::split;

struct Counts {
  std::size_t tp = 0, fp = 0, tn = 0, fn = 0, na = 0;
  void add(bool label, std::optional<bool> decision) {
    if (!decision) ++na;
    else if (*decision) (label ? tp : fp)++;
    else (label ? fn : tn)++;
  }
};

std::string pct(std::size_t a, std::size_t b) {
  if (!b) return "–";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", 100.0 * static_cast<double>(a) / static_cast<double>(b));
  return buf;
}

int bench_labels(const std::vector<std::string>& args) {
  std::string labels_path;
  bool with_model = true;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--labels" && i + 1 < args.size()) labels_path = args[++i];
    else if (args[i] == "--no-model") with_model = false;
  }
  std::ifstream in(labels_path);
  if (!in) {
    std::fprintf(stderr, "ecg-bench beats: cannot open the label list '%s' (make it with tools/bench/rules_labels.py)\n", labels_path.c_str());
    return 2;
  }
  ecg::screen::Screener screener;
  if (with_model) {
    for (const auto& path : ecg::cli::default_model_files()) {
      auto f = ecg::cli::load_file(path);
      screener.add_model(f.bytes);
    }
  }
  struct Target {
    const char* id;
    const char* snomed;
    std::vector<std::string> codes;
  };
  const Target targets[] = {{"PAC", "284470004", {"284470004", "63593006"}}, {"PVC", "427172004", {"427172004", "17338001"}}};
  // dataset -> per target: rule counts, model counts, merged decision counts
  std::map<std::string, std::array<std::array<Counts, 3>, 2>> by_dataset;
  std::array<std::array<Counts, 3>, 2> all{};
  std::vector<std::string> positives;
  struct SweepRow {
    std::string dataset;
    std::size_t target;
    bool label;
    std::size_t ectopic, classified;
  };
  std::vector<SweepRow> sweep;
  std::string line;
  std::getline(in, line);
  std::size_t n = 0, unreadable = 0;
  while (std::getline(in, line)) {
    auto f = split(line, ',');
    if (f.size() < 4) continue;
    ecg::Record record;
    try {
      record = ecg::cli::read_record_at(f[0]);
    } catch (const ecg::Error& e) {
      ++unreadable;
      continue;
    }
    ++n;
    const auto codes = split(f[3], ';');
    ecg::screen::Patient patient;
    ecg::screen::Findings findings = with_model ? screener.screen(record, patient) : ecg::screen::screen(record, patient);
    auto& d = by_dataset[f[1]];
    for (std::size_t k = 0; k < 2; ++k) {
      const Target& t = targets[k];
      const bool label = std::any_of(codes.begin(), codes.end(), [&](const std::string& c) { return std::find(t.codes.begin(), t.codes.end(), c) != t.codes.end(); });
      const auto* rule = findings.rules.find(t.id);
      std::optional<bool> rule_decision;
      if (rule && rule->decision != ecg::rules::Decision::not_assessable) rule_decision = rule->decision == ecg::rules::Decision::positive;
      auto cls = std::find_if(findings.classes.begin(), findings.classes.end(), [&](const auto& c) { return c.snomed == t.snomed; });
      std::optional<bool> model_decision, merged;
      if (cls != findings.classes.end()) {
        if (cls->probability) model_decision = cls->model_positive;
        merged = cls->decision;
      }
      for (auto* dst : {&d, &all}) {
        (*dst)[k][0].add(label, rule_decision);
        (*dst)[k][1].add(label, model_decision);
        (*dst)[k][2].add(label, merged);
      }
      {
        std::size_t ectopic = 0, classified = 0;
        for (const auto& b : findings.beats) {
          ectopic += (k == 0 ? b.cls == BeatClass::S : b.cls == BeatClass::V);
          classified += b.cls != BeatClass::Q;
        }
        sweep.push_back({f[1], k, label, ectopic, classified});
      }
      if (label) {
        std::size_t count = 0;
        for (const auto& b : findings.beats) count += (k == 0 ? b.cls == BeatClass::S : b.cls == BeatClass::V);
        char buf[256];
        std::snprintf(buf, sizeof buf, "| %s | %s | %s | %zu of %zu | %s | %s |", t.id, f[1].c_str(), record.name.c_str(), count, findings.beats.size(),
                      !rule_decision ? "not assessable" : *rule_decision ? "yes" : "no",
                      !model_decision ? "–" : *model_decision ? "yes" : "no");
        positives.push_back(buf);
      }
    }
  }
  std::printf("Records evaluated: %zu; unreadable: %zu\n", n, unreadable);
  auto table = [&](const std::string& title, const std::array<std::array<Counts, 3>, 2>& m) {
    std::printf("\n### %s\n\n| class | decided by | TP | FP | TN | FN | not assessable | Se (%%) | Sp (%%) |\n|---|---|---|---|---|---|---|---|---|\n",
                title.c_str());
    const char* who[] = {"beat rule", "model alone", "merged (rule decides when assessable)"};
    for (std::size_t k = 0; k < 2; ++k) {
      for (std::size_t w = 0; w < 3; ++w) {
        if (w > 0 && !with_model) continue;
        const Counts& c = m[k][w];
        std::printf("| %s | %s | %zu | %zu | %zu | %zu | %zu | %s | %s |\n", targets[k].id, who[w], c.tp, c.fp, c.tn, c.fn, c.na, pct(c.tp, c.tp + c.fn).c_str(),
                    pct(c.tn, c.tn + c.fp).c_str());
      }
    }
  };
  table("All datasets", all);
  for (const auto& [name, m] : by_dataset) table(name, m);
  // The decision threshold (minimum ectopic beats in the record) swept, per dataset and over all.
  std::printf("\n### Beat rule at other thresholds (positive when >= k beats of the class; >= %zu classified beats to assess)\n\n"
              "| class | k | dataset | TP | FP | TN | FN | Se (%%) | Sp (%%) |\n|---|---|---|---|---|---|---|---|---|\n", ecg::beats::kMinBeatsAssessable);
  std::vector<std::string> datasets = {"all"};
  for (const auto& [name, m] : by_dataset) datasets.push_back(name);
  for (std::size_t k = 0; k < 2; ++k) {
    for (std::size_t thr : {1, 2, 3, 5}) {
      for (const std::string& ds : datasets) {
        Counts c;
        for (const SweepRow& r : sweep) {
          if (r.target != k || (ds != "all" && r.dataset != ds)) continue;
          c.add(r.label, r.classified < ecg::beats::kMinBeatsAssessable ? std::nullopt : std::optional<bool>(r.ectopic >= thr));
        }
        std::printf("| %s | %zu | %s | %zu | %zu | %zu | %zu | %s | %s |\n", targets[k].id, thr, ds.c_str(), c.tp, c.fp, c.tn, c.fn,
                    pct(c.tp, c.tp + c.fn).c_str(), pct(c.tn, c.tn + c.fp).c_str());
      }
    }
  }
  std::printf("\n### Label-positive records: ectopic beats found\n\n| class | dataset | record | S (PAC) or V (PVC) beats found | beat rule | model |\n|---|---|---|---|---|---|\n");
  for (const auto& p : positives) std::printf("%s\n", p.c_str());
  return 0;
}

}  // namespace

// `ecg-bench beats ...` (dispatched from tools/bench/ecg_bench.cpp).
int bench_beats(const std::vector<std::string>& args) {
  try {
    if (std::find(args.begin(), args.end(), "--labels") != args.end()) return bench_labels(args);
    if (args.empty()) {
      std::fputs("usage: ecg-bench beats [--lead MLII] [--ann atr] [--dump features.csv] <record>...\n"
                 "       ecg-bench beats --labels LIST.csv [--no-model]\n", stderr);
      return 2;
    }
    return bench_mit(args);
  } catch (const ecg::Error& e) {
    std::fprintf(stderr, "ecg-bench beats: %s\n", e.what());
    return 1;
  }
}
