// The CinC 2021 challenge metric in the core: its table equals the challenge's weights.csv, and its
// scores equal the golden test vectors (the same vectors tools/train/tests/test_metric.py checks).
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "ecg/error.h"
#include "ecg/metric.h"
#include "test_util.h"

using Catch::Matchers::Contains;

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, sep)) out.push_back(part);
  return out;
}

// Class index by weights.csv abbreviation (as the test vectors name classes).
std::size_t by_abbr(const std::string& abbr) {
  const auto& classes = ecg::metric::scored_classes();
  for (std::size_t j = 0; j < classes.size(); ++j) {
    if (classes[j].abbr == abbr) return j;
  }
  throw ecg::Error("no scored class '" + abbr + "'");
}

std::vector<bool> flags(const nlohmann::json& names) {
  std::vector<bool> out(26, false);
  for (const auto& n : names) out[by_abbr(n.get<std::string>())] = true;
  return out;
}

}  // namespace

TEST_CASE("the scored classes and reward matrix equal the challenge's weights.csv", "[metric]") {
  auto bytes = ecg::test::read_fixture("../../tools/train/reference/weights.csv");
  auto lines = split(std::string(bytes.begin(), bytes.end()), '\n');
  REQUIRE(lines.size() >= 27);
  auto header = split(lines[0], ',');
  REQUIRE(header.size() == 27);
  const auto& classes = ecg::metric::scored_classes();
  REQUIRE(classes.size() == 26);
  for (std::size_t j = 0; j < 26; ++j) {
    CHECK(split(header[j + 1], '|') == classes[j].codes);
    auto row = split(lines[j + 1], ',');
    REQUIRE(row.size() == 27);
    CHECK(split(row[0], '|') == classes[j].codes);
    for (std::size_t i = 0; i < 26; ++i) CHECK(ecg::metric::reward(j, i) == std::stod(row[i + 1]));
  }
  CHECK(classes[14].codes == std::vector<std::string>{"426783006"});  // sinus rhythm, the inactive output
}

TEST_CASE("the challenge metric equals every golden test vector", "[metric]") {
  auto bytes = ecg::test::read_fixture("metric/challenge_metric_testvectors.json");
  auto doc = nlohmann::json::parse(bytes.begin(), bytes.end());
  REQUIRE(doc["cases"].size() == 11);
  for (const auto& c : doc["cases"]) {
    INFO("case " << c["name"].get<std::string>());
    ecg::metric::Accumulator acc;
    for (std::size_t k = 0; k < c["labels"].size(); ++k) acc.add(flags(c["labels"][k]), flags(c["outputs"][k]));
    auto s = acc.summary();
    CHECK(s.n_records == c["labels"].size());
    CHECK(s.observed == Approx(c["observed"].get<double>()).epsilon(1e-12).margin(1e-12));
    CHECK(s.correct == Approx(c["correct"].get<double>()).epsilon(1e-12));
    CHECK(s.inactive == Approx(c["inactive"].get<double>()).epsilon(1e-12));
    CHECK(s.challenge_metric == Approx(c["normalized"].get<double>()).epsilon(1e-9).margin(1e-12));
  }
}

TEST_CASE("codes map to classes through the challenge's equivalences; unscored codes are ignored", "[metric]") {
  CHECK(ecg::metric::class_of("59118001") == ecg::metric::class_of("713427006"));  // RBBB = CRBBB
  CHECK(ecg::metric::class_of("17338001") == ecg::metric::class_of("427172004"));  // VPB = PVC
  CHECK_FALSE(ecg::metric::class_of("251146004x"));
  CHECK_FALSE(ecg::metric::class_of("164865005"));  // an unscored diagnosis (myocardial infarction)
  ecg::metric::Accumulator acc;
  std::vector<std::string> rbbb = {"59118001"}, crbbb = {"713427006"}, unscored = {"164865005"}, af = {"164889003"};
  acc.add_codes(rbbb, crbbb);      // equivalent codes: a true positive
  acc.add_codes(unscored, af);     // no scored label: the false positive costs nothing in the metric
  auto s = acc.summary();
  CHECK(s.n_records == 2);
  CHECK(s.n_without_scored_label == 1);
  CHECK(s.challenge_metric == Approx(1.0));
  const auto& rb = s.classes[*ecg::metric::class_of("59118001")];
  CHECK(rb.tp == 1);
  CHECK(rb.f1 == Approx(1.0));
  const auto& a = s.classes[*ecg::metric::class_of("164889003")];
  CHECK(a.fp == 1);
  CHECK(a.tn == 1);
  CHECK(a.f1 == Approx(0.0));
  CHECK_FALSE(a.sensitivity);                       // no AF label at all
  CHECK(a.specificity == Approx(0.5));
  CHECK_FALSE(s.classes[by_abbr("TInv")].f1);       // never labelled nor output: skipped by macro F1
  CHECK(*s.macro_f1 == Approx(0.5));                // mean of RBBB 1.0 and AF 0.0
}

