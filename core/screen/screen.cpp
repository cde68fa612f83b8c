// The screening pipeline: Record -> R-peaks and heart rate -> Findings. Models and rules plug in here.
#include <chrono>

#include <nlohmann/json.hpp>

#include "ecg/dsp.h"
#include "ecg/error.h"
#include "ecg/screen.h"

namespace ecg::screen {
namespace {

class StageClock {
 public:
  explicit StageClock(std::vector<StageTiming>& out) : out_(out) {}
  void lap(std::string stage) {
    auto now = std::chrono::steady_clock::now();
    out_.push_back({std::move(stage), std::chrono::duration<double, std::milli>(now - last_).count()});
    last_ = now;
  }

 private:
  std::vector<StageTiming>& out_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace

Findings screen(const Record& record, const Patient& patient) {
  if (record.n_leads() == 0 || record.n_samples == 0) {
    throw Error("record '" + record.name + "': expected at least one lead with samples, found none");
  }
  Findings f;
  StageClock clock(f.timings);
  f.record = record.name;
  f.fs_hz = record.fs_hz;
  f.duration_s = record.duration_s();
  f.leads = record.leads;
  f.age_years = patient.age_years ? patient.age_years : record.age_years;
  f.sex = patient.sex != Sex::unknown ? patient.sex : record.sex;
  f.warnings = record.warnings;
  f.rpeaks = dsp::detect_rpeaks(record);
  f.heart_rate_bpm = dsp::heart_rate_bpm(f.rpeaks, record.fs_hz);
  if (!f.heart_rate_bpm) f.warnings.push_back("fewer than two heartbeats found: heart rate not assessable");
  clock.lap("rpeaks");
  const std::vector<dsp::Beat> beats = dsp::delineate(record, f.rpeaks);
  clock.lap("delineation");
  f.rules = rules::evaluate(record, f.sex, f.rpeaks, beats);
  f.quality = f.rules.quality;
  clock.lap("rules");
  return f;
}

std::string to_json(const Findings& f) {
  nlohmann::json j;
  j["record"] = f.record;
  j["fs_hz"] = f.fs_hz;
  j["duration_s"] = f.duration_s;
  j["leads"] = f.leads;
  j["rpeaks"] = f.rpeaks;
  j["heart_rate_bpm"] = f.heart_rate_bpm ? nlohmann::json(*f.heart_rate_bpm) : nlohmann::json(nullptr);
  j["age"] = f.age_years ? nlohmann::json(*f.age_years) : nlohmann::json(nullptr);
  j["sex"] = to_string(f.sex);
  j["warnings"] = f.warnings;
  j["quality"] = f.quality;
  j["rules"] = nlohmann::json::parse(rules::to_json(f.rules));
  nlohmann::json timings = nlohmann::json::object();
  for (const auto& t : f.timings) timings[t.stage + "_ms"] = t.ms;
  j["timings"] = timings;
  j["disclaimer"] = "Screening aid only, not a diagnosis: a clinician must review the ECG.";
  return j.dump();
}

Patient patient_from_json(const std::string& json) {
  Patient p;
  if (json.empty()) return p;
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw Error("patient: expected a JSON object like {\"age\": 56, \"sex\": \"female\"}, found '" + json + "'");
  if (j.contains("age") && !j["age"].is_null()) {
    if (!j["age"].is_number() || j["age"].get<double>() < 0 || j["age"].get<double>() > 150) {
      throw Error("patient age: expected a number of years between 0 and 150, found " + j["age"].dump());
    }
    p.age_years = j["age"].get<double>();
  }
  if (j.contains("sex") && !j["sex"].is_null()) {
    const std::string sex = j["sex"].is_string() ? j["sex"].get<std::string>() : "";
    if (sex == "female") p.sex = Sex::female;
    else if (sex == "male") p.sex = Sex::male;
    else if (sex == "unknown" || sex.empty()) p.sex = Sex::unknown;
    else throw Error("patient sex: expected \"female\", \"male\" or \"unknown\", found " + j["sex"].dump());
  }
  return p;
}

}  // namespace ecg::screen
