// nn engine tests: PyTorch parity of every backend on the exported fixtures, scalar vs SIMD kernel
// variants against the reference kernels, batching and reshaping, and loader validation messages.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <tuple>

#include "ecg/error.h"
#include "ecg/nn.h"
#include "nn/kernels.h"
#include "nn/reference.h"
#include "test_util.h"

using namespace ecg::nn;

namespace {

// Golden tensors (input.*, output.*) of a parity fixture.
std::map<std::string, std::vector<float>> read_golden(const std::string& name) {
  return ecg::test::read_safetensors_fixture("nn/" + name + ".golden.safetensors");
}

std::shared_ptr<const Model> load_fixture(const std::string& name) {
  auto bytes = ecg::test::read_fixture("nn/" + name + ".safetensors");
  return std::make_shared<const Model>(Model::load(bytes));
}

// float32 (schema 2 from tools/train/export.py; parity-* are schema-1 files, still read), then the
// quantised variants of tools/train/quantize-all.sh: I8 weights (F16 scales and biases; tiny-lrhnet
// with F32 ones) and F16 weights. A quantised fixture's golden output is PyTorch run on its
// dequantised weights, so the engine must meet the same 1e-4 there.
const std::vector<std::string> kFixtures = {"tiny-lrhnet", "tiny-lrhnet-2", "tiny-seresnet", "tiny-leadwise", "tiny-mobilenet1d", "tiny-rhythmnet", "parity-ops", "parity-convs",
                                            "tiny-mobilenet1d.int8", "tiny-rhythmnet.int8", "tiny-seresnet.int8", "tiny-lrhnet.int8", "parity-convs.f16"};

std::string seed_note(std::uint32_t seed) { return "random seed " + std::to_string(seed) + " (set ECG_TEST_SEED to replay)"; }

std::uint32_t test_seed() {
  if (const char* s = std::getenv("ECG_TEST_SEED")) return static_cast<std::uint32_t>(std::strtoul(s, nullptr, 10));
  return std::random_device{}();
}

void fill_random(std::vector<float>& v, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> d(lo, hi);
  for (auto& x : v) x = d(rng);
}

}  // namespace

TEST_CASE("nn: every backend matches PyTorch on the exported fixtures within 1e-4 of the output scale", "[nn]") {
  for (const auto& name : kFixtures) {
    auto model = load_fixture(name);
    auto golden = read_golden(name);
    for (Backend backend : available_backends()) {
      Session session(model, backend);
      for (std::size_t i = 0; i < model->inputs.size(); ++i) {
        const auto& in = golden.at("input." + model->inputs[i].name);
        auto dst = session.input(i);
        REQUIRE(dst.size() == in.size());
        std::copy(in.begin(), in.end(), dst.begin());
      }
      session.run();
      session.run();  // a second run must not depend on what the first left in memory
      for (std::size_t o = 0; o < model->outputs.size(); ++o) {
        const auto& want = golden.at("output." + model->value_names[static_cast<std::size_t>(model->outputs[o])]);
        auto got = session.output(o);
        REQUIRE(got.size() == want.size());
        double scale = 0, err = 0;
        for (std::size_t i = 0; i < want.size(); ++i) {
          scale = std::max(scale, std::fabs(static_cast<double>(want[i])));
          err = std::max(err, std::fabs(static_cast<double>(got[i]) - want[i]));
        }
        std::printf("parity %-18s %-9s output %zu: max_abs_err %.3g, output scale %.3g, relative %.3g\n", name.c_str(), backend_name(backend), o, err,
                    scale, err / scale);
        INFO(name << " backend " << backend_name(backend) << " output " << o << ": max abs error " << err << ", scale " << scale);
        CHECK(err <= 1e-4 * scale);
      }
    }
  }
}

TEST_CASE("nn: a batch of windows gives each window's single-window result; reshape to another length", "[nn]") {
  const std::uint32_t seed = test_seed();
  INFO(seed_note(seed));
  std::mt19937 rng(seed);
  for (const auto& name : kFixtures) {
    auto model = load_fixture(name);
    for (Backend backend : available_backends()) {
      INFO(name << " " << backend_name(backend));
      Session single(model, backend), batched(model, backend), reference(model, Backend::reference);
      const std::int64_t len = model->info.input_len + 256;  // a multiple of every stride product in the fixtures
      const bool fixed = [&] {  // graphs with flatten fix their length
        for (const auto& n : model->nodes)
          if (n.op == OpType::flatten) return true;
        return false;
      }();
      const std::int64_t use_len = fixed ? model->info.input_len : len;
      batched.reshape(3, use_len);
      single.reshape(1, use_len);
      reference.reshape(1, use_len);
      std::vector<std::vector<float>> inputs;
      for (std::size_t i = 0; i < model->inputs.size(); ++i) {
        std::vector<float> v(batched.input(i).size());
        fill_random(v, rng);
        std::copy(v.begin(), v.end(), batched.input(i).begin());
        inputs.push_back(std::move(v));
      }
      batched.run();
      for (std::size_t w = 0; w < 3; ++w) {
        for (std::size_t i = 0; i < model->inputs.size(); ++i) {
          const std::size_t n = single.input(i).size();
          std::copy_n(inputs[i].begin() + static_cast<std::ptrdiff_t>(w * n), n, single.input(i).begin());
          std::copy_n(inputs[i].begin() + static_cast<std::ptrdiff_t>(w * n), n, reference.input(i).begin());
        }
        single.run();
        reference.run();
        for (std::size_t o = 0; o < model->outputs.size(); ++o) {
          auto s = single.output(o), b = batched.output(o), r = reference.output(o);
          for (std::size_t i = 0; i < s.size(); ++i) {
            REQUIRE(b[w * s.size() + i] == s[i]);  // batching never changes a window's arithmetic
            REQUIRE(std::fabs(s[i] - r[i]) <= 1e-4f * std::max(1.0f, std::fabs(r[i])));
          }
        }
      }
    }
  }
}

