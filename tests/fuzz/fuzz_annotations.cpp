// libFuzzer target: the WFDB (MIT format) annotation reader and its JSON output.
#include <cstddef>
#include <cstdint>

#include "ecg/annotations.h"
#include "ecg/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    auto set = ecg::io::read_wfdb_annotations({"r.atr", {data, size}});
    (void)ecg::io::annotations_json(set);
  } catch (const ecg::Error&) {
  }
  return 0;
}
