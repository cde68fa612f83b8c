// Embind bindings: thin and typed, no logic. Every ecg::Error becomes a JS Error with the same message.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecg/annotations.h"
#include "ecg/ble.h"
#include "ecg/dsp.h"
#include "ecg/error.h"
#include "ecg/evaluate.h"
#include "ecg/io.h"
#include "ecg/live.h"
#include "ecg/nn.h"
#include "ecg/options.h"
#include "ecg/quality.h"
#include "ecg/record.h"
#include "ecg/rules.h"
#include "ecg/screen.h"
#include "ecg/shard.h"

using emscripten::val;

namespace {

[[noreturn]] void throw_js(const std::string& message) {
  val::global("Error").new_(val(message)).throw_();
}

template <typename F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const ecg::Error& e) {
    throw_js(e.what());
  } catch (const nlohmann::json::exception& e) {
    // A JSON value of the wrong shape that no parser named: in words, without "[json.exception...] ".
    throw_js(std::string("invalid JSON value: ") + ecg::json_error_text(e.what()));
  } catch (const std::exception& e) {
    throw_js(std::string("internal error: ") + e.what());
  }
}

// A set of named files, filled from JS (std::string binds to Uint8Array/ArrayBuffer bytes).
class FileSet {
 public:
  void add(const std::string& name, const std::string& bytes) { files_.push_back({name, bytes}); }
  std::size_t size() const { return files_.size(); }
  std::vector<ecg::io::NamedBuffer> buffers() const {
    std::vector<ecg::io::NamedBuffer> out;
    for (const auto& [name, bytes] : files_) {
      out.push_back({name, {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}});
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::string>> files_;
};

// readRecord(files, optionsJson) -> { info: string (JSON), samples: Float32Array (lead-major, mV) }
val read_record(const FileSet& files, const std::string& options_json) {
  return guarded([&] {
    auto buffers = files.buffers();
    ecg::Record record = ecg::io::read_record(buffers, ecg::options::read_options(options_json));
    val out = val::object();
    out.set("info", ecg::record_info_json(record));
    val view(emscripten::typed_memory_view(record.samples_mv.size(), record.samples_mv.data()));
    out.set("samples", view.call<val>("slice"));  // copy out before `record` is freed
    return out;
  });
}

// readAnnotations(name, bytes) -> JSON {file, extension, annotations: [...]}
std::string read_annotations(const std::string& name, const std::string& bytes) {
  return guarded([&] {
    ecg::io::NamedBuffer file{name, {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}};
    return ecg::io::annotations_json(ecg::io::read_wfdb_annotations(file));
  });
}

std::vector<std::string> wfdb_companions(const std::string& name, const std::string& bytes) {
  return guarded([&] {
    ecg::io::NamedBuffer header{name, {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}};
    return ecg::io::wfdb_companion_files(header);
  });
}

// wfdbCompanionLimits(name, bytes) -> JSON [{name, max_bytes}]: the most bytes each signal file may hold.
std::string wfdb_companion_limits(const std::string& name, const std::string& bytes) {
  return guarded([&] {
    ecg::io::NamedBuffer header{name, {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}};
    nlohmann::json out = nlohmann::json::array();
    for (const auto& f : ecg::io::wfdb_companion_limits(header)) out.push_back({{"name", f.name}, {"max_bytes", f.max_bytes}});
    return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  });
}

ecg::Record to_record(const std::string& info_json, const val& samples) {
  const auto values = emscripten::convertJSArrayToNumberVector<float>(samples);
  return ecg::record_from_info_json(info_json, values);
}

val to_float32(const std::vector<float>& v) {
  return val(emscripten::typed_memory_view(v.size(), v.data())).call<val>("slice");
}

// detectRpeaks(infoJson, samples, lead) -> JSON {fs_hz, lead, rpeaks, heart_rate_bpm}; lead "" = fused
std::string detect_rpeaks(const std::string& info_json, const val& samples, const std::string& lead) {
  return guarded([&] { return ecg::dsp::rpeaks_json(to_record(info_json, samples), lead); });
}

// delineate(infoJson, samples, lead) -> JSON {beats: [...]}; lead "" = all leads
std::string delineate(const std::string& info_json, const val& samples, const std::string& lead) {
  return guarded([&] { return ecg::dsp::delineation_json(to_record(info_json, samples), lead); });
}

// assessQuality(infoJson, samples, withWindows) -> JSON quality per lead (and window): what
// `ecg-screen quality` prints (ecg::dsp::quality_json)
std::string assess_quality(const std::string& info_json, const val& samples, bool with_windows) {
  return guarded([&] {
    ecg::Record record = to_record(info_json, samples);
    return ecg::dsp::quality_json(record, ecg::dsp::assess_quality(record), with_windows);
  });
}

// evaluateRules(infoJson, samples, patientJson) -> JSON rules report
std::string evaluate_rules(const std::string& info_json, const val& samples, const std::string& patient_json) {
  return guarded([&] {
    ecg::Record record = to_record(info_json, samples);
    return ecg::rules::to_json(ecg::rules::evaluate(record, ecg::options::effective_sex(ecg::options::patient(patient_json), record)));
  });
}

// resample(samples, fsIn, fsOut, highQuality) -> Float32Array
val resample(const val& samples, double fs_in, double fs_out, bool high_quality) {
  return guarded([&] {
    const auto x = emscripten::convertJSArrayToNumberVector<float>(samples);
    return to_float32(ecg::dsp::resample(x, fs_in, fs_out, high_quality ? ecg::dsp::ResampleQuality::high : ecg::dsp::ResampleQuality::scipy));
  });
}

// bandpass(samples, fs, loHz, hiHz) -> Float32Array (zero-phase Kaiser FIR, 60 dB, 0.1 dB ripple)
val bandpass(const val& samples, double fs, double lo_hz, double hi_hz) {
  return guarded([&] {
    const auto x = emscripten::convertJSArrayToNumberVector<float>(samples);
    ecg::dsp::FirSpec spec;
    spec.lo_hz = lo_hz;
    spec.hi_hz = hi_hz;
    return to_float32(ecg::dsp::bandpass(x, fs, spec));
  });
}

std::string version() { return ECG_SCREEN_VERSION; }

// The screening pipeline with its models: addModel(bytes), then screen(infoJson, samples,
// patientJson) -> findings JSON, or screenCsv(...) -> one CSV row (csvHeader() gives the header).
class ScreenerHandle {
 public:
  void add_model(const std::string& bytes) {
    guarded([&] { screener_.add_model({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}); });
  }
  std::vector<std::string> model_names() const { return screener_.model_names(); }
  // modelChoice(leads) -> {index, model, task, leadSet, leads} or null: what screen() runs for a
  // record with these leads (ecg::screen::choose_model)
  val model_choice(const val& leads) const {
    return guarded([&] { return choice_to_js(screener_.model_choice(emscripten::vecFromJSArray<std::string>(leads))); });
  }
  // choiceMayChange(leads, pendingLeads) -> whether models not added yet, each given by its leads,
  // could be chosen instead (ecg::screen::choice_may_change)
  bool choice_may_change(const val& leads, const val& pending) const {
    return guarded([&] {
      const auto record_leads = emscripten::vecFromJSArray<std::string>(leads);
      std::vector<std::vector<std::string>> pending_leads;
      const auto n = pending["length"].as<unsigned>();
      for (unsigned i = 0; i < n; ++i) pending_leads.push_back(emscripten::vecFromJSArray<std::string>(pending[i]));
      return ecg::screen::choice_may_change(screener_.model_choice(record_leads), record_leads, pending_leads);
    });
  }
  // rhythmModel() -> index of the first rhythm model added, -1 when none
  int rhythm_model() const {
    const auto i = screener_.rhythm_model();
    return i ? static_cast<int>(*i) : -1;
  }
  // whyNoModel(infoJson, samples) -> why no model added can screen the record; "" when one can
  std::string why_no_model(const std::string& info_json, const val& samples) {
    return guarded([&] { return screener_.why_no_model(to_record(info_json, samples)).value_or(""); });
  }
  std::string screen(const std::string& info_json, const val& samples, const std::string& patient_json) {
    return guarded([&] { return ecg::screen::to_json(run(info_json, samples, patient_json)); });
  }
  std::string screen_csv(const std::string& info_json, const val& samples, const std::string& patient_json) {
    return guarded([&] { return ecg::screen::to_csv_row(run(info_json, samples, patient_json)); });
  }
  // evalCase(infoJson, samples, leadSet) -> JSON of one record's evaluation case (ecg/evaluate.h)
  std::string eval_case(const std::string& info_json, const val& samples, const std::string& lead_set) {
    return guarded([&] { return ecg::screen::to_json(ecg::screen::eval_case(screener_, to_record(info_json, samples), lead_set)); });
  }
  const ecg::screen::Screener& screener() const { return screener_; }

 private:
  static val choice_to_js(const std::optional<ecg::screen::ModelChoice>& c) {
    if (!c) return val::null();
    val out = val::object();
    out.set("index", static_cast<double>(c->model));
    out.set("model", c->name);
    out.set("task", c->task);
    out.set("leadSet", c->lead_set);
    out.set("leads", val::array(c->leads.begin(), c->leads.end()));
    return out;
  }
  ecg::screen::Findings run(const std::string& info_json, const val& samples, const std::string& patient_json) {
    return screener_.screen(to_record(info_json, samples), ecg::options::patient(patient_json));
  }
  ecg::screen::Screener screener_;
};

// Evaluation: addCase(caseJson) for each record in order, then toJson() (ecg/evaluate.h).
class EvaluationHandle {
 public:
  void add_case(const std::string& case_json) {
    guarded([&] { evaluation_.add(ecg::screen::eval_case_from_json(case_json)); });
  }
  std::string to_json() const { return evaluation_.to_json(); }

 private:
  ecg::screen::Evaluation evaluation_;
};

// EvalReport(screener, leadSet, shardK, shardN, recordsInFolder): the JSON `eval` prints (ecg/evaluate.h);
// shardK = shardN = 0 without a shard. add(index, file, caseJson) / addError(index, file, error) in
// folder-listing order, then toJson(threads, elapsedS).
class EvalReportHandle {
 public:
  EvalReportHandle(const ScreenerHandle& screener, const std::string& lead_set, std::size_t shard_k, std::size_t shard_n, std::size_t records_in_folder)
      : report_(guarded([&] {
          std::optional<ecg::screen::Shard> shard;
          if (shard_n > 0) shard = ecg::screen::Shard{shard_k, shard_n};
          return ecg::screen::EvalReport({lead_set, screener.screener().model_ids(), shard, records_in_folder});
        })) {}
  void add(std::size_t index, const std::string& file, const std::string& case_json) {
    guarded([&] { report_.add(index, file, ecg::screen::eval_case_from_json(case_json)); });
  }
  void add_error(std::size_t index, const std::string& file, const std::string& error) {
    guarded([&] { report_.add_error(index, file, error); });
  }
  std::size_t n_errors() const { return report_.n_errors(); }
  std::string to_json(std::size_t threads, double elapsed_s) const { return guarded([&] { return report_.to_json(threads, elapsed_s); }); }

 private:
  ecg::screen::EvalReport report_;
};

// mergeEvalResults(fileSet) -> the unsharded eval JSON from the results of `eval --shard K/N`
std::string merge_eval_results(const FileSet& files) {
  return guarded([&] { return ecg::screen::merge_eval_results(files.buffers()); });
}

// inShard(path, k, n) -> whether the record at `path` is in shard k of n (ecg/shard.h)
bool in_shard(const std::string& path, std::size_t k, std::size_t n) {
  return guarded([&] { return ecg::screen::in_shard(path, ecg::screen::Shard{k, n}); });
}

// An nn model with one inference session. Inputs and outputs are exchanged through views into wasm
// memory (inputView(i).set(...), run(), outputView(i).slice()); views die when memory grows, so the
// JS API takes them fresh for every call.
class NnSession {
 public:
  NnSession(const std::string& bytes, const std::string& backend)
      : session_(guarded([&] {
          auto b = ecg::nn::backend_from_name(backend);
          if (!b) throw ecg::Error("nn: backend got '" + backend + "', expected 'simd' or 'reference'");
          auto model = std::make_shared<const ecg::nn::Model>(
              ecg::nn::Model::load({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}));
          return ecg::nn::Session(model, *b);
        })) {}

  std::string info() const { return ecg::nn::model_info_json(session_.model()); }
  void reshape(std::size_t batch, double input_len) { guarded([&] { session_.reshape(batch, static_cast<std::int64_t>(input_len)); }); }
  val input_view(std::size_t i) {
    return guarded([&] {
      auto s = session_.input(i);
      return val(emscripten::typed_memory_view(s.size(), s.data()));
    });
  }
  void run() { guarded([&] { session_.run(); }); }
  val output_view(std::size_t i) const {
    return guarded([&] {
      auto s = session_.output(i);
      return val(emscripten::typed_memory_view(s.size(), s.data()));
    });
  }
  std::size_t arena_bytes() const { return session_.arena_bytes(); }
  void set_profiling(bool on) { session_.set_profiling(on); }
  // [{op, name, nodes, ms, flops}] per step, ms the mean over the runs since profiling was switched on.
  std::string profile_json() const {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& p : session_.profile()) j.push_back({{"op", p.op}, {"name", p.name}, {"nodes", p.nodes}, {"ms", p.ms}, {"flops", p.flops}});
    return nlohmann::json({{"runs", session_.profiled_runs()}, {"steps", j}}).dump();
  }

 private:
  ecg::nn::Session session_;
};

std::span<const std::uint8_t> byte_span(const std::string& bytes) {
  return {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
}

// bleProtocol() -> JSON: UUIDs and PMD command bytes (ecg::io::ble::protocol_json)
std::string ble_protocol() { return ecg::io::ble::protocol_json(); }

// parsePmdControlPoint(bytes) -> JSON (ecg::io::ble::control_point_json)
std::string parse_pmd_control_point(const std::string& bytes) {
  return guarded([&] { return ecg::io::ble::control_point_json(byte_span(bytes)); });
}

// readModelInfo(bytes) -> JSON: what a model file is, from its header alone (ecg::nn::read_model_info;
// no tensor decoded, no session built)
std::string read_model_info(const std::string& bytes) {
  return guarded([&] { return ecg::nn::model_info_json(ecg::nn::read_model_info(byte_span(bytes))); });
}

// A live stream (ecg::screen::LiveScreener). Each push returns what the page needs to draw and, when
// an update fell due, the findings as JSON ("" otherwise).
class LiveStream {
 public:
  // options: the JSON of createStream's options ({source, fsHz, ...}; ecg/options.h)
  explicit LiveStream(const std::string& options_json)
      : live_(guarded([&] {
          const ecg::options::LiveStreamOptions o = ecg::options::live_stream(options_json);
          return ecg::screen::LiveScreener(o.source, o.live);
        })) {}

  std::string push(const val& samples_mv, double gap_samples) {
    return guarded([&] {
      const auto x = emscripten::convertJSArrayToNumberVector<float>(samples_mv);
      live_.push(x, static_cast<std::int64_t>(gap_samples));
      return due();
    });
  }
  val push_pmd_frame(const std::string& bytes) {
    return guarded([&] {
      const ecg::io::ble::PmdChunk chunk = live_.push_pmd_frame(byte_span(bytes));
      val out = val::object();
      out.set("samples", val(emscripten::typed_memory_view(chunk.samples_mv.size(), chunk.samples_mv.data())).call<val>("slice"));
      out.set("gapSamples", static_cast<double>(chunk.gap_samples));
      out.set("gapS", chunk.gap_s);
      out.set("dropped", chunk.dropped);
      out.set("note", chunk.note);
      out.set("firstSampleUnixMs", chunk.times_unix_ns.empty() ? val::null() : val(static_cast<double>(chunk.times_unix_ns.front()) / 1e6));
      out.set("findings", due());
      return out;
    });
  }
  val push_heart_rate_measurement(const std::string& bytes) {
    return guarded([&] {
      const ecg::io::ble::HeartRateMeasurement m = live_.push_heart_rate_measurement(byte_span(bytes));
      val out = val::object();
      out.set("heartRateBpm", m.heart_rate_bpm);
      out.set("rrMs", val::array(m.rr_ms.begin(), m.rr_ms.end()));
      out.set("sensorContact", m.sensor_contact ? val(*m.sensor_contact) : val::null());
      out.set("energyExpendedKj", m.energy_expended_kj ? val(*m.energy_expended_kj) : val::null());
      out.set("findings", due());
      return out;
    });
  }
  std::string update() { return guarded([&] { return ecg::screen::to_json(live_.update()); }); }
  // session(name) -> { info: JSON, samples: Float32Array } like readRecord
  val session(const std::string& name) {
    return guarded([&] {
      const ecg::Record record = live_.session(name);
      val out = val::object();
      out.set("info", ecg::record_info_json(record));
      out.set("samples", val(emscripten::typed_memory_view(record.samples_mv.size(), record.samples_mv.data())).call<val>("slice"));
      return out;
    });
  }
  // sessionFiles(name, format) -> [{ name, bytes: Uint8Array }]
  val session_files(const std::string& name, const std::string& format) {
    return guarded([&] {
      val out = val::array();
      for (const ecg::io::WrittenFile& f : live_.session_files(name, format)) {
        val file = val::object();
        file.set("name", f.name);
        file.set("bytes", val(emscripten::typed_memory_view(f.bytes.size(), f.bytes.data())).call<val>("slice"));
        out.call<void>("push", file);
      }
      return out;
    });
  }
  double elapsed_s() const { return live_.elapsed_s(); }
  double analysis_bytes() const { return static_cast<double>(live_.analysis_bytes()); }
  // setRhythmModel(bytes): a model file of task "rhythm" run on the last rhythm window at each update
  void set_rhythm_model(const std::string& bytes) {
    guarded([&] { live_.set_rhythm_model(ecg::screen::live_rhythm_model(byte_span(bytes))); });
  }

 private:
  std::string due() {
    auto f = live_.update_if_due();
    return f ? ecg::screen::to_json(*f) : std::string();
  }
  ecg::screen::LiveScreener live_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(ecg_screen) {
  emscripten::register_vector<std::string>("StringVector");
  emscripten::class_<FileSet>("FileSet").constructor<>().function("add", &FileSet::add).function("size", &FileSet::size);
  emscripten::function("readRecord", &read_record);
  emscripten::function("wfdbCompanions", &wfdb_companions);
  emscripten::function("wfdbCompanionLimits", &wfdb_companion_limits);
  emscripten::function("readAnnotations", &read_annotations);
  emscripten::class_<ScreenerHandle>("Screener")
      .constructor<>()
      .function("addModel", &ScreenerHandle::add_model)
      .function("modelNames", &ScreenerHandle::model_names)
      .function("modelChoice", &ScreenerHandle::model_choice)
      .function("choiceMayChange", &ScreenerHandle::choice_may_change)
      .function("rhythmModel", &ScreenerHandle::rhythm_model)
      .function("whyNoModel", &ScreenerHandle::why_no_model)
      .function("screen", &ScreenerHandle::screen)
      .function("screenCsv", &ScreenerHandle::screen_csv)
      .function("evalCase", &ScreenerHandle::eval_case);
  emscripten::class_<EvaluationHandle>("Evaluation")
      .constructor<>()
      .function("addCase", &EvaluationHandle::add_case)
      .function("toJson", &EvaluationHandle::to_json);
  emscripten::class_<EvalReportHandle>("EvalReport")
      .constructor<const ScreenerHandle&, const std::string&, std::size_t, std::size_t, std::size_t>()
      .function("add", &EvalReportHandle::add)
      .function("addError", &EvalReportHandle::add_error)
      .function("nErrors", &EvalReportHandle::n_errors)
      .function("toJson", &EvalReportHandle::to_json);
  emscripten::function("mergeEvalResults", &merge_eval_results);
  emscripten::function("inShard", &in_shard);
  emscripten::function("csvHeader", &ecg::screen::csv_header);
  emscripten::function("detectRpeaks", &detect_rpeaks);
  emscripten::function("delineate", &delineate);
  emscripten::function("evaluateRules", &evaluate_rules);
  emscripten::function("assessQuality", &assess_quality);
  emscripten::function("resample", &resample);
  emscripten::function("bandpass", &bandpass);
  emscripten::function("version", &version);
  emscripten::class_<NnSession>("NnSession")
      .constructor<const std::string&, const std::string&>()
      .function("info", &NnSession::info)
      .function("reshape", &NnSession::reshape)
      .function("inputView", &NnSession::input_view)
      .function("run", &NnSession::run)
      .function("outputView", &NnSession::output_view)
      .function("arenaBytes", &NnSession::arena_bytes)
      .function("setProfiling", &NnSession::set_profiling)
      .function("profileJson", &NnSession::profile_json);
  emscripten::function("readModelInfo", &read_model_info);
  emscripten::function("bleProtocol", &ble_protocol);
  emscripten::function("parsePmdControlPoint", &parse_pmd_control_point);
  emscripten::class_<LiveStream>("LiveStream")
      .constructor<const std::string&>()
      .function("push", &LiveStream::push)
      .function("pushPmdFrame", &LiveStream::push_pmd_frame)
      .function("pushHeartRateMeasurement", &LiveStream::push_heart_rate_measurement)
      .function("update", &LiveStream::update)
      .function("session", &LiveStream::session)
      .function("sessionFiles", &LiveStream::session_files)
      .function("elapsedS", &LiveStream::elapsed_s)
      .function("analysisBytes", &LiveStream::analysis_bytes)
      .function("setRhythmModel", &LiveStream::set_rhythm_model);
}
