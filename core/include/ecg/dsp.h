// ecg::dsp: signal processing on leads and Records — filters, resampling, normalisation, windows,
// R-peak detection and heart rate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ecg/record.h"

namespace ecg::nn { struct ModelInfo; }

namespace ecg::dsp {

// ---- FIR design and zero-phase filtering (core/dsp/filter.cpp) ----------------------------------

// Kaiser-window FIR band-pass. lo_hz / hi_hz are the -6 dB cutoffs (as in scipy firwin); the
// transition bands are centred on them: the passband (ripple <= ripple_db) runs from
// lo_hz + low_transition_hz/2 to hi_hz - high_transition_hz/2 and the stopbands (attenuation >=
// attenuation_db) lie below lo_hz - low_transition_hz/2 and above hi_hz + high_transition_hz/2.
// lo_hz <= 0 gives a low-pass, hi_hz >= fs/2 (or <= 0) a high-pass.
struct FirSpec {
  double lo_hz = 0.5;
  double hi_hz = 45.0;
  double low_transition_hz = 0.5;   // 0.25..0.75 Hz for the default 0.5 Hz edge
  double high_transition_hz = 10.0; // 40..50 Hz for the default 45 Hz edge: mains at 50/60 Hz >= 60 dB down
  double attenuation_db = 60.0;
  double ripple_db = 0.1;
};

// Odd-length linear-phase (type I) taps meeting `spec` at fs_hz. Throws ecg::Error on a spec that
// cannot be met (cutoffs outside (0, fs/2), a transition wider than its band, more than 2^20 taps).
std::vector<double> design_fir(const FirSpec& spec, double fs_hz);

// scipy.signal.firwin(taps, [lo, hi], pass_zero=False, window="hamming", fs=fs_hz): the band-pass
// the models were trained with (tools/train/preprocess.py, docs/model-format.md). taps must be odd.
std::vector<double> design_bandpass_hamming(double lo_hz, double hi_hz, int taps, double fs_hz);

// Applies odd-length linear-phase taps with the group delay removed (zero phase): 'same'
// convolution with the lead extended by odd reflection (x[-i] = 2 x[0] - x[i]) for up to (taps-1)/2
// samples each side, zeros beyond (exactly tools/train/preprocess.py bandpass()).
std::vector<float> fir_zero_phase(std::span<const float> x, std::span<const double> taps);

// Zero-phase band-pass with the Kaiser design above (default 0.5-45 Hz).
std::vector<float> bandpass(std::span<const float> x, double fs_hz, const FirSpec& spec = {});

// Zero-phase high-pass: cutoff_hz is the -6 dB point, transition_hz centred on it.
std::vector<float> highpass(std::span<const float> x, double fs_hz, double cutoff_hz = 0.5,
                            double transition_hz = 0.5);

// Baseline-wander removal: subtracts the baseline estimated by a 200 ms then a 600 ms running median
// (it follows P/QRS/T-free segments and is zero-phase; de Chazal et al. 2004).
std::vector<float> remove_baseline(std::span<const float> x, double fs_hz);

// remove_baseline of every lead of a record, computed once for the stages that read it (multi-lead
// delineation, the rules' QRS areas, the median beats). Each takes a lead from it where it would
// filter that whole lead itself, and filters its own chunks of a lead longer than it takes whole.
// Records longer than kBaselineFreeMaxS (which those stages cut into chunks) get empty leads.
inline constexpr double kBaselineFreeMaxS = 60.0;
struct BaselineFree {
  std::vector<std::vector<float>> leads;  // one per lead of the record, in its order (empty: not computed)
};
BaselineFree remove_baseline(const Record& record);

// Running median over a centred window of `width` samples (odd; shrunk at the edges).
std::vector<float> running_median(std::span<const float> x, std::size_t width);

// Frequency response magnitude |H(f)| of linear-phase taps (for tests and docs).
double fir_gain(std::span<const double> taps, double f_hz, double fs_hz);

// ---- Resampling (core/dsp/resample.cpp) ---------------------------------------------------------

enum class ResampleQuality {
  // Exactly scipy.signal.resample_poly defaults (Kaiser beta 5, 2*10*max(up,down)+1 taps, cutoff at
  // the lower Nyquist): what the models were trained with. About 54 dB of alias rejection.
  scipy,
  // Kaiser beta 8 (>= 75 dB), cutoff at 0.9 x the lower Nyquist so the transition ends before it:
  // nothing aliases into the band; passband to about 0.83 x the lower Nyquist.
  high,
};

// The rational ratio up/down used for fs_in -> fs_out: exact for integer rates, else the closest
// fraction with up, down <= 1000 (continued fractions).
struct Ratio {
  std::int64_t up = 1;
  std::int64_t down = 1;
};
Ratio resample_ratio(double fs_in_hz, double fs_out_hz);

// Polyphase anti-aliased resampling; output length ceil(n * up / down).
std::vector<float> resample(std::span<const float> x, double fs_in_hz, double fs_out_hz,
                            ResampleQuality quality = ResampleQuality::scipy);

// The same resampling with its filter designed once, for any number of leads at fs_in_hz (the
// design, 2 x 10 x max(up, down) + 1 Kaiser taps, costs more than filtering a 10-s lead). The
// constructor throws where resample() would.
class Resampler {
 public:
  Resampler(double fs_in_hz, double fs_out_hz, ResampleQuality quality = ResampleQuality::scipy);
  std::vector<float> operator()(std::span<const float> x) const;  // == resample(x, fs_in, fs_out, quality)
  Ratio ratio() const { return ratio_; }