TEST_CASE("nn: every conv1d kernel variant (scalar and SIMD) matches the reference kernel", "[nn]") {
  const std::uint32_t seed = test_seed();
  INFO(seed_note(seed));
  std::mt19937 rng(seed);
  struct Cfg { int c_in, c_out, k, stride, pl, pr, dil, groups; std::int64_t l; };
  const std::vector<Cfg> cfgs = {
      {12, 16, 8, 1, 3, 4, 1, 1, 100},   // PyTorch 'same' with an even kernel
      {16, 32, 8, 2, 3, 3, 1, 1, 67},    // strided, symmetric
      {16, 32, 1, 2, 0, 0, 1, 1, 64},    // 1x1 shortcut
      {12, 24, 5, 1, 8, 8, 4, 12, 53},   // lead-wise grouped, dilated
      {8, 8, 9, 2, 4, 4, 1, 8, 41},      // depthwise strided
      {6, 10, 3, 3, 0, 2, 2, 2, 29},     // asymmetric padding, stride 3, dilation 2
      {5, 7, 4, 1, 1, 0, 1, 1, 9},       // odd channel counts, tiny length
      {64, 64, 8, 1, 3, 4, 1, 1, 130},
  };
  std::size_t nk = 0;
  const kernels::ConvKernel* list = kernels::conv_kernels(&nk);
  for (std::size_t ki = 0; ki < nk; ++ki) {
    const auto& kern = list[ki];
    for (const auto& c : cfgs) {
      INFO(kern.name << " c_in " << c.c_in << " c_out " << c.c_out << " k " << c.k << " stride " << c.stride << " dilation " << c.dil << " groups " << c.groups);
      const int cig = c.c_in / c.groups, og = c.c_out / c.groups;
      const std::int64_t lp = c.l + c.pl + c.pr, lout = (lp - c.dil * (c.k - 1) - 1) / c.stride + 1;
      std::vector<float> x(static_cast<std::size_t>(c.c_in * c.l)), w(static_cast<std::size_t>(c.c_out * cig * c.k)), bias(static_cast<std::size_t>(c.c_out));
      std::vector<float> scale(bias.size()), shift(bias.size());
      fill_random(x, rng);
      fill_random(w, rng);
      fill_random(bias, rng);
      fill_random(scale, rng, 0.5f, 1.5f);
      fill_random(shift, rng);
      std::vector<float> want(static_cast<std::size_t>(c.c_out * lout)), got(want.size(), -7.0f);
      ecg::nn::ref::conv1d(x.data(), c.c_in, c.l, w.data(), bias.data(), c.c_out, c.k, c.stride, c.pl, c.pr, c.dil, c.groups, want.data(), lout);
      for (auto& v : want) v = v > 0 ? v : 0.0f;
      for (std::size_t i = 0; i < want.size(); ++i) want[i] = want[i] * scale[i / static_cast<std::size_t>(lout)] + shift[i / static_cast<std::size_t>(lout)];
      // rows: padded input split into stride phases
      const std::int64_t row_len = std::max((lp + c.stride - 1) / c.stride, (c.k - 1) * c.dil / c.stride + lout) + 64;
      std::vector<float> rows(static_cast<std::size_t>(c.c_in * c.stride * row_len), 0.0f);
      for (int ci = 0; ci < c.c_in; ++ci)
        for (int r = 0; r < c.stride; ++r)
          for (std::int64_t j = 0; j < row_len; ++j) {
            const std::int64_t src = r + c.stride * j - c.pl;
            rows[static_cast<std::size_t>((ci * c.stride + r) * row_len + j)] = src >= 0 && src < c.l ? x[static_cast<std::size_t>(ci * c.l + src)] : 0.0f;
          }
      std::vector<std::ptrdiff_t> offs(static_cast<std::size_t>(cig * c.k));
      kernels::conv_offsets(cig, c.k, c.stride, c.dil, row_len, offs.data());
      std::vector<float> wpack(kernels::packed_conv_size(c.groups, og, cig, c.k, kern.mr));
      kernels::pack_conv_weights(w.data(), c.groups, og, cig, c.k, kern.mr, wpack.data());
      kernels::ConvArgs a;
      a.rows = rows.data();
      a.row_len = row_len;
      a.stride = c.stride;
      a.offs = offs.data();
      a.k = c.k;
      a.cig = cig;
      a.og = og;
      a.groups = c.groups;
      a.wpack = wpack.data();
      a.bias = bias.data();
      a.relu = true;
      a.scale = scale.data();
      a.shift = shift.data();
      a.y = got.data();
      a.lout = lout;
      kern.fn(a);
      for (std::size_t i = 0; i < want.size(); ++i) REQUIRE(std::fabs(got[i] - want[i]) <= 1e-5f * (1.0f + std::fabs(want[i])) * static_cast<float>(cig * c.k));
    }
  }
}

