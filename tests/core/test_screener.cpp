// The model pipeline: preprocessing equals the Python twin, the right model and lead set are chosen,
// probabilities over windows equal an independent float64 numpy run of the same model file, and the
// class decisions follow threshold_or_argmax merged with the rules.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "ecg/io.h"
#include "ecg/screen.h"
#include "screen/pipeline.h"
#include "test_util.h"

using Catch::Matchers::Contains;

namespace {

ecg::Record read(const std::string& hea, const std::string& data) {
  return ecg::test::read_record_fixture({hea, data});
}

ecg::Record sample() { return read("wfdb/00003_hr.hea", "wfdb/00003_hr.dat"); }

std::vector<std::uint8_t> model_bytes(const std::string& name) { return ecg::test::read_fixture("nn/" + name + ".safetensors"); }

// Written by tools/screen_reference.py (the command is in each file).
nlohmann::json reference(const std::string& name) {
  auto bytes = ecg::test::read_fixture("screen/" + name + ".json");
  return nlohmann::json::parse(bytes.begin(), bytes.end());
}

ecg::Record keep_leads(const ecg::Record& r, const std::vector<std::string>& leads) { return ecg::select_leads(r, leads); }

void check_probabilities(const ecg::screen::Findings& f, const nlohmann::json& ref) {
  REQUIRE(f.model);
  CHECK(f.model->windows == ref["windows"].get<std::size_t>());
  const auto& probs = ref["probabilities"];
  REQUIRE(f.classes.size() >= probs.size());
  for (std::size_t c = 0; c < probs.size(); ++c) {
    CAPTURE(c, f.classes[c].abbr);
    CHECK(f.classes[c].abbr == ref["classes"][c].get<std::string>());
    REQUIRE(f.classes[c].probability);
    // float32 engine and preprocessing vs float64 numpy: 1e-4 absolute on probabilities in [0, 1].
    CHECK(*f.classes[c].probability == Approx(probs[c].get<double>()).margin(1e-4));
  }
}

}  // namespace

TEST_CASE("model preprocessing equals tools/train/preprocess.py on real records", "[screen][preprocess]") {
  // Reference: /usr/bin/python3 -m tools.train.preprocess --write-reference (tolerance 1e-4 absolute,
  // stated in the files' metadata). E00015's header states 4880/mV; the training loader reads it at
  // 1000/mV (data/README.md), so the record is rescaled the same way here: z-scoring cancels a gain
  // only up to epsilon, which at 4.88x smaller amplitudes would exceed the tolerance.
  ecg::nn::ModelInfo info;
  info.name = "reference";
  info.fs_hz = 257;
  info.preprocess.bandpass_hz = std::pair{0.5, 45.0};
  info.preprocess.fir_taps = 515;
  for (const std::string name : {"cinc/A0002", "cinc/E00015", "cinc2017/A00004"}) {
    CAPTURE(name);
    ecg::Record r = read("train/" + name + ".hea", "train/" + name + ".mat");
    if (name == "cinc/E00015") for (float& v : r.samples_mv) v *= 4880.0f / 1000.0f;
    info.leads = r.leads;
    ecg::Record x = ecg::screen::preprocess_for_model(r, info);
    const auto want = ecg::test::read_safetensors_fixture("train/preprocess/" + name.substr(name.find('/') + 1) + ".preprocessed.safetensors").at("output");
    REQUIRE(x.samples_mv.size() == want.size());
    double worst = 0;
    for (std::size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::abs(double(x.samples_mv[i]) - want[i]));
    CHECK(worst <= 1e-4);
  }
}

