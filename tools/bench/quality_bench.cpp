// ecg-bench quality: the signal-quality gate measured (docs/quality.md).
//   quality cinc2017 --reference DIR/REFERENCE.csv [--half dev|test|all] [--features OUT.csv]
//       share of records flagged per CinC 2017 class (N, A, O, ~). The split is by record name:
//       dev = records whose FNV-1a hash of the name is even (thresholds were tuned there), test = odd.
//   quality noisy-copies --out DIR [--seed S] [--only wander|mains|white|none] <record>...
//       writes each record's clean copy (<name>.hea/.dat) and a noisy copy (<name>_noisy) to DIR:
//       baseline wander 0.3 Hz 0.5 mV (random phase per lead) + mains 50 Hz 0.1 mV + white Gaussian
//       noise sd 0.05 mV (tools/bench/quality.sh screens both and counts decisions that change). --only adds that one part alone (none: a control copy).
//   quality flat-noise [--seed S] [--sd MV] <record>...
//       sets the first lead to zero plus white noise of sd MV (default 0.05) and prints whether the
//       gate still calls it unusable.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <numbers>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cli/files.h"
#include "ecg/error.h"
#include "ecg/io.h"
#include "ecg/quality.h"

namespace fs = std::filesystem;

namespace {

std::uint32_t fnv1a(const std::string& s) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

bool flagged(const ecg::dsp::RecordQuality& q) {
  if (!q.reasons.empty()) return true;
  for (const auto& l : q.leads) if (!l.usable) return true;
  return false;
}

int cinc2017(const std::vector<std::string>& args) {
  std::string reference, half = "dev", features;
  ecg::dsp::QualityThresholds thresholds;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--reference" && i + 1 < args.size()) reference = args[++i];
    else if (args[i] == "--half" && i + 1 < args.size()) half = args[++i];
    else if (args[i] == "--features" && i + 1 < args.size()) features = args[++i];
    else if (args[i] == "--window-s" && i + 1 < args.size()) thresholds.window_s = std::stod(args[++i]);
    else {
      std::fprintf(stderr, "ecg-bench quality cinc2017: unexpected argument '%s'\n", args[i].c_str());
      return 2;
    }
  }
  if (reference.empty() || (half != "dev" && half != "test" && half != "all")) {
    std::fprintf(stderr, "usage: ecg-bench quality cinc2017 --reference DIR/REFERENCE.csv [--half dev|test|all] [--features OUT.csv]\n");
    return 2;
  }
  std::ifstream in(reference);
  if (!in) {
    std::fprintf(stderr, "ecg-bench: cannot open %s\n", reference.c_str());
    return 1;
  }
  const fs::path dir = fs::path(reference).parent_path();
  std::ofstream feat;
  if (!features.empty()) {
    feat.open(features);
    feat << "record,label,flagged,window,kurtosis,agreement,similarity,hf_ratio,artefact_ratio,wander_ratio,range_mv,beats,usable\n";
  }
  std::map<std::string, std::pair<std::size_t, std::size_t>> counts;  // label -> (flagged, n)
  std::map<std::string, std::map<std::string, std::size_t>> why;      // label -> reason kind -> records
  std::string line;
  while (std::getline(in, line)) {
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    const std::string name = line.substr(0, comma);
    std::string label = line.substr(comma + 1);
    while (!label.empty() && (label.back() == '\r' || label.back() == ' ')) label.pop_back();
    const bool even = fnv1a(name) % 2 == 0;
    if ((half == "dev" && !even) || (half == "test" && even)) continue;
    ecg::Record r;
    try {
      r = ecg::cli::read_record_at((dir / (name + ".hea")).string());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", name.c_str(), e.what());
      continue;
    }
    const ecg::dsp::RecordQuality q = ecg::dsp::assess_quality(r, thresholds);
    const bool f = flagged(q);
    auto& c = counts[label];
    c.first += f, c.second += 1;
    std::string first = !q.reasons.empty() ? q.reasons[0] : (!q.leads.empty() && !q.leads[0].reasons.empty() ? q.leads[0].reasons[0] : "");
    if (f) ++why[label][first.substr(0, first.find_first_of(":("))];
    if (feat) {
      std::size_t k = 0;
      for (const auto& w : q.leads[0].windows) {
        feat << name << ',' << label << ',' << f << ',' << k++ << ',' << w.kurtosis << ',' << w.agreement << ',' << w.similarity << ',' << w.hf_ratio << ',' << w.artefact_ratio << ','
             << w.wander_ratio << ',' << w.range_mv << ',' << w.beats << ',' << w.usable << '\n';
      }
    }
  }
  std::printf("CinC 2017, %s half (records whose FNV-1a name hash is %s): records flagged by the quality gate\n\n", half.c_str(),
              half == "dev" ? "even" : half == "test" ? "odd" : "even or odd");
  std::printf("| class | records | flagged | share |\n|---|---:|---:|---:|\n");
  for (const auto& [label, c] : counts) {
    std::printf("| %s | %zu | %zu | %.1f %% |\n", label.c_str(), c.second, c.first, c.second ? 100.0 * static_cast<double>(c.first) / static_cast<double>(c.second) : 0.0);
  }
  std::printf("\nFirst reason of flagged records, per class:\n\n");
  for (const auto& [label, kinds] : why) {
    std::printf("- %s:", label.c_str());
    for (const auto& [kind, n] : kinds) std::printf(" %s %zu;", kind.c_str(), n);
    std::printf("\n");
  }
  return 0;
}