TEST_CASE("nn: scalar and SIMD elementwise, reduction and pooling kernels agree (with the reference kernels where they round alike)", "[nn]") {
  const std::uint32_t seed = test_seed();
  INFO(seed_note(seed));
  std::mt19937 rng(seed);
  const auto& s = kernels::elt_kernels_scalar();
  const auto& v = kernels::elt_kernels_native();
  for (std::size_t n : {1u, 3u, 4u, 17u, 64u, 1001u}) {
    std::vector<float> a(n), b(n), y1(n), y2(n);
    fill_random(a, rng);
    fill_random(b, rng);
    s.relu(a.data(), y1.data(), n); v.relu(a.data(), y2.data(), n); REQUIRE(y1 == y2);
    s.add(a.data(), b.data(), y1.data(), n); v.add(a.data(), b.data(), y2.data(), n); REQUIRE(y1 == y2);
    s.add_relu(a.data(), b.data(), y1.data(), n); v.add_relu(a.data(), b.data(), y2.data(), n); REQUIRE(y1 == y2);
    s.scale_shift(a.data(), 0.7f, -0.2f, y1.data(), n); v.scale_shift(a.data(), 0.7f, -0.2f, y2.data(), n); REQUIRE(y1 == y2);
    for (bool relu : {false, true})
      for (const float* addend : {static_cast<const float*>(nullptr), static_cast<const float*>(b.data())}) {
        // the fused SE scale + add + ReLU + batch-norm equals the kernels it replaces, run one by one
        s.channel_affine(a.data(), 1.3f, addend, relu, 0.7f, -0.2f, y1.data(), n);
        v.channel_affine(a.data(), 1.3f, addend, relu, 0.7f, -0.2f, y2.data(), n);
        REQUIRE(y1 == y2);
        std::vector<float> t(n);
        v.scale_shift(a.data(), 1.3f, 0.0f, t.data(), n);
        if (addend) (relu ? v.add_relu : v.add)(t.data(), addend, t.data(), n);
        else if (relu) v.relu(t.data(), t.data(), n);
        v.scale_shift(t.data(), 0.7f, -0.2f, t.data(), n);
        REQUIRE(y2 == t);
      }
    double sum = 0, mx = -1e30;
    for (float x : a) {
      sum += x;
      mx = std::max(mx, static_cast<double>(x));
    }
    CHECK(std::fabs(s.sum(a.data(), n) - sum) <= 1e-5 * static_cast<double>(n));
    CHECK(std::fabs(v.sum(a.data(), n) - sum) <= 1e-5 * static_cast<double>(n));
    CHECK(s.max(a.data(), n) == static_cast<float>(mx));
    CHECK(v.max(a.data(), n) == static_cast<float>(mx));
  }
  // strided gather: exact copies, reading nothing past x[stride·(n-1)] (the vector is sized to it)
  for (std::int64_t stride : {1, 2, 3})
    for (std::size_t n : {1u, 4u, 5u, 8u, 9u, 37u}) {
      std::vector<float> x(static_cast<std::size_t>(stride) * (n - 1) + 1), y1(n), y2(n);
      fill_random(x, rng);
      s.gather(x.data(), stride, y1.data(), n);
      v.gather(x.data(), stride, y2.data(), n);
      for (std::size_t j = 0; j < n; ++j) REQUIRE(y1[j] == x[j * static_cast<std::size_t>(stride)]);
      REQUIRE(y1 == y2);
    }
  // max pool, every edge case of the window against the reference kernel (max is exact)
  for (std::int64_t l : {1, 2, 5, 9, 64, 101})
    for (int k : {1, 2, 3, 5})
      for (int stride : {1, 2, 3})
        for (int pad : {0, 1, 2}) {
          if (pad >= k || l + 2 * pad < k) continue;  // as PyTorch requires
          const std::int64_t lout = (l + 2 * pad - k) / stride + 1;
          std::vector<float> x(static_cast<std::size_t>(l)), want(static_cast<std::size_t>(lout)), y1(want.size()), y2(want.size());
          fill_random(x, rng);
          ecg::nn::ref::max_pool1d(x.data(), 1, l, k, stride, pad, want.data(), lout);
          s.max_pool(x.data(), l, k, stride, pad, y1.data(), lout);
          v.max_pool(x.data(), l, k, stride, pad, y2.data(), lout);
          INFO("l " << l << " k " << k << " stride " << stride << " pad " << pad);
          REQUIRE(y1 == want);
          REQUIRE(y2 == want);
        }
}

namespace {

// Rewrites a fixture's header with `edit` applied to its JSON, keeping the tensor bytes.
std::vector<std::uint8_t> edited(const std::string& name, const std::function<void(nlohmann::json& header, nlohmann::json& doc)>& edit) {
  return ecg::test::edited_model("nn/" + name + ".safetensors", edit);
}

std::string load_error(const std::vector<std::uint8_t>& bytes) {
  try {
    Model::load(bytes);
  } catch (const ecg::Error& e) {
    return e.what();
  }
  return "(loaded)";
}

}  // namespace

