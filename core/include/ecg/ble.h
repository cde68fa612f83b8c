// ecg::io::ble: bytes of Bluetooth LE ECG devices — the Polar H10's PMD service (commands, control-
// point answers, settings, ECG data frames with gap detection) and the standard Heart Rate service.
//
// Polar Measurement Data (PMD), as the Polar BLE SDK implements it (../shared/reference/FACTS.md §5.1):
//   service FB005C80-02E7-F387-1CAD-8ACD2D8DF0C8; control point …C81 (write, indicate); data …C82 (notify).
//   Control point commands: [opcode, measurement type, settings TLV…]; get settings `01 00`, start ECG
//   at 130 Hz with 14-bit resolution `02 00 00 01 82 00 01 01 0E 00`, stop `03 00`.
//   Control point answer: `F0`, opcode, measurement type, status (0 = success), more, parameters…
//   Settings TLV: setting type, count, count × little-endian value (sizes: sample rate 2, resolution 2,
//   range 2, range in milliunits 4, channels 1, factor 4, security 16 bytes).
//   Data frame: measurement type, uint64 LE timestamp (ns since 2000-01-01T00:00:00Z, of the frame's
//   last sample), frame type, samples. H10 ECG: frame type 0, signed int24 LE microvolts, 3 bytes each.
// Heart Rate Measurement (characteristic 0x2A37 of service 0x180D): flags byte (bit 0: 16-bit heart
//   rate; bits 1-2: sensor contact; bit 3: energy expended present; bit 4: RR intervals present), heart
//   rate (uint8 or uint16 LE, bpm), energy expended (uint16 LE, kJ), RR intervals (uint16 LE, 1/1024 s).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ecg::io::ble {

// ---- Polar Measurement Data (core/io/pmd.cpp) ----------------------------------------------------

inline constexpr std::string_view kPmdServiceUuid = "fb005c80-02e7-f387-1cad-8acd2d8df0c8";
inline constexpr std::string_view kPmdControlPointUuid = "fb005c81-02e7-f387-1cad-8acd2d8df0c8";
inline constexpr std::string_view kPmdDataUuid = "fb005c82-02e7-f387-1cad-8acd2d8df0c8";
// Nanoseconds from the Unix epoch to 2000-01-01T00:00:00Z, the PMD timestamp epoch.
inline constexpr std::int64_t kPmdEpochUnixNs = 946'684'800'000'000'000;
// The Polar H10's only ECG rate.
inline constexpr double kPolarH10EcgHz = 130.0;

enum class PmdMeasurement : std::uint8_t { ecg = 0, ppg = 1, acc = 2, ppi = 3, gyro = 5, mag = 6, skin_temp = 7, sdk_mode = 9 };
std::string pmd_measurement_name(std::uint8_t type);  // "ECG", "PPG", ..., "measurement type 12"

enum class PmdOpcode : std::uint8_t {
  get_measurement_settings = 1, request_measurement_start = 2, stop_measurement = 3,
  get_sdk_mode_settings = 4, get_measurement_status = 5,
};
std::string pmd_opcode_name(std::uint8_t opcode);     // "get measurement settings", ...
// The control point's status codes, as the Polar SDK names them: 0 "success", 1 "invalid opcode", ...
// 13 "device in charger", 14 "disk full"; others "unknown status N".
std::string pmd_status_name(std::uint8_t status);

// Control-point commands.
std::vector<std::uint8_t> pmd_get_settings_command(PmdMeasurement type = PmdMeasurement::ecg);  // 01 00
// 02 00 00 01 <rate LE16> 01 01 <resolution LE16>: the H10 start command for 130 Hz, 14 bit.
std::vector<std::uint8_t> pmd_start_ecg_command(std::uint16_t sample_rate_hz = 130, std::uint16_t resolution_bits = 14);
std::vector<std::uint8_t> pmd_stop_command(PmdMeasurement type = PmdMeasurement::ecg);  // 03 00

// A measurement's settings (a TLV list); each holds the values the device offers or uses.
struct PmdSettings {
  std::vector<std::uint16_t> sample_rates_hz;
  std::vector<std::uint16_t> resolutions_bits;
  std::vector<std::uint16_t> ranges;
  std::vector<std::uint32_t> ranges_milliunit;
  std::vector<std::uint8_t> channels;
  std::vector<float> factors;
  bool security = false;  // a 16-byte security setting was present
};
// Throws ecg::Error naming the setting and the bytes expected vs found.
PmdSettings parse_pmd_settings(std::span<const std::uint8_t> tlv);

