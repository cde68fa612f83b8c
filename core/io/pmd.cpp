// Polar Measurement Data (PMD): control-point commands and answers, settings TLVs, ECG data frames and
// a decoder that times every sample and reports gaps and out-of-order frames (layout in ecg/ble.h).
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

#include "ecg/ble.h"
#include "ecg/error.h"

namespace ecg::io::ble {
namespace {

constexpr std::uint8_t kControlPointAnswer = 0xF0;
constexpr std::size_t kFrameHeaderBytes = 10;  // measurement type, 8-byte timestamp, frame type
constexpr std::uint64_t kClockResetNs = 10'000'000'000;  // 10 s

std::string hex(std::span<const std::uint8_t> bytes, std::size_t limit = 16) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < limit; ++i) {
    if (i) out += ' ';
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  if (bytes.size() > limit) out += " …";
  return out;
}

std::uint64_t le(std::span<const std::uint8_t> bytes, std::size_t at, std::size_t size) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < size; ++i) v |= static_cast<std::uint64_t>(bytes[at + i]) << (8 * i);
  return v;
}

}  // namespace

std::string pmd_measurement_name(std::uint8_t type) {
  switch (type) {
    case 0: return "ECG";
    case 1: return "PPG";
    case 2: return "ACC";
    case 3: return "PPI";
    case 5: return "GYRO";
    case 6: return "MAG";
    case 7: return "SKIN_TEMP";
    case 9: return "SDK_MODE";
    default: return "measurement type " + std::to_string(type);
  }
}

std::string pmd_opcode_name(std::uint8_t opcode) {
  switch (opcode) {
    case 1: return "get measurement settings";
    case 2: return "start measurement";
    case 3: return "stop measurement";
    case 4: return "get SDK mode settings";
    case 5: return "get measurement status";
    default: return "opcode " + std::to_string(opcode);
  }
}

std::string pmd_status_name(std::uint8_t status) {
  static constexpr const char* kNames[] = {
      "success", "invalid opcode", "invalid measurement type", "not supported", "invalid length",
      "invalid parameter", "already in state", "invalid resolution", "invalid sample rate", "invalid range",
      "invalid MTU", "invalid number of channels", "invalid state", "device in charger", "disk full"};
  if (status < std::size(kNames)) return kNames[status];
  return "unknown status " + std::to_string(status);
}

std::vector<std::uint8_t> pmd_get_settings_command(PmdMeasurement type) {
  return {static_cast<std::uint8_t>(PmdOpcode::get_measurement_settings), static_cast<std::uint8_t>(type)};
}

std::vector<std::uint8_t> pmd_start_ecg_command(std::uint16_t sample_rate_hz, std::uint16_t resolution_bits) {
  return {static_cast<std::uint8_t>(PmdOpcode::request_measurement_start), static_cast<std::uint8_t>(PmdMeasurement::ecg),
          0x00, 0x01, static_cast<std::uint8_t>(sample_rate_hz & 0xFF), static_cast<std::uint8_t>(sample_rate_hz >> 8),
          0x01, 0x01, static_cast<std::uint8_t>(resolution_bits & 0xFF), static_cast<std::uint8_t>(resolution_bits >> 8)};
}

std::vector<std::uint8_t> pmd_stop_command(PmdMeasurement type) {
  return {static_cast<std::uint8_t>(PmdOpcode::stop_measurement), static_cast<std::uint8_t>(type)};
}

PmdSettings parse_pmd_settings(std::span<const std::uint8_t> tlv) {
  static constexpr const char* kNames[] = {"sample rate", "resolution", "range", "range (milliunit)", "channels", "factor", "security"};
  static constexpr std::size_t kSizes[] = {2, 2, 2, 4, 1, 4, 16};
  PmdSettings s;
  std::size_t at = 0;
  while (at < tlv.size()) {
    const std::uint8_t type = tlv[at];
    if (type >= std::size(kSizes)) {
      throw Error("PMD settings, byte " + std::to_string(at) + ": expected a setting type 0-6, found " + std::to_string(type) +
                  " (settings: " + hex(tlv, 32) + ")");
    }
    if (at + 2 > tlv.size()) {
      throw Error(std::string("PMD settings, byte ") + std::to_string(at) + ": setting '" + kNames[type] +
                  "' expected a count byte, found the end of the settings");
    }
    const std::size_t count = tlv[at + 1], size = kSizes[type];
    const std::size_t need = 2 + count * size;
    if (at + need > tlv.size()) {
      throw Error(std::string("PMD settings, byte ") + std::to_string(at) + ": setting '" + kNames[type] + "' with " +
                  std::to_string(count) + " value(s) expected " + std::to_string(need) + " bytes, found " +
                  std::to_string(tlv.size() - at));
    }
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t v = at + 2 + k * size;
      switch (type) {
        case 0: s.sample_rates_hz.push_back(static_cast<std::uint16_t>(le(tlv, v, 2))); break;
        case 1: s.resolutions_bits.push_back(static_cast<std::uint16_t>(le(tlv, v, 2))); break;
        case 2: s.ranges.push_back(static_cast<std::uint16_t>(le(tlv, v, 2))); break;
        case 3: s.ranges_milliunit.push_back(static_cast<std::uint32_t>(le(tlv, v, 4))); break;
        case 4: s.channels.push_back(tlv[v]); break;
        case 5: {
          const auto bits = static_cast<std::uint32_t>(le(tlv, v, 4));
          float f = 0;
          std::memcpy(&f, &bits, 4);
          s.factors.push_back(f);
          break;
        }
        default: s.security = true; break;
      }
    }
    at += need;
  }
  return s;
}

