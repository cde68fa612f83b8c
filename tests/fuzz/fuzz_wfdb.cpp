// libFuzzer target: WFDB header + signal file (formats 16/212/80/24/32/61, MAT v4) through read_record.
// Input layout: 2 bytes header length L (little-endian, taken modulo the input size), L bytes of
// header text, then the signal bytes, handed over under every file name the header names (and as
// r.dat / r.mat when the header cannot be parsed).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ecg/error.h"
#include "ecg/io.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t rest = size - 2;
  const std::size_t header_len = rest == 0 ? 0 : (data[0] | (data[1] << 8)) % (rest + 1);
  const std::span<const std::uint8_t> header(data + 2, header_len);
  const std::span<const std::uint8_t> signal(data + 2 + header_len, rest - header_len);
  std::vector<ecg::io::NamedBuffer> files{{"r.hea", header}};
  try {
    for (const std::string& name : ecg::io::wfdb_companion_files(files[0])) files.push_back({name, signal});
  } catch (const ecg::Error&) {
    files.push_back({"r.dat", signal});
    files.push_back({"r.mat", signal});
  }
  for (bool derive : {false, true}) {
    ecg::io::ReadOptions options;
    options.keep_digital = true;
    options.derive_limb_leads = derive;
    try {
      ecg::Record r = ecg::io::read_record(files, options);
      (void)ecg::record_info_json(r);
    } catch (const ecg::Error&) {
    }
  }
  return 0;
}