TEST_CASE("screener: a 12-lead record runs the 12-lead model over windows covering the record", "[screen][model]") {
  ecg::screen::Screener screener(ecg::nn::Backend::reference);
  screener.add_model(model_bytes("tiny-lrhnet-2"));
  screener.add_model(model_bytes("tiny-lrhnet"));
  auto f = screener.screen(sample(), {37.0, ecg::Sex::female});
  REQUIRE(f.model);
  CHECK(f.model->name == "tiny-lrhnet");
  CHECK(f.model->lead_set == "12");
  check_probabilities(f, reference("00003_hr.tiny-lrhnet"));
  // threshold_or_argmax; each rule class merged by its policy (decide_class: table in test_merge.cpp), the model the others.
  std::size_t argmax = 0;
  for (std::size_t c = 0; c < 26; ++c) if (*f.classes[c].probability > *f.classes[argmax].probability) argmax = c;
  CHECK(f.classes[argmax].model_positive);
  for (const auto& c : f.classes) {
    CAPTURE(c.abbr);
    const bool assessable = c.has_rule && c.rule != ecg::rules::Decision::not_assessable;
    const bool rule_positive = assessable && c.rule == ecg::rules::Decision::positive;
    if (c.probability) CHECK(c.model_positive == (*c.probability >= *c.threshold || &c == &f.classes[argmax]));
    const auto expected = ecg::screen::decide_class(c.has_rule ? std::optional<ecg::rules::Decision>(c.rule) : std::nullopt, c.model_positive,
                                                    c.has_rule ? ecg::screen::merge_policy(c.abbr) : ecg::screen::MergePolicy::model);
    CHECK(c.decision == expected.decision);
    CHECK(c.source == expected.source);
    if (assessable && ecg::screen::merge_policy(c.abbr) == ecg::screen::MergePolicy::rule) CHECK(c.decision == rule_positive);
  }
  for (const std::string rate : {"Brady", "SB", "STach"}) {
    auto c = std::find_if(f.classes.begin(), f.classes.end(), [&](const auto& k) { return k.abbr == rate; });
    REQUIRE(c != f.classes.end());
    CHECK(c->rule == ecg::rules::Decision::negative);  // 64 bpm
    if (ecg::screen::merge_policy(rate) != ecg::screen::MergePolicy::model) CHECK_FALSE(c->decision);
  }
  CHECK_FALSE(f.inconclusive);
}

TEST_CASE("screener: a 2-lead record gets the 2-lead model; a lead-wise model its largest fitting lead set", "[screen][model]") {
  ecg::screen::Screener screener(ecg::nn::Backend::simd);
  screener.add_model(model_bytes("tiny-lrhnet"));
  screener.add_model(model_bytes("tiny-lrhnet-2"));
  auto two = screener.screen(keep_leads(sample(), {"II", "I"}), {});
  CHECK(two.model->name == "tiny-lrhnet-2");
  check_probabilities(two, reference("00003_hr.tiny-lrhnet-2"));

  ecg::screen::Screener leadwise(ecg::nn::Backend::simd);
  leadwise.add_model(model_bytes("tiny-leadwise"));
  auto three = leadwise.screen(keep_leads(sample(), {"I", "II", "V2", "V5"}), {std::nullopt, ecg::Sex::male});
  CHECK(three.model->name == "tiny-leadwise");
  CHECK(three.model->lead_set == "3");
  CHECK(three.model->leads == std::vector<std::string>{"I", "II", "V2"});
  check_probabilities(three, reference("00003_hr.tiny-leadwise-3"));
}

TEST_CASE("screener: without a fitting model the rules still screen and say why", "[screen][model]") {
  ecg::screen::Screener screener;
  screener.add_model(model_bytes("tiny-lrhnet"));
  auto f = screener.screen(keep_leads(sample(), {"I", "V1"}), {});
  CHECK_FALSE(f.model);
  CHECK_THAT(f.warnings.back(), Contains("no model fits") && Contains("rules only"));
  for (const auto& c : f.classes) CHECK_FALSE(c.probability);
  CHECK_FALSE(f.classes.empty());  // the rules' classes (Brady, SB, STach, ...)
}

TEST_CASE("screener: a flat record is inconclusive, not normal", "[screen][model]") {
  ecg::Record flat = sample();
  std::fill(flat.samples_mv.begin(), flat.samples_mv.end(), 0.1f);
  ecg::screen::Screener screener;
  screener.add_model(model_bytes("tiny-lrhnet"));
  auto f = screener.screen(flat, {});
  CHECK(f.inconclusive);
  CHECK_THAT(f.inconclusive_reasons.front(), Contains("fewer than two heartbeats"));
}

TEST_CASE("screener: an invalid model file is refused with what was expected", "[screen][model]") {
  ecg::screen::Screener screener;
  std::vector<std::uint8_t> junk{1, 2, 3};
  CHECK_THROWS_AS(screener.add_model(junk), ecg::Error);
}

