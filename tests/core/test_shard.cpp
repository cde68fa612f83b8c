// Shards of a batch (ecg/shard.h) and the merge of sharded eval results into the unsharded one (ecg/evaluate.h).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecg/error.h"
#include "ecg/evaluate.h"
#include "ecg/shard.h"

using Catch::Matchers::Contains;

TEST_CASE("a shard is K/N with whole numbers 1 <= K <= N, and anything else is refused in words", "[shard]") {
  for (const auto& [text, k, n] : std::vector<std::tuple<std::string, std::size_t, std::size_t>>{
           {"1/1", 1, 1}, {"1/3", 1, 3}, {"3/3", 3, 3}, {"07/10", 7, 10}, {"1000000/1000000", 1000000, 1000000}}) {
    const ecg::screen::Shard s = ecg::screen::parse_shard(text);
    CHECK(s.k == k);
    CHECK(s.n == n);
  }
  for (const std::string bad : {"0/3", "4/3", "a/b", "3", "1/0", "", "/", "1/", "/3", "1/3/5", "-1/3", " 1/3", "1/3 ", "1.0/3", "+1/3",
                                "1000001/1000001", "1/99999999999999999999"}) {
    CHECK_THROWS_WITH(ecg::screen::parse_shard(bad), Contains("--shard: got '" + bad + "', expected K/N with whole numbers 1 <= K <= N"));
  }
}

TEST_CASE("FNV-1a 64 gives the published test values", "[shard]") {
  CHECK(ecg::screen::fnv1a64("") == 0xcbf29ce484222325ull);
  CHECK(ecg::screen::fnv1a64("a") == 0xaf63dc4c8601ec8cull);
  CHECK(ecg::screen::fnv1a64("foobar") == 0x85944171f73967e8ull);
}

TEST_CASE("a record's shard comes from its name only: not its folder, extension or the order of files", "[shard]") {
  using ecg::screen::record_name_of_path;
  CHECK(record_name_of_path("data/cinc/A0002.hea") == "A0002");
  CHECK(record_name_of_path("/mnt/x/A0002") == "A0002");
  CHECK(record_name_of_path("A0002.MAT") == "A0002");
  CHECK(record_name_of_path("a/b/r.csv") == "r");
  CHECK(record_name_of_path("a/b/r.edf") == "r");
  CHECK(record_name_of_path("a/b/r.1.dat") == "r.1");
  CHECK(record_name_of_path("a/b/r.1") == "r.1");  // not a record extension: kept
  CHECK(record_name_of_path("a/.hea") == ".hea");
  // fnv1a64("A0002") = 0x8e7cd8c8e6ad2552: shard 2 of 3; "HR00001" = 0xc45f4c4ec830b63a: shard 1 of 3
  CHECK(ecg::screen::shard_of("A0002", 3) == 2);
  CHECK(ecg::screen::shard_of("HR00001", 3) == 1);
  CHECK(ecg::screen::in_shard("/one/host/A0002.hea", {2, 3}));
  CHECK(ecg::screen::in_shard("other/host/A0002", {2, 3}));
  CHECK_FALSE(ecg::screen::in_shard("A0002.hea", {1, 3}));
  // every name in exactly one shard, and all shards used
  std::vector<std::size_t> per_shard(5, 0);
  for (int i = 0; i < 1000; ++i) {
    std::size_t in = 0;
    for (std::size_t k = 1; k <= 5; ++k) in += ecg::screen::in_shard("r" + std::to_string(i) + ".hea", {k, 5});
    REQUIRE(in == 1);
    ++per_shard[ecg::screen::shard_of("r" + std::to_string(i), 5) - 1];
  }
  for (std::size_t c : per_shard) CHECK((c > 150 && c < 250));
}

