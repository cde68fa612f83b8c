// ecg::Record: one ECG recording in physical units, the hand-off between readers and everything else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ecg {

enum class Sex { unknown, female, male };

// How one lead was stored in its file, so callers can go back to the stored integers and know which
// leads were computed rather than recorded.
struct LeadInfo {
  std::string label;      // the label as the file gives it (before canonicalisation)
  std::string units;      // physical units the file states ("mV", "uV", ...); samples_mv are always mV
  double gain = 1.0;      // stored units per physical unit (WFDB adc_gain; EDF from its min/max)
  double baseline = 0.0;  // stored value that means 0 physical units
  bool derived = false;   // computed from other leads (e.g. III = II - I), not recorded
};

std::string_view to_string(Sex sex);

struct Record {
  std::string name;                  // record name, keyed by file name (not by the header's claim)
  std::string source_format;         // e.g. "wfdb-16", "wfdb-mat", "csv", "edf"
  double fs_hz = 0.0;                // sampling frequency
  std::size_t n_samples = 0;         // samples per lead
  std::vector<std::string> leads;    // canonical lead names (I, II, III, aVR, aVL, aVF, V1..V6, ...)
  std::vector<float> samples_mv;     // lead-major: samples_mv[lead * n_samples + i], millivolts
  std::optional<double> age_years;
  Sex sex = Sex::unknown;
  std::vector<std::string> labels;   // diagnosis codes as the file states them (e.g. SNOMED CT)
  std::vector<std::string> warnings; // things the reader noticed but could live with
  // Source metadata (readers fill these; code that builds a Record by hand may leave them empty).
  std::vector<LeadInfo> lead_info;    // parallel to `leads` when filled
  std::vector<std::string> files;     // names of the files the record was read from
  std::vector<std::string> comments;  // free-text header comments (e.g. WFDB '#' lines not parsed above)
  // Stored integers, lead-major like samples_mv; only filled when ReadOptions::keep_digital is set and
  // the format stores integers (WFDB, EDF). Derived leads have none: digital covers the stored leads.
  std::vector<std::int32_t> digital;

  std::size_t n_leads() const { return leads.size(); }
  double duration_s() const { return fs_hz > 0 ? static_cast<double>(n_samples) / fs_hz : 0.0; }
  std::span<const float> lead(std::size_t index) const {
    return {samples_mv.data() + index * n_samples, n_samples};
  }
  std::span<float> lead(std::size_t index) {
    return {samples_mv.data() + index * n_samples, n_samples};
  }
  // Index of a canonical lead name, or nullopt when the record lacks it.
  std::optional<std::size_t> lead_index(std::string_view canonical_name) const;
};

// The leads of a standard lead set of the CinC 2021 challenge: "12" (all), "6" (I, II, III, aVR, aVL,
// aVF), "4" (I, II, III, V2), "3" (I, II, V2), "2" (I, II); nullopt for another name.
std::optional<std::vector<std::string>> lead_set_leads(std::string_view lead_set);

// A copy of `record` with only the given leads, in the given order. Throws ecg::Error naming the
// leads the record lacks.
Record select_leads(const Record& record, std::span<const std::string> leads);

// Summary of a record as JSON (record, fs_hz, leads, n_samples, duration_s, age, sex, labels,
// warnings): what `ecg-screen info` prints and what the JS API returns as record metadata.
std::string record_info_json(const Record& record);

// Rebuilds a Record from record_info_json() output and lead-major samples (the JS API keeps records
// as metadata + one Float32Array and hands both back for screening).
Record record_from_info_json(std::string_view info_json, std::span<const float> samples_mv);

}  // namespace ecg
