// Backend `xnnpack`: lowers runs of supported nodes to XNNPACK subgraphs (Debian libxnnpack, API of
// 2022-02: shapes are fixed when a subgraph is defined, so reshape() rebuilds the runtimes, which
// also packs the weights). XNNPACK is channels-last (NHWC, a 1-D signal is H = 1, W = L); the values
// that cross into or out of a subgraph are transposed from/to the runtime's [C][L] layout. Nodes
// XNNPACK cannot express here (concat, flatten, groupnorm, mish, global max pool, avg pool) run on
// the reference kernels between subgraphs; in the model zoo they are the small heads.
#include <xnnpack.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>

#include "ecg/error.h"
#include "nn/executor.h"
#include "nn/reference.h"

namespace ecg::nn {

namespace {

void check(xnn_status s, const std::string& what) {
  if (s != xnn_status_success) throw Error("nn xnnpack: " + what + " failed with status " + std::to_string(static_cast<int>(s)));
}

bool supported(OpType op) {
  switch (op) {
    case OpType::conv1d: case OpType::batchnorm: case OpType::relu: case OpType::sigmoid: case OpType::add:
    case OpType::mul_channel: case OpType::global_avg_pool: case OpType::max_pool1d: case OpType::linear:
      return true;
    default:
      return false;
  }
}

struct Segment {
  bool xnn = false;
  std::vector<std::size_t> nodes;
  std::vector<int> ext_in, ext_out;
  xnn_runtime_t runtime = nullptr;
};

class XnnpackExecutor final : public Executor {
 public:
  explicit XnnpackExecutor(const Model& m) : m_(m) {
    static const xnn_status init = xnn_initialize(nullptr);
    check(init, "xnn_initialize");
    // Static weights in XNNPACK layouts, prepared once.
    for (std::size_t i = 0; i < m_.nodes.size(); ++i) {
      const Node& n = m_.nodes[i];
      if (n.op == OpType::conv1d) {  // [C_out][cig][K] → [C_out][1][K][cig]
        const auto& t = m_.tensors[static_cast<std::size_t>(n.weight)];
        const std::int64_t co = t.shape[0], cig = t.shape[1], k = t.shape[2];
        std::vector<float> w(t.data.size());
        for (std::int64_t o = 0; o < co; ++o)
          for (std::int64_t c = 0; c < cig; ++c)
            for (std::int64_t j = 0; j < k; ++j) w[static_cast<std::size_t>((o * k + j) * cig + c)] = t.data[static_cast<std::size_t>((o * cig + c) * k + j)];
        weights_[i].push_back(std::move(w));
      } else if (n.op == OpType::batchnorm) {
        const auto c = m_.tensors[static_cast<std::size_t>(n.weight)].data.size();
        std::vector<float> scale(c), shift(c);
        for (std::size_t j = 0; j < c; ++j) {
          const double inv = tensor(n.weight)[j] / std::sqrt(static_cast<double>(tensor(n.var)[j]) + n.eps);
          scale[j] = static_cast<float>(inv);
          shift[j] = static_cast<float>(tensor(n.bias)[j] - tensor(n.mean)[j] * inv);
        }
        weights_[i].push_back(std::move(scale));
        weights_[i].push_back(std::move(shift));
      }
    }
    // Segments: maximal runs of supported nodes.
    for (std::size_t i = 0; i < m_.nodes.size(); ++i) {
      const bool x = supported(m_.nodes[i].op);
      if (segments_.empty() || segments_.back().xnn != x || !x) segments_.push_back(Segment{x, {}, {}, {}, nullptr});
      segments_.back().nodes.push_back(i);
    }
    std::vector<int> producer(m_.value_names.size(), -1);
    for (std::size_t s = 0; s < segments_.size(); ++s)
      for (std::size_t i : segments_[s].nodes) producer[static_cast<std::size_t>(m_.nodes[i].output)] = static_cast<int>(s);
    std::set<int> graph_outputs(m_.outputs.begin(), m_.outputs.end());
    for (std::size_t s = 0; s < segments_.size(); ++s) {
      auto& seg = segments_[s];
      if (!seg.xnn) continue;
      std::set<int> ins, outs;
      for (std::size_t i : seg.nodes)
        for (int v : m_.nodes[i].inputs)
          if (producer[static_cast<std::size_t>(v)] != static_cast<int>(s)) ins.insert(v);
      for (std::size_t s2 = 0; s2 < segments_.size(); ++s2) {
        if (s2 == s) continue;
        for (std::size_t i : segments_[s2].nodes)
          for (int v : m_.nodes[i].inputs)
            if (producer[static_cast<std::size_t>(v)] == static_cast<int>(s)) outs.insert(v);
      }
      for (int o : graph_outputs)
        if (producer[static_cast<std::size_t>(o)] == static_cast<int>(s)) outs.insert(o);
      seg.ext_in.assign(ins.begin(), ins.end());
      seg.ext_out.assign(outs.begin(), outs.end());
    }
  }

