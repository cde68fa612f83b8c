// ecg::screen live screening: a single-lead ECG (or RR intervals from a heart-rate strap) streamed in
// chunks, analysed on a rolling window with bounded memory, findings updated every few seconds.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ecg/ble.h"
#include "ecg/io.h"
#include "ecg/nn.h"
#include "ecg/record.h"
#include "ecg/rules.h"

namespace ecg::screen {

enum class LiveSource {
  ecg,           // samples of one lead (a Polar H10's PMD ECG, or any single-lead stream)
  rr_intervals,  // RR intervals of the standard Heart Rate service (any chest strap)
};

struct LiveOptions {
  double fs_hz = io::ble::kPolarH10EcgHz;  // ECG source only
  std::string lead = "ECG";                // the lead's name (a chest strap's lead is no limb lead)
  double update_every_s = 5.0;             // update_if_due() gives findings this often (stream time)
  double keep_s = 60.0;                    // ECG samples kept for analysis: the memory bound
  double hr_window_s = 10.0;               // heart rate: median RR over the last this many seconds
  double rhythm_window_s = 30.0;           // RR irregularity, P waves and the rhythm model: over this
  // Session kept for saving (samples in mV, gaps as NaN) up to this many seconds; 0 keeps none.
  // Unlike the analysis this grows with the session: 4 h at 130 Hz is 7.5 MB.
  double record_s = 4 * 3600.0;
  // Wall-clock time of the first sample (ms since 1970, UTC) for saved sessions; a PMD stream takes
  // it from the device's frame timestamps.
  std::optional<std::int64_t> start_unix_ms;
};

// A rhythm classifier's answer for the last rhythm window (see LiveScreener::set_rhythm_model).
struct LiveModelClass {
  std::string snomed, abbr, name;
  double probability = 0.0;
};
struct LiveModelResult {
  std::string name;                     // the model's name
  double window_s = 0.0;                // length of the window it read
  std::vector<LiveModelClass> classes;  // in the model's order
  std::size_t best = 0;                 // the decided class (single-label: the most probable)
};
// Classifies one window: a one-lead Record (the stream's lead, at the stream's rate, at least 10 s
// and at most rhythm_window_s long, no gap inside). A single-lead CinC 2017 N/A/O/~ model plugs in
// here (an adapter around its classifier); tests plug in fakes.
using LiveRhythmModel = std::function<LiveModelResult(const Record& window)>;

struct LiveFindings {
  std::uint64_t update = 0;          // 1, 2, ... one per update()
  LiveSource source = LiveSource::ecg;
  std::string lead;
  double fs_hz = 0.0;                // 0 for RR intervals
  double elapsed_s = 0.0;            // stream time so far, gaps included
  // Beats are final up to analysed_to_s (the R-peak detector needs 2 s of signal after a beat).
  double analysed_to_s = 0.0;
  double hr_window_from_s = 0.0, hr_window_to_s = 0.0;  // the heart rate's window
  std::uint64_t n_samples = 0;       // received (gaps not counted)
  std::uint64_t n_beats = 0;         // beats so far
  std::uint64_t n_gaps = 0;
  double gap_s = 0.0;                // time missing in all gaps
  std::uint64_t n_dropped_frames = 0;
  std::vector<std::int64_t> rpeaks;  // ECG: R-peak sample indices (from the stream's start) kept in memory
  std::optional<double> heart_rate_bpm;         // 60 / median RR over the heart-rate window
  std::size_t hr_beats = 0;                     // beats in that window
  std::optional<double> device_heart_rate_bpm;  // what a Heart Rate service reported last
  rules::RuleResult irregular_rr;               // over the rhythm window
  std::optional<LiveModelResult> model;         // the rhythm model, when one is set and could run
  bool af_suspected = false;                    // IrregularRR positive, or the model decided AF
  std::string af_source;                        // "rule", "model", "both" or ""
  std::optional<double> beat_similarity;        // median correlation of beats with their median beat
  std::vector<std::string> quality;             // flat, saturated, noisy, gaps, contact, ...
  bool inconclusive = true;
  std::vector<std::string> inconclusive_reasons;
};

// Streams one lead (or RR intervals) in, findings out. Memory is bounded by the options (a ring of
// keep_s seconds of samples and the beats in it) however long the stream runs, except for the session
// recording (record_s). R-peaks are detected with dsp::detect_rpeaks on overlapping windows (8 s of
// lead-in, 2 s of lead-out, as it does for long records) and kept once, by absolute sample index, each
// delineated once (dsp::delineate) for its P wave; RR intervals never span a gap.
class LiveScreener {
 public:
  LiveScreener(LiveSource source, LiveOptions options = {});
  ~LiveScreener();
  LiveScreener(LiveScreener&&) noexcept;
  LiveScreener& operator=(LiveScreener&&) noexcept;

  // ECG samples in mV; gap_samples: samples lost right before these (0: none).
  void push(std::span<const float> samples_mv, std::int64_t gap_samples = 0);
  // One PMD data frame (Polar H10): decoded, timed, gaps and dropped frames reported in the chunk.
  io::ble::PmdChunk push_pmd_frame(std::span<const std::uint8_t> frame);
  // RR intervals in ms (Heart Rate service); device_hr_bpm: the heart rate the device reported.
  void push_rr(std::span<const double> rr_ms, std::optional<double> device_hr_bpm = {}, std::optional<bool> sensor_contact = {});
  // One Heart Rate Measurement value (0x2A37).
  io::ble::HeartRateMeasurement push_heart_rate_measurement(std::span<const std::uint8_t> value);

  // Findings now.
  LiveFindings update();
  // Findings once per update_every_s of stream time (at 5, 10, 15 s ... by default), else nothing.
  std::optional<LiveFindings> update_if_due();

  // A rhythm model to run on the last rhythm window at every update, when that window is contiguous
  // and at least 10 s long; its decided class counts as AF suspicion when it is atrial fibrillation
  // (SNOMED 164889003, or abbreviation A / AF / AFIB). An empty function removes it.
  void set_rhythm_model(LiveRhythmModel model);

  // The session so far as a one-lead Record (samples in mV, NaN where samples were lost), with its
  // start time and gaps in the comments; for saving (io::write_wfdb / io::write_csv).
  Record session(const std::string& name) const;
  // The session as files to save: an ECG session as "wfdb" (name.hea + name.dat, lost samples as the
  // invalid-sample marker) or "csv" (lost samples as empty cells); an RR session as "csv"
  // (time_s, rr_ms). Throws ecg::Error for another format.
  std::vector<io::WrittenFile> session_files(const std::string& name, const std::string& format) const;

  double elapsed_s() const;
  // Bytes held by the analysis state (ring, beats, gaps, RR history), not counting the recording.
  std::size_t analysis_bytes() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// The findings as one JSON object (the JS API's LiveFindings).
std::string to_json(const LiveFindings& findings);

// The rhythm model of a model file whose task is "rhythm" (models/rhythm-1: CinC 2017 N / A / O / ~
// at 130 Hz) as a LiveRhythmModel: screen::RhythmClassifier on each window. Throws ecg::Error when
// the file is invalid or not a rhythm model.
LiveRhythmModel live_rhythm_model(std::span<const std::uint8_t> model_file, nn::Backend backend = nn::Backend::simd);

// The JS API's options for a live stream are parsed by ecg::options::live_stream (ecg/options.h).

}  // namespace ecg::screen
