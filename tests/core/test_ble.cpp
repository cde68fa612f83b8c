// BLE ECG protocols: Polar PMD commands, control-point answers, settings, ECG frames, the decoder's
// timing, gaps and out-of-order frames, and Heart Rate Measurement values — on byte sequences built
// here from the protocol description (../shared/reference/FACTS.md §5.1).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ecg/ble.h"
#include "ecg/error.h"
#include "test_util.h"

namespace ble = ecg::io::ble;
using Bytes = std::vector<std::uint8_t>;

namespace {

constexpr double kPeriodNs = 1e9 / 130.0;

Bytes ecg_frame(std::uint64_t timestamp_ns, const std::vector<std::int32_t>& samples_uv, std::uint8_t frame_type = 0,
                std::uint8_t measurement = 0) {
  return ecg::test::pmd_ecg_frame(timestamp_ns, samples_uv, frame_type, measurement);
}

std::vector<std::int32_t> ramp(std::size_t n, std::int32_t start) {
  std::vector<std::int32_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = start + static_cast<std::int32_t>(i);
  return v;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ecg::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("PMD: control-point commands are the H10's bytes", "[ble][pmd]") {
  CHECK(ble::pmd_get_settings_command() == Bytes{0x01, 0x00});
  CHECK(ble::pmd_start_ecg_command() == Bytes{0x02, 0x00, 0x00, 0x01, 0x82, 0x00, 0x01, 0x01, 0x0E, 0x00});
  CHECK(ble::pmd_stop_command() == Bytes{0x03, 0x00});
  CHECK(ble::pmd_start_ecg_command(200, 16) == Bytes{0x02, 0x00, 0x00, 0x01, 0xC8, 0x00, 0x01, 0x01, 0x10, 0x00});
  CHECK(ble::pmd_get_settings_command(ble::PmdMeasurement::acc) == Bytes{0x01, 0x02});
}

TEST_CASE("PMD: a get-settings answer gives the H10's ECG settings", "[ble][pmd]") {
  // F0, opcode 1, ECG, status 0, more 0, then settings: sample rate x1 = 130, resolution x1 = 14.
  const Bytes answer{0xF0, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x82, 0x00, 0x01, 0x01, 0x0E, 0x00};
  const auto r = ble::parse_pmd_control_point(answer);
  CHECK(r.ok());
  CHECK(r.opcode == 1);
  CHECK(r.measurement == 0);
  CHECK_FALSE(r.more);
  const auto s = ble::parse_pmd_settings(r.parameters);
  CHECK(s.sample_rates_hz == std::vector<std::uint16_t>{130});
  CHECK(s.resolutions_bits == std::vector<std::uint16_t>{14});
  CHECK(s.ranges.empty());
  CHECK_FALSE(s.security);
}

TEST_CASE("PMD: settings TLV with several values, every field size, and truncation named", "[ble][pmd]") {
  const Bytes tlv{
      0x00, 0x02, 0x82, 0x00, 0xC8, 0x00,              // sample rates 130, 200
      0x02, 0x03, 0x02, 0x00, 0x04, 0x00, 0x08, 0x00,  // ranges 2, 4, 8
      0x03, 0x01, 0x10, 0x27, 0x00, 0x00,              // range 10000 milliunit
      0x04, 0x01, 0x03,                                // 3 channels
      0x05, 0x01, 0x00, 0x00, 0x80, 0x3F,              // factor 1.0f
      0x06, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};  // security
  const auto s = ble::parse_pmd_settings(tlv);
  CHECK(s.sample_rates_hz == std::vector<std::uint16_t>{130, 200});
  CHECK(s.ranges == std::vector<std::uint16_t>{2, 4, 8});
  CHECK(s.ranges_milliunit == std::vector<std::uint32_t>{10000});
  CHECK(s.channels == std::vector<std::uint8_t>{3});
  CHECK(s.factors == std::vector<float>{1.0f});
  CHECK(s.security);
  CHECK(message_of([] { ble::parse_pmd_settings(Bytes{0x00, 0x02, 0x82, 0x00, 0xC8}); }) ==
        "PMD settings, byte 0: setting 'sample rate' with 2 value(s) expected 6 bytes, found 5");
  CHECK(message_of([] { ble::parse_pmd_settings(Bytes{0x09, 0x01, 0x00}); }) ==
        "PMD settings, byte 0: expected a setting type 0-6, found 9 (settings: 09 01 00)");
}

TEST_CASE("PMD: control-point errors name the status; malformed answers say expected vs found", "[ble][pmd]") {
  const auto busy = ble::parse_pmd_control_point(Bytes{0xF0, 0x02, 0x00, 0x06, 0x00});
  CHECK_FALSE(busy.ok());
  CHECK(ble::pmd_status_name(busy.status) == "already in state");
  CHECK(ble::pmd_opcode_name(busy.opcode) == "start measurement");
  CHECK(ble::pmd_status_name(13) == "device in charger");
  CHECK(ble::pmd_status_name(8) == "invalid sample rate");
  CHECK(ble::pmd_status_name(200) == "unknown status 200");
  CHECK(busy.parameters.empty());  // an error answer carries no parameters
  CHECK(message_of([] { ble::parse_pmd_control_point(Bytes{0xF0, 0x01}); }) ==
        "PMD control point answer of 2 bytes: expected at least 4 (F0, opcode, measurement type, status), found [F0 01]");
  CHECK(message_of([] { ble::parse_pmd_control_point(Bytes{0x01, 0x00, 0x00, 0x00}); }) ==
        "PMD control point answer: expected first byte F0, found [01 00 00 00]");
}

TEST_CASE("PMD: an ECG frame decodes signed int24 little-endian microvolts", "[ble][pmd]") {
  const std::uint64_t ts = 599'000'000'123'456'789ull;
  const auto f = ble::parse_pmd_ecg_frame(ecg_frame(ts, {1000, -1000, 8388607, -8388608, 0, -1}));
  CHECK(f.measurement == 0);
  CHECK(f.timestamp_ns == ts);
  CHECK(f.frame_type == 0);
  CHECK_FALSE(f.compressed);
  CHECK(f.samples_uv == std::vector<std::int32_t>{1000, -1000, 8388607, -8388608, 0, -1});
  // The same bytes written out by hand: 1000 = E8 03 00, -1000 = 18 FC FF.
  const Bytes by_hand{0x00, 0x15, 0xCD, 0x5B, 0x07, 0, 0, 0, 0, 0x00, 0xE8, 0x03, 0x00, 0x18, 0xFC, 0xFF};
  const auto g = ble::parse_pmd_ecg_frame(by_hand);
  CHECK(g.timestamp_ns == 123456789u);
  CHECK(g.samples_uv == std::vector<std::int32_t>{1000, -1000});
}

TEST_CASE("PMD: malformed or unsupported frames are refused with expected vs found", "[ble][pmd]") {
  CHECK(message_of([] { ble::parse_pmd_ecg_frame(Bytes(7, 0)); }) ==
        "PMD frame of 7 bytes: expected at least 10 (type, 8-byte timestamp, frame type), found [00 00 00 00 00 00 00]");
  CHECK(message_of([] { ble::parse_pmd_ecg_frame(ecg_frame(1, {1, 2}, 0, 2)); }) ==
        "PMD frame: expected measurement type 0 (ECG), found 2 (ACC)");
  CHECK(message_of([] { ble::parse_pmd_ecg_frame(ecg_frame(1, {1, 2}, 0x80)); }) ==
        "PMD ECG frame: expected frame type 0 (uncompressed int24 microvolts, Polar H10), found 0 compressed (byte 9 = 80)");
  CHECK(message_of([] { ble::parse_pmd_ecg_frame(ecg_frame(1, {1, 2}, 3)); }) ==
        "PMD ECG frame: expected frame type 0 (uncompressed int24 microvolts, Polar H10), found 3 (byte 9 = 03)");
  Bytes odd = ecg_frame(1, {1, 2});
  odd.pop_back();
  CHECK(message_of([&] { ble::parse_pmd_ecg_frame(odd); }) ==
        "PMD ECG frame of 15 bytes: expected 10 + a multiple of 3 (int24 samples), found 5 sample bytes");
}

TEST_CASE("PMD decoder: per-sample times, contiguous frames, gaps, duplicates and out-of-order frames", "[ble][pmd]") {
  ble::PmdDecoder d(130.0);
  const std::uint64_t t0 = 700'000'000'000'000'000ull;  // ns since 2000 of the first frame's last sample
  const std::size_t n = 73;                             // the H10's samples per frame at the default MTU

  // First frame: times spaced at the nominal period back from its timestamp.
  auto c1 = d.push(ecg_frame(t0, ramp(n, 0)));
  REQUIRE(c1.samples_mv.size() == n);
  CHECK(c1.samples_mv[1] == Approx(0.001));
  CHECK(c1.gap_samples == 0);
  CHECK_FALSE(c1.dropped);
  CHECK(c1.times_unix_ns.back() == static_cast<std::int64_t>(t0) + ble::kPmdEpochUnixNs);
  CHECK(static_cast<double>(c1.times_unix_ns.back() - c1.times_unix_ns.front()) == Approx((n - 1) * kPeriodNs).margin(1));

  // Second frame joins on (the device clock runs 0.1 % fast): spaced evenly from the previous timestamp.
  const std::uint64_t t2 = t0 + static_cast<std::uint64_t>(std::llround(n * kPeriodNs * 1.001));
  auto c2 = d.push(ecg_frame(t2, ramp(n, 100)));
  CHECK(c2.gap_samples == 0);
  CHECK(c2.note.empty());
  const double step = static_cast<double>(t2 - t0) / n;
  CHECK(static_cast<double>(c2.times_unix_ns.front() - c1.times_unix_ns.back()) == Approx(step).margin(1));
  CHECK(c2.times_unix_ns.back() == static_cast<std::int64_t>(t2) + ble::kPmdEpochUnixNs);

  // One period of jitter beyond the frame's length is not a gap (the limit is 1.5 periods).
  const std::uint64_t t3 = t2 + static_cast<std::uint64_t>(std::llround((n + 1.0) * kPeriodNs));
  CHECK(d.push(ecg_frame(t3, ramp(n, 200))).gap_samples == 0);

  // 20 samples lost before the fourth frame: reported with their length; its times run back from its own timestamp.
  const std::uint64_t t4 = t3 + static_cast<std::uint64_t>(std::llround((n + 20.0) * kPeriodNs));
  auto c4 = d.push(ecg_frame(t4, ramp(n, 300)));
  CHECK(c4.gap_samples == 20);
  CHECK(c4.gap_s == Approx(20.0 / 130.0).margin(1e-6));
  CHECK(c4.note == "gap of 20 samples (0.153846 s) before this frame");
  CHECK(static_cast<double>(c4.times_unix_ns[1] - c4.times_unix_ns[0]) == Approx(kPeriodNs).margin(1));

  // The same frame again, then an older one: both dropped and reported, and the decoder goes on.
  auto dup = d.push(ecg_frame(t4, ramp(n, 300)));
  CHECK(dup.dropped);
  CHECK(dup.samples_mv.empty());
  CHECK(dup.note == "duplicate frame (same timestamp as the previous one): dropped");
  auto old = d.push(ecg_frame(t3, ramp(n, 200)));
  CHECK(old.dropped);
  CHECK(old.note.rfind("frame out of order (", 0) == 0);
  const std::uint64_t t5 = t4 + static_cast<std::uint64_t>(std::llround(n * kPeriodNs));
  auto c5 = d.push(ecg_frame(t5, ramp(n, 400)));
  CHECK_FALSE(c5.dropped);
  CHECK(c5.gap_samples == 0);

  CHECK(d.frames() == 7);
  CHECK(d.samples() == 5 * n);
  CHECK(d.gaps() == 1);
  CHECK(d.missing_samples() == 20);
  CHECK(d.dropped_frames() == 2);
  CHECK(d.first_sample_unix_ns() == c1.times_unix_ns.front());
}

TEST_CASE("PMD decoder: a timestamp more than 10 s back is the device clock set back, not a late frame", "[ble][pmd]") {
  ble::PmdDecoder d;
  const std::uint64_t t0 = 700'000'000'000'000'000ull;
  d.push(ecg_frame(t0, ramp(73, 0)));
  const std::uint64_t back = t0 - 60'000'000'000ull;  // 60 s earlier
  auto c = d.push(ecg_frame(back, ramp(73, 0)));
  CHECK_FALSE(c.dropped);
  CHECK(c.samples_mv.size() == 73);
  CHECK(c.gap_samples == 0);
  CHECK(c.note == "device clock went back 60.000000 s: frame kept, timing restarted");
  CHECK(c.times_unix_ns.back() == static_cast<std::int64_t>(back) + ble::kPmdEpochUnixNs);
  // Timing goes on from the new clock.
  auto next = d.push(ecg_frame(back + static_cast<std::uint64_t>(std::llround(73 * kPeriodNs)), ramp(73, 0)));
  CHECK(next.gap_samples == 0);
  CHECK_FALSE(next.dropped);
  CHECK(d.clock_resets() == 1);
  CHECK(d.dropped_frames() == 0);
}

TEST_CASE("PMD decoder: a malformed frame throws and leaves the decoder's state as it was", "[ble][pmd]") {
  ble::PmdDecoder d;
  const std::uint64_t t0 = 1'000'000'000'000ull;
  d.push(ecg_frame(t0, ramp(10, 0)));
  CHECK_THROWS_AS(d.push(Bytes{0x00, 0x01}), ecg::Error);
  auto next = d.push(ecg_frame(t0 + static_cast<std::uint64_t>(std::llround(10 * kPeriodNs)), ramp(10, 0)));
  CHECK(next.gap_samples == 0);
  CHECK(d.samples() == 20);
  CHECK(message_of([] { ble::PmdDecoder bad(0.0); }) == "PMD decoder: expected a sampling rate in (0, 10000] Hz, found 0.000000");
}

TEST_CASE("Heart Rate Measurement 0x2A37: 8/16-bit heart rate, contact, energy and RR intervals", "[ble][heart_rate]") {
  // 8-bit heart rate, nothing else.
  auto a = ble::parse_heart_rate_measurement(Bytes{0x00, 72});
  CHECK(a.heart_rate_bpm == 72);
  CHECK_FALSE(a.sensor_contact.has_value());
  CHECK_FALSE(a.energy_expended_kj.has_value());
  CHECK(a.rr_ms.empty());
  // RR present: 1024/1024 s = 1000 ms and 512/1024 s = 500 ms.
  auto b = ble::parse_heart_rate_measurement(Bytes{0x10, 60, 0x00, 0x04, 0x00, 0x02});
  CHECK(b.heart_rate_bpm == 60);
  CHECK(b.rr_ms == std::vector<double>{1000.0, 500.0});
  // 16-bit heart rate (300 bpm), contact supported and detected, energy expended 16 kJ, one RR of 819 ms (839/1024 s).
  auto c = ble::parse_heart_rate_measurement(Bytes{0x1F, 0x2C, 0x01, 0x10, 0x00, 0x47, 0x03});
  CHECK(c.heart_rate_bpm == 300);
  CHECK(c.sensor_contact == true);
  CHECK(c.energy_expended_kj == 16);
  REQUIRE(c.rr_ms.size() == 1);
  CHECK(c.rr_ms[0] == Approx(839 * 1000.0 / 1024.0));
  // Contact supported but lost.
  CHECK(ble::parse_heart_rate_measurement(Bytes{0x04, 80}).sensor_contact == false);
  // Shorter than the flags say.
  CHECK(message_of([] { ble::parse_heart_rate_measurement(Bytes{0x01, 72}); }) ==
        "Heart Rate Measurement of 2 bytes: flags 0x01 (16-bit heart rate) expected at least 3 bytes");
  CHECK(message_of([] { ble::parse_heart_rate_measurement(Bytes{0x10, 72, 0x00}); }) ==
        "Heart Rate Measurement: RR intervals expected as whole uint16 values after byte 2, found 1 bytes");
  CHECK(message_of([] { ble::parse_heart_rate_measurement(Bytes{}); }) ==
        "Heart Rate Measurement: expected at least a flags byte and a heart rate, found 0 bytes");
}

TEST_CASE("BLE protocol constants as JSON carry the UUIDs and command bytes", "[ble]") {
  const std::string j = ble::protocol_json();
  CHECK(j.find("\"fb005c80-02e7-f387-1cad-8acd2d8df0c8\"") != std::string::npos);
  CHECK(j.find("\"start_ecg\":[2,0,0,1,130,0,1,1,14,0]") != std::string::npos);
  CHECK(j.find("\"stop\":[3,0]") != std::string::npos);
  CHECK(j.find("\"0000180d-0000-1000-8000-00805f9b34fb\"") != std::string::npos);
}
