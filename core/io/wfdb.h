// Internal WFDB structures shared by the header parser, the signal decoders and the MAT v4 reader.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ecg/io.h"

namespace ecg::io {

struct WfdbSignal {
  std::string file;
  std::size_t line = 0;         // header line, for messages
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
  bool has_initial_value = false;
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
  bool has_n_samples = false;
  std::vector<WfdbSignal> signals;
  std::vector<std::string> comments;  // comment lines without the leading '#', trimmed
};

WfdbHeader parse_wfdb_header(const NamedBuffer& file);
Record read_wfdb(std::span<const NamedBuffer> files, const NamedBuffer& header_file, const ReadOptions& options);

// Number of stored bytes that `n_values` consecutive samples take in a WFDB format (16, 212, 80, 24,
// 32, 61), and the number of whole samples that `n_bytes` hold.
std::uint64_t wfdb_bytes_for_values(int format, std::uint64_t n_values);
std::uint64_t wfdb_values_in_bytes(int format, std::uint64_t n_bytes);
// The j-th sample of a sample stream in `format` (the caller has checked that it is in bounds).
std::int32_t wfdb_decode_value(int format, const std::uint8_t* stream, std::uint64_t j);
bool wfdb_format_supported(int format);
// The value a format uses to mark a missing sample (WFDB_INVALID_SAMPLE: -32768 for 16 and 61, -2048
// for 212, -128 for 80, -2^23 for 24, -2^31 for 32).
std::int32_t wfdb_invalid_sample(int format);

// The layout of a MATLAB v4 file as the PhysioNet/CinC challenges write it: one int16 matrix `val`,
// rows = signals, columns = samples, column-major (so samples are interleaved like WFDB format 16).
struct Mat4Matrix {
  std::uint64_t rows = 0;
  std::uint64_t cols = 0;
  std::uint64_t data_offset = 0;  // byte offset of the first element
};
Mat4Matrix parse_mat4_header(const NamedBuffer& file);

}  // namespace ecg::io
