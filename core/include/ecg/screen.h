// ecg::screen: the screening pipeline — Record in, Findings out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ecg/record.h"
#include "ecg/rules.h"

namespace ecg::screen {

struct Patient {
  std::optional<double> age_years;  // overrides the record's own when set
  Sex sex = Sex::unknown;           // overrides the record's own when not unknown
};

struct StageTiming {
  std::string stage;
  double ms = 0.0;
};

struct Findings {
  std::string record;
  double fs_hz = 0.0;
  double duration_s = 0.0;
  std::vector<std::string> leads;          // leads the screening used
  std::vector<std::int64_t> rpeaks;        // sample indices, fused across leads
  std::optional<double> heart_rate_bpm;    // nullopt: fewer than two beats found
  std::optional<double> age_years;
  Sex sex = Sex::unknown;
  std::vector<std::string> warnings;
  std::vector<std::string> quality;        // signal-quality flags (flat/saturated leads, short record, ...)
  rules::Report rules;                     // every clinical rule's decision with criterion and evidence
  std::vector<StageTiming> timings;
};

Findings screen(const Record& record, const Patient& patient);

// Findings as one JSON object; the single serialisation used by the CLI, the bindings and tests.
std::string to_json(const Findings& findings);

// Parses a patient given as JSON ({"age": 56, "sex": "female"}; both optional).
Patient patient_from_json(const std::string& json);

}  // namespace ecg::screen
