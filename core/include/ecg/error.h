// ecg::Error: the one exception type the core throws; its message is meant for a clinic's IT person.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace ecg {

// Messages name the file, the field, what was expected and what was found, e.g.
// "00003_hr.hea, line 1: expected a sampling frequency > 0 Hz, found '-5'".
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// A JSON library message in words: without its "[json.exception.type_error.302] " prefix, so that no
// library jargon reaches the user ("type must be number, but is string").
inline std::string json_error_text(std::string_view what) {
  const auto end = what.find("] ");
  return what.rfind("[json.exception", 0) == 0 && end != std::string_view::npos ? std::string(what.substr(end + 2)) : std::string(what);
}

}  // namespace ecg
