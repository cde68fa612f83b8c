// The JS API's options objects (ecg/options.h): one table per type of every key, its type and range.
#include "ecg/options.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "ecg/error.h"

namespace ecg::options {
namespace {

using nlohmann::json;

// How a value is named after "found": a string "x", 400, true, null, an object, an array.
std::string describe(const json& v) {
  if (v.is_string()) {
    std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
    if (s.size() > 42) s = s.substr(0, 40) + "...\"";
    return "a string " + s;
  }
  if (v.is_number() || v.is_boolean() || v.is_null()) return v.dump();
  if (v.is_array()) return "an array";
  return "an object";
}

// A number as people write it: 45, 0.5, 3600 (not 45.000000).
std::string number_text(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

enum class Type { number, string, boolean, ignored };

struct Spec {
  const char* name;   // the JS API's name
  Type type;
  const char* meaning;  // after the type, in parentheses: unit and range
  double lo = -HUGE_VAL, hi = HUGE_VAL;  // numbers: the range, lo exclusive when lo_open
  bool lo_open = false;
  std::vector<std::string> choices = {};  // strings: the values allowed (empty: any)
};

std::string expected_text(const Spec& s) {
  switch (s.type) {
    case Type::number: return std::string("a number (") + s.meaning + ")";
    case Type::boolean: return std::string("true or false (") + s.meaning + ")";
    case Type::ignored: return s.meaning;
    case Type::string: break;
  }
  if (s.choices.empty()) return std::string("a string (") + s.meaning + ")";
  std::string out = "one of";
  for (std::size_t i = 0; i < s.choices.size(); ++i) out += (i ? ", \"" : " \"") + s.choices[i] + "\"";
  return out + " (" + s.meaning + ")";
}

// One options object checked against its table: a JSON object whose keys are all in the table, each
// value of its key's type and range (null counts as absent).
class Parsed {
 public:
  Parsed(const char* what, std::string_view text, std::span<const Spec> specs) : specs_(specs) {
    if (text.empty()) return;
    j_ = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j_.is_discarded()) throw Error(std::string(what) + ": expected an object, found text that is not JSON");
    if (!j_.is_object()) throw Error(std::string(what) + ": expected an object, found " + describe(j_));
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      const Spec* s = find(it.key());
      if (!s) {
        std::string names;
        for (const Spec& k : specs_) names += (names.empty() ? "" : ", ") + std::string(k.name);
        throw Error("unknown option '" + it.key() + "' in " + what + " (expected one of: " + names + ")");
      }
      check(*s, it.value());
    }
  }

