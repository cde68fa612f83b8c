// The learned QRS detector (task "qrs", models/qrs-1): the shipped file equals PyTorch on a held-out
// CPSC 2019 record, the core's preprocessing equals tools/train/qrs.py, the candidates equal its
// peaks(), the loader's rules for task "qrs", and the robust scale at its edges.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "ecg/dsp.h"
#include "ecg/error.h"
#include "ecg/nn.h"
#include "ecg/screen.h"
#include "test_util.h"

using Catch::Matchers::Contains;

namespace {

std::vector<std::uint8_t> shipped_qrs() {
  const std::string path = std::string(ECG_MODELS_DIR) + "/qrs-1.safetensors";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ecg::Error("shipped model not found: " + path);
  return {std::istreambuf_iterator<char>(in), {}};
}

double max_abs_diff(std::span<const float> a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  double err = 0;
  for (std::size_t i = 0; i < b.size(); ++i) err = std::max(err, std::fabs(static_cast<double>(a[i]) - b[i]));
  return err;
}

// The random-weight qrs fixture with its document edited (tensor bytes kept; the hash covers tensors only).
std::vector<std::uint8_t> edited_tiny(const std::function<void(nlohmann::json&)>& edit) {
  return ecg::test::edited_model("nn/qrsnet-random.safetensors", [&](nlohmann::json&, nlohmann::json& doc) { edit(doc); });
}

std::string load_error(const std::vector<std::uint8_t>& bytes) {
  try {
    ecg::nn::Model::load(bytes);
  } catch (const ecg::Error& e) {
    return e.what();
  }
  return "(loaded)";
}

}  // namespace

TEST_CASE("qrs: models/qrs-1 matches PyTorch on a held-out CPSC 2019 record, every backend; the core preprocesses as tools/train/qrs.py", "[qrs][nn]") {
  const auto golden = ecg::test::read_safetensors_fixture("nn/qrs-1.golden.safetensors");
  auto model = std::make_shared<const ecg::nn::Model>(ecg::nn::Model::load(shipped_qrs()));
  CHECK(model->info.task == "qrs");
  CHECK(model->info.fs_hz == 100);
  CHECK(model->info.decision_rule == "peaks");
  CHECK(model->info.preprocess.normalize == "block_range_per_lead");
  const auto& in = golden.at("input.ecg");
  const auto& want = golden.at("output.qrs");
  REQUIRE(in.size() == 1000);
  for (ecg::nn::Backend backend : ecg::nn::available_backends()) {
    CAPTURE(ecg::nn::backend_name(backend));
    ecg::nn::Session session(model, backend);
    session.reshape(1, static_cast<std::int64_t>(in.size()));  // fully convolutional: any length
    std::copy(in.begin(), in.end(), session.input(0).begin());
    session.run();
    CHECK(max_abs_diff(session.output(0), want) <= 1e-4);
  }
  // dsp::model_input on the raw 500 Hz lead = tools/train/qrs.py model_input (resample, band-pass, scale).
  const ecg::Record record = ecg::test::read_record_fixture({"cpsc2019/01714.hea", "cpsc2019/01714.dat"});
  CHECK(max_abs_diff(ecg::dsp::model_input(record.lead(0), record.fs_hz, model->info), in) <= 1e-4);
  // The built-in detector's probabilities and candidates: those of PyTorch and peaks() (100 Hz → 500 Hz).
  ecg::dsp::LearnedQrs& qrs = ecg::dsp::builtin_qrs();
  CHECK(qrs.name() == "qrs-1");
  CHECK(max_abs_diff(qrs.probability(record.lead(0), record.fs_hz), want) <= 2e-4);
  const auto& peaks = golden.at("candidates");
  const std::vector<double> got = qrs.candidates(record.lead(0), record.fs_hz);
  REQUIRE(got.size() == peaks.size());
  for (std::size_t k = 0; k < got.size(); ++k) CHECK(got[k] == Approx(5.0 * peaks[k]).margin(0.05));
}