  ~XnnpackExecutor() override {
    for (auto& s : segments_)
      if (s.runtime) xnn_delete_runtime(s.runtime);
  }

  void reshape(std::size_t batch, std::int64_t input_len) override {
    shapes_ = m_.infer_shapes(input_len);
    batch_ = batch;
    const std::size_t nv = shapes_.size();
    ncl_.assign(nv, {});
    nlc_.assign(nv, {});
    // Every value that a reference node, the caller or a segment boundary sees lives in [C][L].
    for (std::size_t i = 0; i < m_.inputs.size(); ++i) alloc_ncl(static_cast<int>(i));
    for (int o : m_.outputs) alloc_ncl(o);
    for (auto& seg : segments_) {
      if (seg.xnn) {
        for (int v : seg.ext_in) alloc_ncl(v);
        for (int v : seg.ext_out) alloc_ncl(v);
      } else {
        for (std::size_t i : seg.nodes) {
          for (int v : m_.nodes[i].inputs) alloc_ncl(v);
          alloc_ncl(m_.nodes[i].output);
        }
      }
    }
    for (auto& seg : segments_)
      if (seg.xnn) build(seg);
  }

  float* input(std::size_t i) override { return ncl_[i].data(); }
  const float* output(std::size_t i) const override { return ncl_[static_cast<std::size_t>(m_.outputs[i])].data(); }
  Shape output_shape(std::size_t i) const override { return shapes_[static_cast<std::size_t>(m_.outputs[i])]; }
  std::size_t arena_bytes() const override {
    std::size_t n = 0;
    for (const auto& v : ncl_) n += v.size();
    for (const auto& v : nlc_) n += v.size();
    return n * sizeof(float);  // XNNPACK's own workspace is not counted
  }

  // Steps: one per XNNPACK subgraph (with its layout transposes), one per node run by reference.
  void run() override {
    count_run();
    std::size_t step = 0;
    for (auto& seg : segments_) {
      if (seg.xnn) {
        timed(step++, [&] {
          for (int v : seg.ext_in)
            if (shape(v).rank == 2) transpose(v, true);
          check(xnn_invoke_runtime(seg.runtime), "xnn_invoke_runtime");
          for (int v : seg.ext_out)
            if (shape(v).rank == 2) transpose(v, false);
        });
      } else {
        for (std::size_t i : seg.nodes) timed(step++, [&] { run_reference(m_.nodes[i]); });
      }
    }
  }

  std::vector<OpProfile> steps() const override {
    std::vector<OpProfile> out;
    auto add = [&](const char* op, const std::vector<std::size_t>& nodes) {
      OpProfile p;
      p.op = op;
      p.name = m_.value_names[static_cast<std::size_t>(m_.nodes[nodes.back()].output)];
      for (std::size_t i : nodes) {
        p.nodes.push_back(static_cast<int>(i));
        p.flops += m_.node_flops(shapes_, i) * static_cast<double>(batch_);
      }
      out.push_back(std::move(p));
    };
    for (const auto& seg : segments_) {
      if (seg.xnn) add("xnnpack", seg.nodes);
      else
        for (std::size_t i : seg.nodes) add(op_name(m_.nodes[i].op), {i});
    }
    return out;
  }

 private:
  const float* tensor(int id) const { return id >= 0 ? m_.tensors[static_cast<std::size_t>(id)].data.data() : nullptr; }
  const Shape& shape(int v) const { return shapes_[static_cast<std::size_t>(v)]; }
  void alloc_ncl(int v) {
    auto& b = ncl_[static_cast<std::size_t>(v)];
    if (b.empty()) b.assign(static_cast<std::size_t>(shape(v).numel()) * batch_, 0.0f);
  }

  void transpose(int v, bool to_nlc) {
    const Shape& s = shape(v);
    float* a = ncl_[static_cast<std::size_t>(v)].data();
    float* t = nlc_[static_cast<std::size_t>(v)].data();
    const std::size_t c = static_cast<std::size_t>(s.c), l = static_cast<std::size_t>(s.l);
    for (std::size_t b = 0; b < batch_; ++b, a += c * l, t += c * l)
      for (std::size_t ch = 0; ch < c; ++ch)
        for (std::size_t i = 0; i < l; ++i) {
          if (to_nlc) t[i * c + ch] = a[ch * l + i];
          else a[ch * l + i] = t[i * c + ch];
        }
  }

