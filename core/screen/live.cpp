// Live screening (LiveScreener): a ring of recent samples, R-peaks committed once across overlapping
// detection windows, heart rate, RR irregularity with P-wave evidence, signal quality and an optional
// single-lead rhythm model — all bounded in memory however long the stream runs.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>

#include <nlohmann/json.hpp>

#include "ecg/dsp.h"
#include "ecg/options.h"
#include "ecg/error.h"
#include "ecg/io.h"
#include "ecg/live.h"
#include "ecg/quality.h"
#include "ecg/screen.h"

namespace ecg::screen {
namespace {

// The batch detector's own margins (dsp::detect_rpeaks on long leads): 8 s to learn its levels
// before the part whose beats are kept, 2 s after it for the filters and the search-back.
constexpr double kLeadInS = 8.0;
constexpr double kLeadOutS = 2.0;
constexpr double kRefractoryS = 0.2;
constexpr double kModelMinS = 10.0;
// RR intervals outside this range are artefacts (a missed or an extra beat), not rhythm.
constexpr double kMinRrMs = 250.0, kMaxRrMs = 3000.0;
// Beats that look alike correlate above ~0.9 on a clean ECG; motion and electrode noise scatter them.
constexpr double kNoisySimilarity = 0.5;

struct Beat {
  std::int64_t at = 0;   // absolute sample index
  bool joins = false;    // the RR interval to the previous beat is valid (no gap between them)
  dsp::Beat waves;       // its delineation (absolute indices), done once when the beat is committed
};

struct GapMark {
  std::int64_t at = 0;       // absolute index of the first missing sample
  std::int64_t samples = 0;
};

struct RrBeat {
  double t_s = 0.0;  // stream time at the end of the interval
  double rr_ms = 0.0;
};

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

// Median correlation of each beat (R - 100 ms .. R + 150 ms, mean removed) with the median beat.
std::optional<double> beat_similarity(std::span<const float> x, std::span<const std::int64_t> peaks, double fs_hz) {
  const auto before = static_cast<std::int64_t>(std::lround(0.10 * fs_hz));
  const auto after = static_cast<std::int64_t>(std::lround(0.15 * fs_hz));
  const std::size_t width = static_cast<std::size_t>(before + after + 1);
  std::vector<std::vector<double>> segments;
  for (std::int64_t p : peaks) {
    if (p - before < 0 || p + after >= static_cast<std::int64_t>(x.size())) continue;
    std::vector<double> seg(width);
    double mean = 0;
    for (std::size_t i = 0; i < width; ++i) mean += seg[i] = x[static_cast<std::size_t>(p - before) + i];
    mean /= static_cast<double>(width);
    for (double& v : seg) v -= mean;
    segments.push_back(std::move(seg));
  }
  if (segments.size() < 3) return std::nullopt;
  std::vector<double> tmpl(width);
  for (std::size_t i = 0; i < width; ++i) {
    std::vector<double> column;
    for (const auto& seg : segments) column.push_back(seg[i]);
    tmpl[i] = median(std::move(column));
  }
  std::vector<double> r;
  for (const auto& seg : segments) {
    double sxy = 0, sxx = 0, syy = 0;
    for (std::size_t i = 0; i < width; ++i) sxy += seg[i] * tmpl[i], sxx += seg[i] * seg[i], syy += tmpl[i] * tmpl[i];
    r.push_back(sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0.0);
  }
  return median(std::move(r));
}

}  // namespace

struct LiveScreener::State {
  LiveSource source;
  LiveOptions o;
  // ECG
  std::size_t cap = 0;
  std::vector<float> ring;
  std::int64_t total = 0;          // absolute index of the next sample (lost samples counted)
  std::int64_t segment_start = 0;  // first sample after the last gap
  std::int64_t committed = 0;      // beats before this index are final
  std::deque<Beat> beats;
  std::deque<GapMark> gaps;
  std::uint64_t n_samples = 0, n_beats = 0, n_gaps = 0;
  std::int64_t lost_samples = 0;
  std::optional<io::ble::PmdDecoder> pmd;
  // RR intervals
  double rr_time_s = 0.0;
  std::deque<RrBeat> rr;
  std::uint64_t rr_rejected = 0;
  std::optional<double> device_hr;
  std::optional<bool> contact;
  // updates
  double next_due_s = 0.0;  // update_if_due() answers on a fixed grid of update_every_s
  std::uint64_t updates = 0;
  // session recording
  std::vector<float> recording;
  std::vector<RrBeat> rr_recording;
  bool recording_full = false;
  // the optional rhythm model
  LiveRhythmModel model;