TEST_CASE("merging per-thread accumulators gives the same score as one accumulator", "[metric]") {
  auto bytes = ecg::test::read_fixture("metric/challenge_metric_testvectors.json");
  auto doc = nlohmann::json::parse(bytes.begin(), bytes.end());
  ecg::metric::Accumulator all, even, odd;
  std::size_t k = 0;
  for (const auto& c : doc["cases"]) {
    for (std::size_t r = 0; r < c["labels"].size(); ++r, ++k) {
      auto l = flags(c["labels"][r]), o = flags(c["outputs"][r]);
      all.add(l, o);
      (k % 2 ? odd : even).add(l, o);
    }
  }
  even.merge(odd);
  auto a = all.summary(), b = even.summary();
  CHECK(a.n_records == b.n_records);
  CHECK(a.challenge_metric == Approx(b.challenge_metric).epsilon(1e-12));
  CHECK(a.macro_f1.value() == Approx(b.macro_f1.value()).epsilon(1e-12));
  CHECK(ecg::metric::to_json(a).find("\"challenge_metric\"") != std::string::npos);
}

TEST_CASE("a wrong number of class flags is an error that says what was expected", "[metric]") {
  ecg::metric::Accumulator acc;
  CHECK_THROWS_WITH(acc.add(std::vector<bool>(24), std::vector<bool>(26)), Contains("got 24 label") && Contains("expected 26"));
}

// ---- evaluation of screening against labels (ecg/evaluate.h) -----------------------------------

#include "ecg/evaluate.h"
#include "ecg/io.h"

namespace {
ecg::Record read_cinc(const std::string& name) {
  return ecg::test::read_record_fixture({"train/cinc/" + name + ".hea", "train/cinc/" + name + ".mat"});
}
}  // namespace

TEST_CASE("select_leads keeps the named leads in order and names the ones a record lacks", "[metric][record]") {
  const ecg::Record r = read_cinc("A0003");
  auto four = ecg::lead_set_leads("4");
  REQUIRE(four);
  const ecg::Record s = ecg::select_leads(r, *four);
  CHECK(s.leads == *four);
  CHECK(s.n_samples == r.n_samples);
  REQUIRE(s.samples_mv.size() == 4 * r.n_samples);
  for (std::size_t i = 0; i < 4; ++i) {
    auto a = s.lead(i), b = r.lead(*r.lead_index((*four)[i]));
    CHECK(std::equal(a.begin(), a.end(), b.begin()));
  }
  CHECK(ecg::lead_set_leads("12")->size() == 12);
  CHECK_FALSE(ecg::lead_set_leads("5"));
  const ecg::Record two = ecg::select_leads(r, *ecg::lead_set_leads("2"));
  CHECK_THROWS_WITH(ecg::select_leads(two, *four), Contains("lacks lead(s) III, V2") && Contains("it has I, II"));
}

TEST_CASE("eval_case screens a labelled record on the lead set and skips what cannot be scored", "[metric][screen]") {
  ecg::screen::Screener screener;  // rules only
  const ecg::Record af = read_cinc("A0003");
  REQUIRE(af.labels == std::vector<std::string>{"164889003"});
  auto c = ecg::screen::eval_case(screener, af, "2");
  CHECK(c.record == "A0003");
  CHECK(c.skipped.empty());
  CHECK(c.label_codes == af.labels);
  CHECK(c.model.empty());
  // rules only, leads I and II: the heart-rate rules can decide; axis rules need aVF or II with I
  for (const std::string& code : c.output_codes) CHECK(ecg::metric::class_of(code).has_value());

  ecg::Record unlabelled = af;
  unlabelled.labels.clear();
  CHECK(ecg::screen::eval_case(screener, unlabelled, "12").skipped == "no labels");
  const ecg::Record two = ecg::select_leads(af, *ecg::lead_set_leads("2"));
  CHECK(ecg::screen::eval_case(screener, two, "3").skipped == "lacks lead(s) V2 of the 3-lead set");
  CHECK_THROWS_WITH(ecg::screen::eval_case(screener, af, "5"), Contains("got '5', expected 12, 6, 4, 3 or 2"));

  const auto round = ecg::screen::eval_case_from_json(ecg::screen::to_json(c));
  CHECK(round.record == c.record);
  CHECK(round.label_codes == c.label_codes);
  CHECK(round.output_codes == c.output_codes);
  CHECK_THROWS_WITH(ecg::screen::eval_case_from_json("{\"record\": 1}"), Contains("evaluation case"));
}

TEST_CASE("an Evaluation scores counted cases and tallies skipped ones by reason", "[metric][screen]") {
  ecg::screen::Evaluation e;
  e.add({"a", {"164889003"}, {"164889003"}, "m", false, ""});           // AF found
  e.add({"b", {"426783006"}, {"426783006", "164889003"}, "m", true, ""});  // NSR found, AF false positive
  e.add({"c", {}, {}, "", false, "no labels"});
  e.add({"d", {"426783006"}, {}, "", false, "lacks lead(s) V2 of the 3-lead set"});
  const auto s = e.summary();
  CHECK(s.n_records == 2);
  const auto& af = s.classes[*ecg::metric::class_of("164889003")];
  CHECK(af.tp == 1);
  CHECK(af.fp == 1);
  auto j = nlohmann::json::parse(e.to_json());
  CHECK(j["n_skipped"] == 2);
  CHECK(j["skipped"]["no labels"] == 1);
  CHECK(j["skipped"]["lacks leads of the lead set"] == 1);
  CHECK(j["n_inconclusive"] == 1);
  CHECK(j["models"]["m"] == 2);
  CHECK(j["challenge_metric"].get<double>() == Approx(s.challenge_metric));
}
