// The merge of rules and model, as a table: every rule decision (positive / negative / not assessable
// / no rule) x model decision (positive / negative / no model output) x merge policy, with the
// expected class decision and source; the shipped policy per class; hint rules; lead availability on
// a real record; the model's own decision step (threshold ties, argmax ties); aggregate modes.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "ecg/dsp.h"
#include "ecg/error.h"
#include "ecg/live.h"
#include "ecg/io.h"
#include "ecg/rules.h"
#include "ecg/screen.h"
#include "screen/pipeline.h"
#include "test_util.h"

using Catch::Matchers::Contains;
using ecg::rules::Decision;
using ecg::screen::MergePolicy;

namespace {

struct Row {
  MergePolicy policy;
  std::optional<Decision> rule;  // nullopt: no rule screens the class
  std::optional<bool> model;     // nullopt: no model output (no model fits the record's leads)
  bool decision;
  const char* source;
};

constexpr auto P = Decision::positive, N = Decision::negative, NA = Decision::not_assessable;
constexpr std::optional<Decision> NO_RULE = std::nullopt;
constexpr std::optional<bool> NO_MODEL = std::nullopt;

// clang-format off
const Row kTable[] = {
    // policy rule: an assessable rule decides; a not-assessable one leaves the class to the model
    {MergePolicy::rule, P, true, true, "both"},        {MergePolicy::rule, P, false, true, "rule"},       {MergePolicy::rule, P, NO_MODEL, true, "rule"},
    {MergePolicy::rule, N, true, false, ""},           {MergePolicy::rule, N, false, false, ""},          {MergePolicy::rule, N, NO_MODEL, false, ""},
    {MergePolicy::rule, NA, true, true, "model"},      {MergePolicy::rule, NA, false, false, ""},         {MergePolicy::rule, NA, NO_MODEL, false, ""},
    {MergePolicy::rule, NO_RULE, true, true, "model"}, {MergePolicy::rule, NO_RULE, false, false, ""},    {MergePolicy::rule, NO_RULE, NO_MODEL, false, ""},
    // policy model: the model decides when it ran; without a model output an assessable rule decides
    {MergePolicy::model, P, true, true, "both"},       {MergePolicy::model, P, false, false, ""},         {MergePolicy::model, P, NO_MODEL, true, "rule"},
    {MergePolicy::model, N, true, true, "model"},      {MergePolicy::model, N, false, false, ""},         {MergePolicy::model, N, NO_MODEL, false, ""},
    {MergePolicy::model, NA, true, true, "model"},     {MergePolicy::model, NA, false, false, ""},        {MergePolicy::model, NA, NO_MODEL, false, ""},
    {MergePolicy::model, NO_RULE, true, true, "model"},{MergePolicy::model, NO_RULE, false, false, ""},   {MergePolicy::model, NO_RULE, NO_MODEL, false, ""},
    // policy agreement: positive only when both are
    {MergePolicy::agreement, P, true, true, "both"},   {MergePolicy::agreement, P, false, false, ""},     {MergePolicy::agreement, P, NO_MODEL, true, "rule"},
    {MergePolicy::agreement, N, true, false, ""},      {MergePolicy::agreement, N, false, false, ""},     {MergePolicy::agreement, N, NO_MODEL, false, ""},
    {MergePolicy::agreement, NA, true, true, "model"}, {MergePolicy::agreement, NA, false, false, ""},    {MergePolicy::agreement, NA, NO_MODEL, false, ""},
    {MergePolicy::agreement, NO_RULE, true, true, "model"}, {MergePolicy::agreement, NO_RULE, false, false, ""}, {MergePolicy::agreement, NO_RULE, NO_MODEL, false, ""},
    // policy either: positive when one of them is
    {MergePolicy::either, P, true, true, "both"},      {MergePolicy::either, P, false, true, "rule"},     {MergePolicy::either, P, NO_MODEL, true, "rule"},
    {MergePolicy::either, N, true, true, "model"},     {MergePolicy::either, N, false, false, ""},        {MergePolicy::either, N, NO_MODEL, false, ""},
    {MergePolicy::either, NA, true, true, "model"},    {MergePolicy::either, NA, false, false, ""},       {MergePolicy::either, NA, NO_MODEL, false, ""},
    {MergePolicy::either, NO_RULE, true, true, "model"}, {MergePolicy::either, NO_RULE, false, false, ""}, {MergePolicy::either, NO_RULE, NO_MODEL, false, ""},
};
// clang-format on

std::string name(std::optional<Decision> d) { return d ? std::string(ecg::rules::to_string(*d)) : "no rule"; }
std::string name(std::optional<bool> m) { return !m ? "no model" : *m ? "model positive" : "model negative"; }

ecg::rules::RuleResult rule_result(const std::string& id, const std::string& snomed, Decision d) {
  ecg::rules::RuleResult r;
  r.id = id;
  r.snomed = snomed;
  r.name = id + " (test)";
  r.decision = d;
  return r;
}

ecg::screen::ClassFinding model_class(const std::string& snomed, const std::string& abbr, double p, double threshold) {
  ecg::screen::ClassFinding c;
  c.snomed = snomed;
  c.abbr = abbr;
  c.name = abbr;
  c.probability = p;
  c.threshold = threshold;
  c.model_positive = p >= threshold;
  return c;
}

const ecg::screen::ClassFinding& cls(const ecg::screen::Findings& f, const std::string& snomed) {
  for (const auto& c : f.classes)
    if (c.snomed == snomed) return c;
  FAIL("no class " << snomed);
  return f.classes.front();
}

}  // namespace