  std::vector<std::size_t> dims(int v) const {
    const Shape& s = shape(v);
    if (s.rank == 2) return {batch_, 1, static_cast<std::size_t>(s.l), static_cast<std::size_t>(s.c)};
    return {batch_, 1, 1, static_cast<std::size_t>(s.c)};
  }

  void build(Segment& seg) {
    if (seg.runtime) {
      xnn_delete_runtime(seg.runtime);
      seg.runtime = nullptr;
    }
    const std::size_t nv = shapes_.size();
    xnn_subgraph_t g = nullptr;
    check(xnn_create_subgraph(static_cast<std::uint32_t>(nv), 0, &g), "xnn_create_subgraph");
    std::map<int, std::uint32_t> ids;
    std::set<int> ext_in(seg.ext_in.begin(), seg.ext_in.end()), ext_out(seg.ext_out.begin(), seg.ext_out.end());
    auto value_id = [&](int v) {
      auto it = ids.find(v);
      if (it != ids.end()) return it->second;
      auto d = dims(v);
      std::uint32_t flags = ext_in.count(v) ? XNN_VALUE_FLAG_EXTERNAL_INPUT : ext_out.count(v) ? XNN_VALUE_FLAG_EXTERNAL_OUTPUT : 0;
      std::uint32_t ext = flags ? static_cast<std::uint32_t>(v) : XNN_INVALID_VALUE_ID, id = 0;
      check(xnn_define_tensor_value(g, xnn_datatype_fp32, d.size(), d.data(), nullptr, ext, flags, &id), "define value " + m_.value_names[static_cast<std::size_t>(v)]);
      ids[v] = id;
      return id;
    };
    auto static_id = [&](const float* data, std::vector<std::size_t> d) {
      std::uint32_t id = 0;
      check(xnn_define_tensor_value(g, xnn_datatype_fp32, d.size(), d.data(), data, XNN_INVALID_VALUE_ID, 0, &id), "define static tensor");
      return id;
    };
    const float inf = std::numeric_limits<float>::infinity();
    for (std::size_t i : seg.nodes) {
      const Node& n = m_.nodes[i];
      const std::string what = std::string("define ") + op_name(n.op) + " '" + m_.value_names[static_cast<std::size_t>(n.output)] + "'";
      const std::uint32_t x = value_id(n.inputs[0]);
      const std::uint32_t y = value_id(n.output);
      switch (n.op) {
        case OpType::conv1d: {
          const auto& ws = m_.tensors[static_cast<std::size_t>(n.weight)].shape;
          const std::uint32_t w = static_id(weights_.at(i)[0].data(), {static_cast<std::size_t>(ws[0]), 1, static_cast<std::size_t>(ws[2]), static_cast<std::size_t>(ws[1])});
          const std::uint32_t b = n.bias >= 0 ? static_id(tensor(n.bias), {static_cast<std::size_t>(ws[0])}) : XNN_INVALID_VALUE_ID;
          check(xnn_define_convolution_2d(g, 0, static_cast<std::uint32_t>(n.pad_right), 0, static_cast<std::uint32_t>(n.pad_left), 1, static_cast<std::uint32_t>(ws[2]), 1,
                                          static_cast<std::uint32_t>(n.stride), 1, static_cast<std::uint32_t>(n.dilation), static_cast<std::uint32_t>(n.groups),
                                          static_cast<std::size_t>(ws[1]), static_cast<std::size_t>(ws[0] / n.groups), -inf, inf, x, w, b, y, 0),
                what);
          break;
        }
        case OpType::batchnorm: {
          const std::size_t c = static_cast<std::size_t>(shape(n.inputs[0]).c);
          std::uint32_t tmp = 0;
          auto d = dims(n.output);
          check(xnn_define_tensor_value(g, xnn_datatype_fp32, d.size(), d.data(), nullptr, XNN_INVALID_VALUE_ID, 0, &tmp), what);
          check(xnn_define_multiply2(g, -inf, inf, x, static_id(weights_.at(i)[0].data(), {c}), tmp, 0), what);
          check(xnn_define_add2(g, -inf, inf, tmp, static_id(weights_.at(i)[1].data(), {c}), y, 0), what);
          break;
        }
        case OpType::relu: check(xnn_define_clamp(g, 0.0f, inf, x, y, 0), what); break;
        case OpType::sigmoid: check(xnn_define_sigmoid(g, x, y, 0), what); break;
        case OpType::add: check(xnn_define_add2(g, -inf, inf, x, value_id(n.inputs[1]), y, 0), what); break;
        case OpType::mul_channel: check(xnn_define_multiply2(g, -inf, inf, x, value_id(n.inputs[1]), y, 0), what); break;
        case OpType::global_avg_pool: check(xnn_define_global_average_pooling_2d(g, -inf, inf, x, y, 0), what); break;
        case OpType::max_pool1d:
          check(xnn_define_max_pooling_2d(g, 0, static_cast<std::uint32_t>(n.pad_right), 0, static_cast<std::uint32_t>(n.pad_left), 1,
                                          static_cast<std::uint32_t>(n.kernel), 1, static_cast<std::uint32_t>(n.stride), 1, 1, -inf, inf, x, y, 0),
                what);
          break;
        case OpType::linear: {
          const auto& ws = m_.tensors[static_cast<std::size_t>(n.weight)].shape;
          const std::uint32_t w = static_id(tensor(n.weight), {static_cast<std::size_t>(ws[0]), static_cast<std::size_t>(ws[1])});
          const std::uint32_t b = n.bias >= 0 ? static_id(tensor(n.bias), {static_cast<std::size_t>(ws[0])}) : XNN_INVALID_VALUE_ID;
          check(xnn_define_fully_connected(g, -inf, inf, x, w, b, y, 0), what);
          break;
        }
        default: throw Error(std::string("nn xnnpack: op ") + op_name(n.op) + " is not lowered");
      }
    }
    xnn_status st = xnn_create_runtime_v2(g, nullptr, 0, &seg.runtime);
    xnn_delete_subgraph(g);
    check(st, "xnn_create_runtime_v2");
    std::vector<xnn_external_value> ext;
    for (int v : seg.ext_in) ext.push_back({static_cast<std::uint32_t>(v), external(v)});
    for (int v : seg.ext_out) ext.push_back({static_cast<std::uint32_t>(v), external(v)});
    check(xnn_setup_runtime(seg.runtime, ext.size(), ext.data()), "xnn_setup_runtime");
  }

