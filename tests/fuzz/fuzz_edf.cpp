// libFuzzer target: the EDF / EDF+ reader.
#include <cstddef>
#include <cstdint>

#include "ecg/error.h"
#include "ecg/io.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ecg::io::ReadOptions options;
  options.keep_digital = true;
  options.derive_limb_leads = size % 2 == 0;
  const ecg::io::NamedBuffer file{"r.edf", {data, size}};
  try {
    ecg::Record r = ecg::io::read_record({&file, 1}, options);
    (void)ecg::record_info_json(r);
  } catch (const ecg::Error&) {
  }
  return 0;
}