struct PmdControlPointResponse {
  std::uint8_t opcode = 0;
  std::uint8_t measurement = 0;
  std::uint8_t status = 0;
  bool more = false;                     // the answer continues in another indication
  std::vector<std::uint8_t> parameters;  // after the `more` byte; only on success
  bool ok() const { return status == 0; }
};
// Throws ecg::Error when the bytes are not a control-point answer (expected F0 and at least 4 bytes).
PmdControlPointResponse parse_pmd_control_point(std::span<const std::uint8_t> bytes);

// One data frame as sent.
struct PmdFrame {
  std::uint8_t measurement = 0;   // low 6 bits of byte 0
  std::uint64_t timestamp_ns = 0; // of the last sample, ns since 2000-01-01 (PMD epoch)
  std::uint8_t frame_type = 0;    // low 7 bits of byte 9
  bool compressed = false;        // bit 7 of byte 9
  std::vector<std::int32_t> samples_uv;
};
// Decodes an ECG frame of type 0 (signed int24 LE µV). Throws ecg::Error with expected vs found for
// anything else: a short frame, a measurement other than ECG, another or a compressed frame type, a
// sample area that is not a whole number of 3-byte samples.
PmdFrame parse_pmd_ecg_frame(std::span<const std::uint8_t> bytes);

// Decoded samples of one frame, and what happened between it and the previous frame.
struct PmdChunk {
  std::vector<float> samples_mv;
  std::vector<std::int64_t> times_unix_ns;  // per sample (FACTS §5.1: the SDK's spacing)
  // Samples missing before this frame: the timestamp jumped more than 1.5 sample periods beyond the
  // frame's own length. 0 when none.
  std::int64_t gap_samples = 0;
  double gap_s = 0.0;
  // The frame was a duplicate or came out of order (its timestamp not after the previous frame's, by
  // up to 10 s): it is dropped (no samples) and reported here. A timestamp more than 10 s behind is
  // taken as the device's clock set back: the frame is kept, timed afresh, and the note says so.
  bool dropped = false;
  std::string note;  // what happened, for logs and the UI ("" when nothing did)
};

// Keeps state across frames: per-sample times, gaps and out-of-order frames.
class PmdDecoder {
 public:
  explicit PmdDecoder(double fs_hz = kPolarH10EcgHz);
  // Decodes the next frame; throws ecg::Error for a malformed frame (the decoder's state is unchanged).
  PmdChunk push(std::span<const std::uint8_t> frame);

  double fs_hz() const { return fs_hz_; }
  std::uint64_t frames() const { return frames_; }
  std::uint64_t samples() const { return samples_; }
  std::uint64_t gaps() const { return gaps_; }
  std::uint64_t missing_samples() const { return missing_samples_; }
  std::uint64_t dropped_frames() const { return dropped_; }
  std::uint64_t clock_resets() const { return clock_resets_; }
  std::optional<std::int64_t> first_sample_unix_ns() const { return first_unix_ns_; }

 private:
  double fs_hz_;
  std::optional<std::uint64_t> last_timestamp_ns_;
  std::optional<std::int64_t> first_unix_ns_;
  std::uint64_t frames_ = 0, samples_ = 0, gaps_ = 0, missing_samples_ = 0, dropped_ = 0, clock_resets_ = 0;
};

// ---- Heart Rate service 0x180D (core/io/heart_rate.cpp) -------------------------------------------

inline constexpr std::string_view kHeartRateServiceUuid = "0000180d-0000-1000-8000-00805f9b34fb";
inline constexpr std::string_view kHeartRateMeasurementUuid = "00002a37-0000-1000-8000-00805f9b34fb";

struct HeartRateMeasurement {
  int heart_rate_bpm = 0;
  std::optional<bool> sensor_contact;            // nullopt: the sensor does not report contact
  std::optional<std::uint16_t> energy_expended_kj;
  std::vector<double> rr_ms;                     // RR intervals, oldest first
};
// Throws ecg::Error naming the field when the value is shorter than its flags say.
HeartRateMeasurement parse_heart_rate_measurement(std::span<const std::uint8_t> bytes);

// The BLE constants and commands as one JSON object for the JS API: {"pmd": {service, control_point,
// data, get_settings, start_ecg, stop (command bytes as arrays), ecg_fs_hz}, "heart_rate": {service,
// measurement}}.
std::string protocol_json();

// A control-point answer as JSON for the JS API: {opcode, opcode_name, measurement, measurement_name,
// status, status_name, ok, more, settings (for a successful get-settings answer, else null):
// {sample_rates_hz, resolutions_bits, ranges, ranges_milliunit, channels, factors, security}}.
// Throws ecg::Error like parse_pmd_control_point.
std::string control_point_json(std::span<const std::uint8_t> bytes);

}  // namespace ecg::io::ble
