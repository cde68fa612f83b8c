// Embind bindings: thin and typed, no logic. Every ecg::Error becomes a JS Error with the same message.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecg/annotations.h"
#include "ecg/dsp.h"
#include "ecg/error.h"
#include "ecg/evaluate.h"
#include "ecg/io.h"
#include "ecg/nn.h"
#include "ecg/record.h"
#include "ecg/rules.h"
#include "ecg/screen.h"

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

// Reader options as JSON ({"fsHz": 500, "units": "uV", "deriveLimbLeads": true}; all optional).
ecg::io::ReadOptions read_options_from_json(const std::string& json) {
  ecg::io::ReadOptions options;
  if (json.empty()) return options;
  const nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw ecg::Error("readRecord options: expected a JSON object, found " + json.substr(0, 40));
  try {
    if (j.contains("fsHz") && !j["fsHz"].is_null()) options.fs_hz = j["fsHz"].get<double>();
    if (j.contains("units") && !j["units"].is_null()) options.units = j["units"].get<std::string>();
    if (j.contains("deriveLimbLeads")) options.derive_limb_leads = j["deriveLimbLeads"].get<bool>();
  } catch (const nlohmann::json::exception& e) {
    throw ecg::Error(std::string("readRecord options: ") + e.what());
  }
  return options;
}

// readRecord(files, optionsJson) -> { info: string (JSON), samples: Float32Array (lead-major, mV) }
val read_record(const FileSet& files, const std::string& options_json) {
  return guarded([&] {
    auto buffers = files.buffers();
    ecg::Record record = ecg::io::read_record(buffers, read_options_from_json(options_json));
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

// evaluateRules(infoJson, samples, patientJson) -> JSON rules report
std::string evaluate_rules(const std::string& info_json, const val& samples, const std::string& patient_json) {
  return guarded([&] {
    ecg::Record record = to_record(info_json, samples);
    auto patient = ecg::screen::patient_from_json(patient_json);
    return ecg::rules::to_json(ecg::rules::evaluate(record, patient.sex != ecg::Sex::unknown ? patient.sex : record.sex));
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

 private:
  ecg::screen::Findings run(const std::string& info_json, const val& samples, const std::string& patient_json) {
    return screener_.screen(to_record(info_json, samples), ecg::screen::patient_from_json(patient_json));
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

  std::string info() const { return info_json(session_.model()); }
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

 private:
  static std::string info_json(const ecg::nn::Model& m) {
    nlohmann::json j;
    const auto& i = m.info;
    j["name"] = i.name;
    j["architecture"] = i.architecture;
    j["leads"] = i.leads;
    j["fs_hz"] = i.fs_hz;
    j["input_len"] = i.input_len;
    j["demographics"] = i.demographics.empty() ? nlohmann::json(nullptr) : nlohmann::json(i.demographics);
    for (const auto& c : i.classes) j["classes"].push_back({{"snomed", c.snomed}, {"abbr", c.abbr}, {"name", c.name}});
    j["thresholds"] = i.thresholds;
    for (const auto& in : m.inputs) j["inputs"].push_back({{"name", in.name}, {"shape", in.shape.rank == 2 ? std::vector<std::int64_t>{in.shape.c, in.shape.l} : std::vector<std::int64_t>{in.shape.c}}});
    for (int o : m.outputs) j["outputs"].push_back(m.value_names[static_cast<std::size_t>(o)]);
    for (const auto& s : i.lead_sets) j["lead_sets"].push_back({{"name", s.name}, {"leads", s.leads}, {"output", s.output}, {"thresholds", s.thresholds}});
    j["parameters"] = m.parameter_count();
    j["flops_per_window"] = m.flops(i.input_len);
    return j.dump();
  }
  ecg::nn::Session session_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(ecg_screen) {
  emscripten::register_vector<std::string>("StringVector");
  emscripten::class_<FileSet>("FileSet").constructor<>().function("add", &FileSet::add).function("size", &FileSet::size);
  emscripten::function("readRecord", &read_record);
  emscripten::function("wfdbCompanions", &wfdb_companions);
  emscripten::function("readAnnotations", &read_annotations);
  emscripten::class_<ScreenerHandle>("Screener")
      .constructor<>()
      .function("addModel", &ScreenerHandle::add_model)
      .function("modelNames", &ScreenerHandle::model_names)
      .function("screen", &ScreenerHandle::screen)
      .function("screenCsv", &ScreenerHandle::screen_csv)
      .function("evalCase", &ScreenerHandle::eval_case);
  emscripten::class_<EvaluationHandle>("Evaluation")
      .constructor<>()
      .function("addCase", &EvaluationHandle::add_case)
      .function("toJson", &EvaluationHandle::to_json);
  emscripten::function("csvHeader", &ecg::screen::csv_header);
  emscripten::function("detectRpeaks", &detect_rpeaks);
  emscripten::function("delineate", &delineate);
  emscripten::function("evaluateRules", &evaluate_rules);
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
      .function("arenaBytes", &NnSession::arena_bytes);
}