  double fs() const { return o.fs_hz; }
  std::int64_t samples_of(double s) const { return static_cast<std::int64_t>(std::lround(s * o.fs_hz)); }
  double elapsed_s() const { return source == LiveSource::ecg ? static_cast<double>(total) / o.fs_hz : rr_time_s; }

  // Samples [from, to) out of the ring (the caller keeps to within the last `cap` samples).
  std::vector<float> window(std::int64_t from, std::int64_t to) const {
    std::vector<float> x;
    x.reserve(static_cast<std::size_t>(std::max<std::int64_t>(0, to - from)));
    for (std::int64_t i = from; i < to; ++i) x.push_back(ring[static_cast<std::size_t>(i) % cap]);
    return x;
  }

  std::size_t record_limit() const { return static_cast<std::size_t>(std::max(0.0, o.record_s * o.fs_hz)); }

  void record(float v) {
    if (recording.size() < record_limit()) recording.push_back(v);
    else recording_full = o.record_s > 0;
  }

  // Runs the detector over the uncommitted part (with its lead-in) and keeps the new beats; `final`
  // commits up to the last sample (before a gap: nothing more will follow in this segment).
  void detect(bool final) {
    const std::int64_t end = total;
    const std::int64_t commit_to = final ? end : end - samples_of(kLeadOutS);
    if (commit_to <= committed) return;
    const std::int64_t lo = std::max({segment_start, committed - samples_of(kLeadInS), end - static_cast<std::int64_t>(cap)});
    if (end - lo >= samples_of(1.0)) {
      const std::vector<float> x = window(lo, end);
      const std::int64_t refractory = samples_of(kRefractoryS);
      std::vector<std::int64_t> fresh;  // new beats, as indices into x
      std::int64_t last = beats.empty() ? std::numeric_limits<std::int64_t>::min() / 2 : beats.back().at;
      for (std::int64_t p : dsp::detect_rpeaks(x, fs())) {
        const std::int64_t at = lo + p;
        if (at < committed || at >= commit_to) continue;
        if (at - last < refractory) continue;  // the same beat seen from two windows
        fresh.push_back(p);
        last = at;
      }
      // P, QRS and T of the new beats, from 2 s before the first of them (context for the baseline).
      const std::int64_t from = fresh.empty() ? 0 : std::max<std::int64_t>(0, fresh.front() - samples_of(2.0));
      std::vector<std::int64_t> near(fresh);
      for (std::int64_t& p : near) p -= from;
      const std::span<const float> part(x.data() + from, x.size() - static_cast<std::size_t>(from));
      const std::vector<dsp::Beat> waves = dsp::delineate(part, fs(), near);
      for (std::size_t k = 0; k < fresh.size(); ++k) {
        dsp::Beat w = waves[k];
        for (std::optional<std::int64_t>* v : {&w.qrs_on, &w.qrs_off, &w.qrs_wide_on, &w.qrs_wide_off, &w.p_on, &w.p_peak, &w.p_off, &w.t_peak, &w.t_off}) {
          if (*v) **v += lo + from;
        }
        w.r = lo + fresh[k];
        const bool joins = !beats.empty() && beats.back().at >= segment_start;
        beats.push_back({w.r, joins, w});
        ++n_beats;
      }
    }
    committed = commit_to;
    trim();
  }

  void trim() {
    const std::int64_t oldest = total - static_cast<std::int64_t>(cap);
    while (!beats.empty() && beats.front().at < oldest) beats.pop_front();
    while (!gaps.empty() && gaps.front().at + gaps.front().samples < oldest) gaps.pop_front();
    while (!rr.empty() && rr.front().t_s < rr_time_s - o.keep_s) rr.pop_front();
  }

