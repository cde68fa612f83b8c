// Model file loader: safetensors parsing and field-by-field validation of schema ecg-screen-model/1.
// The layout and schema are repeated at the top of core/include/ecg/nn.h (docs/model-format.md).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "ecg/error.h"
#include "ecg/nn.h"

namespace ecg::nn {

using json = nlohmann::json;

const char* op_name(OpType op) {
  switch (op) {
    case OpType::conv1d: return "conv1d";
    case OpType::batchnorm: return "batchnorm";
    case OpType::groupnorm: return "groupnorm";
    case OpType::relu: return "relu";
    case OpType::mish: return "mish";
    case OpType::sigmoid: return "sigmoid";
    case OpType::add: return "add";
    case OpType::mul_channel: return "mul_channel";
    case OpType::global_avg_pool: return "global_avg_pool";
    case OpType::global_max_pool: return "global_max_pool";
    case OpType::max_pool1d: return "max_pool1d";
    case OpType::avg_pool1d: return "avg_pool1d";
    case OpType::linear: return "linear";
    case OpType::concat: return "concat";
    case OpType::flatten: return "flatten";
  }
  return "?";
}

std::string to_string(const Shape& s) {
  return s.rank == 2 ? "[" + std::to_string(s.c) + ", " + std::to_string(s.l) + "]" : "[" + std::to_string(s.c) + "]";
}

namespace {

constexpr const char* kFormat1 = "ecg-screen-model/1";  // float32 tensors, no content hash (still read)
constexpr const char* kFormat2 = "ecg-screen-model/2";  // F32 / F16 / I8 tensors and the required tensor_sha256
constexpr std::uint64_t kMaxHeaderBytes = 100u << 20;
constexpr std::int64_t kMaxDim = std::int64_t{1} << 31;
constexpr std::int64_t kMaxValueFloats = std::int64_t{1} << 26;  // 256 MiB per window and value

struct OpSpec {
  OpType op;
  int min_inputs, max_inputs;
  std::vector<std::string> required_weights, optional_weights;
  std::vector<std::string> attrs;
};

const std::vector<OpSpec>& op_specs() {
  static const std::vector<OpSpec> specs = {
      {OpType::conv1d, 1, 1, {"weight"}, {"bias"}, {"stride", "pad", "dilation", "groups"}},
      {OpType::batchnorm, 1, 1, {"weight", "bias", "mean", "var"}, {}, {"eps"}},
      {OpType::groupnorm, 1, 1, {"weight", "bias"}, {}, {"groups", "eps"}},
      {OpType::relu, 1, 1, {}, {}, {}},
      {OpType::mish, 1, 1, {}, {}, {}},
      {OpType::sigmoid, 1, 1, {}, {}, {}},
      {OpType::add, 2, 2, {}, {}, {}},
      {OpType::mul_channel, 2, 2, {}, {}, {}},
      {OpType::global_avg_pool, 1, 1, {}, {}, {}},
      {OpType::global_max_pool, 1, 1, {}, {}, {}},
      {OpType::max_pool1d, 1, 1, {}, {}, {"kernel", "stride", "pad"}},
      {OpType::avg_pool1d, 1, 1, {}, {}, {"kernel", "stride", "pad"}},
      {OpType::linear, 1, 1, {"weight"}, {"bias"}, {}},
      {OpType::concat, 1, 64, {}, {}, {"axis"}},
      {OpType::flatten, 1, 1, {}, {}, {}},
  };
  return specs;
}

[[noreturn]] void fail(const std::string& where, const std::string& what) { throw Error("model file: " + where + ": " + what); }

std::string kind_of(const json& j) { return j.type_name(); }

const json& field(const json& obj, const std::string& key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end()) fail(where, "missing field '" + key + "'");
  return *it;
}

std::string get_string(const json& obj, const std::string& key, const std::string& where) {
  const json& v = field(obj, key, where);
  if (!v.is_string()) fail(where + "." + key, "got " + kind_of(v) + ", expected a string");
  return v.get<std::string>();
}

std::int64_t get_int(const json& v, const std::string& where, std::int64_t lo, std::int64_t hi) {
  if (!v.is_number_integer()) fail(where, "got " + kind_of(v) + (v.is_number() ? " " + v.dump() : "") + ", expected an integer");
  std::int64_t x = v.is_number_unsigned() ? static_cast<std::int64_t>(std::min<std::uint64_t>(v.get<std::uint64_t>(), std::numeric_limits<std::int64_t>::max())) : v.get<std::int64_t>();
  if (x < lo || x > hi) fail(where, "got " + std::to_string(x) + ", expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return x;
}

double get_number(const json& v, const std::string& where) {
  if (!v.is_number()) fail(where, "got " + kind_of(v) + ", expected a number");
  double x = v.get<double>();
  if (!std::isfinite(x)) fail(where, "got a non-finite number, expected a finite number");
  return x;
}

std::vector<std::string> get_strings(const json& v, const std::string& where) {
  if (!v.is_array()) fail(where, "got " + kind_of(v) + ", expected an array of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) fail(where + "[" + std::to_string(i) + "]", "got " + kind_of(v[i]) + ", expected a string");
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

std::vector<double> get_numbers(const json& v, const std::string& where) {
  if (!v.is_array()) fail(where, "got " + kind_of(v) + ", expected an array of numbers");
  std::vector<double> out;
  for (std::size_t i = 0; i < v.size(); ++i) out.push_back(get_number(v[i], where + "[" + std::to_string(i) + "]"));
  return out;
}

// ---- SHA-256 (FIPS 180-4), for the tensor content hash of schema 2.
struct Sha256 {
  std::uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  static std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
  void block(const std::uint8_t* p) {
    static constexpr std::uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
        0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
        0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
        0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
        0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
        0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i) w[i] = std::uint32_t{p[4 * i]} << 24 | std::uint32_t{p[4 * i + 1]} << 16 | std::uint32_t{p[4 * i + 2]} << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; ++i) {
      const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      const std::uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      const std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
};

}  // namespace

std::string sha256_hex(std::span<const std::uint8_t> bytes) {
  Sha256 s;
  std::size_t i = 0;
  for (; i + 64 <= bytes.size(); i += 64) s.block(bytes.data() + i);
  std::uint8_t tail[128] = {};
  const std::size_t rest = bytes.size() - i;
  if (rest) std::memcpy(tail, bytes.data() + i, rest);
  tail[rest] = 0x80;
  const std::size_t total = rest + 9 <= 64 ? 64 : 128;
  const std::uint64_t bits = static_cast<std::uint64_t>(bytes.size()) * 8;
  for (int b = 0; b < 8; ++b) tail[total - 1 - static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(bits >> (8 * b));
  s.block(tail);
  if (total == 128) s.block(tail + 64);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (std::uint32_t v : s.h)
    for (int b = 28; b >= 0; b -= 4) out += hex[(v >> b) & 0xf];
  return out;
}

namespace {

// IEEE 754 binary16 → float32 (subnormals included; inf/NaN map to inf/NaN and are refused later).
float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = std::uint32_t{h & 0x8000u} << 16;
  std::uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ffu, bits;
  if (exp == 0x1f) bits = sign | 0x7f800000u | (mant << 13);
  else if (exp != 0) bits = sign | ((exp + 112) << 23) | (mant << 13);
  else if (mant == 0) bits = sign;
  else {  // subnormal: normalise
    int e = -1;
    do { mant <<= 1; ++e; } while ((mant & 0x400u) == 0);
    bits = sign | (static_cast<std::uint32_t>(112 - e) << 23) | ((mant & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Schema version of a header's __metadata__.format: 1 or 2; 0 when absent or unknown (reported later).
int schema_of(const json& header) {
  auto meta = header.find("__metadata__");
  if (meta == header.end() || !meta->is_object()) return 0;
  auto f = meta->find("format");
  if (f == meta->end() || !f->is_string()) return 0;
  if (*f == kFormat1) return 1;
  if (*f == kFormat2) return 2;
  return 0;
}

std::size_t dtype_size(const std::string& dtype) { return dtype == "F32" ? 4 : dtype == "F16" ? 2 : 1; }

// Schema 2: the SHA-256 of every tensor byte (the bytes after the header, in offset order) is the
// document's "tensor_sha256"; checked before any value is decoded so damage reads as damage.
void check_tensor_hash(const json& header, std::span<const std::uint8_t> data) {
  const std::string W = "ecg_screen.tensor_sha256";
  json doc;
  try {
    doc = json::parse(header["__metadata__"].value("ecg_screen", std::string()));
  } catch (const json::exception&) {
    return;  // reported with its own message by Model::load
  }
  if (!doc.is_object()) return;
  auto it = doc.find("tensor_sha256");
  if (it == doc.end()) fail(W, "missing: got no tensor content hash, expected the SHA-256 of the tensor bytes (required by " + std::string(kFormat2) + ")");
  const std::string want = it->is_string() ? it->get<std::string>() : std::string();
  if (!it->is_string() || want.size() != 64 || !std::all_of(want.begin(), want.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }))
    fail(W, "got " + it->dump().substr(0, 80) + ", expected 64 lowercase hex digits");
  const std::string got = sha256_hex(data);
  if (got != want) fail(W, "tensor content hash got " + got + ", expected " + want + " (the tensor bytes were changed after export: the file is damaged)");
}

// The safetensors header: the u64 length N and N bytes of JSON object; returns N. `bytes` may be the
// file's first bytes only, as long as they hold the header.
std::uint64_t parse_header(std::span<const std::uint8_t> bytes, json& header) {
  if (bytes.size() < 8) fail("header", "got " + std::to_string(bytes.size()) + " bytes, expected at least 8 (the header length)");
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[static_cast<std::size_t>(i)];
  if (n > kMaxHeaderBytes || n > bytes.size() - 8)
    fail("header", "got a header length of " + std::to_string(n) + " bytes, expected at most " + std::to_string(std::min<std::uint64_t>(kMaxHeaderBytes, bytes.size() - 8)) + " (the file size less 8)");
  try {
    header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  } catch (const json::exception& e) {
    fail("header", std::string("got invalid JSON (") + e.what() + "), expected a safetensors JSON header");
  }
  if (!header.is_object()) fail("header", "got " + kind_of(header) + ", expected a JSON object");
  return n;
}

std::vector<Tensor> parse_tensors(std::span<const std::uint8_t> bytes, json& header) {
  const std::uint64_t n = parse_header(bytes, header);
  const std::uint64_t data_size = bytes.size() - 8 - n;
  const std::uint8_t* data = bytes.data() + 8 + n;
  const int schema = schema_of(header);

  struct Entry { std::string name, dtype; std::vector<std::int64_t> shape; std::uint64_t begin, end; };
  std::vector<Entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    const std::string where = "tensor '" + it.key() + "'";
    const json& t = it.value();
    if (!t.is_object()) fail(where, "got " + kind_of(t) + ", expected an object");
    std::string dtype = get_string(t, "dtype", where);
    if (schema == 2) {
      if (dtype != "F32" && dtype != "F16" && dtype != "I8") fail(where + ".dtype", "got \"" + dtype + "\", expected \"F32\", \"F16\" or \"I8\" (" + kFormat2 + ")");
    } else if (dtype != "F32") {
      fail(where + ".dtype", "got \"" + dtype + "\", expected \"F32\"" + (dtype == "F16" || dtype == "I8" ? std::string(" (") + kFormat1 + " holds float32 only; F16 and I8 need " + kFormat2 + ")" : ""));
    }
    const std::uint64_t size = dtype_size(dtype);
    const json& shape = field(t, "shape", where);
    if (!shape.is_array() || shape.size() > 4) fail(where + ".shape", "got " + shape.dump() + ", expected an array of at most 4 dimensions");
    Entry e{it.key(), dtype, {}, 0, 0};
    std::uint64_t count = 1;
    for (std::size_t i = 0; i < shape.size(); ++i) {
      std::int64_t d = get_int(shape[i], where + ".shape[" + std::to_string(i) + "]", 1, kMaxDim);
      e.shape.push_back(d);
      count *= static_cast<std::uint64_t>(d);
      if (count > data_size / size + 1) fail(where + ".shape", "got " + shape.dump() + " (" + std::to_string(count) + "+ values), expected at most the " + std::to_string(data_size / size) + " " + dtype + " values the file holds");
    }
    const json& off = field(t, "data_offsets", where);
    if (!off.is_array() || off.size() != 2) fail(where + ".data_offsets", "got " + off.dump() + ", expected [begin, end]");
    e.begin = static_cast<std::uint64_t>(get_int(off[0], where + ".data_offsets[0]", 0, std::numeric_limits<std::int64_t>::max()));
    e.end = static_cast<std::uint64_t>(get_int(off[1], where + ".data_offsets[1]", 0, std::numeric_limits<std::int64_t>::max()));
    if (e.end < e.begin || e.end - e.begin != size * count)
      fail(where + ".data_offsets", "got " + off.dump() + " (" + std::to_string(e.end >= e.begin ? e.end - e.begin : 0) + " bytes), expected " + std::to_string(size * count) + " bytes for " + dtype + " shape " + shape.dump());
    entries.push_back(std::move(e));
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  std::uint64_t expect = 0;
  for (const auto& e : entries) {
    if (e.begin != expect) fail("tensor '" + e.name + "'.data_offsets", "got begin " + std::to_string(e.begin) + ", expected " + std::to_string(expect) + " (tensors must be contiguous, without gap or overlap)");
    if (e.end > data_size) fail("tensor '" + e.name + "'.data_offsets", "got end " + std::to_string(e.end) + ", expected at most " + std::to_string(data_size) + " (the bytes after the header)");
    expect = e.end;
  }
  if (expect != data_size) fail("tensor data", "got " + std::to_string(data_size) + " bytes after the header, expected " + std::to_string(expect) + " (trailing bytes)");
  // The layout is sound: the hash now tells damaged bytes apart before any value is read.
  if (schema == 2) check_tensor_hash(header, std::span<const std::uint8_t>(data, data_size));
  std::vector<Tensor> out;
  for (auto& e : entries) {
    const std::uint8_t* p = data + e.begin;
    Tensor t{e.name, e.shape, std::vector<float>((e.end - e.begin) / dtype_size(e.dtype)), e.dtype};
    // little-endian hosts only (x86, wasm)
    if (e.dtype == "F32" && !t.data.empty()) std::memcpy(t.data.data(), p, e.end - e.begin);
    if (e.dtype == "F16")
      for (std::size_t i = 0; i < t.data.size(); ++i) t.data[i] = half_to_float(static_cast<std::uint16_t>(p[2 * i] | (p[2 * i + 1] << 8)));
    if (e.dtype == "I8")
      for (std::size_t i = 0; i < t.data.size(); ++i) t.data[i] = static_cast<float>(static_cast<std::int8_t>(p[i]));
    for (float v : t.data)
      if (!std::isfinite(v)) fail("tensor '" + e.name + "'", "got a non-finite value, expected finite " + std::string(e.dtype == "F16" ? "float16" : "float32") + " values");
    out.push_back(std::move(t));
  }

  // I8 tensors: q · scale[c] along the first axis (per output channel), from the F32 or F16 tensor
  // "<name>.scale" of shape [shape[0]] with finite values > 0; dequantised here into float32.
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < out.size(); ++i) index[out[i].name] = i;
  std::set<std::string> scales;
  for (Tensor& t : out) {
    if (t.dtype != "I8") continue;
    const std::string sname = t.name + ".scale", where = "tensor '" + sname + "'";
    auto it = index.find(sname);
    if (it == index.end()) fail("tensor '" + t.name + "'", "got dtype I8 without a scale tensor, expected an F32 or F16 tensor '" + sname + "' with one scale per output channel");
    const Tensor& s = out[it->second];
    if (s.dtype != "F32" && s.dtype != "F16") fail(where + ".dtype", "got \"" + s.dtype + "\", expected \"F32\" or \"F16\" (the scales of I8 tensor '" + t.name + "')");
    if (s.shape.size() != 1 || s.shape[0] != t.shape[0])
      fail(where + ".shape", "got " + json(s.shape).dump() + " (" + std::to_string(s.data.size()) + " scales), expected [" + std::to_string(t.shape[0]) + "] (one per output channel of '" + t.name + "')");
    for (std::size_t c = 0; c < s.data.size(); ++c)
      if (!(s.data[c] > 0)) fail(where, "scale [" + std::to_string(c) + "]: got " + std::to_string(s.data[c]) + ", expected a finite number > 0");
    const std::size_t per = t.data.size() / s.data.size();
    for (std::size_t i = 0; i < t.data.size(); ++i) t.data[i] *= s.data[i / per];
    scales.insert(sname);
  }
  for (const Tensor& t : out)
    if (t.name.size() > 6 && t.name.ends_with(".scale") && !scales.count(t.name) && index.count(t.name.substr(0, t.name.size() - 6)))
      fail("tensor '" + t.name + "'", "got a scale tensor for '" + t.name.substr(0, t.name.size() - 6) + "' of dtype " + out[index[t.name.substr(0, t.name.size() - 6)]].dtype + ", expected scales only for I8 tensors");
  std::erase_if(out, [&](const Tensor& t) { return scales.count(t.name) > 0; });
  return out;
}

Preprocess parse_preprocess(const json& p, const std::string& where) {
  if (!p.is_object()) fail(where, "got " + kind_of(p) + ", expected an object");
  Preprocess out;
  out.resample = get_string(p, "resample", where);
  if (out.resample != "polyphase") fail(where + ".resample", "got \"" + out.resample + "\", expected \"polyphase\"");
  const json& bp = field(p, "bandpass_hz", where);
  if (!bp.is_null()) {
    auto v = get_numbers(bp, where + ".bandpass_hz");
    if (v.size() != 2 || !(v[0] >= 0 && v[0] < v[1])) fail(where + ".bandpass_hz", "got " + bp.dump() + ", expected [low, high] with 0 <= low < high, or null");
    out.bandpass_hz = std::make_pair(v[0], v[1]);
  }
  out.normalize = get_string(p, "normalize", where);
  if (out.normalize != "zscore_per_lead" && out.normalize != "zscore_all_leads" && out.normalize != "block_range_per_lead" && out.normalize != "none")
    fail(where + ".normalize", "got \"" + out.normalize + "\", expected \"zscore_per_lead\", \"zscore_all_leads\", \"block_range_per_lead\" or \"none\"");
  out.epsilon = get_number(field(p, "epsilon", where), where + ".epsilon");
  if (!(out.epsilon >= 0)) fail(where + ".epsilon", "got a negative number, expected >= 0");
  out.window_stride = get_int(field(p, "window_stride", where), where + ".window_stride", 1, kMaxDim);
  out.aggregate = get_string(p, "aggregate", where);
  if (out.aggregate != "mean" && out.aggregate != "max" && out.aggregate != "none")
    fail(where + ".aggregate", "got \"" + out.aggregate + "\", expected \"mean\", \"max\" or \"none\" (a per-sample output, task \"qrs\")");
  if (p.contains("fir_taps") && !p["fir_taps"].is_null()) {
    out.fir_taps = get_int(p["fir_taps"], where + ".fir_taps", 1, 1 << 20);
    if (*out.fir_taps % 2 == 0) fail(where + ".fir_taps", "got " + std::to_string(*out.fir_taps) + ", expected an odd number");
  }
  if (p.contains("fir_window") && !p["fir_window"].is_null()) {
    out.fir_window = get_string(p, "fir_window", where);
    if (out.fir_window != "hamming") fail(where + ".fir_window", "got \"" + out.fir_window + "\", expected \"hamming\"");
  }
  return out;
}

// A decision threshold is a probability: in [0, 1] (a threshold above 1 would silence its class, one
// below 0 would make it always positive).
void check_thresholds(const std::vector<double>& t, const std::string& where) {
  for (std::size_t i = 0; i < t.size(); ++i)
    if (!(t[i] >= 0.0 && t[i] <= 1.0)) fail(where + "[" + std::to_string(i) + "]", "got " + json(t[i]).dump() + ", expected a probability in [0, 1]");
}

// A class code: a SNOMED CT concept id (6 to 18 digits, no leading zero) or "local:" and [a-z0-9_]+
// for a class that has no SNOMED CT concept (e.g. CinC 2017's "other rhythm" and "too noisy").
bool valid_class_code(const std::string& s) {
  auto in = [](char c, bool letters) { return (c >= '0' && c <= '9') || (letters && ((c >= 'a' && c <= 'z') || c == '_')); };
  if (s.rfind("local:", 0) == 0) return s.size() > 6 && std::all_of(s.begin() + 6, s.end(), [&](char c) { return in(c, true); });
  return s.size() >= 6 && s.size() <= 18 && s[0] != '0' && std::all_of(s.begin(), s.end(), [&](char c) { return in(c, false); });
}

bool valid_name(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'; });
}

std::int64_t pool_len(std::int64_t l, int k, int s, int pl, int pr, int d) {
  std::int64_t span = static_cast<std::int64_t>(d) * (k - 1) + 1;
  std::int64_t padded = l + pl + pr;
  if (padded < span) return 0;
  return (padded - span) / s + 1;
}

}  // namespace

std::vector<Shape> Model::infer_shapes(std::int64_t input_len) const {
  std::vector<Shape> shapes(value_names.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    shapes[i] = inputs[i].shape;
    if (inputs[i].has_length) shapes[i].l = input_len;
    if (shapes[i].numel() > kMaxValueFloats)
      fail("graph.inputs[" + std::to_string(i) + "]", "got shape " + to_string(shapes[i]) + ", expected at most " + std::to_string(kMaxValueFloats) + " values per window");
  }
  for (std::size_t ni = 0; ni < nodes.size(); ++ni) {
    const Node& n = nodes[ni];
    const std::string where = "graph.nodes[" + std::to_string(ni) + "] (" + op_name(n.op) + " '" + value_names[static_cast<std::size_t>(n.output)] + "')";
    const Shape& x = shapes[static_cast<std::size_t>(n.inputs[0])];
    auto need_rank = [&](const Shape& s, int rank, const std::string& what) {
      if (s.rank != rank) fail(where, what + ": got shape " + to_string(s) + ", expected rank " + std::to_string(rank));
    };
    auto wshape = [&](int t) -> const std::vector<std::int64_t>& { return tensors[static_cast<std::size_t>(t)].shape; };
    auto need_vec = [&](int t, std::int64_t c, const char* role) {
      if (t < 0) return;
      const auto& s = wshape(t);
      if (s.size() != 1 || s[0] != c) fail(where, std::string("weights.") + role + " '" + tensors[static_cast<std::size_t>(t)].name + "': got shape " + nlohmann::json(s).dump() + ", expected [" + std::to_string(c) + "]");
    };
    Shape y = x;
    switch (n.op) {
      case OpType::conv1d: {
        need_rank(x, 2, "input");
        const auto& w = wshape(n.weight);
        if (w.size() != 3) fail(where, "weights.weight: got rank " + std::to_string(w.size()) + ", expected [C_out, C_in/groups, K]");
        if (x.c % n.groups != 0 || w[0] % n.groups != 0) fail(where, "attrs.groups: got " + std::to_string(n.groups) + ", expected a divisor of C_in " + std::to_string(x.c) + " and C_out " + std::to_string(w[0]));
        if (w[1] != x.c / n.groups) fail(where, "weights.weight: got C_in/groups " + std::to_string(w[1]) + ", expected " + std::to_string(x.c / n.groups) + " (input " + to_string(x) + ", groups " + std::to_string(n.groups) + ")");
        need_vec(n.bias, w[0], "bias");
        y.c = w[0];
        y.l = pool_len(x.l, static_cast<int>(w[2]), n.stride, n.pad_left, n.pad_right, n.dilation);
        break;
      }
      case OpType::batchnorm:
        need_vec(n.weight, x.c, "weight"); need_vec(n.bias, x.c, "bias"); need_vec(n.mean, x.c, "mean"); need_vec(n.var, x.c, "var");
        for (float v : tensors[static_cast<std::size_t>(n.var)].data)
          if (v < 0) fail(where, "weights.var: got a negative variance, expected values >= 0");
        break;
      case OpType::groupnorm:
        need_rank(x, 2, "input");
        if (x.c % n.groups != 0) fail(where, "attrs.groups: got " + std::to_string(n.groups) + ", expected a divisor of the " + std::to_string(x.c) + " channels");
        need_vec(n.weight, x.c, "weight"); need_vec(n.bias, x.c, "bias");
        break;
      case OpType::relu: case OpType::mish: case OpType::sigmoid: break;
      case OpType::add:
        if (!(shapes[static_cast<std::size_t>(n.inputs[1])] == x)) fail(where, "inputs: got shapes " + to_string(x) + " and " + to_string(shapes[static_cast<std::size_t>(n.inputs[1])]) + ", expected equal shapes");
        break;
      case OpType::mul_channel: {
        need_rank(x, 2, "input x");
        const Shape& s = shapes[static_cast<std::size_t>(n.inputs[1])];
        if (s.rank != 1 || s.c != x.c) fail(where, "input s: got shape " + to_string(s) + ", expected [" + std::to_string(x.c) + "]");
        break;
      }
      case OpType::global_avg_pool: case OpType::global_max_pool:
        need_rank(x, 2, "input");
        y = Shape{1, x.c, 1};
        break;
      case OpType::max_pool1d: case OpType::avg_pool1d:
        need_rank(x, 2, "input");
        y.l = pool_len(x.l, n.kernel, n.stride, n.pad_left, n.pad_right, 1);
        break;
      case OpType::linear: {
        need_rank(x, 1, "input");
        const auto& w = wshape(n.weight);
        if (w.size() != 2 || w[1] != x.c) fail(where, "weights.weight: got shape " + nlohmann::json(w).dump() + ", expected [O, " + std::to_string(x.c) + "]");
        need_vec(n.bias, w[0], "bias");
        y = Shape{1, w[0], 1};
        break;
      }
      case OpType::concat: {
        y.c = 0;
        for (int in : n.inputs) {
          const Shape& s = shapes[static_cast<std::size_t>(in)];
          if (s.rank != x.rank || (x.rank == 2 && s.l != x.l)) fail(where, "inputs: got shapes " + to_string(x) + " and " + to_string(s) + ", expected the same rank and length");
          y.c += s.c;
        }
        break;
      }
      case OpType::flatten:
        y = Shape{1, x.numel(), 1};
        break;
    }
    if (y.numel() > kMaxValueFloats)
      fail(where, "output shape: got " + to_string(y) + ", expected at most " + std::to_string(kMaxValueFloats) + " values per window");
    if (y.rank == 2 && y.l < 1) fail(where, "output length: got " + std::to_string(y.l) + " from input " + to_string(x) + ", expected at least 1 (input_len " + std::to_string(input_len) + " is too short)");
    shapes[static_cast<std::size_t>(n.output)] = y;
  }
  return shapes;
}

namespace {

// The ecg_screen document of a parsed header, its fields read into `info` (everything but what the
// graph decides: lead sets are read by parse_lead_sets). Returns the document.
json parse_document(const json& header, ModelInfo& info) {
  const json& meta = field(header, "__metadata__", "header");
  if (!meta.is_object()) fail("__metadata__", "got " + kind_of(meta) + ", expected an object");
  std::string format = get_string(meta, "format", "__metadata__");
  if (format != kFormat1 && format != kFormat2)
    fail("__metadata__.format", "got \"" + format + "\", expected \"" + kFormat2 + "\" (or the older \"" + kFormat1 + "\")");
  json doc;
  try {
    doc = json::parse(get_string(meta, "ecg_screen", "__metadata__"));
  } catch (const json::exception& e) {
    fail("__metadata__.ecg_screen", std::string("got invalid JSON (") + e.what() + "), expected the model document");
  }
  if (!doc.is_object()) fail("ecg_screen", "got " + kind_of(doc) + ", expected an object");
  const std::string W = "ecg_screen";
  info.schema = format == kFormat2 ? 2 : 1;
  if (info.schema == 2) info.tensor_sha256 = get_string(doc, "tensor_sha256", W);  // checked against the bytes in parse_tensors
  info.name = get_string(doc, "name", W);
  if (!valid_name(info.name)) fail(W + ".name", "got \"" + info.name + "\", expected [a-z0-9-]+");
  info.architecture = get_string(doc, "architecture", W);
  info.leads = get_strings(field(doc, "leads", W), W + ".leads");
  if (info.leads.empty() || info.leads.size() > 12) fail(W + ".leads", "got " + std::to_string(info.leads.size()) + " leads, expected 1 to 12");
  for (std::size_t i = 0; i < info.leads.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (info.leads[i] == info.leads[j])
        fail(W + ".leads", "got lead \"" + info.leads[i] + "\" twice (at " + std::to_string(j) + " and " + std::to_string(i) + "), expected each lead once");
  info.fs_hz = get_number(field(doc, "fs_hz", W), W + ".fs_hz");
  if (!(info.fs_hz > 0 && info.fs_hz <= 100000)) fail(W + ".fs_hz", "got " + std::to_string(info.fs_hz) + ", expected a rate in (0, 100000] Hz");
  info.input_len = get_int(field(doc, "input_len", W), W + ".input_len", 1, 1 << 24);
  info.preprocess = parse_preprocess(field(doc, "preprocess", W), W + ".preprocess");
  const json& demo = field(doc, "demographics", W);
  if (!demo.is_null()) {
    info.demographics = get_string(doc, "demographics", W);
    if (info.demographics != "lrhnet5") fail(W + ".demographics", "got \"" + info.demographics + "\", expected \"lrhnet5\" or null");
  }
  const json& classes = field(doc, "classes", W);
  if (!classes.is_array() || classes.empty()) fail(W + ".classes", "got " + kind_of(classes) + ", expected a non-empty array");
  for (std::size_t i = 0; i < classes.size(); ++i) {
    const std::string w = W + ".classes[" + std::to_string(i) + "]";
    if (!classes[i].is_object()) fail(w, "got " + kind_of(classes[i]) + ", expected an object");
    info.classes.push_back({get_string(classes[i], "snomed", w), get_string(classes[i], "abbr", w), get_string(classes[i], "name", w)});
    if (!valid_class_code(info.classes.back().snomed))
      fail(w + ".snomed", "got \"" + info.classes.back().snomed + "\", expected a SNOMED CT concept id (digits) or \"local:\" and [a-z0-9_]+ for a class without one");
  }
  if (doc.contains("task") && !doc["task"].is_null()) {
    info.task = get_string(doc, "task", W);
    if (info.task != "screen" && info.task != "rhythm" && info.task != "qrs") fail(W + ".task", "got \"" + info.task + "\", expected \"screen\", \"rhythm\" or \"qrs\"");
  }
  if ((info.preprocess.aggregate == "none") != (info.task == "qrs"))
    fail(W + ".preprocess.aggregate", "got \"" + info.preprocess.aggregate + "\", expected " + (info.task == "qrs" ? "\"none\" for task \"qrs\" (one probability per sample)" : "\"mean\" or \"max\" for task \"" + info.task + "\""));
  const json& decision = field(doc, "decision", W);
  if (!decision.is_object()) fail(W + ".decision", "got " + kind_of(decision) + ", expected an object");
  info.decision_rule = get_string(decision, "rule", W + ".decision");
  // task screen: multi-label, per-class thresholds; task rhythm: single-label, argmax of softmax;
  // task qrs: one class, a probability per sample; runs above `threshold` are QRS candidates, of two
  // closer than `refractory_s` the more probable stays.
  const std::string want_rule = info.task == "rhythm" ? "argmax" : info.task == "qrs" ? "peaks" : "threshold_or_argmax";
  if (info.decision_rule != want_rule) fail(W + ".decision.rule", "got \"" + info.decision_rule + "\", expected \"" + want_rule + "\" for task \"" + info.task + "\"");
  if (info.decision_rule == "peaks") {
    if (info.classes.size() != 1) fail(W + ".classes", "got " + std::to_string(info.classes.size()) + " classes, expected 1 for task \"qrs\"");
    info.thresholds = {get_number(field(decision, "threshold", W + ".decision"), W + ".decision.threshold")};
    check_thresholds(info.thresholds, W + ".decision.threshold");
    info.refractory_s = get_number(field(decision, "refractory_s", W + ".decision"), W + ".decision.refractory_s");
    if (!(info.refractory_s >= 0 && info.refractory_s <= 2)) fail(W + ".decision.refractory_s", "got " + std::to_string(info.refractory_s) + ", expected seconds in [0, 2]");
    if (decision.contains("min_relative_amplitude")) {
      info.min_relative_amplitude = get_number(decision["min_relative_amplitude"], W + ".decision.min_relative_amplitude");
      if (!(info.min_relative_amplitude >= 0 && info.min_relative_amplitude < 1))
        fail(W + ".decision.min_relative_amplitude", "got " + std::to_string(info.min_relative_amplitude) + ", expected a share in [0, 1)");
    }
  } else if (info.decision_rule == "argmax") {
    if (decision.contains("thresholds")) fail(W + ".decision.thresholds", "got thresholds, expected none for the single-label \"argmax\" rule");
  } else {
    info.thresholds = get_numbers(field(decision, "thresholds", W + ".decision"), W + ".decision.thresholds");
    if (info.thresholds.size() != info.classes.size()) fail(W + ".decision.thresholds", "got " + std::to_string(info.thresholds.size()) + " thresholds, expected " + std::to_string(info.classes.size()) + " (one per class)");
    check_thresholds(info.thresholds, W + ".decision.thresholds");
  }
  if (doc.contains("training")) info.training_json = doc["training"].dump();
  if (doc.contains("metrics")) info.metrics_json = doc["metrics"].dump();
  return doc;
}

// The optional lead sets; `is_output` (when given) says whether a lead set's output is a graph output.
void parse_lead_sets(const json& doc, ModelInfo& info, const std::function<bool(const std::string&)>& is_output) {
  const std::string W = "ecg_screen";
  if (doc.contains("lead_sets") && info.task != "screen") fail(W + ".lead_sets", "got lead sets for task \"" + info.task + "\", expected them only for task \"screen\"");
  if (doc.contains("lead_sets")) {
    const json& ls = doc["lead_sets"];
    if (!ls.is_array()) fail(W + ".lead_sets", "got " + kind_of(ls) + ", expected an array");
    for (std::size_t i = 0; i < ls.size(); ++i) {
      const std::string w = W + ".lead_sets[" + std::to_string(i) + "]";
      if (!ls[i].is_object()) fail(w, "got " + kind_of(ls[i]) + ", expected an object");
      LeadSet s{get_string(ls[i], "name", w), get_strings(field(ls[i], "leads", w), w + ".leads"), get_string(ls[i], "output", w),
                get_numbers(field(ls[i], "thresholds", w), w + ".thresholds")};
      for (const auto& lead : s.leads)
        if (std::find(info.leads.begin(), info.leads.end(), lead) == info.leads.end()) fail(w + ".leads", "got \"" + lead + "\", expected one of the model's leads");
      if (is_output && !is_output(s.output)) fail(w + ".output", "got \"" + s.output + "\", expected one of graph.outputs");
      if (s.thresholds.size() != info.classes.size()) fail(w + ".thresholds", "got " + std::to_string(s.thresholds.size()) + ", expected " + std::to_string(info.classes.size()) + " (one per class)");
      check_thresholds(s.thresholds, w + ".thresholds");
      for (std::size_t a = 0; a < s.leads.size(); ++a)
        if (std::count(s.leads.begin(), s.leads.begin() + static_cast<std::ptrdiff_t>(a), s.leads[a])) fail(w + ".leads", "got lead \"" + s.leads[a] + "\" twice, expected each lead once");
      info.lead_sets.push_back(std::move(s));
    }
  }
}

}  // namespace

Model Model::load(std::span<const std::uint8_t> bytes) {
  json header;
  Model m;
  m.tensors = parse_tensors(bytes, header);
  std::map<std::string, int> tensor_ids;
  for (std::size_t i = 0; i < m.tensors.size(); ++i) tensor_ids[m.tensors[i].name] = static_cast<int>(i);

  const json doc = parse_document(header, m.info);
  const std::string W = "ecg_screen";
  const ModelInfo& info = m.info;

  // ---- graph
  const std::string G = W + ".graph";
  const json& graph = field(doc, "graph", W);
  if (!graph.is_object()) fail(G, "got " + kind_of(graph) + ", expected an object");
  std::map<std::string, int> values;
  const json& gin = field(graph, "inputs", G);
  if (!gin.is_array() || gin.empty() || gin.size() > 8) fail(G + ".inputs", "got " + gin.dump().substr(0, 80) + ", expected 1 to 8 inputs");
  for (std::size_t i = 0; i < gin.size(); ++i) {
    const std::string w = G + ".inputs[" + std::to_string(i) + "]";
    if (!gin[i].is_object()) fail(w, "got " + kind_of(gin[i]) + ", expected an object");
    GraphInput in;
    in.name = get_string(gin[i], "name", w);
    const json& s = field(gin[i], "shape", w);
    if (!s.is_array() || s.empty() || s.size() > 2) fail(w + ".shape", "got " + s.dump() + ", expected [C, L] or [F]");
    in.shape.rank = static_cast<int>(s.size());
    in.shape.c = get_int(s[0], w + ".shape[0]", 1, 1 << 20);
    if (in.shape.rank == 2) {
      in.shape.l = get_int(s[1], w + ".shape[1]", 1, 1 << 24);
      if (in.shape.l != info.input_len) fail(w + ".shape[1]", "got " + std::to_string(in.shape.l) + ", expected input_len " + std::to_string(info.input_len));
    }
    in.has_length = in.shape.rank == 2;
    if (values.count(in.name)) fail(w + ".name", "got \"" + in.name + "\" twice, expected unique value names");
    values[in.name] = static_cast<int>(m.value_names.size());
    m.value_names.push_back(in.name);
    m.inputs.push_back(in);
  }
  if (m.inputs[0].name != "ecg" || m.inputs[0].shape.rank != 2) fail(G + ".inputs[0]", "got \"" + m.inputs[0].name + "\" " + to_string(m.inputs[0].shape) + ", expected \"ecg\" [leads, input_len]");
  if (m.inputs[0].shape.c != static_cast<std::int64_t>(info.leads.size())) fail(G + ".inputs[0].shape[0]", "got " + std::to_string(m.inputs[0].shape.c) + ", expected " + std::to_string(info.leads.size()) + " (the number of leads)");

  std::set<int> used_tensors;
  const json& nodes = field(graph, "nodes", G);
  if (!nodes.is_array() || nodes.empty()) fail(G + ".nodes", "got " + kind_of(nodes) + ", expected a non-empty array");
  for (std::size_t ni = 0; ni < nodes.size(); ++ni) {
    const json& jn = nodes[ni];
    std::string w = G + ".nodes[" + std::to_string(ni) + "]";
    if (!jn.is_object()) fail(w, "got " + kind_of(jn) + ", expected an object");
    std::string op = get_string(jn, "op", w);
    const OpSpec* spec = nullptr;
    for (const auto& s : op_specs())
      if (op == op_name(s.op)) spec = &s;
    if (!spec) fail(w + ".op", "got \"" + op + "\", expected one of conv1d, batchnorm, groupnorm, relu, mish, sigmoid, add, mul_channel, global_avg_pool, global_max_pool, max_pool1d, avg_pool1d, linear, concat, flatten");
    Node n;
    n.op = spec->op;
    std::string out = get_string(jn, "output", w);
    w += " (" + op + " '" + out + "')";
    const json& ins = field(jn, "inputs", w);
    auto in_names = get_strings(ins, w + ".inputs");
    if (static_cast<int>(in_names.size()) < spec->min_inputs || static_cast<int>(in_names.size()) > spec->max_inputs)
      fail(w + ".inputs", "got " + std::to_string(in_names.size()) + " inputs, expected " + std::to_string(spec->min_inputs) + (spec->max_inputs != spec->min_inputs ? " to " + std::to_string(spec->max_inputs) : ""));
    for (const auto& name : in_names) {
      auto it = values.find(name);
      if (it == values.end()) fail(w + ".inputs", "got \"" + name + "\", expected a graph input or the output of an earlier node");
      n.inputs.push_back(it->second);
    }
    if (values.count(out)) fail(w + ".output", "got \"" + out + "\", which is already defined; expected a new value name");
    // weights
    const json& jw = jn.contains("weights") ? jn["weights"] : json::object();
    if (!jw.is_object()) fail(w + ".weights", "got " + kind_of(jw) + ", expected an object");
    for (auto it = jw.begin(); it != jw.end(); ++it) {
      const std::string& role = it.key();
      bool known = std::count(spec->required_weights.begin(), spec->required_weights.end(), role) + std::count(spec->optional_weights.begin(), spec->optional_weights.end(), role) > 0;
      if (!known) fail(w + ".weights." + role, "got an unknown weight role for " + op);
      if (!it.value().is_string()) fail(w + ".weights." + role, "got " + kind_of(it.value()) + ", expected a tensor name");
      auto t = tensor_ids.find(it.value().get<std::string>());
      if (t == tensor_ids.end()) fail(w + ".weights." + role, "got \"" + it.value().get<std::string>() + "\", expected the name of a tensor in the file");
      used_tensors.insert(t->second);
      int* slot = role == "weight" ? &n.weight : role == "bias" ? &n.bias : role == "mean" ? &n.mean : &n.var;
      *slot = t->second;
    }
    for (const auto& role : spec->required_weights)
      if (!jw.contains(role)) fail(w + ".weights", "missing weight '" + role + "'");
    // attrs
    const json& ja = jn.contains("attrs") ? jn["attrs"] : json::object();
    if (!ja.is_object()) fail(w + ".attrs", "got " + kind_of(ja) + ", expected an object");
    for (auto it = ja.begin(); it != ja.end(); ++it)
      if (std::find(spec->attrs.begin(), spec->attrs.end(), it.key()) == spec->attrs.end()) fail(w + ".attrs." + it.key(), "got an unknown attribute for " + op);
    auto attr_int = [&](const char* key, int lo, int hi, int def, bool required) {
      if (!ja.contains(key)) {
        if (required) fail(w + ".attrs", std::string("missing attribute '") + key + "'");
        return def;
      }
      return static_cast<int>(get_int(ja[key], w + ".attrs." + key, lo, hi));
    };
    auto attr_pad = [&]() {
      const json& p = field(ja, "pad", w + ".attrs");
      if (!p.is_array() || p.size() != 2) fail(w + ".attrs.pad", "got " + p.dump() + ", expected [left, right]");
      n.pad_left = static_cast<int>(get_int(p[0], w + ".attrs.pad[0]", 0, 1 << 16));
      n.pad_right = static_cast<int>(get_int(p[1], w + ".attrs.pad[1]", 0, 1 << 16));
    };
    auto attr_eps = [&]() {
      double e = get_number(field(ja, "eps", w + ".attrs"), w + ".attrs.eps");
      if (!(e > 0 && e < 1)) fail(w + ".attrs.eps", "got " + std::to_string(e) + ", expected a number in (0, 1)");
      n.eps = static_cast<float>(e);
    };
    switch (n.op) {
      case OpType::conv1d: {
        n.stride = attr_int("stride", 1, 1024, 1, true);
        n.dilation = attr_int("dilation", 1, 4096, 1, true);
        n.groups = attr_int("groups", 1, 1 << 20, 1, true);
        attr_pad();
        const auto& ws = m.tensors[static_cast<std::size_t>(n.weight)].shape;
        if (ws.size() == 3) {
          n.kernel = static_cast<int>(std::min<std::int64_t>(ws[2], 1 << 16));
          if (n.pad_left >= static_cast<std::int64_t>(n.dilation) * (ws[2] - 1) + 1 + 1024 || n.pad_right >= static_cast<std::int64_t>(n.dilation) * (ws[2] - 1) + 1 + 1024)
            fail(w + ".attrs.pad", "got [" + std::to_string(n.pad_left) + ", " + std::to_string(n.pad_right) + "], expected padding smaller than the kernel span");
        }
        break;
      }
      case OpType::batchnorm: attr_eps(); break;
      case OpType::groupnorm: n.groups = attr_int("groups", 1, 1 << 20, 1, true); attr_eps(); break;
      case OpType::max_pool1d: case OpType::avg_pool1d:
        n.kernel = attr_int("kernel", 1, 4096, 1, true);
        n.stride = attr_int("stride", 1, 4096, 1, true);
        attr_pad();
        if (n.pad_left > n.kernel / 2 || n.pad_right > n.kernel / 2)
          fail(w + ".attrs.pad", "got [" + std::to_string(n.pad_left) + ", " + std::to_string(n.pad_right) + "], expected at most kernel/2 = " + std::to_string(n.kernel / 2) + " on each side");
        break;
      case OpType::concat: n.axis = attr_int("axis", 0, 0, 0, false); break;
      default: break;
    }
    values[out] = static_cast<int>(m.value_names.size());
    n.output = values[out];
    m.value_names.push_back(out);
    m.nodes.push_back(std::move(n));
  }
  for (std::size_t i = 0; i < m.tensors.size(); ++i)
    if (!used_tensors.count(static_cast<int>(i))) fail("tensor '" + m.tensors[i].name + "'", "got a tensor no graph node uses, expected every tensor to be used");
  for (const auto& name : get_strings(field(graph, "outputs", G), G + ".outputs")) {
    auto it = values.find(name);
    if (it == values.end() || it->second < static_cast<int>(m.inputs.size())) fail(G + ".outputs", "got \"" + name + "\", expected the output of a node");
    m.outputs.push_back(it->second);
  }
  if (m.outputs.empty()) fail(G + ".outputs", "got none, expected at least one output");

  parse_lead_sets(doc, m.info, [&m](const std::string& name) { return m.output_index(name) >= 0; });

  // Shapes at the declared input length; every output must be a class vector (task qrs: one
  // probability per input sample, [1, input_len]).
  auto shapes = m.infer_shapes(info.input_len);
  for (int o : m.outputs) {
    const Shape& s = shapes[static_cast<std::size_t>(o)];
    if (info.task == "qrs") {
      if (s.rank != 2 || s.c != 1 || s.l != info.input_len)
        fail(G + ".outputs", "output \"" + m.value_names[static_cast<std::size_t>(o)] + "\": got shape " + to_string(s) + ", expected [1, " + std::to_string(info.input_len) + "] (task \"qrs\": one probability per input sample)");
    } else if (s.rank != 1 || s.c != static_cast<std::int64_t>(info.classes.size()))
      fail(G + ".outputs", "output \"" + m.value_names[static_cast<std::size_t>(o)] + "\": got shape " + to_string(s) + ", expected [" + std::to_string(info.classes.size()) + "] (one logit per class)");
  }
  return m;
}

int Model::output_index(const std::string& name) const {
  for (std::size_t i = 0; i < outputs.size(); ++i)
    if (value_names[static_cast<std::size_t>(outputs[i])] == name) return static_cast<int>(i);
  return -1;
}

std::int64_t Model::parameter_count() const {
  std::int64_t n = 0;
  for (const auto& t : tensors) n += static_cast<std::int64_t>(t.data.size());
  return n;
}

double Model::node_flops(const std::vector<Shape>& shapes, std::size_t node) const {
  const Node& n = nodes[node];
  if (n.op != OpType::conv1d && n.op != OpType::linear) return 0;
  const auto& w = tensors[static_cast<std::size_t>(n.weight)].shape;
  if (n.op == OpType::conv1d) return 2.0 * static_cast<double>(shapes[static_cast<std::size_t>(n.output)].numel()) * static_cast<double>(w[1] * w[2]);
  return 2.0 * static_cast<double>(w[0] * w[1]);
}

double Model::flops(std::int64_t input_len) const {
  const auto shapes = infer_shapes(input_len);
  double f = 0;
  for (std::size_t i = 0; i < nodes.size(); ++i) f += node_flops(shapes, i);
  return f;
}

ModelInfo read_model_info(std::span<const std::uint8_t> bytes) {
  json header;
  parse_header(bytes, header);
  ModelInfo info;
  const json doc = parse_document(header, info);
  parse_lead_sets(doc, info, nullptr);
  return info;
}

namespace {

json info_to_json(const ModelInfo& i) {
  json j;
  j["name"] = i.name;
  j["architecture"] = i.architecture;
  j["leads"] = i.leads;
  j["fs_hz"] = i.fs_hz;
  j["input_len"] = i.input_len;
  j["demographics"] = i.demographics.empty() ? json(nullptr) : json(i.demographics);
  for (const auto& c : i.classes) j["classes"].push_back({{"snomed", c.snomed}, {"abbr", c.abbr}, {"name", c.name}});
  j["task"] = i.task;
  j["decision_rule"] = i.decision_rule;
  j["thresholds"] = i.thresholds;
  for (const auto& s : i.lead_sets) j["lead_sets"].push_back({{"name", s.name}, {"leads", s.leads}, {"output", s.output}, {"thresholds", s.thresholds}});
  j["schema"] = i.schema;  // 2: dtypes F32/F16/I8 and the tensor hash checked at load
  j["tensor_sha256"] = i.tensor_sha256.empty() ? json(nullptr) : json(i.tensor_sha256);
  return j;
}

}  // namespace

std::string model_info_json(const ModelInfo& info) { return info_to_json(info).dump(); }

std::string model_info_json(const Model& m) {
  json j = info_to_json(m.info);
  for (const auto& in : m.inputs) j["inputs"].push_back({{"name", in.name}, {"shape", in.shape.rank == 2 ? std::vector<std::int64_t>{in.shape.c, in.shape.l} : std::vector<std::int64_t>{in.shape.c}}});
  for (int o : m.outputs) j["outputs"].push_back(m.value_names[static_cast<std::size_t>(o)]);
  j["parameters"] = m.parameter_count();
  j["flops_per_window"] = m.flops(m.info.input_len);
  json dtypes = json::object();  // stored dtype -> values (the scales not counted)
  for (const auto& t : m.tensors) dtypes[t.dtype] = dtypes.value(t.dtype, std::int64_t{0}) + static_cast<std::int64_t>(t.data.size());
  j["dtypes"] = dtypes;
  return j.dump();
}

const char* backend_name(Backend b) {
  switch (b) {
    case Backend::reference: return "reference";
    case Backend::simd: return "simd";
    case Backend::xnnpack: return "xnnpack";
  }
  return "?";
}

std::optional<Backend> backend_from_name(const std::string& name) {
  for (Backend b : {Backend::reference, Backend::simd, Backend::xnnpack})
    if (name == backend_name(b)) return b;
  return std::nullopt;
}

std::vector<Backend> available_backends() {
#ifdef ECG_NN_XNNPACK
  return {Backend::reference, Backend::simd, Backend::xnnpack};
#else
  return {Backend::reference, Backend::simd};
#endif
}

}  // namespace ecg::nn