// Which parts of the noise recipe are added (--only keeps one: the same random draws either way, so
// the parts of a full copy and of a one-part copy are the same signals).
struct NoiseParts {
  double wander = 1, mains = 1, white = 1;
};

void add_noise(ecg::Record& r, std::mt19937& rng, const NoiseParts& parts) {
  std::uniform_real_distribution<double> phase(0.0, 2.0 * std::numbers::pi);
  std::normal_distribution<double> white(0.0, 0.05);
  for (std::size_t k = 0; k < r.n_leads(); ++k) {
    const double p1 = phase(rng), p2 = phase(rng);
    auto x = r.lead(k);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double t = static_cast<double>(i) / r.fs_hz;
      const double w = white(rng);
      x[i] += static_cast<float>(parts.wander * 0.5 * std::sin(2 * std::numbers::pi * 0.3 * t + p1) +
                                 parts.mains * 0.1 * std::sin(2 * std::numbers::pi * 50.0 * t + p2) + parts.white * w);
    }
  }
}

void write_files(const std::vector<ecg::io::WrittenFile>& files, const fs::path& dir) {
  for (const auto& f : files) {
    std::ofstream out(dir / f.name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(f.bytes.data()), static_cast<std::streamsize>(f.bytes.size()));
  }
}

int noisy_copies(const std::vector<std::string>& args) {
  std::string out;
  unsigned seed = 1;
  NoiseParts parts;
  std::vector<std::string> records;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--out" && i + 1 < args.size()) out = args[++i];
    else if (args[i] == "--seed" && i + 1 < args.size()) seed = static_cast<unsigned>(std::stoul(args[++i]));
    else if (args[i] == "--only" && i + 1 < args.size()) {
      const std::string part = args[++i];
      if (part != "wander" && part != "mains" && part != "white" && part != "none") {
        std::fprintf(stderr, "ecg-bench quality noisy-copies: --only expects wander, mains, white or none, found '%s'\n", part.c_str());
        return 2;
      }
      parts = {part == "wander" ? 1.0 : 0.0, part == "mains" ? 1.0 : 0.0, part == "white" ? 1.0 : 0.0};
    } else records.push_back(args[i]);
  }
  if (out.empty() || records.empty()) {
    std::fprintf(stderr, "usage: ecg-bench quality noisy-copies --out DIR [--seed S] [--only wander|mains|white|none] <record>...\n");
    return 2;
  }
  fs::create_directories(out);
  std::mt19937 rng(seed);
  for (const std::string& arg : records) {
    ecg::Record r = ecg::cli::read_record_at(arg);
    write_files(ecg::io::write_wfdb(r, r.name), out);
    add_noise(r, rng, parts);
    write_files(ecg::io::write_wfdb(r, r.name + "_noisy"), out);
    std::printf("%s\n", r.name.c_str());
  }
  return 0;
}

int flat_noise(const std::vector<std::string>& args) {
  unsigned seed = 1;
  double sd = 0.05;
  std::vector<std::string> records;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--seed" && i + 1 < args.size()) seed = static_cast<unsigned>(std::stoul(args[++i]));
    else if (args[i] == "--sd" && i + 1 < args.size()) sd = std::stod(args[++i]);
    else records.push_back(args[i]);
  }
  std::mt19937 rng(seed);
  std::size_t still = 0;
  for (const std::string& arg : records) {
    ecg::Record r = ecg::cli::read_record_at(arg);
    std::normal_distribution<double> white(0.0, sd);
    for (float& v : r.lead(0)) v = static_cast<float>(white(rng));
    const auto q = ecg::dsp::assess_lead(r.lead(0), r.fs_hz, r.leads[0]);
    still += !q.usable;
    std::printf("%s lead %s: %s%s\n", r.name.c_str(), r.leads[0].c_str(), q.usable ? "usable (MISSED)" : "unusable: ", q.usable ? "" : q.reasons[0].c_str());
  }
  std::printf("flat lead + white noise sd %.3g mV (seed %u): %zu of %zu still unusable\n", sd, seed, still, records.size());
  return still == records.size() ? 0 : 1;
}

}  // namespace

int bench_quality(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::fprintf(stderr, "usage: ecg-bench quality cinc2017|noisy-copies|flat-noise ...\n");
    return 2;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    if (args[0] == "cinc2017") return cinc2017(rest);
    if (args[0] == "noisy-copies") return noisy_copies(rest);
    if (args[0] == "flat-noise") return flat_noise(rest);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ecg-bench quality: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "ecg-bench quality: unknown mode '%s' (cinc2017, noisy-copies, flat-noise)\n", args[0].c_str());
  return 2;
}