TEST_CASE("nn: the loader names the bad field with got … expected …", "[nn]") {
  using Catch::Matchers::Contains;
  using json = nlohmann::json;
  auto good = ecg::test::read_fixture("nn/tiny-lrhnet.safetensors");
  REQUIRE_NOTHROW(Model::load(good));
  const auto m = Model::load(good);
  CHECK(m.info.name == "tiny-lrhnet");
  CHECK(m.info.leads.size() == 12);
  CHECK(m.info.classes.size() == m.info.thresholds.size());

  CHECK_THAT(load_error({1, 2, 3}), Contains("got 3 bytes, expected at least 8"));
  auto truncated = good;
  truncated.resize(truncated.size() - 4);
  CHECK_THAT(load_error(truncated), Contains("expected at most"));
  CHECK_THAT(load_error(std::vector<std::uint8_t>(good.begin(), good.begin() + 100)), Contains("header length"));
  CHECK_THAT(load_error(edited("tiny-lrhnet", [](json& h, json&) { h["__metadata__"]["format"] = "ecg-screen-model/3"; })),
             Contains("got \"ecg-screen-model/3\", expected \"ecg-screen-model/2\" (or the older \"ecg-screen-model/1\")"));
  CHECK_THAT(load_error(edited("tiny-lrhnet", [](json& h, json&) { h["stem.weight"]["dtype"] = "F16"; })), Contains("data_offsets"));
  CHECK_THAT(load_error(edited("parity-ops", [](json& h, json&) { h[h.begin().key() == "__metadata__" ? std::next(h.begin()).key() : h.begin().key()]["dtype"] = "I8"; })),
             Contains("got \"I8\", expected \"F32\" (ecg-screen-model/1 holds float32 only; F16 and I8 need ecg-screen-model/2)"));
  CHECK_THAT(load_error(edited("tiny-lrhnet", [](json& h, json&) { h["stem.weight"]["shape"][0] = 9; })), Contains("stem.weight"));
  CHECK_THAT(load_error(edited("tiny-lrhnet", [](json&, json& d) { d.erase("fs_hz"); })), Contains("missing field 'fs_hz'"));
  CHECK_THAT(load_error(edited("tiny-lrhnet", [](json&, json& d) { d["input_len"] = -5; })), Contains("got -5"));
  CHECK_THAT(load_error(edited("tiny-lrhnet", [](json&, json& d) { d["graph"]["nodes"][0]["op"] = "conv2d"; })), Contains("got \"conv2d\", expected one of"));
  CHECK_THAT(load_error(edited("tiny-lrhnet", [](json&, json& d) { d["graph"]["nodes"][1]["inputs"][0] = "nowhere"; })),
             Contains("got \"nowhere\", expected a graph input or the output of an earlier node"));
  CHECK_THAT(load_error(edited("tiny-lrhnet", [](json&, json& d) { d["graph"]["nodes"][0]["attrs"]["stride"] = 0; })), Contains("stride: got 0"));
  CHECK_THAT(load_error(edited("tiny-lrhnet", [](json&, json& d) { d["graph"]["nodes"][0]["weights"]["weight"] = "missing"; })),
             Contains("expected the name of a tensor in the file"));
  CHECK_THAT(load_error(edited("tiny-lrhnet", [](json&, json& d) { d["decision"]["thresholds"].erase(0); })), Contains("expected 26 (one per class)"));
  CHECK_THAT(load_error(edited("tiny-lrhnet", [](json&, json& d) { d["graph"]["inputs"][0]["shape"][0] = 3; })), Contains("expected 12 (the number of leads)"));
  CHECK_THAT(load_error(edited("tiny-lrhnet", [](json& h, json&) { h["stem.weight"]["data_offsets"][1] = h["stem.weight"]["data_offsets"][1].get<int>() + 4; })),
             Contains("data_offsets"));
}

namespace {

// A model file taken apart: header JSON, the ecg_screen document, and each tensor's bytes in file order.
struct Parts {
  nlohmann::json header, doc;
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> tensors;
};

Parts take_apart(const std::string& name) {
  auto bytes = ecg::test::read_fixture("nn/" + name + ".safetensors");
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  Parts p;
  p.header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  p.doc = nlohmann::json::parse(p.header["__metadata__"]["ecg_screen"].get<std::string>());
  std::vector<std::pair<std::uint64_t, std::string>> order;
  for (auto it = p.header.begin(); it != p.header.end(); ++it)
    if (it.key() != "__metadata__") order.emplace_back(it.value()["data_offsets"][0].get<std::uint64_t>(), it.key());
  std::sort(order.begin(), order.end());
  for (const auto& [begin, tname] : order) {
    const auto end = p.header[tname]["data_offsets"][1].get<std::uint64_t>();
    p.tensors.emplace_back(tname, std::vector<std::uint8_t>(bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n + begin), bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n + end)));
  }
  return p;
}

