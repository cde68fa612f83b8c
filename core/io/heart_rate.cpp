// Heart Rate Measurement (Bluetooth SIG characteristic 0x2A37 of the Heart Rate service 0x180D): heart
// rate and RR intervals from any chest strap that implements the standard service.
#include <cstdio>

#include "ecg/ble.h"
#include "ecg/error.h"

namespace ecg::io::ble {

HeartRateMeasurement parse_heart_rate_measurement(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) throw Error("Heart Rate Measurement: expected at least a flags byte and a heart rate, found 0 bytes");
  const std::uint8_t flags = bytes[0];
  const bool hr16 = flags & 0x01, contact_supported = flags & 0x04, energy = flags & 0x08, rr = flags & 0x10;
  const std::size_t need = 1 + (hr16 ? 2 : 1) + (energy ? 2 : 0);
  if (bytes.size() < need) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", flags);
    throw Error("Heart Rate Measurement of " + std::to_string(bytes.size()) + " bytes: flags " + hex + " (" + (hr16 ? "16-bit" : "8-bit") +
                " heart rate" + (energy ? ", energy expended" : "") + ") expected at least " + std::to_string(need) + " bytes");
  }
  HeartRateMeasurement m;
  std::size_t at = 1;
  m.heart_rate_bpm = hr16 ? bytes[1] | (bytes[2] << 8) : bytes[1];
  at += hr16 ? 2 : 1;
  if (contact_supported) m.sensor_contact = (flags & 0x02) != 0;
  if (energy) {
    m.energy_expended_kj = static_cast<std::uint16_t>(bytes[at] | (bytes[at + 1] << 8));
    at += 2;
  }
  if (rr) {
    if ((bytes.size() - at) % 2 != 0) {
      throw Error("Heart Rate Measurement: RR intervals expected as whole uint16 values after byte " + std::to_string(at) + ", found " +
                  std::to_string(bytes.size() - at) + " bytes");
    }
    for (; at + 1 < bytes.size(); at += 2) m.rr_ms.push_back((bytes[at] | (bytes[at + 1] << 8)) * 1000.0 / 1024.0);
  }
  return m;
}

}  // namespace ecg::io::ble
