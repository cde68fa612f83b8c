// Lead-name normalisation shared by every reader.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "ecg/io.h"

namespace ecg::io {

std::string canonical_lead_name(std::string_view label) {
  std::string trimmed;
  for (char c : label) {
    if (!std::isspace(static_cast<unsigned char>(c))) trimmed.push_back(c);
  }
  std::string upper = trimmed;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  static constexpr std::array<std::string_view, 12> kCanonical = {
      "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"};
  for (std::string_view name : kCanonical) {
    std::string name_upper(name);
    std::transform(name_upper.begin(), name_upper.end(), name_upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (upper == name_upper) return std::string(name);
  }
  if (upper == "MLII") return "II";
  if (upper == "MLI") return "I";
  if (upper == "MLIII") return "III";
  return trimmed;
}

}  // namespace ecg::io