// Writes the parts back: contiguous offsets in the parts' order and, unless told not to, a fresh
// tensor_sha256 (so a test reaches the check it targets, not the hash).
std::vector<std::uint8_t> put_together(Parts p, bool rehash = true) {
  std::vector<std::uint8_t> data;
  for (const auto& [tname, b] : p.tensors) {
    p.header[tname]["data_offsets"] = {data.size(), data.size() + b.size()};
    data.insert(data.end(), b.begin(), b.end());
  }
  if (rehash) p.doc["tensor_sha256"] = sha256_hex(data);
  p.header["__metadata__"]["ecg_screen"] = p.doc.dump();
  const std::string h = p.header.dump();
  std::vector<std::uint8_t> out;
  out.reserve(8 + h.size() + data.size());
  const std::uint64_t hn = h.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(hn >> (8 * i)));  // u64 little-endian
  out.insert(out.end(), h.begin(), h.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::vector<std::uint8_t>& bytes_of(Parts& p, const std::string& tname) {
  for (auto& [n, b] : p.tensors)
    if (n == tname) return b;
  throw std::runtime_error("no tensor " + tname);
}

std::vector<std::uint8_t> f32_bytes(const std::vector<float>& v) {
  std::vector<std::uint8_t> b(4 * v.size());
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

}  // namespace

TEST_CASE("nn: SHA-256 of the FIPS 180-4 example messages", "[nn]") {
  auto hex = [](const std::string& m) { return sha256_hex(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(m.data()), m.size())); };
  CHECK(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  for (std::size_t n : {55, 56, 63, 64, 65, 119, 120}) {  // padding boundaries: one or two final blocks
    CAPTURE(n);
    CHECK(hex(std::string(n, 'x')).size() == 64);
    CHECK(hex(std::string(n, 'x')) != hex(std::string(n + 1, 'x')));
  }
}

TEST_CASE("nn: schema 2 stores I8 weights with per-channel scales and F16 tensors, dequantised at load", "[nn]") {
  const auto q = load_fixture("tiny-mobilenet1d.int8");
  const auto f = load_fixture("tiny-mobilenet1d");
  CHECK(q->info.schema == 2);
  CHECK(q->info.tensor_sha256.size() == 64);
  REQUIRE(q->tensors.size() == f->tensors.size());  // the scale tensors are consumed
  std::map<std::string, int> dtypes;
  for (std::size_t i = 0; i < q->tensors.size(); ++i) {
    const Tensor &a = q->tensors[i], &b = f->tensors[i];
    CHECK(a.name == b.name);
    CHECK(a.shape == b.shape);
    ++dtypes[a.dtype];
    // int8 per channel: |w - q·s| <= s/2 = max|w_c| / 254 (plus the F16 rounding of the scale)
    for (std::size_t k = 0; k < a.data.size(); ++k) {
      const std::size_t per = a.data.size() / static_cast<std::size_t>(a.shape[0]), c = k / per;
      float amax = 0;
      for (std::size_t j = c * per; j < (c + 1) * per; ++j) amax = std::max(amax, std::fabs(b.data[j]));
      const float tol = a.dtype == "I8" ? amax / 254.0f * 1.01f + 1e-7f : std::fabs(b.data[k]) * 1e-3f + 1e-7f;  // F16: 2^-11 relative
      if (std::fabs(a.data[k] - b.data[k]) > tol) FAIL(a.name << "[" << k << "] " << a.dtype << ": got " << a.data[k] << ", float32 " << b.data[k] << ", tolerance " << tol);
    }
  }
  CHECK(dtypes["I8"] > 0);
  CHECK(dtypes["F16"] > 0);  // conv/linear biases
  CHECK(load_fixture("parity-ops")->info.schema == 1);
  CHECK(load_fixture("parity-ops")->info.tensor_sha256.empty());
}

TEST_CASE("nn: int8 and float16 weights stay close to the float32 PyTorch outputs", "[nn]") {
  // Quantisation error per dtype (what the 1e-4 parity above cannot show): the quantised fixture run
  // by the engine against the float32 model's PyTorch golden output.
  const std::vector<std::tuple<std::string, std::string, double>> cases = {
      {"tiny-mobilenet1d.int8", "tiny-mobilenet1d", 0.02}, {"tiny-rhythmnet.int8", "tiny-rhythmnet", 0.02},
      {"tiny-seresnet.int8", "tiny-seresnet", 0.02},       {"tiny-lrhnet.int8", "tiny-lrhnet", 0.02},
      {"parity-convs.f16", "parity-convs", 0.002}};
  for (const auto& [qname, fname, bound] : cases) {
    auto model = load_fixture(qname);
    auto golden = read_golden(fname);
    Session session(model, Backend::simd);
    for (std::size_t i = 0; i < model->inputs.size(); ++i) {
      const auto& in = golden.at("input." + model->inputs[i].name);
      std::copy(in.begin(), in.end(), session.input(i).begin());
    }
    session.run();
    const auto& want = golden.at("output." + model->value_names[static_cast<std::size_t>(model->outputs[0])]);
    auto got = session.output(0);
    double scale = 0, err = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      scale = std::max(scale, std::fabs(static_cast<double>(want[i])));
      err = std::max(err, std::fabs(static_cast<double>(got[i]) - want[i]));
    }
    std::printf("quantised %-22s vs float32 PyTorch: max_abs_err %.3g, output scale %.3g, relative %.3g\n", qname.c_str(), err, scale, err / scale);
    INFO(qname << ": max abs error " << err << ", scale " << scale);
    CHECK(err <= bound * scale);
    CHECK(err > 0);  // the weights did change
  }
}

