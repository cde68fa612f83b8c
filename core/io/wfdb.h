// Internal WFDB structures shared by the header parser and the signal decoders.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ecg/io.h"

namespace ecg::io {

struct WfdbSignal {
  std::string file;
  int format = 0;
  int samples_per_frame = 1;
  std::int64_t skew = 0;
  std::uint64_t byte_offset = 0;
  double gain = 200.0;          // ADC units per physical unit
  std::int64_t baseline = 0;    // ADC value of 0 physical units
  bool has_baseline = false;
  std::string units = "mV";
  int adc_resolution = 0;
  std::int64_t adc_zero = 0;
  std::int64_t initial_value = 0;
  std::int64_t checksum = 0;
  bool has_checksum = false;
  std::int64_t block_size = 0;
  std::string description;
};

struct WfdbHeader {
  std::string record_name;
  std::size_t n_signals = 0;
  double fs_hz = 0.0;
  std::uint64_t n_samples = 0;
  std::vector<WfdbSignal> signals;
  std::vector<std::pair<std::string, std::string>> comments;  // "#Key: value" lines
};

WfdbHeader parse_wfdb_header(const NamedBuffer& file);
Record read_wfdb(std::span<const NamedBuffer> files, const NamedBuffer& header_file);
// Decodes the signals `indices` (all stored in `data`) into record.samples_mv (already sized).
void decode_wfdb_signals(const WfdbHeader& header, const std::vector<std::size_t>& indices,
                         const NamedBuffer& data, Record& record);

}  // namespace ecg::io