PmdControlPointResponse parse_pmd_control_point(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 4) {
    throw Error("PMD control point answer of " + std::to_string(bytes.size()) +
                " bytes: expected at least 4 (F0, opcode, measurement type, status), found [" + hex(bytes) + "]");
  }
  if (bytes[0] != kControlPointAnswer) {
    throw Error("PMD control point answer: expected first byte F0, found [" + hex(bytes) + "]");
  }
  PmdControlPointResponse r;
  r.opcode = bytes[1];
  r.measurement = bytes[2];
  r.status = bytes[3];
  if (r.ok()) {  // the Polar SDK reads `more` and parameters only from successful answers
    r.more = bytes.size() > 4 && bytes[4] != 0;
    if (bytes.size() > 5) r.parameters.assign(bytes.begin() + 5, bytes.end());
  }
  return r;
}

PmdFrame parse_pmd_ecg_frame(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kFrameHeaderBytes) {
    throw Error("PMD frame of " + std::to_string(bytes.size()) +
                " bytes: expected at least 10 (type, 8-byte timestamp, frame type), found [" + hex(bytes) + "]");
  }
  PmdFrame f;
  f.measurement = bytes[0] & 0x3F;
  f.timestamp_ns = le(bytes, 1, 8);
  f.frame_type = bytes[9] & 0x7F;
  f.compressed = (bytes[9] & 0x80) != 0;
  if (f.measurement != static_cast<std::uint8_t>(PmdMeasurement::ecg)) {
    throw Error("PMD frame: expected measurement type 0 (ECG), found " + std::to_string(f.measurement) + " (" +
                pmd_measurement_name(f.measurement) + ")");
  }
  if (f.compressed || f.frame_type != 0) {
    throw Error("PMD ECG frame: expected frame type 0 (uncompressed int24 microvolts, Polar H10), found " +
                std::to_string(f.frame_type) + (f.compressed ? " compressed" : "") + " (byte 9 = " + hex(bytes.subspan(9, 1)) + ")");
  }
  const std::size_t payload = bytes.size() - kFrameHeaderBytes;
  if (payload % 3 != 0) {
    throw Error("PMD ECG frame of " + std::to_string(bytes.size()) + " bytes: expected 10 + a multiple of 3 (int24 samples), found " +
                std::to_string(payload) + " sample bytes");
  }
  f.samples_uv.reserve(payload / 3);
  for (std::size_t at = kFrameHeaderBytes; at < bytes.size(); at += 3) {
    std::uint32_t v = static_cast<std::uint32_t>(le(bytes, at, 3));
    if (v & 0x800000u) v |= 0xFF000000u;  // sign-extend 24 -> 32 bits
    f.samples_uv.push_back(static_cast<std::int32_t>(v));
  }
  return f;
}

PmdDecoder::PmdDecoder(double fs_hz) : fs_hz_(fs_hz) {
  if (!(fs_hz > 0) || fs_hz > 10000) throw Error("PMD decoder: expected a sampling rate in (0, 10000] Hz, found " + std::to_string(fs_hz));
}