TEST_CASE("merge: every rule x model x policy combination gives the tabled decision and source", "[merge]") {
  for (const Row& r : kTable) {
    CAPTURE(ecg::screen::to_string(r.policy), name(r.rule), name(r.model));
    const auto d = ecg::screen::decide_class(r.rule, r.model, r.policy);
    CHECK(d.decision == r.decision);
    CHECK(d.source == r.source);
  }
  CHECK(std::size(kTable) == 4 * 4 * 3);
}

TEST_CASE("merge: the shipped policy of each rule class", "[merge]") {
  // docs/rules.md "Merge policy" gives the evidence for each line.
  const std::pair<const char*, MergePolicy> expected[] = {
      {"Brady", MergePolicy::model}, {"SB", MergePolicy::rule},    {"STach", MergePolicy::agreement},
      {"LAD", MergePolicy::rule},    {"RAD", MergePolicy::model},  {"LQRSV", MergePolicy::model},
      {"PR", MergePolicy::rule},     {"IAVB", MergePolicy::model}, {"LQT", MergePolicy::rule},
      {"PAC", MergePolicy::rule},    {"PVC", MergePolicy::rule},
  };
  CHECK(ecg::screen::merge_policy("unknown") == MergePolicy::rule);
  for (const auto& [id, policy] : expected) {
    CAPTURE(id);
    CHECK(ecg::screen::merge_policy(id) == policy);
  }
}

TEST_CASE("merge: Findings through merge_rules_into_classes, each class by its rule's policy", "[merge]") {
  // One class of each shipped policy end to end: SB (rule decides), STach (agreement), IAVB (model).
  for (const auto& [id, snomed] : {std::pair<const char*, const char*>{"SB", "426177001"}, {"STach", "427084000"}, {"IAVB", "270492004"}}) {
    for (const Row& r : kTable) {
      if (r.policy != ecg::screen::merge_policy(id)) continue;
      CAPTURE(id, name(r.rule), name(r.model));
      ecg::screen::Findings f;
      if (r.model) f.classes.push_back(model_class(snomed, id, *r.model ? 0.9 : 0.1, 0.5));
      if (r.rule) f.rules.rules.push_back(rule_result(id, snomed, *r.rule));
      ecg::screen::merge_rules_into_classes(f);
      if (!r.model && !r.rule) {
        CHECK(f.classes.empty());
        continue;
      }
      const auto& c = cls(f, snomed);
      CHECK(c.decision == r.decision);
      CHECK(c.source == r.source);
      CHECK(c.has_rule == r.rule.has_value());
    }
  }
}

TEST_CASE("merge: a rule class the model lacks is appended with the rule's id and name; rules alone decide it", "[merge]") {
  ecg::screen::Findings f;
  f.classes.push_back(model_class("426783006", "NSR", 0.8, 0.5));
  f.rules.rules.push_back(rule_result("LQT", "111975006", Decision::positive));
  f.rules.rules.push_back(rule_result("RAD", "47665007", Decision::not_assessable));
  ecg::screen::merge_rules_into_classes(f);
  REQUIRE(f.classes.size() == 3);
  CHECK(f.classes[1].abbr == "LQT");
  CHECK(f.classes[1].name == "LQT (test)");
  CHECK_FALSE(f.classes[1].probability.has_value());
  CHECK(f.classes[1].decision);
  CHECK(f.classes[1].source == "rule");
  CHECK_FALSE(f.classes[2].decision);  // not assessable, no model: negative
  CHECK(f.classes[2].source.empty());
  CHECK(f.classes[0].decision);  // a class without a rule is the model's
  CHECK(f.classes[0].source == "model");
  CHECK_FALSE(f.classes[0].has_rule);
}