 private:
  Ratio ratio_;
  std::int64_t half_ = 0, taps_ = 0;
  std::vector<double> phases_;  // the prototype's taps split by phase: phase p holds taps p, p + up, ...
};

// Every lead of a record; fs_hz becomes ratio.up/ratio.down * fs_in (== fs_out_hz for integer rates).
Record resample(const Record& record, double fs_out_hz, ResampleQuality quality = ResampleQuality::scipy);

// ---- Normalisation and windows (core/dsp/normalize.cpp) -----------------------------------------

// (x - mean) / (std + epsilon), population std: a flat lead becomes zeros, never NaN/inf.
void zscore(std::span<float> x, double epsilon = 1e-6);
// Per lead, in place.
void zscore_per_lead(Record& record, double epsilon = 1e-6);
// One mean and std over all leads, in place.
void zscore_all_leads(Record& record, double epsilon = 1e-6);

// Median peak-to-peak range of the lead's 1-s blocks (floor(fs_hz) samples each; the upper median
// of the sorted ranges; the whole lead's range when it is shorter than one block): a scale that
// artefact spikes and short bursts do not move (tools/train/qrs.py block_range_scale).
double block_range_scale(std::span<const float> x, double fs_hz);
// x / (block_range_scale + epsilon), in place: normalize "block_range_per_lead" of the model format.
void block_range_normalize(std::span<float> x, double fs_hz, double epsilon);

// One lead as a model file's preprocess block wants it (tools/train/preprocess.py): polyphase
// resampling to the model's rate (scipy quality), the Hamming band-pass when the block names one,
// then the per-lead normalisation ("zscore_per_lead", "block_range_per_lead" or "none";
// "zscore_all_leads" spans leads and is left to the caller). Throws ecg::Error on another value.
std::vector<float> model_input(std::span<const float> lead_mv, double fs_hz, const nn::ModelInfo& info);

// model_input with the resampling filter and the band-pass designed once for leads at fs_hz: what
// a record's leads (or a detector's calls) share. Throws where model_input would for the design.
class ModelInput {
 public:
  ModelInput(double fs_hz, const nn::ModelInfo& info);
  std::vector<float> operator()(std::span<const float> lead_mv) const;  // == model_input(lead_mv, fs_hz, info)
  double fs_hz() const { return fs_hz_; }