TEST_CASE("nn: the loader refuses bad scales, dtypes and sizes of schema-2 tensors with got … expected …", "[nn]") {
  using Catch::Matchers::Contains;
  const std::string base = "tiny-lrhnet.int8";  // I8 weights with F32 scales and biases
  REQUIRE(load_error(put_together(take_apart(base))) == "(loaded)");
  const std::string w = "stem.weight", sc = "stem.weight.scale";
  const auto n_scales = static_cast<std::size_t>(take_apart(base).header[sc]["shape"][0].get<int>());
  // scale values: a table of bad ones and the boundary that passes
  const std::vector<std::pair<float, bool>> values = {{std::nanf(""), false}, {INFINITY, false}, {-INFINITY, false}, {0.0f, false},
                                                      {-0.0f, false}, {-1e-3f, false}, {1e-30f, true}, {1e-3f, true}};
  for (const auto& [v, ok] : values) {
    CAPTURE(v);
    Parts p = take_apart(base);
    auto& b = bytes_of(p, sc);
    std::memcpy(b.data() + 4, &v, 4);  // scale [1]
    const std::string e = load_error(put_together(p));
    if (ok) CHECK(e == "(loaded)");
    else if (!std::isfinite(v)) CHECK_THAT(e, Contains("tensor 'stem.weight.scale': got a non-finite value, expected finite float32 values"));
    else CHECK_THAT(e, Contains("tensor 'stem.weight.scale': scale [1]: got") && Contains("expected a finite number > 0"));
  }
  {  // wrong count: one scale short
    Parts p = take_apart(base);
    p.header[sc]["shape"] = {n_scales - 1};
    bytes_of(p, sc).resize(4 * (n_scales - 1));
    CHECK_THAT(load_error(put_together(p)), Contains("tensor 'stem.weight.scale'.shape: got [" + std::to_string(n_scales - 1) + "]") &&
                                              Contains("expected [" + std::to_string(n_scales) + "] (one per output channel of 'stem.weight')"));
  }
  {  // missing scales
    Parts p = take_apart(base);
    p.header.erase(sc);
    std::erase_if(p.tensors, [&](const auto& t) { return t.first == sc; });
    CHECK_THAT(load_error(put_together(p)), Contains("tensor 'stem.weight': got dtype I8 without a scale tensor, expected an F32 or F16 tensor 'stem.weight.scale'"));
  }
  {  // scales of an I8 dtype
    Parts p = take_apart(base);
    p.header[sc]["dtype"] = "I8";
    bytes_of(p, sc).resize(n_scales);
    CHECK_THAT(load_error(put_together(p)), Contains("tensor 'stem.weight.scale'.dtype: got \"I8\", expected \"F32\" or \"F16\""));
  }
  {  // a scale tensor for a float tensor
    Parts p = take_apart(base);
    p.header["stem.bias.scale"] = {{"dtype", "F32"}, {"shape", {n_scales}}, {"data_offsets", {0, 0}}};
    p.tensors.emplace_back("stem.bias.scale", f32_bytes(std::vector<float>(n_scales, 1.0f)));
    CHECK_THAT(load_error(put_together(p)), Contains("tensor 'stem.bias.scale': got a scale tensor for 'stem.bias' of dtype F32, expected scales only for I8 tensors"));
  }
  // dtypes
  for (const std::string dt : {"I4", "F64", "BF16", "U8", "i8"}) {
    CAPTURE(dt);
    Parts p = take_apart(base);
    p.header[w]["dtype"] = dt;
    CHECK_THAT(load_error(put_together(p)), Contains("tensor 'stem.weight'.dtype: got \"" + dt + "\", expected \"F32\", \"F16\" or \"I8\""));
  }
  {  // sizes: an I8 tensor holding 4 bytes per value, an F16 tensor holding 1
    Parts p = take_apart(base);
    auto& b = bytes_of(p, w);
    const std::size_t n = b.size();
    b.resize(4 * n);
    CHECK_THAT(load_error(put_together(p)), Contains("tensor 'stem.weight'.data_offsets") && Contains("expected " + std::to_string(n) + " bytes for I8 shape"));
    Parts f = take_apart("tiny-mobilenet1d.int8");
    std::string f16;
    for (auto& [tname, tb] : f.tensors)
      if (f.header[tname]["dtype"] == "F16") { f16 = tname; tb.resize(tb.size() / 2); break; }
    REQUIRE_FALSE(f16.empty());
    CHECK_THAT(load_error(put_together(f)), Contains("tensor '" + f16 + "'.data_offsets") && Contains("bytes for F16 shape"));
  }
  {  // a float16 infinity
    Parts f = take_apart("tiny-mobilenet1d.int8");
    for (auto& [tname, tb] : f.tensors)
      if (f.header[tname]["dtype"] == "F16") { tb[0] = 0x00; tb[1] = 0x7c; break; }
    CHECK_THAT(load_error(put_together(f)), Contains("got a non-finite value, expected finite float16 values"));
  }
}

