// PAC and PVC findings from the beat classes (ecg/beats.h): counts, rate, runs, bigeminy/trigeminy.
#include <algorithm>
#include <cstdio>

#include "ecg/beats.h"

namespace ecg::beats {
namespace {

// Ectopic beats (of the class) in stretches where the pattern "normal x (period-1), ectopic"
// repeats at least 3 times in a row (bigeminy: period 2; trigeminy: period 3).
std::size_t patterned(const std::vector<bool>& ectopic, std::size_t period) {
  std::size_t total = 0, i = 0;
  const std::size_t n = ectopic.size();
  auto cycle_at = [&](std::size_t at) {
    if (at + period > n) return false;
    for (std::size_t k = 0; k + 1 < period; ++k) if (ectopic[at + k]) return false;
    return static_cast<bool>(ectopic[at + period - 1]);
  };
  while (i < n) {
    std::size_t cycles = 0;
    while (cycle_at(i + cycles * period)) ++cycles;
    if (cycles >= 3) {
      total += cycles;
      i += cycles * period;
    } else {
      ++i;
    }
  }
  return total;
}

}  // namespace

EctopySummary summarize(std::span<const ClassifiedBeat> beats, BeatClass cls, double fs_hz, double duration_s) {
  EctopySummary s;
  s.cls = cls;
  s.beats = beats.size();
  std::vector<bool> ectopic;
  std::size_t run = 0;
  auto close_run = [&] {
    if (run == 2) ++s.couplets;
    if (run >= 3) ++s.runs;
    s.longest_run = std::max(s.longest_run, run);
    run = 0;
  };
  for (const ClassifiedBeat& b : beats) {
    const bool e = b.cls == cls;
    ectopic.push_back(e);
    if (e) {
      ++s.count, ++run;
      if (fs_hz > 0) s.times_s.push_back(static_cast<double>(b.sample) / fs_hz);
    } else {
      close_run();
    }
  }
  close_run();
  s.per_minute = duration_s > 0 ? static_cast<double>(s.count) * 60.0 / duration_s : 0.0;
  s.bigeminy_beats = patterned(ectopic, 2);
  s.trigeminy_beats = patterned(ectopic, 3);
  return s;
}

std::vector<rules::RuleResult> ectopy_rules(std::span<const ClassifiedBeat> beats, double fs_hz, double duration_s) {
  std::size_t classified = 0;
  for (const ClassifiedBeat& b : beats) classified += b.cls != BeatClass::Q;
  std::vector<rules::RuleResult> out;
  struct Spec {
    const char* id;
    const char* snomed;
    const char* name;
    BeatClass cls;
    const char* beat_name;
  };
  const Spec specs[] = {{"PAC", "284470004", "premature atrial contraction", BeatClass::S, "supraventricular ectopic (S)"},
                        {"PVC", "427172004", "premature ventricular contractions", BeatClass::V, "ventricular ectopic (V)"}};
  for (const Spec& spec : specs) {
    rules::RuleResult r;
    r.id = spec.id;
    r.snomed = spec.snomed;
    r.name = spec.name;
    char criterion[256];
    std::snprintf(criterion, sizeof criterion, ">= %zu %s beat(s) and >= %.1f %% of the classified beats (AAMI classes from ecg::beats; >= %zu classified beats to assess)",
                  kMinEctopicBeats, spec.beat_name, 100.0 * kMinEctopicShare, kMinBeatsAssessable);
    r.criterion = criterion;
    if (classified < kMinBeatsAssessable) {
      r.decision = rules::Decision::not_assessable;
      r.note = "only " + std::to_string(classified) + " beats could be classified (need " + std::to_string(kMinBeatsAssessable) + ")";
      out.push_back(std::move(r));
      continue;
    }
    const EctopySummary s = summarize(beats, spec.cls, fs_hz, duration_s);
    const double share = static_cast<double>(s.count) / static_cast<double>(classified);
    r.decision = s.count >= kMinEctopicBeats && share >= kMinEctopicShare ? rules::Decision::positive : rules::Decision::negative;
    r.evidence.push_back({"ectopic_beats", static_cast<double>(s.count), "beats", ""});
    r.evidence.push_back({"classified_beats", static_cast<double>(classified), "beats", ""});
    r.evidence.push_back({"ectopic_share", share, "share", ""});
    r.evidence.push_back({"ectopic_per_minute", s.per_minute, "per min", ""});
    r.evidence.push_back({"couplets", static_cast<double>(s.couplets), "count", ""});
    r.evidence.push_back({"runs_of_3_or_more", static_cast<double>(s.runs), "count", ""});
    r.evidence.push_back({"longest_run", static_cast<double>(s.longest_run), "beats", ""});
    r.evidence.push_back({"bigeminy_beats", static_cast<double>(s.bigeminy_beats), "beats", ""});
    r.evidence.push_back({"trigeminy_beats", static_cast<double>(s.trigeminy_beats), "beats", ""});
    for (std::size_t k = 0; k < s.times_s.size() && k < 10; ++k) r.evidence.push_back({"ectopic_time", s.times_s[k], "s", ""});
    if (s.times_s.size() > 10) r.note = "first 10 of " + std::to_string(s.times_s.size()) + " ectopic beat times listed; every beat's class is in findings.beats";
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace ecg::beats
