// ecg::io: readers that turn named byte buffers into a Record. Bytes in, never paths.
#pragma once

#include <cstdint>
#include <optional>
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

// What the caller knows that a file may not say, and what the reader should add.
struct ReadOptions {
  // CSV: sampling rate when the file has no time column (ignored by formats that state it).
  std::optional<double> fs_hz;
  // CSV: units of the values ("mV" or "uV"/"µV") when the header row does not state them.
  std::string units;
  // Add the limb leads a record lacks but can be computed from I and II (III, aVR, aVL, aVF),
  // marked LeadInfo::derived.
  bool derive_limb_leads = false;
  // Keep the stored integers in Record::digital (WFDB, EDF), e.g. for bit-exact comparisons.
  bool keep_digital = false;
};

// Limits every reader enforces before allocating (a header's claims are never trusted).
inline constexpr double kMaxFsHz = 20000.0;
// At most this many samples over all leads: 2^27 floats = 512 MiB (a 24-h 2-lead Holter at 500 Hz
// is 86.4 M samples).
inline constexpr std::uint64_t kMaxTotalSamples = std::uint64_t{1} << 27;
inline constexpr std::size_t kMaxSignals = 256;

// Reads one record from a set of files (a .hea with its .dat/.mat; a .csv; an .edf). The format is
// chosen from the file names; errors name the file, the field, what was expected and what was found.
// Annotation files given alongside (e.g. .atr) are ignored here: read them with read_wfdb_annotations.
Record read_record(std::span<const NamedBuffer> files, const ReadOptions& options);
Record read_record(std::span<const NamedBuffer> files);

// WFDB: the names of the signal files a header refers to, so path-aware callers (CLI, Node) know
// which companions to load. Throws ecg::Error when the header cannot be parsed.
std::vector<std::string> wfdb_companion_files(const NamedBuffer& header);
// The same files with the most bytes each may hold for what the header declares (signals x samples in
// the format, plus offset and a small slack), so callers can refuse a larger file before reading it.
struct CompanionFile {
  std::string name;
  std::uint64_t max_bytes = 0;
};
std::vector<CompanionFile> wfdb_companion_limits(const NamedBuffer& header);
// Caps for files that have no header stating their size (a header, a CSV or an EDF file, a model).
inline constexpr std::uint64_t kMaxHeaderBytes = std::uint64_t{1} << 20;
inline constexpr std::uint64_t kMaxRecordFileBytes = std::uint64_t{2} << 30;  // 2 GiB: a 2^27-sample CSV
inline constexpr double kMinFsHz = 10.0;  // readers refuse records at or below this rate

// Canonical lead name for a label found in a file ("AVR" -> "aVR", "MLII" -> "II", " v1 " -> "V1",
// "ECG II" -> "II", "C3" -> "V3"); labels that are not ECG leads are returned trimmed but otherwise
// unchanged.
std::string canonical_lead_name(std::string_view label);

// Appends the limb leads (III, aVR, aVL, aVF) the record lacks, computed from I and II (Einthoven and
// Goldberger: III = II - I, aVR = -(I + II)/2, aVL = I - II/2, aVF = II - I/2), marked derived.
// Returns how many leads were added; does nothing when I or II is missing.
std::size_t derive_limb_leads(Record& record);

// ---- Writers (core/io/write.cpp): a Record back to files, e.g. a live session to save ----------

struct WrittenFile {
  std::string name;
  std::vector<std::uint8_t> bytes;
};

// WFDB: `<name>.hea` and `<name>.dat` in format 16 at 1000 units per mV (1 uV steps, +-32.767 mV),
// every lead in one file; NaN samples are written as the WFDB invalid-sample marker -32768 and values
// beyond the range are clipped (the header says how many). start_unix_ms, when given, becomes the
// header's base time and date (UTC, whole seconds). The record's comments become '#' lines.
std::vector<WrittenFile> write_wfdb(const Record& record, const std::string& name,
                                    std::optional<std::int64_t> start_unix_ms = std::nullopt);

// CSV: `<name>.csv` with a header "time_s,<lead> (mV),...", one row per sample, values in mV with
// 1 uV resolution; a NaN sample is an empty cell. Without NaN it reads back with read_record.
WrittenFile write_csv(const Record& record, const std::string& name);

// "2025-11-21T19:50:00.123Z" for a Unix time in ms.
std::string iso8601_utc(std::int64_t unix_ms);

}  // namespace ecg::io