TEST_CASE("nn: the tensor content hash is required in schema 2 and catches damaged weights", "[nn]") {
  using Catch::Matchers::Contains;
  using json = nlohmann::json;
  const std::string base = "tiny-mobilenet1d.int8";
  Parts good = take_apart(base);
  const std::string stored = good.doc["tensor_sha256"];
  CHECK(load_error(put_together(good, false)) == "(loaded)");
  // 200 weight bytes flipped (every bit), spread over the tensors; the header is untouched
  std::uint32_t seed = test_seed();
  INFO(seed_note(seed));
  std::mt19937 rng(seed);
  Parts bad = take_apart(base);
  std::vector<std::pair<std::size_t, std::size_t>> where;  // (tensor, byte)
  for (std::size_t t = 0; t < bad.tensors.size(); ++t)
    for (std::size_t i = 0; i < bad.tensors[t].second.size(); ++i) where.emplace_back(t, i);
  std::shuffle(where.begin(), where.end(), rng);
  for (std::size_t k = 0; k < 200; ++k) bad.tensors[where[k].first].second[where[k].second] ^= 0xff;
  CHECK_THAT(load_error(put_together(bad, false)), Contains("ecg_screen.tensor_sha256: tensor content hash got ") && Contains(", expected " + stored));
  // one flipped bit is enough
  Parts one = take_apart(base);
  one.tensors.back().second.back() ^= 0x01;
  CHECK_THAT(load_error(put_together(one, false)), Contains("tensor content hash got"));
  CHECK_THAT(load_error(edited(base, [](json&, json& d) { d.erase("tensor_sha256"); })), Contains("missing: got no tensor content hash") && Contains("ecg-screen-model/2"));
  CHECK_THAT(load_error(edited(base, [](json&, json& d) { d["tensor_sha256"] = "ABC"; })), Contains("got \"ABC\", expected 64 lowercase hex digits"));
  CHECK_THAT(load_error(edited(base, [](json&, json& d) { d["tensor_sha256"] = 7; })), Contains("expected 64 lowercase hex digits"));
  // the shipped models carry a hash written by Python's hashlib that this implementation reproduces
  for (const std::string name : {"mobilenet1d-12", "mobilenet1d-6", "mobilenet1d-3", "mobilenet1d-2", "rhythm-1"}) {
    CAPTURE(name);
    const auto m = Model::load(ecg::test::read_fixture("../../models/" + name + ".safetensors"));
    CHECK(m.info.schema == 2);
    CHECK(m.info.tensor_sha256.size() == 64);
  }
}

TEST_CASE("nn: thresholds must be probabilities and model leads unique", "[nn]") {
  using Catch::Matchers::Contains;
  using json = nlohmann::json;
  // boundary table: [0, 1] passes, just outside fails
  const std::vector<std::pair<double, bool>> table = {{-0.1, false}, {-1e-9, false}, {0.0, true}, {0.5, true}, {1.0, true}, {1.0 + 1e-9, false}, {1.1, false}};
  for (const auto& [t, ok] : table) {
    CAPTURE(t);
    const std::string top = load_error(edited("tiny-mobilenet1d", [t = t](json&, json& d) { d["decision"]["thresholds"][3] = t; }));
    const std::string set = load_error(edited("tiny-leadwise", [t = t](json&, json& d) { d["lead_sets"][2]["thresholds"][0] = t; }));
    if (ok) {
      CHECK(top == "(loaded)");
      CHECK(set == "(loaded)");
    } else {
      CHECK_THAT(top, Contains("ecg_screen.decision.thresholds[3]: got ") && Contains("expected a probability in [0, 1]"));
      CHECK_THAT(set, Contains("ecg_screen.lead_sets[2].thresholds[0]: got ") && Contains("expected a probability in [0, 1]"));
    }
  }
  CHECK_THAT(load_error(edited("tiny-mobilenet1d", [](json&, json& d) { d["leads"][5] = "II"; })),
             Contains("ecg_screen.leads: got lead \"II\" twice (at 1 and 5), expected each lead once"));
  CHECK_THAT(load_error(edited("tiny-leadwise", [](json&, json& d) { d["lead_sets"][4]["leads"][1] = "I"; })),
             Contains("ecg_screen.lead_sets[4].leads: got lead \"I\" twice, expected each lead once"));
}

