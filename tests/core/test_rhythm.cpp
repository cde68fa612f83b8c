// Rhythm models (task "rhythm"): the shipped models/rhythm-1 equals PyTorch on a real window; the
// classifier equals tools/train/rhythm.py on a whole real CinC 2017 AF record and calls it AF; which
// lead it reads; and Screener never chooses a rhythm model.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "ecg/error.h"
#include "ecg/io.h"
#include "ecg/screen.h"
#include "test_util.h"

using Catch::Matchers::Contains;

namespace {

// A fold-0 (test fold of the shipped model) AF record chosen by tools/train/rhythm.py pick_fixture.
const std::string kRecord = "A01192";

// The shipped file (int8 weights) or, with float32 = true, the float32 file it was quantised from
// (tools/train/float32, by tools/train/quantize-all.sh).
std::vector<std::uint8_t> shipped(const std::string& name, bool float32 = false) {
  const std::string path = std::string(ECG_MODELS_DIR) + (float32 ? "/../tools/train/float32/" : "/") + name + ".safetensors";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ecg::Error("shipped model not found: " + path);
  return {std::istreambuf_iterator<char>(in), {}};
}

ecg::Record read(const std::string& hea, const std::string& data) {
  return ecg::test::read_record_fixture({hea, data});
}

ecg::Record twelve_lead() { return read("wfdb/00003_hr.hea", "wfdb/00003_hr.dat"); }

ecg::Record keep_leads(const ecg::Record& r, const std::vector<std::string>& leads) { return ecg::select_leads(r, leads); }

}  // namespace

TEST_CASE("rhythm: models/rhythm-1 matches PyTorch on a real preprocessed window, every backend, int8 and float32", "[rhythm][nn]") {
  // int8 file: PyTorch on its dequantised weights (1e-4); float32 file: PyTorch float32 (1e-4); and
  // what quantisation costs: the int8 file against the float32 PyTorch logits.
  const auto float_golden = ecg::test::read_safetensors_fixture("nn/rhythm-1.golden.safetensors");
  const auto int8_golden = ecg::test::read_safetensors_fixture("nn/rhythm-1.int8.golden.safetensors");
  for (const bool float32 : {false, true}) {
    auto model = std::make_shared<const ecg::nn::Model>(ecg::nn::Model::load(shipped("rhythm-1", float32)));
    CHECK(model->info.task == "rhythm");
    CHECK(model->info.fs_hz == 130);
    CHECK(model->info.input_len == 1950);
    CHECK(model->info.schema == 2);  // tools/train/export.py writes schema 2 (float32 tensors + hash); quantize.py keeps it
    CHECK(model->info.tensor_sha256.size() == 64);
    for (ecg::nn::Backend backend : ecg::nn::available_backends()) {
      ecg::nn::Session session(model, backend);
      const auto& in = float_golden.at("input.ecg");
      REQUIRE(session.input(0).size() == in.size());
      std::copy(in.begin(), in.end(), session.input(0).begin());
      session.run();
      auto got = session.output(0);
      for (const bool against_float : {false, true}) {
        if (float32 && !against_float) continue;
        const auto& want = (against_float ? float_golden : int8_golden).at("output.logits");
        REQUIRE(got.size() == want.size());
        double scale = 0, err = 0;
        for (std::size_t i = 0; i < want.size(); ++i) {
          scale = std::max(scale, std::fabs(static_cast<double>(want[i])));
          err = std::max(err, std::fabs(static_cast<double>(got[i]) - want[i]));
        }
        const char* what = float32 ? "float32 file vs float32 PyTorch" : against_float ? "int8 file vs float32 PyTorch" : "int8 file vs its PyTorch";
        std::printf("parity rhythm-1 %-9s %-32s: max_abs_err %.3g, output scale %.3g\n", ecg::nn::backend_name(backend), what, err, scale);
        INFO(what << " " << ecg::nn::backend_name(backend));
        CHECK(err <= (float32 || !against_float ? 1e-4 : 0.02) * scale);
      }
    }
  }
}

TEST_CASE("rhythm: the classifier calls a real AF record AF with the probabilities of tools/train/rhythm.py", "[rhythm]") {
  // tools/train/rhythm.py's probabilities are of the float32 model: the float32 file must match them
  // to 1e-4, the shipped int8 file to 0.02, and both call the record AF.
  for (const bool float32 : {true, false}) {
  CAPTURE(float32);
  ecg::screen::RhythmClassifier classifier(shipped("rhythm-1", float32));
  const ecg::Record record = read("cinc2017/" + kRecord + ".hea", "cinc2017/" + kRecord + ".mat");
  REQUIRE(record.n_leads() == 1);
  auto bytes = ecg::test::read_fixture("screen/" + kRecord + ".rhythm-1.json");
  const auto ref = nlohmann::json::parse(bytes.begin(), bytes.end());
  const ecg::screen::RhythmResult r = classifier.classify(record);
  CHECK(r.model == "rhythm-1");
  CHECK(r.lead == record.leads[0]);  // "ECG": a one-lead record's only lead, whatever its name
  CHECK(r.windows == ref["windows"].get<std::size_t>());
  CHECK(r.windows >= 2);
  REQUIRE(r.classes.size() == 4);
  double sum = 0;
  for (std::size_t c = 0; c < 4; ++c) {
    CAPTURE(c);
    CHECK(r.classes[c].abbr == ref["classes"][c].get<std::string>());
    // float32 engine and preprocessing vs float64 numpy/PyTorch
    CHECK(r.classes[c].probability == Approx(ref["probabilities"][c].get<double>()).margin(float32 ? 1e-4 : 0.02));
    sum += r.classes[c].probability;
  }
  CHECK(sum == Approx(1.0).margin(1e-9));
  CHECK(ref["label"] == "A");
  CHECK(r.classes[r.best].abbr == "AF");
  CHECK(r.classes[r.best].snomed == "164889003");
  }
}