PmdChunk PmdDecoder::push(std::span<const std::uint8_t> bytes) {
  const PmdFrame f = parse_pmd_ecg_frame(bytes);
  PmdChunk out;
  ++frames_;
  const std::size_t n = f.samples_uv.size();
  const double period_ns = 1e9 / fs_hz_;
  // A timestamp far behind the previous one is no late frame (BLE keeps notifications in order) but the
  // device's clock set back: keep the frame and time it afresh, or every later frame would be dropped.
  bool clock_reset = false;
  if (last_timestamp_ns_ && *last_timestamp_ns_ > f.timestamp_ns && *last_timestamp_ns_ - f.timestamp_ns > kClockResetNs) {
    const double back_s = static_cast<double>(*last_timestamp_ns_ - f.timestamp_ns) * 1e-9;
    out.note = "device clock went back " + std::to_string(back_s) + " s: frame kept, timing restarted";
    last_timestamp_ns_.reset();
    clock_reset = true;
  }
  if (last_timestamp_ns_ && f.timestamp_ns <= *last_timestamp_ns_) {
    ++dropped_;
    out.dropped = true;
    const double behind_s = static_cast<double>(*last_timestamp_ns_ - f.timestamp_ns) * 1e-9;
    out.note = f.timestamp_ns == *last_timestamp_ns_ ? "duplicate frame (same timestamp as the previous one): dropped"
                                                      : "frame out of order (" + std::to_string(behind_s) + " s before the previous one): dropped";
    return out;
  }
  if (n == 0) return out;  // a frame without samples carries no time information worth keeping
  out.samples_mv.reserve(n);
  for (std::int32_t uv : f.samples_uv) out.samples_mv.push_back(static_cast<float>(uv * 1e-3));
  out.times_unix_ns.resize(n);
  bool evenly_from_previous = false;
  if (last_timestamp_ns_) {
    const double jump_ns = static_cast<double>(f.timestamp_ns - *last_timestamp_ns_);
    const double beyond_ns = jump_ns - static_cast<double>(n) * period_ns;
    if (beyond_ns > 1.5 * period_ns) {
      out.gap_samples = std::llround(beyond_ns / period_ns);
      out.gap_s = beyond_ns * 1e-9;
      ++gaps_;
      missing_samples_ += static_cast<std::uint64_t>(out.gap_samples);
      out.note = "gap of " + std::to_string(out.gap_samples) + " samples (" + std::to_string(out.gap_s) + " s) before this frame";
    } else {
      evenly_from_previous = true;
    }
  }
  // Per-sample times as the Polar SDK spaces them: after a frame that joins on, evenly from the
  // previous frame's timestamp; the first frame (and the first after a gap) back from its own
  // timestamp at the nominal period.
  // Offsets in double (small), timestamps in integers: a double holds ns since 2000 only to ~128 ns.
  const double step = evenly_from_previous ? static_cast<double>(f.timestamp_ns - *last_timestamp_ns_) / static_cast<double>(n) : period_ns;
  // (Unsigned arithmetic: a corrupt timestamp near 2^64 wraps instead of overflowing.)
  for (std::size_t i = 0; i < n; ++i) {
    const auto offset = static_cast<std::uint64_t>(std::llround(static_cast<double>(n - 1 - i) * step));
    out.times_unix_ns[i] = static_cast<std::int64_t>(f.timestamp_ns - offset + static_cast<std::uint64_t>(kPmdEpochUnixNs));
  }
  if (!first_unix_ns_) first_unix_ns_ = out.times_unix_ns.front();
  clock_resets_ += clock_reset;
  last_timestamp_ns_ = f.timestamp_ns;
  samples_ += n;
  return out;
}

std::string protocol_json() {
  nlohmann::json j;
  j["pmd"] = {{"service", kPmdServiceUuid}, {"control_point", kPmdControlPointUuid}, {"data", kPmdDataUuid},
              {"get_settings", pmd_get_settings_command()}, {"start_ecg", pmd_start_ecg_command()}, {"stop", pmd_stop_command()},
              {"ecg_fs_hz", kPolarH10EcgHz}};
  j["heart_rate"] = {{"service", kHeartRateServiceUuid}, {"measurement", kHeartRateMeasurementUuid}};
  return j.dump();
}

std::string control_point_json(std::span<const std::uint8_t> bytes) {
  const PmdControlPointResponse r = parse_pmd_control_point(bytes);
  nlohmann::json j{{"opcode", r.opcode}, {"opcode_name", pmd_opcode_name(r.opcode)}, {"measurement", r.measurement},
                   {"measurement_name", pmd_measurement_name(r.measurement)}, {"status", r.status}, {"status_name", pmd_status_name(r.status)},
                   {"ok", r.ok()}, {"more", r.more}, {"settings", nullptr}};
  if (r.ok() && r.opcode == static_cast<std::uint8_t>(PmdOpcode::get_measurement_settings)) {
    const PmdSettings s = parse_pmd_settings(r.parameters);
    j["settings"] = {{"sample_rates_hz", s.sample_rates_hz}, {"resolutions_bits", s.resolutions_bits}, {"ranges", s.ranges},
                     {"ranges_milliunit", s.ranges_milliunit}, {"channels", s.channels}, {"factors", s.factors}, {"security", s.security}};
  }
  return j.dump();
}

}  // namespace ecg::io::ble