  // RR intervals (ms) of beats in (from, to], both ends inside and no gap between them.
  std::vector<double> rr_between(std::int64_t from, std::int64_t to, std::size_t* count = nullptr) const {
    std::vector<double> out;
    std::size_t n = 0;
    const Beat* previous = nullptr;
    for (const Beat& b : beats) {
      if (b.at > from && b.at <= to) {
        ++n;
        if (previous && b.joins) out.push_back(static_cast<double>(b.at - previous->at) * 1000.0 / fs());
        previous = &b;
      }
    }
    if (count) *count = n;
    return out;
  }

  LiveFindings findings_ecg();
  LiveFindings findings_rr();
  void finish(LiveFindings& f);
};

LiveScreener::LiveScreener(LiveSource source, LiveOptions options) : s_(std::make_unique<State>()) {
  const LiveOptions& o = options;
  ecg::options::check_live_options(source, o);  // messages in the JS API's names (fsHz, keepS, ...)
  s_->source = source;
  s_->o = options;
  s_->next_due_s = options.update_every_s;
  if (source == LiveSource::ecg) {
    s_->cap = static_cast<std::size_t>(std::lround(o.keep_s * o.fs_hz));
    s_->ring.assign(s_->cap, 0.0f);
  } else {
    s_->o.fs_hz = 0.0;
  }
}

LiveScreener::~LiveScreener() = default;
LiveScreener::LiveScreener(LiveScreener&&) noexcept = default;
LiveScreener& LiveScreener::operator=(LiveScreener&&) noexcept = default;

void LiveScreener::push(std::span<const float> samples_mv, std::int64_t gap_samples) {
  State& s = *s_;
  if (s.source != LiveSource::ecg) throw Error("live stream of RR intervals: expected RR intervals (push_rr), found ECG samples");
  if (gap_samples < 0) throw Error("live ECG: expected a gap of 0 or more samples, found " + std::to_string(gap_samples));
  for (std::size_t i = 0; i < samples_mv.size(); ++i) {
    if (!std::isfinite(samples_mv[i])) throw Error("live ECG, sample " + std::to_string(i) + " of this chunk: expected a finite value in mV, found " + std::to_string(samples_mv[i]));
  }
  if (gap_samples > 0 && s.total > 0) {
    s.detect(true);  // the segment before the gap ends here
    s.gaps.push_back({s.total, gap_samples});
    ++s.n_gaps;
    s.lost_samples += gap_samples;
    for (std::int64_t i = 0; i < gap_samples && s.recording.size() < s.record_limit(); ++i) s.record(std::nanf(""));
    for (std::int64_t i = 0; i < std::min<std::int64_t>(gap_samples, static_cast<std::int64_t>(s.cap)); ++i) {
      s.ring[static_cast<std::size_t>(s.total + i) % s.cap] = 0.0f;
    }
    s.total += gap_samples;
    s.segment_start = s.committed = s.total;
  }
  // Detect at least every update interval, also inside a long chunk, so the ring never overwrites
  // samples not yet analysed.
  const std::int64_t detect_every = s.samples_of(kLeadOutS + s.o.update_every_s);
  for (float v : samples_mv) {
    s.ring[static_cast<std::size_t>(s.total) % s.cap] = v;
    ++s.total;
    s.record(v);
    if (s.total - s.committed >= detect_every) s.detect(false);
  }
  s.n_samples += samples_mv.size();
}

io::ble::PmdChunk LiveScreener::push_pmd_frame(std::span<const std::uint8_t> frame) {
  State& s = *s_;
  if (s.source != LiveSource::ecg) throw Error("live stream of RR intervals: expected Heart Rate Measurement values, found a PMD ECG frame");
  if (!s.pmd) s.pmd.emplace(s.o.fs_hz);
  io::ble::PmdChunk chunk = s.pmd->push(frame);
  if (!s.o.start_unix_ms && !chunk.times_unix_ns.empty()) s.o.start_unix_ms = chunk.times_unix_ns.front() / 1'000'000;
  if (!chunk.dropped) push(chunk.samples_mv, chunk.gap_samples);
  return chunk;
}

void LiveScreener::push_rr(std::span<const double> rr_ms, std::optional<double> device_hr_bpm, std::optional<bool> sensor_contact) {
  State& s = *s_;
  if (s.source != LiveSource::rr_intervals) throw Error("live ECG stream: expected ECG samples or PMD frames, found RR intervals");
  if (device_hr_bpm) s.device_hr = device_hr_bpm;
  if (sensor_contact) s.contact = sensor_contact;
  for (double rr : rr_ms) {
    if (!std::isfinite(rr) || rr <= 0) throw Error("live RR intervals: expected intervals above 0 ms, found " + std::to_string(rr));
    s.rr_time_s += rr / 1000.0;
    if (rr < kMinRrMs || rr > kMaxRrMs) {
      ++s.rr_rejected;
      continue;
    }
    s.rr.push_back({s.rr_time_s, rr});
    ++s.n_beats;
    if (s.o.record_s > 0 && s.rr_time_s <= s.o.record_s) s.rr_recording.push_back({s.rr_time_s, rr});
    else s.recording_full = s.o.record_s > 0;
  }
  s.trim();
}

io::ble::HeartRateMeasurement LiveScreener::push_heart_rate_measurement(std::span<const std::uint8_t> value) {
  io::ble::HeartRateMeasurement m = io::ble::parse_heart_rate_measurement(value);
  push_rr(m.rr_ms, m.heart_rate_bpm > 0 ? std::optional<double>(m.heart_rate_bpm) : std::nullopt, m.sensor_contact);
  return m;
}

LiveFindings LiveScreener::State::findings_ecg() {
  detect(false);
  LiveFindings f;
  f.fs_hz = fs();
  f.analysed_to_s = static_cast<double>(committed) / fs();
  const std::int64_t to = committed;
  const std::int64_t hr_from = to - samples_of(o.hr_window_s);
  const std::int64_t rhythm_from = to - samples_of(o.rhythm_window_s);
  f.hr_window_from_s = std::max(0.0, static_cast<double>(hr_from) / fs());
  f.hr_window_to_s = f.analysed_to_s;
  for (const Beat& b : beats) f.rpeaks.push_back(b.at);
  const std::vector<double> rr_hr = rr_between(hr_from, to, &f.hr_beats);
  if (rr_hr.size() >= 2) f.heart_rate_bpm = 60000.0 / median(rr_hr);

  // The signal behind the heart rate and the rhythm: the current segment only.
  const std::int64_t contiguous = to - segment_start;
  std::optional<rules::PWaveEvidence> p_waves;
  bool bad_signal = false;
  if (contiguous > samples_of(1.0)) {
    std::vector<dsp::Beat> waves;
    for (const Beat& b : beats) {
      if (b.at > rhythm_from && b.at <= to && b.at >= segment_start) waves.push_back(b.waves);
    }
    p_waves = rules::p_wave_evidence(waves, fs());
    // Quality on the heart-rate window (with 0.5 s beyond it for the last beats' shapes).
    const std::int64_t lo = std::max(segment_start, hr_from);
    const std::vector<float> x = window(lo, std::min(total, to + samples_of(0.5)));
    const std::span<const float> recent(x.data(), static_cast<std::size_t>(to - lo));
    const dsp::LeadQuality q = dsp::lead_quality(recent);
    if (q.flat) f.quality.push_back("signal flat over the last " + seconds_text(o.hr_window_s) + " (electrode contact lost?)");
    if (q.saturated) f.quality.push_back("signal saturated or clipped over the last " + seconds_text(o.hr_window_s));
    std::vector<std::int64_t> recent_peaks;
    for (const Beat& b : beats) {
      if (b.at > hr_from && b.at <= to && b.at >= segment_start) recent_peaks.push_back(b.at - lo);
    }
    f.beat_similarity = beat_similarity(x, recent_peaks, fs());
    if (f.beat_similarity && *f.beat_similarity < kNoisySimilarity) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "noisy: beats correlate %.2f with their median beat (below %.1f)", *f.beat_similarity, kNoisySimilarity);
      f.quality.push_back(buf);
    }
    // The offline quality gate (ecg/quality.h) on the same window: 2.5-s windows, reasons in words.
    const dsp::LeadQualityReport gate = dsp::assess_lead(recent, fs(), o.lead);
    if (!gate.usable) {
      f.quality.push_back("signal unusable over the last " + seconds_text(o.hr_window_s) + ": " +
                          (gate.reasons.empty() ? std::string("poor signal") : gate.reasons[0]));
    }
    bad_signal = q.flat || q.saturated || (f.beat_similarity && *f.beat_similarity < kNoisySimilarity) || !gate.usable;
    if (bad_signal) f.inconclusive_reasons.push_back("the signal is flat, clipped or noisy");
  }
  f.irregular_rr = rules::irregular_rr(rr_between(rhythm_from, to), p_waves);
  if (bad_signal) {
    // Beats found in noise are not a rhythm: irregular "RR" there says nothing about AF.
    f.irregular_rr.decision = rules::Decision::not_assessable;
    f.irregular_rr.note = "the signal is flat, clipped or noisy";
  } else if (f.irregular_rr.decision == rules::Decision::not_assessable) {
    f.inconclusive_reasons.push_back("rhythm: " + f.irregular_rr.note + " in the last " + seconds_text(o.rhythm_window_s));
  }
  for (const GapMark& g : gaps) {
    if (g.at + g.samples > rhythm_from) {
      f.quality.push_back("gap of " + seconds_text(static_cast<double>(g.samples) / fs()) + " (" + std::to_string(g.samples) + " samples lost) at " +
                          seconds_text(static_cast<double>(g.at) / fs()));
    }
  }
  if (contiguous < samples_of(o.hr_window_s)) {
    f.inconclusive_reasons.push_back("only " + seconds_text(std::max<double>(0.0, static_cast<double>(contiguous)) / fs()) + " of analysed signal since " +
                                     (n_gaps ? "the last gap" : "the start") + "; the heart rate needs " + seconds_text(o.hr_window_s));
  }
  if (!f.heart_rate_bpm) f.inconclusive_reasons.push_back("fewer than three beats in the last " + seconds_text(o.hr_window_s));

  // The rhythm model on the last rhythm window, when it is contiguous and long enough.
  if (model) {
    const std::int64_t lo = std::max(segment_start, total - samples_of(o.rhythm_window_s));
    if (total - lo >= samples_of(kModelMinS)) {
      Record r;
      r.name = "live";
      r.source_format = "live";
      r.fs_hz = fs();
      r.leads = {o.lead};
      r.samples_mv = window(lo, total);
      r.n_samples = r.samples_mv.size();
      f.model = model(r);
      if (f.model->best >= f.model->classes.size()) {
        throw Error("rhythm model " + f.model->name + ": decided class " + std::to_string(f.model->best) + ", expected one of its " +
                    std::to_string(f.model->classes.size()) + " classes");
      }
      f.model->window_s = static_cast<double>(r.n_samples) / fs();
    }
  }
  return f;
}