namespace {

std::vector<std::uint8_t> shipped_model(const std::string& name) { return ecg::test::read_fixture("../../models/" + name + ".safetensors"); }

ecg::screen::Screener every_shipped_model() {
  ecg::screen::Screener s;
  for (const std::string name : {"mobilenet1d-12", "mobilenet1d-6", "mobilenet1d-3", "mobilenet1d-2", "rhythm-1"}) s.add_model(shipped_model(name));
  return s;
}

const ecg::screen::ClassFinding* find_class(const ecg::screen::Findings& f, const std::string& snomed) {
  for (const auto& c : f.classes)
    if (c.snomed == snomed) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("screener: a one-lead record from a file is screened by the rhythm model, which decides AF, with the rules", "[screen][model][rhythm]") {
  ecg::screen::Screener screener = every_shipped_model();
  // CinC 2017 A01192 (label A, AliveCor, 300 Hz, lead "ECG"), read from its .hea/.mat bytes
  const ecg::Record af = read("cinc2017/A01192.hea", "cinc2017/A01192.mat");
  REQUIRE(af.n_leads() == 1);
  const ecg::screen::Findings f = screener.screen(af, {});
  REQUIRE(f.rhythm);
  CHECK(f.rhythm->model == "rhythm-1");
  CHECK(f.rhythm->lead == "ECG");
  CHECK(f.rhythm->classes[f.rhythm->best].abbr == "AF");
  REQUIRE(f.model);
  CHECK(f.model->name == "rhythm-1");
  CHECK(f.model->lead_set == "1");
  CHECK(f.model->leads == std::vector<std::string>{"ECG"});
  CHECK(f.model->windows == f.rhythm->windows);
  const auto* c = find_class(f, "164889003");
  REQUIRE(c);
  CHECK(c->decision);
  CHECK(c->model_positive);
  CHECK(c->source == "model");  // IrregularRR is a hint, not a deciding rule
  REQUIRE(c->probability);
  CHECK(*c->probability == Approx(f.rhythm->classes[1].probability));
  CHECK(*c->probability > 0.5);
  CHECK_FALSE(c->threshold);  // single-label argmax: no threshold
  // the rules ran too and decide their classes; only AF has a model probability
  CHECK_FALSE(f.rules.rules.empty());
  CHECK(f.heart_rate_bpm);
  for (const auto& k : f.classes)
    if (k.snomed != "164889003") CHECK_FALSE(k.probability);
  CHECK_THAT(f.warnings.back(), Contains("rhythm model rhythm-1") && Contains("decides AF"));
  CHECK_FALSE(f.inconclusive);
  const auto j = nlohmann::json::parse(ecg::screen::to_json(f));
  CHECK(j["rhythm"]["model"] == "rhythm-1");
  CHECK(j["rhythm"]["decided"] == "AF");
  CHECK(j["rhythm"]["classes"].size() == 4);
  CHECK(j["model"]["name"] == "rhythm-1");

  // a normal one-lead record (CinC 2017 A05493, label N): AF negative, rhythm says normal
  const ecg::screen::Findings n = screener.screen(read("cinc2017/A05493.hea", "cinc2017/A05493.mat"), {});
  REQUIRE(n.rhythm);
  CHECK(n.rhythm->classes[n.rhythm->best].abbr == "NSR");
  REQUIRE(find_class(n, "164889003"));
  CHECK_FALSE(find_class(n, "164889003")->decision);

  // a 12-lead record still goes to the 12-lead model, without a rhythm result
  const ecg::screen::Findings twelve = screener.screen(sample(), {});
  REQUIRE(twelve.model);
  CHECK(twelve.model->name == "mobilenet1d-12");
  CHECK_FALSE(twelve.rhythm);
  CHECK(nlohmann::json::parse(ecg::screen::to_json(twelve))["rhythm"].is_null());
  // two leads that no screening model fits: rules only (the rhythm model reads one-lead records)
  const ecg::screen::Findings two = screener.screen(keep_leads(sample(), {"V1", "V5"}), {});
  CHECK_FALSE(two.model);
  CHECK_FALSE(two.rhythm);
}

TEST_CASE("screener: why_no_model names what each model needs when none can screen the record", "[screen][model][rhythm]") {
  ecg::screen::Screener rhythm_only;
  rhythm_only.add_model(shipped_model("rhythm-1"));
  const auto twelve = rhythm_only.why_no_model(sample());
  REQUIRE(twelve);
  CHECK_THAT(*twelve, Contains("no model given can screen this record: it has 12 leads (I, II, III") && Contains("rhythm-1 (a rhythm model) reads one-lead records only"));
  CHECK_FALSE(rhythm_only.why_no_model(keep_leads(sample(), {"II"})));

  ecg::screen::Screener twelve_only;
  twelve_only.add_model(shipped_model("mobilenet1d-12"));
  const auto one = twelve_only.why_no_model(keep_leads(sample(), {"I"}));
  REQUIRE(one);
  CHECK_THAT(*one, Contains("it has 1 lead (I)") && Contains("mobilenet1d-12 needs leads I II III aVR aVL aVF V1 V2 V3 V4 V5 V6"));
  CHECK_FALSE(twelve_only.why_no_model(sample()));
  // a lead-wise model fits through any of its lead sets
  ecg::screen::Screener leadwise;
  leadwise.add_model(model_bytes("tiny-leadwise"));
  CHECK_FALSE(leadwise.why_no_model(keep_leads(sample(), {"I", "II"})));
  CHECK_THAT(leadwise.why_no_model(keep_leads(sample(), {"V1"})).value_or(""), Contains(" or I II"));
  // no model added: nothing to explain (rules only on purpose)
  CHECK_FALSE(ecg::screen::Screener().why_no_model(sample()));
}