TEST_CASE("nn: a rhythm model has task rhythm, the argmax rule without thresholds, and local class codes", "[nn][rhythm]") {
  using Catch::Matchers::Contains;
  using json = nlohmann::json;
  const auto m = Model::load(ecg::test::read_fixture("nn/tiny-rhythmnet.safetensors"));
  CHECK(m.info.task == "rhythm");
  CHECK(m.info.decision_rule == "argmax");
  CHECK(m.info.thresholds.empty());
  CHECK(m.info.leads == std::vector<std::string>{"I"});
  REQUIRE(m.info.classes.size() == 4);
  CHECK(m.info.classes[0].snomed == "426783006");
  CHECK(m.info.classes[2].snomed == "local:other_rhythm");
  CHECK(m.inputs.size() == 1);
  CHECK(Model::load(ecg::test::read_fixture("nn/tiny-lrhnet.safetensors")).info.task == "screen");  // absent = screen

  CHECK_THAT(load_error(edited("tiny-rhythmnet", [](json&, json& d) { d["decision"]["thresholds"] = {0.5, 0.5, 0.5, 0.5}; })),
             Contains("got thresholds, expected none for the single-label \"argmax\" rule"));
  CHECK_THAT(load_error(edited("tiny-rhythmnet", [](json&, json& d) { d.erase("task"); })),
             Contains("got \"argmax\", expected \"threshold_or_argmax\" for task \"screen\""));
  CHECK_THAT(load_error(edited("tiny-lrhnet", [](json&, json& d) { d["task"] = "rhythm"; })),
             Contains("got \"threshold_or_argmax\", expected \"argmax\" for task \"rhythm\""));
  CHECK_THAT(load_error(edited("tiny-rhythmnet", [](json&, json& d) { d["task"] = "beats"; })), Contains("expected \"screen\", \"rhythm\" or \"qrs\""));
  for (const std::string code : {"", "other", "local:", "local:Other", "0123456", "12345"}) {
    CAPTURE(code);
    CHECK_THAT(load_error(edited("tiny-rhythmnet", [&](json&, json& d) { d["classes"][2]["snomed"] = code; })),
               Contains("classes[2].snomed") && Contains("expected a SNOMED CT concept id"));
  }
  CHECK_THAT(load_error(edited("tiny-rhythmnet", [](json&, json& d) { d["lead_sets"] = json::array(); })), Contains("expected them only for task \"screen\""));
}

TEST_CASE("nn: sessions reject bad batch sizes and lengths with a message", "[nn]") {
  auto model = load_fixture("tiny-lrhnet");
  Session s(model, Backend::simd);
  CHECK_THROWS_WITH(s.reshape(0, 512), Catch::Matchers::Contains("batch got 0"));
  CHECK_THROWS_WITH(s.reshape(1, 2), Catch::Matchers::Contains("too short"));
  CHECK_NOTHROW(s.reshape(2, 1000));
}

TEST_CASE("nn: a profiled run times every node once, its FLOPs add up to the model's, and its output is unchanged", "[nn]") {
  for (const auto& name : kFixtures) {
    auto model = load_fixture(name);
    auto golden = read_golden(name);
    for (Backend backend : available_backends()) {
      INFO(name << " " << backend_name(backend));
      for (std::size_t batch : {std::size_t{1}, std::size_t{2}}) {
        Session plain(model, backend), profiled(model, backend);
        plain.reshape(batch, model->info.input_len);
        profiled.reshape(batch, model->info.input_len);
        for (std::size_t i = 0; i < model->inputs.size(); ++i) {
          const auto& in = golden.at("input." + model->inputs[i].name);
          for (std::size_t b = 0; b < batch; ++b) {
            std::copy(in.begin(), in.end(), plain.input(i).begin() + static_cast<std::ptrdiff_t>(b * in.size()));
            std::copy(in.begin(), in.end(), profiled.input(i).begin() + static_cast<std::ptrdiff_t>(b * in.size()));
          }
        }
        CHECK_FALSE(profiled.profiling());
        profiled.set_profiling(true);
        plain.run();
        profiled.run();
        profiled.run();
        CHECK(profiled.profiled_runs() == 2);
        const auto steps = profiled.profile();
        std::vector<int> seen;
        double flops = 0, ms = 0;
        for (const auto& st : steps) {
          REQUIRE_FALSE(st.nodes.empty());
          CHECK(std::is_sorted(st.nodes.begin(), st.nodes.end()));
          if (st.op == "xnnpack") {
            CHECK(backend == Backend::xnnpack);  // a delegated subgraph
          } else {
            const bool runs_op = std::any_of(st.nodes.begin(), st.nodes.end(),
                                             [&](int i) { return st.op == op_name(model->nodes[static_cast<std::size_t>(i)].op); });
            CHECK(runs_op);
          }
          CHECK(st.name == model->value_names[static_cast<std::size_t>(model->nodes[static_cast<std::size_t>(st.nodes.back())].output)]);
          CHECK(st.ms >= 0);
          seen.insert(seen.end(), st.nodes.begin(), st.nodes.end());
          flops += st.flops;
          ms += st.ms;
        }
        // every node exactly once (a fused step may take a node from further back, e.g. an SE scale)
        std::sort(seen.begin(), seen.end());
        REQUIRE(seen.size() == model->nodes.size());
        for (std::size_t i = 0; i < seen.size(); ++i) REQUIRE(seen[i] == static_cast<int>(i));
        CHECK(flops == Approx(model->flops(model->info.input_len) * static_cast<double>(batch)).epsilon(1e-12));
        CHECK(ms > 0);
        for (std::size_t o = 0; o < model->outputs.size(); ++o) {
          auto a = plain.output(o), b = profiled.output(o);
          REQUIRE(std::equal(a.begin(), a.end(), b.begin()));
        }
        profiled.set_profiling(false);
        profiled.run();
        CHECK(profiled.profiled_runs() == 0);
        for (const auto& st : profiled.profile()) CHECK(st.ms == 0);
      }
    }
  }
}