LiveFindings LiveScreener::State::findings_rr() {
  LiveFindings f;
  f.analysed_to_s = rr_time_s;
  f.hr_window_from_s = std::max(0.0, rr_time_s - o.hr_window_s);
  f.hr_window_to_s = rr_time_s;
  std::vector<double> rr_hr, rr_rhythm;
  // Intervals with both beats inside the window, as for ECG (a window's first beat brings no interval).
  for (const RrBeat& b : rr) {
    const double begins_s = b.t_s - b.rr_ms / 1000.0;
    if (begins_s > rr_time_s - o.hr_window_s) rr_hr.push_back(b.rr_ms);
    if (begins_s > rr_time_s - o.rhythm_window_s) rr_rhythm.push_back(b.rr_ms);
  }
  f.hr_beats = rr_hr.size() + (rr_hr.empty() ? 0 : 1);
  if (rr_hr.size() >= 2) f.heart_rate_bpm = 60000.0 / median(rr_hr);
  f.device_heart_rate_bpm = device_hr;
  f.irregular_rr = rules::irregular_rr(rr_rhythm, std::nullopt);
  if (contact == false) {
    f.quality.push_back("the strap reports no skin contact");
    f.inconclusive_reasons.push_back("no skin contact");
    f.irregular_rr.decision = rules::Decision::not_assessable;
    f.irregular_rr.note = "the strap reports no skin contact";
  } else if (f.irregular_rr.decision == rules::Decision::not_assessable) {
    f.inconclusive_reasons.push_back("rhythm: " + f.irregular_rr.note + " in the last " + seconds_text(o.rhythm_window_s));
  }
  if (rr_rejected) {
    f.quality.push_back(std::to_string(rr_rejected) + " RR intervals outside 250-3000 ms ignored (missed or extra beats)");
  }
  if (!f.heart_rate_bpm) f.inconclusive_reasons.push_back("fewer than two RR intervals in the last " + seconds_text(o.hr_window_s));
  return f;
}