TEST_CASE("rhythm: the classifier reads the model's lead by name, or a one-lead record's only lead", "[rhythm]") {
  ecg::screen::RhythmClassifier classifier(ecg::test::read_fixture("nn/tiny-rhythmnet.safetensors"), ecg::nn::Backend::reference);
  const ecg::Record twelve = twelve_lead();
  auto a = classifier.classify(twelve);
  CHECK(a.lead == "I");
  // the same as lead I alone, and as lead I renamed (a chest strap's "ECG")
  auto only_i = keep_leads(twelve, {"I"});
  auto b = classifier.classify(only_i);
  only_i.leads = {"ECG"};
  auto c = classifier.classify(only_i);
  CHECK(c.lead == "ECG");
  for (std::size_t k = 0; k < 4; ++k) {
    CHECK(a.classes[k].probability == Approx(b.classes[k].probability).margin(1e-12));
    CHECK(b.classes[k].probability == Approx(c.classes[k].probability).margin(1e-12));
  }
  CHECK(a.windows == 5);  // 10 s at 130 Hz = 1300 samples: windows of 512 at 0, 256, 512, 768 and 788 (the end)
  CHECK_THROWS_WITH(classifier.classify(keep_leads(twelve, {"II", "V1"})), Contains("expected lead(s) I or a single-lead record"));
  CHECK_THROWS_WITH(ecg::screen::RhythmClassifier(ecg::test::read_fixture("nn/tiny-lrhnet.safetensors")),
                    Contains("got \"screen\", expected \"rhythm\""));
}

TEST_CASE("shipped models: every lead set goes to the model with the most of its leads; the rhythm model is never chosen", "[rhythm][screen][model]") {
  ecg::screen::Screener screener(ecg::nn::Backend::simd);
  // every shipped model, in the order of web/gen/models.json (most leads first, then by name)
  for (const std::string name : {"mobilenet1d-12", "mobilenet1d-6", "mobilenet1d-3", "mobilenet1d-2", "rhythm-1"}) screener.add_model(shipped(name));
  CHECK(screener.model_names().size() == 5);
  const ecg::Record twelve = twelve_lead();
  // each lead set of Kang & Wen goes to the shipped model with the most of the record's leads
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "mobilenet1d-12"},
      {{"I", "II", "III", "aVR", "aVL", "aVF"}, "mobilenet1d-6"},
      {{"I", "II", "III", "V2"}, "mobilenet1d-3"},  // no 4-lead model is shipped (the 3-lead one scores higher): it uses I, II and V2
      {{"I", "II", "V2"}, "mobilenet1d-3"},
      {{"I", "II"}, "mobilenet1d-2"},
      {{"I", "II", "V1", "V5"}, "mobilenet1d-2"},
  };
  for (const auto& [leads, want] : cases) {
    auto f = screener.screen(leads.empty() ? twelve : keep_leads(twelve, leads), {});
    INFO(leads.size() << " leads: expected " << want);
    REQUIRE(f.model);
    CHECK(f.model->name == want);
  }
  // one lead: no screening model fits, so the rhythm model screens it (test_screener.cpp has the details)
  auto f1 = screener.screen(keep_leads(twelve, {"I"}), {});
  REQUIRE(f1.model);
  CHECK(f1.model->name == "rhythm-1");
  REQUIRE(f1.rhythm);
  // two leads that no screening model fits: rules only, and the rhythm model is not used
  auto f2 = screener.screen(keep_leads(twelve, {"V1", "V2"}), {});
  CHECK_FALSE(f2.model);
  CHECK_FALSE(f2.rhythm);
  REQUIRE_FALSE(f2.warnings.empty());
  CHECK_THAT(f2.warnings.back(), Contains("no model fits") && !Contains("rhythm-1"));

  // a rhythm model alone: the same one-lead routing; the result equals RhythmClassifier's
  ecg::screen::Screener rhythm_only;
  rhythm_only.add_model(ecg::test::read_fixture("nn/tiny-rhythmnet.safetensors"));
  auto g = rhythm_only.screen(keep_leads(twelve, {"I"}), {});
  REQUIRE(g.rhythm);
  ecg::screen::RhythmClassifier direct(ecg::test::read_fixture("nn/tiny-rhythmnet.safetensors"));
  const auto d = direct.classify(keep_leads(twelve, {"I"}));
  for (std::size_t k = 0; k < d.classes.size(); ++k) CHECK(g.rhythm->classes[k].probability == Approx(d.classes[k].probability).margin(1e-12));
  for (const auto& c : g.classes) CHECK(c.probability.has_value() == (c.snomed == "164889003"));
  auto h = rhythm_only.screen(twelve, {});  // 12 leads: the rhythm model reads one-lead records only
  CHECK_FALSE(h.model);
  CHECK_FALSE(h.rhythm);
}