namespace {

using ecg::screen::EvalCase;
using ecg::screen::EvalReport;
using ecg::screen::Screener;

// A folder of 20 records: varied labels and outputs (so the sums of W/u depend on their order),
// two skipped and one that could not be read.
struct Listing {
  std::string file;
  std::optional<EvalCase> c;
  std::string error;
};
std::vector<Listing> listing() {
  const std::vector<std::vector<std::string>> codes{{"164889003"}, {"426783006"}, {"426783006", "251146004"}, {"270492004", "164889003", "59118001"},
                                                   {"284470004"}, {"713427006", "426783006"}, {"427084000"}, {}};
  std::vector<Listing> out;
  for (std::size_t i = 0; i < 20; ++i) {
    Listing l{"data/R" + std::to_string(100 + i) + ".hea", EvalCase{}, ""};
    l.c->record = "R" + std::to_string(100 + i);
    l.c->label_codes = codes[i % codes.size()];
    l.c->output_codes = codes[(i * 3 + 1) % codes.size()];
    l.c->model = i % 4 ? "mobilenet1d-12" : "mobilenet1d-2";
    l.c->inconclusive = i % 7 == 3;
    if (i == 5) l.c->skipped = "no labels";
    if (i == 11) l.c->skipped = "lacks lead(s) V2 of the 3-lead set";
    if (i == 8) l = {l.file, std::nullopt, "data/R108.hea: cannot open the file (No such file or directory)"};
    out.push_back(std::move(l));
  }
  return out;
}

const std::vector<Screener::ModelId> kModels{{"mobilenet1d-12", 0x0123456789abcdefull}, {"mobilenet1d-2", 0xfedcba9876543210ull}};

std::string run_eval(std::optional<ecg::screen::Shard> shard, std::size_t threads, double elapsed_s, const std::string& lead_set = "2",
                     const std::vector<Screener::ModelId>& models = kModels) {
  const auto records = listing();
  EvalReport report({lead_set, models, shard, records.size()});
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (shard && !ecg::screen::in_shard(records[i].file, *shard)) continue;
    if (records[i].c) report.add(i, records[i].file, *records[i].c);
    else report.add_error(i, records[i].file, records[i].error);
  }
  return report.to_json(threads, elapsed_s);
}

std::string merge(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<ecg::io::NamedBuffer> buffers;
  for (const auto& [name, text] : files) buffers.push_back({name, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}});
  return ecg::screen::merge_eval_results(buffers);
}

}  // namespace

TEST_CASE("merged shards give exactly the unsharded eval result, whatever the order of the files", "[shard][metric]") {
  const std::string whole = run_eval(std::nullopt, 6, 1.5);  // threads: the shards' sum; elapsed: the longest shard's
  std::vector<std::pair<std::string, std::string>> shards;
  std::size_t in_shards = 0;
  for (std::size_t k = 1; k <= 3; ++k) {
    shards.emplace_back("s" + std::to_string(k) + ".json", run_eval(ecg::screen::Shard{k, 3}, k, 0.5 * static_cast<double>(k)));
    const auto j = nlohmann::json::parse(shards.back().second);
    CHECK(j["shard"]["k"] == k);
    CHECK(j["shard"]["records_in_folder"] == 20);
    CHECK(j["shard"]["models"][0]["fnv1a64"] == "0123456789abcdef");
    CHECK(j["n_files"] == j["shard"]["records_in_shard"]);
    CHECK(j["shard"]["records_in_shard"] == j["cases"].size() + j["errors"].size());
    CHECK(j["shard"]["records_in_shard"].get<std::size_t>() > 0);
    in_shards += j["shard"]["records_in_shard"].get<std::size_t>();
  }
  CHECK(in_shards == 20);
  CHECK(merge(shards) == whole);
  CHECK(merge({shards[2], shards[0], shards[1]}) == whole);
  const auto j = nlohmann::json::parse(whole);
  CHECK_FALSE(j.contains("shard"));
  CHECK_FALSE(j.contains("cases"));
  CHECK(j["n_files"] == 20);
  CHECK(j["n_skipped"] == 2);
  CHECK(j["errors"].size() == 1);
  CHECK_FALSE(j["errors"][0].contains("index"));
  // one shard of one: the whole result too
  CHECK(merge({{"all.json", run_eval(ecg::screen::Shard{1, 1}, 6, 1.5)}}) == whole);
}

