// libFuzzer target: the CSV reader. The first byte picks the caller's options (rate, units, derived
// leads); the rest is the file.
#include <cstddef>
#include <cstdint>

#include "ecg/error.h"
#include "ecg/io.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  ecg::io::ReadOptions options;
  if (data[0] & 1) options.fs_hz = 500.0;
  if (data[0] & 2) options.units = (data[0] & 4) ? "uV" : "mV";
  options.derive_limb_leads = (data[0] & 8) != 0;
  const ecg::io::NamedBuffer file{(data[0] & 16) ? "r.tsv" : "r.csv", {data + 1, size - 1}};
  try {
    ecg::Record r = ecg::io::read_record({&file, 1}, options);
    (void)ecg::record_info_json(r);
  } catch (const ecg::Error&) {
  }
  return 0;
}