TEST_CASE("qrs: the loader's rules for task qrs, with got … expected …", "[qrs][nn]") {
  using json = nlohmann::json;
  const auto m = ecg::nn::Model::load(ecg::test::read_fixture("nn/qrsnet-random.safetensors"));
  CHECK(m.info.task == "qrs");
  CHECK(m.info.thresholds == std::vector<double>{0.5});
  CHECK(m.info.refractory_s == 0.25);
  CHECK(m.info.min_relative_amplitude == 0.1);
  CHECK_THAT(load_error(edited_tiny([](json& d) { d["decision"]["min_relative_amplitude"] = 1.0; })), Contains("expected a share in [0, 1)"));
  CHECK(ecg::nn::Model::load(edited_tiny([](json& d) { d["decision"].erase("min_relative_amplitude"); })).info.min_relative_amplitude == 0.0);  // optional
  CHECK_THAT(load_error(edited_tiny([](json& d) { d["preprocess"]["aggregate"] = "mean"; })), Contains("expected \"none\" for task \"qrs\""));
  CHECK_THAT(load_error(edited_tiny([](json& d) { d["task"] = "screen"; })), Contains("expected \"mean\" or \"max\" for task \"screen\""));
  CHECK_THAT(load_error(edited_tiny([](json& d) { d["decision"] = {{"rule", "argmax"}}; })), Contains("got \"argmax\", expected \"peaks\" for task \"qrs\""));
  CHECK_THAT(load_error(edited_tiny([](json& d) { d["decision"]["threshold"] = 1.5; })), Contains("decision.threshold"));
  CHECK_THAT(load_error(edited_tiny([](json& d) { d["decision"].erase("refractory_s"); })), Contains("refractory_s"));
  CHECK_THAT(load_error(edited_tiny([](json& d) { d["decision"]["refractory_s"] = -0.1; })), Contains("expected seconds in [0, 2]"));
  CHECK_THAT(load_error(edited_tiny([](json& d) { d["classes"].push_back(d["classes"][0]); })), Contains("expected 1 for task \"qrs\""));
  CHECK_THAT(load_error(edited_tiny([](json& d) { d["preprocess"]["normalize"] = "robust"; })), Contains("\"block_range_per_lead\""));
  // A QRS detector is no screening model, and a screening model is no QRS detector.
  ecg::screen::Screener screener;
  CHECK_THROWS_WITH(screener.add_model(ecg::test::read_fixture("nn/qrsnet-random.safetensors")), Contains("task: got \"qrs\" (a QRS detector"));
  CHECK_THROWS_WITH(ecg::dsp::LearnedQrs(ecg::test::read_fixture("nn/tiny-rhythmnet.safetensors")), Contains("expected \"qrs\""));
}

TEST_CASE("qrs: the block-range scale at its edges (empty, shorter than a block, upper median, spikes)", "[qrs][dsp]") {
  CHECK(ecg::dsp::block_range_scale({}, 100.0) == 0.0);
  const std::vector<float> short_lead{0.0f, 2.0f, -1.0f};
  CHECK(ecg::dsp::block_range_scale(short_lead, 100.0) == 3.0);
  std::vector<float> x;
  for (float r : {1.0f, 4.0f, 2.0f, 3.0f})
    for (int i = 0; i < 100; ++i) x.push_back(r * static_cast<float>(i) / 99.0f);
  CHECK(ecg::dsp::block_range_scale(x, 100.0) == Approx(3.0));  // sorted 1 2 3 4: index 2
  x[150] = 500.0f;  // a spike in the block of range 4: its range grows, the median (3) does not move
  CHECK(ecg::dsp::block_range_scale(x, 100.0) == Approx(3.0));
  std::vector<float> y = x;
  ecg::dsp::block_range_normalize(y, 100.0, 0.0);
  CHECK(y[399] == Approx(3.0 / 3.0));
}