void LiveScreener::State::finish(LiveFindings& f) {
  f.update = ++updates;
  f.source = source;
  f.lead = source == LiveSource::ecg ? o.lead : "";
  f.elapsed_s = elapsed_s();
  f.n_samples = n_samples;
  f.n_beats = n_beats;
  f.n_gaps = n_gaps;
  f.gap_s = source == LiveSource::ecg ? static_cast<double>(lost_samples) / fs() : 0.0;
  f.n_dropped_frames = pmd ? pmd->dropped_frames() : 0;
  const bool rule_af = f.irregular_rr.decision == rules::Decision::positive;
  bool model_af = false;
  if (f.model) {
    const LiveModelClass& c = f.model->classes[f.model->best];
    model_af = c.snomed == "164889003" || c.abbr == "A" || c.abbr == "AF" || c.abbr == "AFIB";
  }
  f.af_suspected = rule_af || model_af;
  f.af_source = rule_af && model_af ? "both" : rule_af ? "rule" : model_af ? "model" : "";
  if (recording_full) f.quality.push_back("session recording full (" + seconds_text(o.record_s) + "): later data are analysed but not saved");
  f.inconclusive = !f.inconclusive_reasons.empty();
}

LiveFindings LiveScreener::update() {
  LiveFindings f = s_->source == LiveSource::ecg ? s_->findings_ecg() : s_->findings_rr();
  s_->finish(f);
  return f;
}