  const json* get(const char* key) const {
    if (!j_.is_object()) return nullptr;
    const auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  std::optional<double> number(const char* key) const {
    const json* v = get(key);
    return v ? std::optional<double>(v->get<double>()) : std::nullopt;
  }
  std::optional<std::string> string(const char* key) const {
    const json* v = get(key);
    return v ? std::optional<std::string>(v->get<std::string>()) : std::nullopt;
  }
  std::optional<bool> boolean(const char* key) const {
    const json* v = get(key);
    return v ? std::optional<bool>(v->get<bool>()) : std::nullopt;
  }

 private:
  const Spec* find(const std::string& key) const {
    for (const Spec& s : specs_) {
      if (key == s.name) return &s;
    }
    return nullptr;
  }
  static void check(const Spec& s, const json& v) {
    if (v.is_null() || s.type == Type::ignored) return;
    const bool ok = s.type == Type::number    ? v.is_number()
                    : s.type == Type::boolean ? v.is_boolean()
                                              : v.is_string();
    bool in_range = ok;
    if (ok && s.type == Type::number) {
      const double x = v.get<double>();
      in_range = (s.lo_open ? x > s.lo : x >= s.lo) && x <= s.hi;
    }
    if (ok && s.type == Type::string && !s.choices.empty()) {
      in_range = std::find(s.choices.begin(), s.choices.end(), v.get<std::string>()) != s.choices.end();
    }
    if (!in_range) throw Error(std::string(s.name) + ": expected " + expected_text(s) + ", found " + describe(v));
  }

  std::span<const Spec> specs_;
  json j_;
};

const std::vector<Spec>& read_specs() {
  static const std::vector<Spec> specs = {
      {"fsHz", Type::number, "above 10 and at most 20000 Hz"},  // the range: io::read_record checks it
      {"units", Type::string, "\"mV\", \"uV\" or \"µV\""},
      {"deriveLimbLeads", Type::boolean, "add III, aVR, aVL, aVF computed from I and II"},
  };
  return specs;
}

const std::vector<Spec>& patient_specs() {
  static const std::vector<Spec> specs = {
      {"age", Type::number, "years, between 0 and 150", 0.0, 150.0},
      {"sex", Type::string, "the patient's sex", 0, 0, false, {"female", "male", "unknown"}},
  };
  return specs;
}

// Live-stream ranges are checked by check_live_options (they depend on each other); the table says
// the types and the units.
const std::vector<Spec>& live_specs() {
  static const std::vector<Spec> specs = {
      {"source", Type::string, "ecg: samples or PMD frames; rr: Heart Rate service RR intervals", 0, 0, false, {"ecg", "rr"}},
      {"fsHz", Type::number, "Hz, from 100 to 1000: the R-peak detector's range"},
      {"lead", Type::string, "the lead's name"},
      {"updateEveryS", Type::number, "seconds, from 0.5 to 60"},
      {"keepS", Type::number, "seconds, from rhythmWindowS + updateEveryS + 10 to 3600"},
      {"hrWindowS", Type::number, "seconds, from 3 to rhythmWindowS"},
      {"rhythmWindowS", Type::number, "seconds"},
      {"recordS", Type::number, "seconds, from 0 to 172800 (48 h)"},
      {"startUnixMs", Type::number, "ms since 1970 UTC"},
      {"rhythmModel", Type::ignored, "a model file {name, bytes} or null"},
  };
  return specs;
}

}  // namespace

io::ReadOptions read_options(std::string_view text) {
  const Parsed p("readRecord options", text, read_specs());
  io::ReadOptions o;
  o.fs_hz = p.number("fsHz");
  o.units = p.string("units").value_or("");
  o.derive_limb_leads = p.boolean("deriveLimbLeads").value_or(false);
  return o;
}

screen::Patient patient(std::string_view text) {
  const Parsed p("patient", text, patient_specs());
  screen::Patient out;
  out.age_years = p.number("age");
  const std::string sex = p.string("sex").value_or("unknown");
  out.sex = sex == "female" ? Sex::female : sex == "male" ? Sex::male : Sex::unknown;
  return out;
}

Sex effective_sex(const screen::Patient& patient, const Record& record) {
  return patient.sex != Sex::unknown ? patient.sex : record.sex;
}

LiveStreamOptions live_stream(std::string_view text) {
  const Parsed p("live stream options", text, live_specs());
  LiveStreamOptions out;
  out.source = p.string("source").value_or("ecg") == "rr" ? screen::LiveSource::rr_intervals : screen::LiveSource::ecg;
  screen::LiveOptions& o = out.live;
  o.fs_hz = p.number("fsHz").value_or(o.fs_hz);
  o.lead = p.string("lead").value_or(o.lead);
  o.update_every_s = p.number("updateEveryS").value_or(o.update_every_s);
  o.keep_s = p.number("keepS").value_or(o.keep_s);
  o.hr_window_s = p.number("hrWindowS").value_or(o.hr_window_s);
  o.rhythm_window_s = p.number("rhythmWindowS").value_or(o.rhythm_window_s);
  o.record_s = p.number("recordS").value_or(o.record_s);
  if (auto ms = p.number("startUnixMs")) o.start_unix_ms = static_cast<std::int64_t>(std::llround(*ms));
  check_live_options(out.source, o);
  return out;
}

void check_live_options(screen::LiveSource source, const screen::LiveOptions& o) {
  auto bad = [](const char* name, const std::string& expected, double found) {
    throw Error(std::string(name) + ": expected a number (" + expected + "), found " + number_text(found));
  };
  if (source == screen::LiveSource::ecg && (!(o.fs_hz >= 100.0) || o.fs_hz > 1000.0)) {
    bad("fsHz", "Hz, from 100 to 1000: the R-peak detector's range", o.fs_hz);
  }
  if (!(o.update_every_s >= 0.5 && o.update_every_s <= 60.0)) bad("updateEveryS", "seconds, from 0.5 to 60", o.update_every_s);
  if (!(o.hr_window_s >= 3.0 && o.hr_window_s <= o.rhythm_window_s)) {
    bad("hrWindowS", "seconds, from 3 to rhythmWindowS = " + number_text(o.rhythm_window_s), o.hr_window_s);
  }
  // The ring holds the rhythm window plus the R-peak detector's 8 s of lead-in and 2 s of lead-out,
  // plus one update interval.
  if (!(o.keep_s >= o.rhythm_window_s + 10.0 + o.update_every_s) || o.keep_s > 3600.0) {
    bad("keepS", "seconds, from rhythmWindowS + updateEveryS + 10 = " + number_text(o.rhythm_window_s + o.update_every_s + 10.0) + " to 3600",
        o.keep_s);
  }
  if (!(o.record_s >= 0.0) || o.record_s > 48 * 3600.0) bad("recordS", "seconds, from 0 to 172800 (48 h)", o.record_s);
  if (o.lead.empty()) throw Error("lead: expected a string (the lead's name), found an empty one");
}

}  // namespace ecg::options
