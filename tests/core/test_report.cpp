// The report's measurement block and median beats (#16): typed measurements equal the rules' own
// evidence, the P / T axes and median beats on real and constructed signals, with their boundaries.
#include <catch2/catch.hpp>

#include <cctype>
#include <cmath>
#include <numbers>

#include <nlohmann/json.hpp>

#include "ecg/dsp.h"
#include "ecg/measure.h"
#include "ecg/screen.h"
#include "test_util.h"

namespace {
ecg::dsp::Beat beat_at(std::int64_t r) {
  ecg::dsp::Beat b{};
  b.r = r;
  return b;
}

ecg::Record sample_record() { return ecg::test::read_record_fixture({"wfdb/00003_hr.hea", "wfdb/00003_hr.dat"}); }

const nlohmann::json& rule(const nlohmann::json& j, const std::string& id) {
  for (const auto& r : j["rules"]["rules"]) if (r["id"] == id) return r;
  throw std::runtime_error("no rule " + id);
}
std::optional<double> evidence(const nlohmann::json& r, const std::string& name) {
  for (const auto& e : r["evidence"]) if (e["name"] == name && !e.contains("lead")) return e["value"].get<double>();
  return std::nullopt;
}

// A record of `n` seconds whose leads I, II, aVF hold the same shape scaled by the given gains: a
// triangle "QRS" of 1 mV at each R, a P bump 160 ms before and a T bump 300 ms after.
ecg::Record synthetic(double seconds, std::vector<std::int64_t>& rpeaks, double fs = 500.0) {
  ecg::Record r;
  r.name = "synthetic";
  r.fs_hz = fs;
  r.leads = {"I", "II", "aVF"};
  r.n_samples = static_cast<std::size_t>(seconds * fs);
  r.samples_mv.assign(3 * r.n_samples, 0.0f);
  const double gains[] = {1.0, 1.0, 0.5};
  for (std::int64_t at = static_cast<std::int64_t>(0.5 * fs); at + static_cast<std::int64_t>(0.6 * fs) < static_cast<std::int64_t>(r.n_samples);
       at += static_cast<std::int64_t>(fs)) {
    rpeaks.push_back(at);
  }
  auto bump = [&](std::int64_t centre, double half_width_s, double height, std::size_t lead, double gain) {
    const auto w = static_cast<std::int64_t>(half_width_s * fs);
    for (std::int64_t k = -w; k <= w; ++k) {
      const double v = height * 0.5 * (1 + std::cos(std::numbers::pi * static_cast<double>(k) / static_cast<double>(w)));
      r.samples_mv[lead * r.n_samples + static_cast<std::size_t>(centre + k)] += static_cast<float>(gain * v);
    }
  };
  for (std::size_t lead = 0; lead < 3; ++lead) {
    for (auto rp : rpeaks) {
      bump(rp, 0.04, 1.0, lead, gains[lead]);
      bump(rp - static_cast<std::int64_t>(0.16 * fs), 0.05, 0.15, lead, gains[lead]);
      bump(rp + static_cast<std::int64_t>(0.30 * fs), 0.08, 0.3, lead, gains[lead]);
    }
  }
  return r;
}
}  // namespace