TEST_CASE("merge refuses what is not one complete set of shards, naming the file", "[shard]") {
  const auto shard = [](std::size_t k, std::size_t n) { return run_eval(ecg::screen::Shard{k, n}, 1, 1.0); };
  const std::string s1 = shard(1, 3), s2 = shard(2, 3), s3 = shard(3, 3);
  CHECK_THROWS_WITH(merge({}), Contains("found none"));
  CHECK_THROWS_WITH(merge({{"a.json", s1}, {"a.json", s1}}), Contains("a.json: given twice"));
  CHECK_THROWS_WITH(merge({{"a.json", s1}, {"b.json", s1}, {"c.json", s3}}),
                    Contains("b.json: shard 1/3 again, already given as a.json (expected each shard once)"));
  CHECK_THROWS_WITH(merge({{"a.json", s1}, {"c.json", s3}}), Contains("expected shards 1/3 to 3/3, found no shard 2/3 among a.json (1/3), c.json (3/3)"));
  CHECK_THROWS_WITH(merge({{"a.json", s1}, {"b.json", shard(2, 4)}}),
                    Contains("b.json: expected a shard of 3 like a.json (shard 1/3), found shard 2/4"));
  CHECK_THROWS_WITH(merge({{"a.json", s1}, {"b.json", run_eval(ecg::screen::Shard{2, 3}, 1, 1.0, "12")}, {"c.json", s3}}),
                    Contains("b.json: expected --leads 2 like a.json, found --leads 12"));
  CHECK_THROWS_WITH(merge({{"a.json", s1}, {"b.json", run_eval(ecg::screen::Shard{2, 3}, 1, 1.0, "")}, {"c.json", s3}}),
                    Contains("found every lead (no --leads)"));
  auto other = kModels;
  other[1].fnv1a64 ^= 1;  // same name, other weights
  CHECK_THROWS_WITH(merge({{"a.json", s1}, {"b.json", run_eval(ecg::screen::Shard{2, 3}, 1, 1.0, "2", other)}, {"c.json", s3}}),
                    Contains("b.json: expected the models of a.json: mobilenet1d-12 (fnv1a64 0123456789abcdef), mobilenet1d-2 (fnv1a64 fedcba9876543210); "
                             "found mobilenet1d-12 (fnv1a64 0123456789abcdef), mobilenet1d-2 (fnv1a64 fedcba9876543211)"));
  CHECK_THROWS_WITH(merge({{"a.json", s1}, {"b.json", run_eval(ecg::screen::Shard{2, 3}, 1, 1.0, "2", {})}, {"c.json", s3}}),
                    Contains("found no model (--no-model)"));
  CHECK_THROWS_WITH(merge({{"whole.json", run_eval(std::nullopt, 1, 1.0)}}), Contains("whole.json: expected the JSON output of 'ecg-screen eval --shard K/N', found the result of an eval without --shard"));
  CHECK_THROWS_WITH(merge({{"x.txt", "not json"}}), Contains("x.txt: expected the JSON output of 'ecg-screen eval --shard K/N', found text that is not JSON"));
  CHECK_THROWS_WITH(merge({{"x.json", "{\"record\": \"A0001\"}"}}), Contains("x.json: expected the JSON output of 'ecg-screen eval --shard K/N', found JSON that is not an eval result"));

  // A record in two shards, a record in the wrong shard, a record missing, a shard of another folder.
  auto j2 = nlohmann::json::parse(s2);
  const auto j1 = nlohmann::json::parse(s1);
  auto twice = j2;
  twice["cases"].push_back(j1["cases"][0]);
  twice["shard"]["records_in_shard"] = twice["shard"]["records_in_shard"].get<std::size_t>() + 1;
  const std::string file = j1["cases"][0]["file"];
  CHECK_THROWS_WITH(merge({{"a.json", s1}, {"b.json", twice.dump()}, {"c.json", s3}}),
                    Contains("b.json: record " + std::to_string(j1["cases"][0]["index"].get<std::size_t>()) + " of the folder (" + file + ") is also in a.json; expected each record in one shard"));
  CHECK_THROWS_WITH(merge({{"b.json", twice.dump()}, {"a.json", s1}, {"c.json", s3}}), Contains("b.json: " + file + " belongs to shard 1/3"));
  auto dropped = j2;
  dropped["cases"].erase(dropped["cases"].begin());
  CHECK_THROWS_WITH(merge({{"a.json", s1}, {"b.json", dropped.dump()}, {"c.json", s3}}),
                    Contains("b.json: expected " + std::to_string(j2["shard"]["records_in_shard"].get<std::size_t>()) + " records (shard.records_in_shard), found"));
  dropped["shard"]["records_in_shard"] = dropped["shard"]["records_in_shard"].get<std::size_t>() - 1;
  CHECK_THROWS_WITH(merge({{"a.json", s1}, {"b.json", dropped.dump()}, {"c.json", s3}}),
                    Contains("expected all 20 records of the folder across the 3 shards, found 19"));
  auto bigger = j2;
  bigger["shard"]["records_in_folder"] = 21;
  CHECK_THROWS_WITH(merge({{"a.json", s1}, {"b.json", bigger.dump()}, {"c.json", s3}}),
                    Contains("b.json: expected 20 records in the folder like a.json, found 21"));
  auto bad_case = j2;
  bad_case["cases"][0].erase("outputs");
  CHECK_THROWS_WITH(merge({{"a.json", s1}, {"b.json", bad_case.dump()}, {"c.json", s3}}),
                    Contains("b.json: cases[0]: expected {index, file, record, labels, outputs, model, inconclusive, skipped}, found key 'outputs' not found"));
}

TEST_CASE("an eval report takes records in folder-listing order only", "[shard]") {
  EvalReport report({"", {}, std::nullopt, 3});
  report.add(1, "b.hea", EvalCase{"b", {}, {}, "", false, "no labels"});
  CHECK_THROWS_WITH(report.add(1, "b.hea", EvalCase{}), Contains("expected records in folder-listing order, found record 1 after record 1"));
  CHECK_THROWS_WITH(report.add_error(0, "a.hea", "x"), Contains("found record 0 after record 1"));
  report.add_error(2, "c.hea", "c.hea: cannot open the file");
  CHECK(report.n_files() == 2);
  CHECK(report.n_errors() == 1);
}