std::optional<LiveFindings> LiveScreener::update_if_due() {
  State& s = *s_;
  const double now = s.elapsed_s() + 1e-9;
  if (now < s.next_due_s) return std::nullopt;
  s.next_due_s = (std::floor(now / s.o.update_every_s) + 1.0) * s.o.update_every_s;
  return update();
}

void LiveScreener::set_rhythm_model(LiveRhythmModel model) {
  if (s_->source != LiveSource::ecg && model) throw Error("live stream of RR intervals: a rhythm model needs ECG samples");
  s_->model = std::move(model);
}

Record LiveScreener::session(const std::string& name) const {
  const State& s = *s_;
  if (s.source != LiveSource::ecg) throw Error("live session of RR intervals: expected an ECG session for a record, found RR intervals only (save it as CSV)");
  Record r;
  r.name = name;
  r.source_format = "live";
  r.fs_hz = s.fs();
  r.leads = {s.o.lead};
  r.samples_mv = s.recording;
  r.n_samples = r.samples_mv.size();
  r.comments.push_back("ecg-screen live session: 1 lead (" + s.o.lead + "), " + seconds_text(static_cast<double>(r.n_samples) / s.fs()) +
                       (s.o.start_unix_ms ? ", first sample at " + io::iso8601_utc(*s.o.start_unix_ms) : std::string()));
  if (s.n_gaps) {
    r.comments.push_back(std::to_string(s.n_gaps) + " gap(s), " + std::to_string(s.lost_samples) + " samples lost in all");
  }
  if (s.recording_full) r.comments.push_back("recording stopped at its limit of " + seconds_text(s.o.record_s));
  return r;
}