TEST_CASE("report: the measurement block of the sample equals the rules' evidence, with units and methods", "[report][measure]") {
  const auto f = ecg::screen::screen(sample_record(), {});
  const auto j = nlohmann::json::parse(ecg::screen::to_json(f));
  const auto& m = j["measurements"];
  CHECK(m["heart_rate_bpm"]["value"].get<double>() == j["heart_rate_bpm"].get<double>());
  CHECK(m["rr_ms"]["value"].get<double>() == Approx(60000.0 / j["heart_rate_bpm"].get<double>()));
  CHECK(m["pr_ms"]["value"].get<double>() == *evidence(rule(j, "IAVB"), "pr_ms"));
  CHECK(m["qrs_ms"]["value"].get<double>() == *evidence(rule(j, "QRS120"), "qrs_ms"));
  CHECK(m["qt_ms"]["value"].get<double>() == *evidence(rule(j, "LQT"), "qt_ms"));
  CHECK(m["qrs_axis_deg"]["value"].get<double>() == *evidence(rule(j, "LAD"), "qrs_axis_deg"));
  // The QTc formula is the one the LQT criterion names first, and its value is that evidence.
  const std::string criterion = rule(j, "LQT")["criterion"];
  const std::string formula = m["qtc_ms"]["formula"];
  CHECK(criterion.rfind(formula, 0) == 0);
  std::string lower = formula;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  CHECK(m["qtc_ms"]["value"].get<double>() == *evidence(rule(j, "LQT"), "qtc_" + lower + "_ms"));
  // The values the issue quotes for this record (PR 129, QRS 80, QT 392 ms, QRS axis 23 degrees).
  CHECK(m["pr_ms"]["value"].get<double>() == Approx(129).margin(3));
  CHECK(m["qrs_ms"]["value"].get<double>() == Approx(80).margin(3));
  CHECK(m["qt_ms"]["value"].get<double>() == Approx(392).margin(3));
  CHECK(m["qrs_axis_deg"]["value"].get<double>() == Approx(23).margin(2));
  // A normal sinus record: P and T axes in their normal ranges (P 0..75, T -15..105 degrees).
  REQUIRE(m["p_axis_deg"]["value"].is_number());
  REQUIRE(m["t_axis_deg"]["value"].is_number());
  CHECK(m["p_axis_deg"]["value"].get<double>() > 0);
  CHECK(m["p_axis_deg"]["value"].get<double>() < 75);
  CHECK(m["t_axis_deg"]["value"].get<double>() > -15);
  CHECK(m["t_axis_deg"]["value"].get<double>() < 105);
  for (const auto& [key, value] : m.items()) {
    INFO(key);
    CHECK(value["reason"].is_null());
    CHECK(!value["unit"].get<std::string>().empty());
    CHECK(!value["method"].get<std::string>().empty());
  }
  // Median beats: 12 leads, 0.85 s at 500 Hz, starting 300 ms before R, every fiducial point found
  // and in order.
  const auto& mb = j["median_beats"];
  CHECK(mb["mv"].size() == 12);
  CHECK(mb["mv"]["II"].size() == 426);
  CHECK(mb["start_ms"].get<double>() == -300.0);
  // Beats whose whole window (R - 150 .. R + 275 samples) lies in the record: the first R (35) and the
  // last (4755) are too close to the ends.
  std::size_t fit = 0;
  for (const auto& r : j["rpeaks"]) fit += r.get<std::int64_t>() >= 150 && r.get<std::int64_t>() + 275 < 5000;
  CHECK(fit == 9);
  CHECK(mb["beats"].get<std::size_t>() == fit);
  const auto& fid = mb["fiducials_ms"];
  CHECK(fid["p_on"].get<double>() < fid["p_off"].get<double>());
  CHECK(fid["p_off"].get<double>() <= fid["qrs_on"].get<double>());
  CHECK(fid["qrs_on"].get<double>() < 0);
  CHECK(fid["qrs_off"].get<double>() > 0);
  CHECK(fid["qrs_off"].get<double>() < fid["t_off"].get<double>());
}

TEST_CASE("report: a measurement the core could not make says why", "[report][measure]") {
  const ecg::Record full = sample_record();
  ecg::Record r = full;
  r.n_samples = 600;  // 1.2 s: two beats at most
  r.samples_mv.resize(12 * 600);
  for (std::size_t lead = 0; lead < 12; ++lead) {
    std::copy_n(full.lead(lead).begin(), 600, r.samples_mv.begin() + static_cast<std::ptrdiff_t>(lead * 600));
  }
  const auto j = nlohmann::json::parse(ecg::screen::to_json(ecg::screen::screen(r, {})));
  const auto& m = j["measurements"];
  CHECK(m["qt_ms"]["value"].is_null());
  CHECK(m["qt_ms"]["reason"] == rule(j, "LQT")["note"]);
  CHECK(m["qtc_ms"]["value"].is_null());
  CHECK(m["qtc_ms"]["formula"].is_null());
  CHECK(!m["qtc_ms"]["reason"].get<std::string>().empty());
}

TEST_CASE("median beats: equal the baseline-free lead at an interior beat, robust to one outlier beat", "[report][median]") {
  std::vector<std::int64_t> rpeaks;
  ecg::Record r = synthetic(12.0, rpeaks);
  // One beat with a 5 mV one-sample artefact at its T wave: the median over 11 beats ignores it.
  r.samples_mv[static_cast<std::size_t>(rpeaks[6] + 150)] += 5.0f;
  std::vector<ecg::dsp::Beat> beats;
  for (auto rp : rpeaks) beats.push_back(beat_at(rp));
  const auto mb = ecg::measure::median_beats(r, beats);
  REQUIRE(mb.beats == rpeaks.size());
  const auto y = ecg::dsp::remove_baseline(r.lead(0), r.fs_hz);
  const std::int64_t at = rpeaks[3];
  for (std::size_t k = 0; k < mb.mv[0].size(); k += 7) {
    INFO("k = " << k);
    CHECK(mb.mv[0][k] == Approx(y[static_cast<std::size_t>(at - mb.pre) + k]).margin(1e-5));
  }
  CHECK(mb.mv[0][static_cast<std::size_t>(mb.pre + 150)] < 0.5f);
  CHECK(!mb.p_on);  // no beat was delineated
}