 private:
  const nn::ModelInfo* info_;
  double fs_hz_;
  std::optional<Resampler> resampler_;  // none when the rates are equal
  std::vector<double> bandpass_;        // empty without a band-pass
};

// Samples [start, start + length) of every lead, clipped to the record (never out of bounds).
Record crop(const Record& record, std::size_t start, std::size_t length);
// Zero-pads (or truncates) every lead on the right to `length` samples.
Record pad_right(const Record& record, std::size_t length);
// Window start indices: one window at 0 if n <= length; else 0, stride, 2 stride, ... while they fit,
// plus one ending at the last sample if the tail is not covered (tools/train/preprocess.py).
std::vector<std::size_t> window_starts(std::size_t n, std::size_t length, std::size_t stride);

struct LeadQuality;  // below

// ---- R-peaks (core/dsp/rpeaks.cpp) --------------------------------------------------------------

// R-peak sample indices for one lead sampled at fs_hz (any rate from 100 to 1000 Hz, any lead).
// Long leads are processed in overlapping windows of about a minute, so memory stays bounded.
// The detector is the learned one (LearnedQrs with the built-in models/qrs-1) unless `detector`
// says classical (the Pan-Tompkins-style algorithm, kept as a fallback and cross-check).
enum class QrsDetector { learned, classical };
std::vector<std::int64_t> detect_rpeaks(std::span<const float> lead_mv, double fs_hz, QrsDetector detector = QrsDetector::learned);

// The detector's QRS band at fs_hz (5-25 Hz, narrowed at low rates): both detectors filter the
// despiked lead with design_fir(qrs_band_spec(fs_hz), fs_hz) and fir_zero_phase.
FirSpec qrs_band_spec(double fs_hz);
// Leads up to this long are detected in one chunk (longer ones in chunks of this length).
inline constexpr double kRpeakChunkS = 60.0;
// detect_rpeaks for a caller that has the lead's QRS band already (qrs_band: fir_zero_phase of the
// lead with the taps above, as long as the lead): the same result, without filtering the lead again
// where the detector would filter the same samples (one chunk holds the lead and despiking changed
// nothing). An empty qrs_band is not used.
std::vector<std::int64_t> detect_rpeaks(std::span<const float> lead_mv, double fs_hz, QrsDetector detector, std::span<const float> qrs_band);

// R-peak sample indices fused across all leads of a record: leads are detected one by one and a
// beat is kept where enough usable leads agree within 100 ms (flat or saturated leads are skipped).
// qrs_bands, when given: per lead, its QRS band as above or empty (then filtered here).
// leads_quality, when given, is lead_quality(record) (computed once for the stages that skip flat
// or saturated leads).
std::vector<std::int64_t> detect_rpeaks(const Record& record, QrsDetector detector = QrsDetector::learned,
                                        const std::vector<std::vector<float>>* qrs_bands = nullptr,
                                        const std::vector<LeadQuality>* leads_quality = nullptr);

// A QRS detector model (a model file of task "qrs", e.g. models/qrs-1) run by the nn engine on one
// lead: the lead is resampled to the model's rate, band-passed and scaled as its preprocess block
// says, the network gives each sample the probability that an R peak lies near it, and each run of
// samples at or above the model's threshold is one QRS candidate at its probability-weighted centre
// (of two closer than the model's refractory_s, the more probable stays), kept when its amplitude
// reaches the model's min_relative_amplitude of its neighbours' median. Not thread-safe: one per
// thread (builtin_qrs() is).
class LearnedQrs {
 public:
  explicit LearnedQrs(std::span<const std::uint8_t> model_file);  // throws ecg::Error (invalid file, task not "qrs")
  ~LearnedQrs();
  LearnedQrs(LearnedQrs&&) noexcept;
  LearnedQrs& operator=(LearnedQrs&&) noexcept;
  // Per-sample probabilities of one lead at the model's rate (model_fs_hz()); `input`, when given,
  // receives what the network read (the preprocessed lead).
  std::vector<float> probability(std::span<const float> lead_mv, double fs_hz, std::vector<float>* input = nullptr);
  // QRS candidates: positions in samples at fs_hz (fractional), from probability().
  std::vector<double> candidates(std::span<const float> lead_mv, double fs_hz);
  double model_fs_hz() const;
  const std::string& name() const;
 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};
// The detector compiled into the core (models/qrs-1.safetensors), one instance per thread.
LearnedQrs& builtin_qrs();
// detect_rpeaks(lead_mv, fs_hz) with this learned detector instead of the built-in one (the same
// chunking, candidate rule and R-wave placement): for benchmarks of other QRS model files.
std::vector<std::int64_t> detect_rpeaks(std::span<const float> lead_mv, double fs_hz, LearnedQrs& qrs);

// Heart rate in beats per minute from the median RR interval; nullopt with fewer than two peaks.
std::optional<double> heart_rate_bpm(std::span<const std::int64_t> rpeaks, double fs_hz);

// Per-lead signal quality, judged on the raw lead in mV.
struct LeadQuality {
  bool flat = false;       // peak-to-peak (1st..99th percentile) below 0.02 mV
  bool saturated = false;  // >= 2 % of samples stuck at the lead's extreme values (clipping)
  bool usable() const { return !flat && !saturated; }
};
LeadQuality lead_quality(std::span<const float> lead_mv);
// Every lead's.
std::vector<LeadQuality> lead_quality(const Record& record);

// ---- Delineation (core/dsp/delineate.cpp) -------------------------------------------------------

// Wave boundaries of one beat, as sample indices; nullopt where the wave was not found.
struct Beat {
  std::int64_t r = 0;
  std::optional<std::int64_t> qrs_on, qrs_off;
  // Multi-lead: 25th percentile of the leads' onsets and 75th of their offsets (the global QRS is
  // wider than the median lead shows), for QRS duration. Single lead: equal to qrs_on / qrs_off.
  std::optional<std::int64_t> qrs_wide_on, qrs_wide_off;
  std::optional<std::int64_t> p_on, p_peak, p_off;
  std::optional<std::int64_t> t_peak, t_off;
};

// Single-lead delineation around given R-peaks (baseline removed by running medians, 40 Hz
// low-pass): QRS onset/offset from where the slope leaves/returns below 10 % of the QRS's steepest
// slope, P wave as the largest deflection 40-300 ms before the QRS with its slope-based onset and
// offset, T wave as the largest deflection after the QRS with its offset by the tangent method.
std::vector<Beat> delineate(std::span<const float> lead_mv, double fs_hz, std::span<const std::int64_t> rpeaks);

// Multi-lead delineation: each usable lead is delineated alone and each boundary is the median over
// the leads that found it (a wave must be found in at least half of them).
// `baseline_free`, when given, is remove_baseline(record) (the same as filtering each lead here).
// leads_quality, when given, is lead_quality(record).
std::vector<Beat> delineate(const Record& record, std::span<const std::int64_t> rpeaks, const BaselineFree* baseline_free = nullptr,
                            const std::vector<LeadQuality>* leads_quality = nullptr);

// ---- JSON views shared by the CLI and the JS bindings (core/dsp/json.cpp) ------------------------

// {"record", "fs_hz", "lead", "rpeaks": [...], "heart_rate_bpm"}: fused across leads when lead is
// empty, else on that one lead (canonical or file name). Throws ecg::Error for a missing lead.
std::string rpeaks_json(const Record& record, std::string_view lead = {});

// {"record", "fs_hz", "lead", "beats": [{"r", "qrs_on", "qrs_off", "p_on", "p_peak", "p_off",
// "t_peak", "t_off"} (null where not found)]}: multi-lead when lead is empty.
std::string delineation_json(const Record& record, std::string_view lead = {});

}  // namespace ecg::dsp