std::vector<io::WrittenFile> LiveScreener::session_files(const std::string& name, const std::string& format) const {
  const State& s = *s_;
  if (format != "wfdb" && format != "csv") throw Error("live session: expected the format 'wfdb' or 'csv', found '" + format + "'");
  if (s.source == LiveSource::ecg) {
    if (format == "csv") return {io::write_csv(session(name), name)};
    return io::write_wfdb(session(name), name, s.o.start_unix_ms);
  }
  if (format != "csv") throw Error("live session of RR intervals: expected the format 'csv' (an RR list has no samples for WFDB), found '" + format + "'");
  std::string out = "time_s,rr_ms\n";
  char row[64];
  for (const RrBeat& b : s.rr_recording) {
    std::snprintf(row, sizeof row, "%.3f,%.1f\n", b.t_s, b.rr_ms);
    out += row;
  }
  return {io::WrittenFile{name + ".csv", std::vector<std::uint8_t>(out.begin(), out.end())}};
}

double LiveScreener::elapsed_s() const { return s_->elapsed_s(); }

std::size_t LiveScreener::analysis_bytes() const {
  const State& s = *s_;
  return s.ring.capacity() * sizeof(float) + s.beats.size() * sizeof(Beat) + s.gaps.size() * sizeof(GapMark) + s.rr.size() * sizeof(RrBeat);
}

std::string to_json(const LiveFindings& f) {
  auto opt = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  nlohmann::json j;
  j["update"] = f.update;
  j["source"] = f.source == LiveSource::ecg ? "ecg" : "rr";
  j["lead"] = f.lead;
  j["fs_hz"] = f.fs_hz;
  j["elapsed_s"] = f.elapsed_s;
  j["analysed_to_s"] = f.analysed_to_s;
  j["hr_window_s"] = {f.hr_window_from_s, f.hr_window_to_s};
  j["n_samples"] = f.n_samples;
  j["n_beats"] = f.n_beats;
  j["n_gaps"] = f.n_gaps;
  j["gap_s"] = f.gap_s;
  j["n_dropped_frames"] = f.n_dropped_frames;
  j["rpeaks"] = f.rpeaks;
  j["heart_rate_bpm"] = opt(f.heart_rate_bpm);
  j["hr_beats"] = f.hr_beats;
  j["device_heart_rate_bpm"] = opt(f.device_heart_rate_bpm);
  j["irregular_rr"] = nlohmann::json::parse(rules::to_json(f.irregular_rr));
  if (f.model) {
    nlohmann::json classes = nlohmann::json::array();
    for (const LiveModelClass& c : f.model->classes) {
      classes.push_back({{"snomed", c.snomed}, {"abbr", c.abbr}, {"name", c.name}, {"probability", c.probability}});
    }
    j["model"] = {{"name", f.model->name}, {"window_s", f.model->window_s}, {"classes", classes},
                  {"decided", f.model->classes[f.model->best].abbr}};
  } else {
    j["model"] = nullptr;
  }
  j["af_suspected"] = f.af_suspected;
  j["af_source"] = f.af_source;
  j["beat_similarity"] = opt(f.beat_similarity);
  j["quality"] = f.quality;
  j["inconclusive"] = f.inconclusive;
  j["inconclusive_reasons"] = f.inconclusive_reasons;
  j["disclaimer"] = "Screening aid only, not a diagnosis: a clinician must review the ECG.";
  return j.dump();
}

LiveRhythmModel live_rhythm_model(std::span<const std::uint8_t> model_file, nn::Backend backend) {
  auto classifier = std::make_shared<RhythmClassifier>(model_file, backend);
  return [classifier](const Record& window) {
    const RhythmResult r = classifier->classify(window);
    LiveModelResult out;
    out.name = r.model;
    out.window_s = r.duration_s;
    for (const RhythmClass& c : r.classes) out.classes.push_back({c.snomed, c.abbr, c.name, c.probability});
    out.best = r.best;
    return out;
  };
}

}  // namespace ecg::screen
