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

namespace {

// The table tests/js/api.test.mjs reads too: the same record leads, the same choice in both.
nlohmann::json model_choice_table() { return reference("model-choice"); }

// A record with exactly these leads: 00003_hr's, or (a lead it lacks, e.g. a chest strap's "ECG") its
// lead II under that name.
ecg::Record record_with_leads(const std::vector<std::string>& leads) {
  const ecg::Record full = sample();
  if (std::all_of(leads.begin(), leads.end(), [&](const std::string& l) { return full.lead_index(l).has_value(); })) return keep_leads(full, leads);
  REQUIRE(leads.size() == 1);
  ecg::Record one = keep_leads(full, {"II"});
  one.leads = leads;
  return one;
}

}  // namespace

TEST_CASE("choose_model: the table of record leads x shipped models, the choice screen() then runs", "[screen][model][choice]") {
  const nlohmann::json table = model_choice_table();
  ecg::screen::Screener screener;
  std::vector<ecg::nn::ModelInfo> headers;  // the same models read from their headers alone
  for (const auto& name : table["models"]) {
    screener.add_model(shipped_model(name.get<std::string>()));
    headers.push_back(ecg::nn::read_model_info(shipped_model(name.get<std::string>())));
  }
  std::vector<const ecg::nn::ModelInfo*> header_ptrs;
  for (const auto& h : headers) header_ptrs.push_back(&h);
  REQUIRE(table["cases"].size() >= 10);
  for (const auto& row : table["cases"]) {
    const auto leads = row["leads"].get<std::vector<std::string>>();
    CAPTURE(row.dump());
    const auto choice = screener.model_choice(leads);
    CHECK(choice.has_value() == !row["model"].is_null());
    // the rule on headers alone gives the same answer as on the loaded models
    const auto from_headers = ecg::screen::choose_model(header_ptrs, leads);
    CHECK(from_headers.has_value() == choice.has_value());
    const ecg::screen::Findings f = screener.screen(record_with_leads(leads), {});
    if (!choice) {
      CHECK_FALSE(f.model);
      continue;
    }
    CHECK(choice->name == row["model"].get<std::string>());
    CHECK(choice->task == row["task"].get<std::string>());
    CHECK(choice->lead_set == row["lead_set"].get<std::string>());
    CHECK(table["models"][choice->model].get<std::string>() == choice->name);
    CHECK(from_headers->name == choice->name);
    CHECK(from_headers->lead_set == choice->lead_set);
    REQUIRE(f.model);
    CHECK(f.model->name == choice->name);
    CHECK(f.model->lead_set == choice->lead_set);
    CHECK(f.model->leads == choice->leads);
  }
}

TEST_CASE("choose_model: a lead-wise model's largest fitting lead set; ties go to the model added first; other tasks never", "[screen][model][choice]") {
  const auto leadwise = ecg::nn::read_model_info(model_bytes("tiny-leadwise"));
  const auto two = ecg::nn::read_model_info(shipped_model("mobilenet1d-2"));
  const auto rhythm = ecg::nn::read_model_info(shipped_model("rhythm-1"));
  const auto qrs = ecg::nn::read_model_info(shipped_model("qrs-1"));
  using V = std::vector<std::string>;
  const std::vector<const ecg::nn::ModelInfo*> lw_first{&leadwise, &two};
  auto c = ecg::screen::choose_model(lw_first, V{"I", "II", "V2", "V5"});
  REQUIRE(c);
  CHECK(c->name == "tiny-leadwise");
  CHECK(c->lead_set == "3");
  CHECK(c->lead_set_index == 3u);
  CHECK(c->leads == V{"I", "II", "V2"});
  // I, II: both read 2 leads; the first added wins
  CHECK(ecg::screen::choose_model(lw_first, V{"I", "II"})->name == "tiny-leadwise");
  const std::vector<const ecg::nn::ModelInfo*> two_first{&two, &leadwise};
  CHECK(ecg::screen::choose_model(two_first, V{"I", "II"})->name == "mobilenet1d-2");
  CHECK_FALSE(ecg::screen::choose_model(two_first, V{"I", "II"})->lead_set_index);
  // a rhythm model only for a one-lead record; a QRS detector never
  const std::vector<const ecg::nn::ModelInfo*> others{&qrs, &rhythm};
  CHECK_FALSE(ecg::screen::choose_model(others, V{"I", "II"}));
  const auto one = ecg::screen::choose_model(others, V{"ECG"});
  REQUIRE(one);
  CHECK(one->model == 1u);
  CHECK(one->task == "rhythm");
  CHECK(one->leads == V{"ECG"});
  CHECK_FALSE(ecg::screen::choose_model({}, V{"I"}));
}

