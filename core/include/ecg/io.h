// ecg::io: readers that turn named byte buffers into a Record. Bytes in, never paths.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ecg/record.h"

namespace ecg::io {

// One file handed to a reader: its name (used for format detection, companion lookup and error
// messages) and its bytes. The bytes are borrowed; they must outlive the call.
struct NamedBuffer {
  std::string name;
  std::span<const std::uint8_t> bytes;
};

// Reads one record from a set of files (e.g. a .hea with its .dat). The format is chosen from the
// file names; errors name the file, the field, what was expected and what was found.
Record read_record(std::span<const NamedBuffer> files);

// WFDB: the names of the signal files a header refers to, so path-aware callers (CLI, Node) know
// which companions to load. Throws ecg::Error when the header cannot be parsed.
std::vector<std::string> wfdb_companion_files(const NamedBuffer& header);

// Canonical lead name for a label found in a file ("AVR" -> "aVR", "MLII" -> "II", " v1 " -> "V1");
// labels that are not ECG leads are returned trimmed but otherwise unchanged.
std::string canonical_lead_name(std::string_view label);

}  // namespace ecg::io