TEST_CASE("merge: hint rules (QRS120, IrregularRR) never decide or create a class", "[merge]") {
  for (bool model_pos : {false, true}) {
    CAPTURE(model_pos);
    ecg::screen::Findings f;
    f.classes.push_back(model_class("164889003", "AF", model_pos ? 0.9 : 0.1, 0.5));
    f.classes.push_back(model_class("6374002", "BBB", model_pos ? 0.9 : 0.1, 0.5));
    f.rules.rules.push_back(rule_result("IrregularRR", "164889003", Decision::positive));
    f.rules.rules.push_back(rule_result("QRS120", "6374002", Decision::positive));
    ecg::screen::merge_rules_into_classes(f);
    REQUIRE(f.classes.size() == 2);
    for (const auto& c : f.classes) {
      CAPTURE(c.abbr);
      CHECK_FALSE(c.has_rule);
      CHECK(c.decision == model_pos);
      CHECK(c.source == (model_pos ? "model" : ""));
    }
  }
  ecg::screen::Findings alone;  // rules only: a positive hint adds no class
  alone.rules.rules.push_back(rule_result("IrregularRR", "164889003", Decision::positive));
  ecg::screen::merge_rules_into_classes(alone);
  CHECK(alone.classes.empty());
}

TEST_CASE("merge: lead availability on the PTB-XL sample: without lead I the axis classes fall to the model", "[merge][fixture]") {
  const ecg::Record full = ecg::test::read_record_fixture({"wfdb/00003_hr.hea", "wfdb/00003_hr.dat"});
  const std::vector<std::string> no_lead_i = {"II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"};
  for (bool with_lead_i : {true, false}) {
    CAPTURE(with_lead_i);
    const ecg::Record record = with_lead_i ? full : ecg::select_leads(full, no_lead_i);
    for (std::optional<bool> model : {std::optional<bool>(true), std::optional<bool>(false), NO_MODEL}) {
      CAPTURE(name(model));
      ecg::screen::Findings f;
      f.rules = ecg::rules::evaluate(record, ecg::Sex::female);
      if (model) f.classes.push_back(model_class("39732003", "LAD", *model ? 0.9 : 0.1, 0.5));
      ecg::screen::merge_rules_into_classes(f);
      const auto& lad = cls(f, "39732003");
      // ecg_id 3 is a normal axis: the rule says negative with lead I; without it, not assessable.
      CHECK(lad.rule == (with_lead_i ? Decision::negative : Decision::not_assessable));
      const bool expected = with_lead_i ? false : model.value_or(false);
      CHECK(lad.decision == expected);
      CHECK(lad.source == (expected ? "model" : ""));
    }
  }
}

TEST_CASE("merge: inconclusive when more than half of the leads used are unusable (boundary 6 vs 7 of 12)", "[merge][inconclusive]") {
  const ecg::Record full = ecg::test::read_record_fixture({"wfdb/00003_hr.hea", "wfdb/00003_hr.dat"});
  for (std::size_t flat : {0u, 5u, 6u, 7u, 12u}) {
    CAPTURE(flat);
    ecg::Record r = full;
    for (std::size_t k = 0; k < flat; ++k) std::fill(r.lead(k).begin(), r.lead(k).end(), 0.0f);
    ecg::screen::Findings f;
    f.rpeaks = {100, 600, 1100};
    ecg::screen::judge_signal(f, r, r.leads);
    CHECK(f.inconclusive == (2 * flat > 12));
    if (f.inconclusive) {
      REQUIRE_FALSE(f.inconclusive_reasons.empty());
      CHECK_THAT(f.inconclusive_reasons.back(), Contains(std::to_string(flat) + " of 12 leads"));
    }
  }
}

TEST_CASE("model decisions: p >= threshold is positive (ties included), and the most probable class always (first on ties)", "[merge][model]") {
  using ecg::screen::model_decisions;
  struct Case {
    std::vector<double> p, thr;
    std::vector<bool> expected;
  };
  const Case cases[] = {
      {{0.30, 0.50, 0.20}, {0.5, 0.5, 0.5}, {false, true, false}},          // at the threshold: positive
      {{0.30, 0.49, 0.20}, {0.5, 0.5, 0.5}, {false, true, false}},          // below every threshold: the argmax alone
      {{0.30, 0.51, 0.60}, {0.5, 0.5, 0.7}, {false, true, true}},           // argmax below its threshold still positive
      {{0.40, 0.40, 0.10}, {0.9, 0.9, 0.9}, {true, false, false}},          // tie for the maximum: the first class
      {{0.10, 0.40, 0.40}, {0.9, 0.9, 0.9}, {false, true, false}},
      {{0.20, 0.20}, {0.2, 0.2}, {true, true}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.p, c.thr);
    CHECK(model_decisions(c.p, c.thr) == c.expected);
  }
  CHECK(model_decisions({}, {}).empty());
}