  // The buffer XNNPACK reads or writes for a boundary value: [C] values share the [C][L] buffer;
  // [C, L] values get a channels-last staging buffer.
  float* external(int v) {
    if (shape(v).rank == 1) return ncl_[static_cast<std::size_t>(v)].data();
    auto& b = nlc_[static_cast<std::size_t>(v)];
    if (b.empty()) b.assign(static_cast<std::size_t>(shape(v).numel()) * batch_, 0.0f);
    return b.data();
  }

  void run_reference(const Node& n) {
    const Shape& xs = shape(n.inputs[0]);
    const Shape& ys = shape(n.output);
    for (std::size_t b = 0; b < batch_; ++b) {
      auto at = [&](int v) { return ncl_[static_cast<std::size_t>(v)].data() + b * static_cast<std::size_t>(shape(v).numel()); };
      const float* x = at(n.inputs[0]);
      float* y = at(n.output);
      switch (n.op) {
        case OpType::groupnorm: ref::groupnorm(x, xs.c, xs.l, n.groups, n.eps, tensor(n.weight), tensor(n.bias), y); break;
        case OpType::mish: ref::mish(x, xs.numel(), y); break;
        case OpType::global_max_pool: ref::global_max_pool(x, xs.c, xs.l, y); break;
        case OpType::avg_pool1d: ref::avg_pool1d(x, xs.c, xs.l, n.kernel, n.stride, n.pad_left, y, ys.l); break;
        case OpType::flatten: std::memcpy(y, x, static_cast<std::size_t>(xs.numel()) * sizeof(float)); break;
        case OpType::concat: {
          float* dst = y;
          for (int v : n.inputs) {
            std::memcpy(dst, at(v), static_cast<std::size_t>(shape(v).numel()) * sizeof(float));
            dst += shape(v).numel();
          }
          break;
        }
        default: throw Error(std::string("nn xnnpack: op ") + op_name(n.op) + " has no fallback");
      }
    }
  }

  const Model& m_;
  std::map<std::size_t, std::vector<std::vector<float>>> weights_;
  std::vector<Segment> segments_;
  std::vector<Shape> shapes_;
  std::vector<std::vector<float>> ncl_, nlc_;
  std::size_t batch_ = 0;
};

}  // namespace

std::unique_ptr<Executor> make_xnnpack_executor(const Model& model) { return std::make_unique<XnnpackExecutor>(model); }

}  // namespace ecg::nn
