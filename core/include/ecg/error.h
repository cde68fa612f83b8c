// ecg::Error: the one exception type the core throws; its message is meant for a clinic's IT person.
#pragma once

#include <stdexcept>
#include <string>

namespace ecg {

// Messages name the file, the field, what was expected and what was found, e.g.
// "00003_hr.hea, line 1: expected a sampling frequency > 0 Hz, found '-5'".
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace ecg
