// Lead names shared by every reader (canonical names and aliases) and the derived limb leads.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "ecg/io.h"

namespace ecg::io {
namespace {

constexpr std::array<std::string_view, 12> kCanonical = {"I", "II", "III", "aVR", "aVL", "aVF",
                                                         "V1", "V2", "V3", "V4", "V5", "V6"};

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string canonical_from_upper(const std::string& u) {
  for (std::string_view name : kCanonical) {
    if (u == upper(name)) return std::string(name);
  }
  if (u == "MLI") return "I";
  if (u == "MLII") return "II";
  if (u == "MLIII") return "III";
  if (u == "DI" || u == "D1") return "I";  // European notation
  if (u == "DII" || u == "D2") return "II";
  if (u == "DIII" || u == "D3") return "III";
  if (u.size() == 2 && u[0] == 'C' && u[1] >= '1' && u[1] <= '6') return std::string("V") + u[1];  // C1..C6
  return "";
}

}  // namespace

std::string canonical_lead_name(std::string_view label) {
  std::string trimmed;
  for (char c : label) {
    if (!std::isspace(static_cast<unsigned char>(c))) trimmed.push_back(c);
  }
  std::string u = upper(trimmed);
  if (auto name = canonical_from_upper(u); !name.empty()) return name;
  // Prefixes that EDF and device exports put before the lead: "ECG II", "EKG_V1", "Lead aVR".
  for (std::string_view prefix : {"ECG", "EKG", "LEAD"}) {
    if (u.size() > prefix.size() && u.compare(0, prefix.size(), prefix) == 0) {
      std::string rest = u.substr(prefix.size());
      while (!rest.empty() && (rest.front() == '_' || rest.front() == '-' || rest.front() == ':' || rest.front() == '.')) rest.erase(0, 1);
      if (auto name = canonical_from_upper(rest); !name.empty()) return name;
    }
  }
  return trimmed;
}

std::size_t derive_limb_leads(Record& record) {
  const auto i1 = record.lead_index("I");
  const auto i2 = record.lead_index("II");
  if (!i1 || !i2) return 0;
  struct Formula { std::string_view name; double a, b; };  // lead = a * I + b * II
  constexpr std::array<Formula, 4> kFormulas = {{{"III", -1.0, 1.0}, {"aVR", -0.5, -0.5}, {"aVL", 1.0, -0.5}, {"aVF", -0.5, 1.0}}};
  const std::size_t n = record.n_samples;
  if (record.lead_info.size() != record.leads.size()) record.lead_info.resize(record.leads.size());
  std::size_t added = 0;
  for (const Formula& f : kFormulas) {
    if (record.lead_index(f.name)) continue;
    const std::size_t base = record.samples_mv.size();
    record.samples_mv.resize(base + n);
    const float* lead_i = record.samples_mv.data() + *i1 * n;
    const float* lead_ii = record.samples_mv.data() + *i2 * n;
    float* out = record.samples_mv.data() + base;
    for (std::size_t t = 0; t < n; ++t) out[t] = static_cast<float>(f.a * lead_i[t] + f.b * lead_ii[t]);
    record.leads.emplace_back(f.name);
    LeadInfo info;
    info.label = std::string(f.name);
    info.units = "mV";
    info.derived = true;
    record.lead_info.push_back(info);
    ++added;
  }
  return added;
}

}  // namespace ecg::io