TEST_CASE("median beats: window and fiducial-share boundaries", "[report][median]") {
  std::vector<std::int64_t> rpeaks;
  ecg::Record r = synthetic(4.0, rpeaks);  // 2000 samples
  const std::int64_t pre = 150, post = std::llround(ecg::measure::kMedianPostS * 500.0);
  struct Row { std::int64_t r; bool inside; };
  const Row rows[] = {{pre, true}, {pre - 1, false}, {2000 - 1 - post, true}, {2000 - post, false}};
  for (const Row& row : rows) {
    INFO("R at " << row.r);
    const auto mb = ecg::measure::median_beats(r, std::vector<ecg::dsp::Beat>{beat_at(row.r)});
    CHECK(mb.beats == (row.inside ? 1u : 0u));
  }
  // p_on found in 2 of 4 beats (share 0.5 = kFiducialMinShare): drawn; in 1 of 4: not drawn.
  std::vector<ecg::dsp::Beat> beats;
  for (std::int64_t at : {500, 900, 1300, 1700}) beats.push_back(beat_at(at));
  beats[0].p_on = 500 - 80;
  beats[1].p_on = 900 - 90;
  auto mb = ecg::measure::median_beats(r, beats);
  REQUIRE(mb.p_on);
  CHECK(*mb.p_on == -85);
  beats[1].p_on.reset();
  mb = ecg::measure::median_beats(r, beats);
  CHECK(!mb.p_on);
}

TEST_CASE("frontal axis: known areas give the known angle; missing leads or waves say why", "[report][axis]") {
  ecg::measure::MedianBeats m;
  m.fs_hz = 1000;
  m.pre = 0;
  m.beats = 5;
  m.leads = {"I", "II", "aVF"};
  m.p_on = 0, m.p_off = 9, m.qrs_off = 10, m.t_off = 19;
  // aVF / I area ratio r gives atan2(2 r / sqrt 3, 1): table of (I, aVF, expected degrees).
  struct Row { float i, avf; double deg; };
  const Row rows[] = {{1.0f, 0.0f, 0.0}, {0.0f, 1.0f, 90.0}, {1.0f, 0.8660254f, 45.0}, {-1.0f, 0.0f, 180.0}, {1.0f, -0.8660254f, -45.0}};
  const std::vector<std::string> all = {"I", "II", "aVF"};
  for (const Row& row : rows) {
    INFO("I " << row.i << " aVF " << row.avf);
    m.mv = {std::vector<float>(20, row.i), std::vector<float>(20, 0.0f), std::vector<float>(20, row.avf)};
    for (auto wave : {ecg::measure::Wave::p, ecg::measure::Wave::t}) {
      const auto a = ecg::measure::frontal_axis(m, wave, all, false);
      REQUIRE(a.deg);
      CHECK(*a.deg == Approx(row.deg).margin(1e-4));
    }
  }
  // Without aVF, aVF = II - I/2: II = 1.5, I = 1 gives aVF = 1 -> atan2(2/sqrt 3, 1).
  m.mv = {std::vector<float>(20, 1.0f), std::vector<float>(20, 1.5f), std::vector<float>(20, 9.0f)};
  const std::vector<std::string> no_avf = {"I", "II"};
  CHECK(*ecg::measure::frontal_axis(m, ecg::measure::Wave::p, no_avf, false).deg == Approx(std::atan2(2 / std::sqrt(3.0), 1.0) * 180 / std::numbers::pi));
  CHECK(ecg::measure::frontal_axis(m, ecg::measure::Wave::p, std::vector<std::string>{"II", "aVF"}, false).reason == "needs lead I (usable)");
  CHECK(ecg::measure::frontal_axis(m, ecg::measure::Wave::p, std::vector<std::string>{"I"}, false).reason == "needs lead aVF or II (usable)");
  CHECK_THAT(ecg::measure::frontal_axis(m, ecg::measure::Wave::p, all, true).reason, Catch::Matchers::Contains("normalised"));
  m.p_off.reset();
  CHECK(ecg::measure::frontal_axis(m, ecg::measure::Wave::p, all, false).reason == "P wave not delineated in at least half of the beats");
  CHECK(ecg::measure::frontal_axis(m, ecg::measure::Wave::t, all, false).deg);
  m.t_off = 10;  // ends where it starts: no T wave
  CHECK(ecg::measure::frontal_axis(m, ecg::measure::Wave::t, all, false).reason == "T-wave end not delineated in at least half of the beats");
}