TEST_CASE("screener: windows are averaged; a screening model asking for another aggregate is refused", "[merge][model]") {
  // No shipped model uses "aggregate": "max", so screening supports "mean" only; a file asking for
  // "max" is refused when added, with the field named.
  std::vector<std::uint8_t> bytes = ecg::test::read_fixture("nn/tiny-lrhnet.safetensors");
  const std::string mean = R"(\"aggregate\":\"mean\")", max = R"(\"aggregate\":\"max\" )";
  std::string text(bytes.begin(), bytes.end());
  const auto at = text.find(mean);
  REQUIRE(at != std::string::npos);
  ecg::screen::Screener ok;
  CHECK_NOTHROW(ok.add_model(bytes));
  std::copy(max.begin(), max.end(), bytes.begin() + static_cast<std::ptrdiff_t>(at));
  ecg::screen::Screener screener;
  CHECK_THROWS_WITH(screener.add_model(bytes), Contains("preprocess.aggregate") && Contains("\"max\"") && Contains("expected \"mean\""));
}

TEST_CASE("live merge: the rhythm model's AF is recognised by SNOMED code or by abbreviation", "[merge][live]") {
  // MIT-BIH 100 (sinus rhythm: the IrregularRR rule is negative), 40 s at the strap's 130 Hz; a fake
  // rhythm model whose decided class is AF under one naming or the other, or not AF.
  const ecg::Record record = ecg::test::read_record_fixture({"mitbih/100_2min.hea", "mitbih/100_2min.dat"});
  const std::vector<float> mv = ecg::dsp::resample(record.lead(record.lead_index("II").value()), record.fs_hz, 130.0);
  struct Case {
    const char* snomed;
    const char* abbr;
    bool af;
  };
  for (const Case c : {Case{"164889003", "AFib", true}, Case{"local:A", "A", true}, Case{"local:x", "AF", true}, Case{"local:y", "AFIB", true},
                       Case{"426783006", "N", false}, Case{"local:O", "O", false}}) {
    CAPTURE(c.snomed, c.abbr);
    ecg::screen::LiveScreener live(ecg::screen::LiveSource::ecg);
    live.set_rhythm_model([&](const ecg::Record&) {
      ecg::screen::LiveModelResult m;
      m.name = "fake";
      m.classes = {{"local:other", "Z", "other", 0.2}, {c.snomed, c.abbr, "decided class", 0.8}};
      m.best = 1;
      return m;
    });
    live.push(std::span<const float>(mv.data(), std::min<std::size_t>(mv.size(), 40 * 130)));
    const auto f = live.update();
    REQUIRE(f.model.has_value());
    CHECK(f.irregular_rr.decision == Decision::negative);
    CHECK(f.af_suspected == c.af);
    CHECK(f.af_source == (c.af ? "model" : ""));
  }
}

TEST_CASE("live merge: AF by the rule and by the rhythm model is source \"both\"; by the rule alone \"rule\"", "[merge][live]") {
  // CPSC 2021 data_8_4 (persistent AF: the IrregularRR rule is positive), lead I at the strap's 130 Hz;
  // a fake rhythm model deciding AF, or deciding normal rhythm.
  const ecg::Record record = ecg::test::read_record_fixture({"cpsc2021/data_8_4.hea", "cpsc2021/data_8_4.dat"});
  const std::vector<float> mv = ecg::dsp::resample(record.lead(record.lead_index("I").value()), record.fs_hz, 130.0);
  for (const bool model_af : {true, false}) {
    CAPTURE(model_af);
    ecg::screen::LiveScreener live(ecg::screen::LiveSource::ecg);
    live.set_rhythm_model([&](const ecg::Record&) {
      ecg::screen::LiveModelResult m;
      m.name = "fake";
      m.classes = {{"426783006", "N", "normal", model_af ? 0.1 : 0.9}, {"164889003", "AF", "atrial fibrillation", model_af ? 0.9 : 0.1}};
      m.best = model_af ? 1 : 0;
      return m;
    });
    live.push(std::span<const float>(mv.data(), std::min<std::size_t>(mv.size(), 40 * 130)));
    const auto f = live.update();
    REQUIRE(f.model.has_value());
    REQUIRE(f.irregular_rr.decision == Decision::positive);
    CHECK(f.af_suspected);
    CHECK(f.af_source == (model_af ? "both" : "rule"));
  }
}