TEST_CASE("choice_may_change: whether models not loaded yet, known by their leads, could be chosen instead", "[screen][model][choice]") {
  using V = std::vector<std::string>;
  const auto twelve = ecg::nn::read_model_info(shipped_model("mobilenet1d-12"));
  const std::vector<const ecg::nn::ModelInfo*> loaded{&twelve};
  const std::vector<V> pending{{"I", "II", "III", "aVR", "aVL", "aVF"}, {"I", "II", "V2"}, {"I", "II"}, {"I"}};
  auto may_change = [&](const V& leads) { return ecg::screen::choice_may_change(ecg::screen::choose_model(loaded, leads), leads, pending); };
  CHECK_FALSE(may_change(twelve.leads));                   // 12 leads read: no pending model reads more
  CHECK(may_change(V{"I", "II", "III", "aVR", "aVL", "aVF"}));  // no loaded model fits; a pending one might
  CHECK(may_change(V{"II", "V5"}));                         // a pending model shares lead II
  CHECK_FALSE(may_change(V{"ECG1", "ECG2"}));               // no pending model shares a lead, and not one lead
  CHECK(may_change(V{"ECG"}));                              // one lead: a pending rhythm model would read it
  CHECK_FALSE(ecg::screen::choice_may_change(std::nullopt, V{"I"}, {}));  // nothing pending
  // a loaded rhythm choice is beaten by a pending screening model that reads the lead
  const auto rhythm = ecg::nn::read_model_info(shipped_model("rhythm-1"));
  const std::vector<const ecg::nn::ModelInfo*> rhythm_loaded{&rhythm};
  CHECK(ecg::screen::choice_may_change(ecg::screen::choose_model(rhythm_loaded, V{"I"}), V{"I"}, {{"I"}}));
  CHECK_FALSE(ecg::screen::choice_may_change(ecg::screen::choose_model(rhythm_loaded, V{"ECG"}), V{"ECG"}, {{"I"}}));
}

TEST_CASE("screener: rhythm_model is the first rhythm model added", "[screen][model][rhythm]") {
  ecg::screen::Screener s;
  CHECK_FALSE(s.rhythm_model());
  s.add_model(shipped_model("mobilenet1d-2"));
  CHECK_FALSE(s.rhythm_model());
  s.add_model(shipped_model("rhythm-1"));
  s.add_model(shipped_model("rhythm-1"));
  CHECK(s.rhythm_model() == 1u);
  REQUIRE(s.model_infos().size() == 3);
  CHECK(s.model_infos()[1]->task == "rhythm");
}

TEST_CASE("read_model_info: a model file's header alone gives what Model::load reads from its document", "[nn][model][header]") {
  for (const std::string name : {"mobilenet1d-12", "mobilenet1d-2", "rhythm-1", "qrs-1"}) {
    CAPTURE(name);
    const auto bytes = shipped_model(name);
    std::uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    // the first 8 + N bytes are enough: no tensor is read
    const std::vector<std::uint8_t> head(bytes.begin(), bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
    const ecg::nn::ModelInfo h = ecg::nn::read_model_info(head);
    const ecg::nn::Model m = ecg::nn::Model::load(bytes);
    CHECK(h.name == m.info.name);
    CHECK(h.task == m.info.task);
    CHECK(h.leads == m.info.leads);
    CHECK(h.fs_hz == m.info.fs_hz);
    CHECK(h.input_len == m.info.input_len);
    CHECK(h.schema == m.info.schema);
    CHECK(h.tensor_sha256 == m.info.tensor_sha256);
    CHECK(h.thresholds == m.info.thresholds);
    CHECK(h.classes.size() == m.info.classes.size());
    // model_info_json: the header's summary is the loaded model's without what the graph gives
    const auto from_header = nlohmann::json::parse(ecg::nn::model_info_json(h));
    auto full = nlohmann::json::parse(ecg::nn::model_info_json(m));
    for (const char* graph_key : {"inputs", "outputs", "parameters", "flops_per_window", "dtypes"}) {
      CHECK(full.contains(graph_key));
      full.erase(graph_key);
    }
    CHECK(from_header == full);
  }
  const auto leadwise = ecg::nn::read_model_info(model_bytes("tiny-leadwise"));
  REQUIRE(leadwise.lead_sets.size() == 5);
  CHECK(leadwise.lead_sets[3].leads == std::vector<std::string>{"I", "II", "V2"});
}

TEST_CASE("read_model_info: a damaged header is refused in Model::load's words", "[nn][model][header]") {
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const ecg::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const auto bytes = shipped_model("rhythm-1");
  const auto bad_task = ecg::test::edited_model("../../models/rhythm-1.safetensors", [](nlohmann::json&, nlohmann::json& doc) { doc["task"] = "screening"; });
  CHECK_THAT(message([&] { ecg::nn::read_model_info(bad_task); }), Contains("ecg_screen.task: got \"screening\", expected \"screen\", \"rhythm\" or \"qrs\""));
  CHECK(message([&] { ecg::nn::read_model_info(bad_task); }) == message([&] { ecg::nn::Model::load(bad_task); }));
  const auto no_leads = ecg::test::edited_model("../../models/rhythm-1.safetensors", [](nlohmann::json&, nlohmann::json& doc) { doc.erase("leads"); });
  CHECK(message([&] { ecg::nn::read_model_info(no_leads); }) == message([&] { ecg::nn::Model::load(no_leads); }));
  CHECK_THAT(message([&] { ecg::nn::read_model_info(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 100)); }),
             Contains("model file: header: got a header length of") && Contains("expected at most 92"));
  CHECK_THAT(message([&] { ecg::nn::read_model_info(std::vector<std::uint8_t>{1, 2, 3}); }), Contains("got 3 bytes, expected at least 8"));
}
