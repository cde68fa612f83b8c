// The planned graph runtime of the built-in kernels: lowering (fusion, weight packing) once,
// memory planning per (batch, input length), and a run loop that allocates nothing.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "ecg/error.h"
#include "nn/executor.h"
#include "nn/kernels.h"
#include "nn/reference.h"

namespace ecg::nn {

namespace {

constexpr std::size_t kAlignFloats = 16;  // 64-byte blocks
constexpr std::int64_t kRowMargin = 64;   // ≥ the widest tile (nr), so tail tiles read inside a row

std::size_t round_up(std::size_t n, std::size_t a) { return (n + a - 1) / a * a; }

struct Step {
  const Node* node = nullptr;
  std::vector<int> nodes;  // model node indices this step runs (fused ones included)
  OpType op = OpType::relu;
  std::vector<int> in;
  int out = -1;
  // fused epilogue (fast conv, fast add)
  bool relu = false;
  std::vector<float> scale, shift;  // per-channel affine after relu (a batch-norm that could not fold)
  // fast add: in = {x, b, s} computes x·s[c] + b (an SE scale, mul_channel, that only this add reads)
  bool mul = false;
  // conv (fast)
  const kernels::ConvKernel* kern = nullptr;
  std::vector<float> wpack, bias;
  int k = 1, cig = 1, og = 1;
  std::vector<std::uint8_t> phase_used;  // [stride]: whether any tap reads that phase of the input rows
  // planned per reshape
  std::vector<std::ptrdiff_t> offs;
  std::int64_t row_len = 0;
};

class PlannedExecutor final : public Executor {
 public:
  PlannedExecutor(const Model& m, bool fast) : m_(m), fast_(fast), elt_(kernels::elt_kernels_native()) { lower(); }

  void reshape(std::size_t batch, std::int64_t input_len) override {
    if (batch == 0) throw Error("nn: batch must be at least 1, got 0");
    shapes_ = m_.infer_shapes(input_len);
    batch_ = batch;
    const std::size_t nv = shapes_.size();
    std::vector<int> last_use(nv, -1);
    const int end = static_cast<int>(steps_.size());
    for (int s = 0; s < end; ++s)
      for (int v : steps_[static_cast<std::size_t>(s)].in) last_use[static_cast<std::size_t>(v)] = s;
    for (int o : m_.outputs) last_use[static_cast<std::size_t>(o)] = end;
    // Inputs stay untouched for the whole run, so a caller may run again without refilling them.
    for (std::size_t i = 0; i < m_.inputs.size(); ++i) last_use[i] = end;
    // First-fit placement among the blocks alive at each step.
    struct Block { std::size_t off, size; int value; };
    std::vector<Block> live;
    offset_.assign(nv, 0);
    std::size_t top = 0;
    auto place = [&](int v) {
      const std::size_t size = round_up(static_cast<std::size_t>(shapes_[static_cast<std::size_t>(v)].numel()) * batch, kAlignFloats);
      std::sort(live.begin(), live.end(), [](const Block& a, const Block& b) { return a.off < b.off; });
      std::size_t off = 0;
      for (const auto& b : live) {
        if (off + size <= b.off) break;
        off = std::max(off, b.off + b.size);
      }
      live.push_back({off, size, v});
      offset_[static_cast<std::size_t>(v)] = off;
      top = std::max(top, off + size);
    };
    for (std::size_t i = 0; i < m_.inputs.size(); ++i) place(static_cast<int>(i));
    std::size_t scratch = 0;
    for (int s = 0; s < end; ++s) {
      Step& st = steps_[static_cast<std::size_t>(s)];
      place(st.out);
      std::erase_if(live, [&](const Block& b) { return last_use[static_cast<std::size_t>(b.value)] <= s; });
      if (st.kern) scratch = std::max(scratch, plan_conv(st));
    }
    scratch_off_ = round_up(top, kAlignFloats);
    arena_.assign(scratch_off_ + scratch + kAlignFloats, 0.0f);
  }

  float* input(std::size_t i) override { return arena_.data() + offset_[i]; }
  const float* output(std::size_t i) const override { return arena_.data() + offset_[static_cast<std::size_t>(m_.outputs[i])]; }
  Shape output_shape(std::size_t i) const override { return shapes_[static_cast<std::size_t>(m_.outputs[i])]; }
  std::size_t arena_bytes() const override { return arena_.size() * sizeof(float); }

  void run() override {
    count_run();
    for (std::size_t i = 0; i < steps_.size(); ++i)
      timed(i, [&] {
        for (std::size_t b = 0; b < batch_; ++b) run_step(steps_[i], b);
      });
  }

  std::vector<OpProfile> steps() const override {
    std::vector<OpProfile> out;
    out.reserve(steps_.size());
    for (const auto& st : steps_) {
      OpProfile p;
      p.op = op_name(st.op);
      p.name = m_.value_names[static_cast<std::size_t>(st.out)];
      p.nodes = st.nodes;
      for (int i : st.nodes) p.flops += m_.node_flops(shapes_, static_cast<std::size_t>(i)) * static_cast<double>(batch_);
      out.push_back(std::move(p));
    }
    return out;
  }

 private:
  const float* tensor(int id) const { return id >= 0 ? m_.tensors[static_cast<std::size_t>(id)].data.data() : nullptr; }
  const Shape& shape(int v) const { return shapes_[static_cast<std::size_t>(v)]; }
  float* value(int v, std::size_t b) { return arena_.data() + offset_[static_cast<std::size_t>(v)] + b * static_cast<std::size_t>(shape(v).numel()); }

  // Consumers of each value, to decide which producers may be fused with their only consumer.
  std::vector<int> consumer_counts() const {
    std::vector<int> c(m_.value_names.size(), 0);
    for (const auto& n : m_.nodes)
      for (int v : n.inputs) ++c[static_cast<std::size_t>(v)];
    for (int o : m_.outputs) c[static_cast<std::size_t>(o)] += 1000;  // outputs stay materialised
    return c;
  }

  // Per-channel scale and shift of a batch-norm node (in double, then float, as the batchnorm step).
  void bn_affine(const Node& bn, std::vector<float>& scale, std::vector<float>& shift) const {
    const std::size_t c = m_.tensors[static_cast<std::size_t>(bn.weight)].data.size();
    scale.resize(c);
    shift.resize(c);
    for (std::size_t i = 0; i < c; ++i) {
      const double inv = tensor(bn.weight)[i] / std::sqrt(static_cast<double>(tensor(bn.var)[i]) + bn.eps);
      scale[i] = static_cast<float>(inv);
      shift[i] = static_cast<float>(tensor(bn.bias)[i] - tensor(bn.mean)[i] * inv);
    }
  }

  void lower() {
    const auto consumers = consumer_counts();
    const auto& nodes = m_.nodes;
    std::vector<bool> done(nodes.size(), false);
    // An SE scale (mul_channel) whose only reader is an add is done inside that add (fast only):
    // one pass over the block's output instead of two. The add comes later in graph order (in
    // LRH-Net a shortcut conv sits between them); its step keeps the mul's inputs alive.
    std::vector<int> producer(m_.value_names.size(), -1), mul_into(nodes.size(), -1);
    for (std::size_t i = 0; i < nodes.size(); ++i) producer[static_cast<std::size_t>(nodes[i].output)] = static_cast<int>(i);
    if (fast_)
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i].op != OpType::add) continue;
        for (int v : nodes[i].inputs) {
          const int p = producer[static_cast<std::size_t>(v)];
          if (p >= 0 && nodes[static_cast<std::size_t>(p)].op == OpType::mul_channel && consumers[static_cast<std::size_t>(v)] == 1) {
            mul_into[i] = p;
            done[static_cast<std::size_t>(p)] = true;
            break;
          }
        }
      }
    auto only_consumer = [&](std::size_t i, OpType op) -> const Node* {
      // the next node, when it is `op`, reads value nodes[i].output, and is its only reader
      if (i + 1 >= nodes.size()) return nullptr;
      const Node& nx = nodes[i + 1];
      if (nx.op != op || consumers[static_cast<std::size_t>(nodes[i].output)] != 1 || nx.inputs[0] != nodes[i].output) return nullptr;
      return &nx;
    };
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (done[i]) continue;
      const Node& n = nodes[i];
      Step st;
      st.node = &n;
      st.nodes = {static_cast<int>(i)};
      st.op = n.op;
      st.in = n.inputs;
      st.out = n.output;
      if (fast_ && n.op == OpType::conv1d) {
        const auto& ws = m_.tensors[static_cast<std::size_t>(n.weight)].shape;
        const int c_out = static_cast<int>(ws[0]);
        st.cig = static_cast<int>(ws[1]);
        st.k = static_cast<int>(ws[2]);
        st.og = c_out / n.groups;
        std::vector<float> w = m_.tensors[static_cast<std::size_t>(n.weight)].data;
        st.bias.assign(static_cast<std::size_t>(c_out), 0.0f);
        if (n.bias >= 0) st.bias = m_.tensors[static_cast<std::size_t>(n.bias)].data;
        std::size_t j = i;
        if (const Node* bn = only_consumer(j, OpType::batchnorm)) {  // fold exactly into weights and bias
          fold_bn(*bn, w, st.bias, static_cast<std::size_t>(st.cig * st.k));
          st.out = bn->output;
          done[++j] = true;
          st.nodes.push_back(static_cast<int>(j));
        }
        if (const Node* r = only_consumer(j, OpType::relu)) {
          st.relu = true;
          st.out = r->output;
          done[++j] = true;
          st.nodes.push_back(static_cast<int>(j));
          if (const Node* bn = only_consumer(j, OpType::batchnorm)) {  // BN after ReLU: per-channel affine epilogue
            bn_affine(*bn, st.scale, st.shift);
            st.out = bn->output;
            done[++j] = true;
            st.nodes.push_back(static_cast<int>(j));
          }
        }
        st.phase_used.assign(static_cast<std::size_t>(n.stride), 0);
        for (int t = 0; t < st.k; ++t) st.phase_used[static_cast<std::size_t>(t * n.dilation % n.stride)] = 1;
        st.kern = &kernels::best_conv_kernel(st.og);
        st.wpack.resize(kernels::packed_conv_size(n.groups, st.og, st.cig, st.k, st.kern->mr));
        kernels::pack_conv_weights(w.data(), n.groups, st.og, st.cig, st.k, st.kern->mr, st.wpack.data());
      } else if (fast_ && n.op == OpType::add) {
        if (const int p = mul_into[i]; p >= 0) {  // x·s[c] + other
          const Node& mul = nodes[static_cast<std::size_t>(p)];
          const int other = n.inputs[0] == mul.output ? n.inputs[1] : n.inputs[0];
          st.in = {mul.inputs[0], other, mul.inputs[1]};
          st.mul = true;
          st.nodes.insert(st.nodes.begin(), p);
        }
        if (const Node* r = only_consumer(i, OpType::relu)) {
          st.relu = true;
          st.out = r->output;
          done[i + 1] = true;
          st.nodes.push_back(static_cast<int>(i + 1));
          if (const Node* bn = only_consumer(i + 1, OpType::batchnorm)) {  // BN after the ReLU: affine epilogue
            bn_affine(*bn, st.scale, st.shift);
            st.out = bn->output;
            done[i + 2] = true;
            st.nodes.push_back(static_cast<int>(i + 2));
          }
        }
      }
      steps_.push_back(std::move(st));
    }
  }

  void fold_bn(const Node& bn, std::vector<float>& w, std::vector<float>& bias, std::size_t per_channel) const {
    for (std::size_t c = 0; c < bias.size(); ++c) {
      const double inv = tensor(bn.weight)[c] / std::sqrt(static_cast<double>(tensor(bn.var)[c]) + bn.eps);
      for (std::size_t i = 0; i < per_channel; ++i) w[c * per_channel + i] = static_cast<float>(w[c * per_channel + i] * inv);
      bias[c] = static_cast<float>((bias[c] - tensor(bn.mean)[c]) * inv + tensor(bn.bias)[c]);
    }
  }

  // Row geometry of the padded, phase-split input; returns the scratch floats the step needs.
  std::size_t plan_conv(Step& st) {
    const Node& n = *st.node;
    const Shape& x = shape(n.inputs[0]);
    const Shape& y = shape(st.out);
    const std::int64_t s = n.stride, lp = x.l + n.pad_left + n.pad_right;
    const std::int64_t max_tap = static_cast<std::int64_t>(st.k - 1) * n.dilation / s;
    st.row_len = static_cast<std::int64_t>(round_up(static_cast<std::size_t>(std::max((lp + s - 1) / s, max_tap + y.l) + kRowMargin), 4));
    st.offs.resize(static_cast<std::size_t>(st.cig) * static_cast<std::size_t>(st.k));
    kernels::conv_offsets(st.cig, st.k, n.stride, n.dilation, st.row_len, st.offs.data());
    return static_cast<std::size_t>(x.c * s * st.row_len);
  }

  // Phase r of channel ci: dst[j] = padded[r + s·j] = x[r + s·j - pad_left] inside the input, else 0.
  // Phases no tap reads (a 1x1 strided conv reads one) are left as they are.
  void prepare_rows(const Step& st, const float* x, std::int64_t c, std::int64_t l, float* rows) const {
    const Node& n = *st.node;
    const std::int64_t s = n.stride, pl = n.pad_left, rl = st.row_len;
    auto ceil_div = [](std::int64_t a, std::int64_t b) { return a <= 0 ? -(-a / b) : (a + b - 1) / b; };
    for (std::int64_t r = 0; r < s; ++r) {
      if (!st.phase_used[static_cast<std::size_t>(r)]) continue;
      // j in [j0, j1) reads inside the input
      const std::int64_t j0 = std::clamp<std::int64_t>(ceil_div(pl - r, s), 0, rl);
      const std::int64_t j1 = std::clamp<std::int64_t>(ceil_div(l + pl - r, s), j0, rl);
      for (std::int64_t ci = 0; ci < c; ++ci) {
        float* dst = rows + (ci * s + r) * rl;
        std::memset(dst, 0, static_cast<std::size_t>(j0) * sizeof(float));
        if (j1 > j0) {
          const float* src = x + ci * l + (r + s * j0 - pl);
          if (s == 1) std::memcpy(dst + j0, src, static_cast<std::size_t>(j1 - j0) * sizeof(float));
          else elt_.gather(src, s, dst + j0, static_cast<std::size_t>(j1 - j0));
        }
        std::memset(dst + j1, 0, static_cast<std::size_t>(rl - j1) * sizeof(float));
      }
    }
  }

  void run_step(Step& st, std::size_t b) {
    const Node& n = *st.node;
    const Shape& xs = shape(st.in[0]);
    const Shape& ys = shape(st.out);
    const float* x = value(st.in[0], b);
    float* y = value(st.out, b);
    switch (st.op) {
      case OpType::conv1d:
        if (st.kern) {
          float* rows = arena_.data() + scratch_off_;
          prepare_rows(st, x, xs.c, xs.l, rows);
          kernels::ConvArgs a;
          a.rows = rows;
          a.row_len = st.row_len;
          a.stride = n.stride;
          a.offs = st.offs.data();
          a.k = st.k;
          a.cig = st.cig;
          a.og = st.og;
          a.groups = n.groups;
          a.wpack = st.wpack.data();
          a.bias = st.bias.data();
          a.relu = st.relu;
          a.scale = st.scale.empty() ? nullptr : st.scale.data();
          a.shift = st.shift.empty() ? nullptr : st.shift.data();
          a.y = y;
          a.lout = ys.l;
          st.kern->fn(a);
        } else {
          const auto& ws = m_.tensors[static_cast<std::size_t>(n.weight)].shape;
          ref::conv1d(x, xs.c, xs.l, tensor(n.weight), tensor(n.bias), ws[0], static_cast<int>(ws[2]), n.stride, n.pad_left, n.pad_right,
                      n.dilation, n.groups, y, ys.l);
        }
        break;
      case OpType::batchnorm:
        if (fast_) {
          for (std::int64_t c = 0; c < xs.c; ++c) {
            const double inv = tensor(n.weight)[c] / std::sqrt(static_cast<double>(tensor(n.var)[c]) + n.eps);
            const std::int64_t l = xs.rank == 2 ? xs.l : 1;
            elt_.scale_shift(x + c * l, static_cast<float>(inv), static_cast<float>(tensor(n.bias)[c] - tensor(n.mean)[c] * inv), y + c * l,
                             static_cast<std::size_t>(l));
          }
        } else {
          ref::batchnorm(x, xs.c, xs.rank == 2 ? xs.l : 1, tensor(n.weight), tensor(n.bias), tensor(n.mean), tensor(n.var), n.eps, y);
        }
        break;
      case OpType::groupnorm: ref::groupnorm(x, xs.c, xs.l, n.groups, n.eps, tensor(n.weight), tensor(n.bias), y); break;
      case OpType::relu:
        if (fast_) elt_.relu(x, y, static_cast<std::size_t>(xs.numel()));
        else ref::relu(x, xs.numel(), y);
        break;
      case OpType::mish: ref::mish(x, xs.numel(), y); break;
      case OpType::sigmoid: ref::sigmoid(x, xs.numel(), y); break;
      case OpType::add:
        if (!fast_) {
          ref::add(x, value(st.in[1], b), xs.numel(), y);
        } else if (!st.mul && st.scale.empty()) {
          (st.relu ? elt_.add_relu : elt_.add)(x, value(st.in[1], b), y, static_cast<std::size_t>(xs.numel()));
        } else {  // per channel: act(x·s[c] + other)·scale[c] + shift[c]
          const float* other = value(st.in[1], b);
          const float* sv = st.mul ? value(st.in[2], b) : nullptr;
          const std::int64_t l = xs.rank == 2 ? xs.l : 1;
          for (std::int64_t c = 0; c < xs.c; ++c) {
            const auto ci = static_cast<std::size_t>(c);
            elt_.channel_affine(x + c * l, sv ? sv[c] : 1.0f, other + c * l, st.relu, st.scale.empty() ? 1.0f : st.scale[ci],
                                st.shift.empty() ? 0.0f : st.shift[ci], y + c * l, static_cast<std::size_t>(l));
          }
        }
        break;
      case OpType::mul_channel: {
        const float* s = value(st.in[1], b);
        if (fast_)
          for (std::int64_t c = 0; c < xs.c; ++c) elt_.scale_shift(x + c * xs.l, s[c], 0.0f, y + c * xs.l, static_cast<std::size_t>(xs.l));
        else
          ref::mul_channel(x, s, xs.c, xs.l, y);
        break;
      }
      case OpType::global_avg_pool:
        if (fast_)
          for (std::int64_t c = 0; c < xs.c; ++c) y[c] = elt_.sum(x + c * xs.l, static_cast<std::size_t>(xs.l)) / static_cast<float>(xs.l);
        else
          ref::global_avg_pool(x, xs.c, xs.l, y);
        break;
      case OpType::global_max_pool:
        if (fast_)
          for (std::int64_t c = 0; c < xs.c; ++c) y[c] = elt_.max(x + c * xs.l, static_cast<std::size_t>(xs.l));
        else
          ref::global_max_pool(x, xs.c, xs.l, y);
        break;
      case OpType::max_pool1d:
        if (fast_)
          for (std::int64_t c = 0; c < xs.c; ++c) elt_.max_pool(x + c * xs.l, xs.l, n.kernel, n.stride, n.pad_left, y + c * ys.l, ys.l);
        else
          ref::max_pool1d(x, xs.c, xs.l, n.kernel, n.stride, n.pad_left, y, ys.l);
        break;
      case OpType::avg_pool1d: ref::avg_pool1d(x, xs.c, xs.l, n.kernel, n.stride, n.pad_left, y, ys.l); break;
      case OpType::linear: ref::linear(x, xs.c, tensor(n.weight), tensor(n.bias), ys.c, y); break;
      case OpType::concat: {
        float* dst = y;
        for (int v : st.in) {
          const std::size_t cnt = static_cast<std::size_t>(shape(v).numel());
          std::memcpy(dst, value(v, b), cnt * sizeof(float));
          dst += cnt;
        }
        break;
      }
      case OpType::flatten: std::memcpy(y, x, static_cast<std::size_t>(xs.numel()) * sizeof(float)); break;
    }
  }

  const Model& m_;
  bool fast_;
  const kernels::EltKernels& elt_;
  std::vector<Step> steps_;
  std::vector<Shape> shapes_;
  std::vector<std::size_t> offset_;
  std::vector<float> arena_;
  std::size_t scratch_off_ = 0;
  std::size_t batch_ = 0;
};

}  // namespace

std::unique_ptr<Executor> make_planned_executor(const Model& model, bool fast) { return std::make_unique<PlannedExecutor>(model, fast); }

Session::Session(std::shared_ptr<const Model> model, Backend backend) : model_(std::move(model)), backend_(backend) {
  if (!model_) throw Error("nn: Session needs a model, got null");
  switch (backend) {
    case Backend::reference: exec_ = make_planned_executor(*model_, false); break;
    case Backend::simd: exec_ = make_planned_executor(*model_, true); break;
    case Backend::xnnpack:
#ifdef ECG_NN_XNNPACK
      exec_ = make_xnnpack_executor(*model_);
      break;
#else
      throw Error("nn: backend 'xnnpack' is not in this build, expected one of 'reference', 'simd'");
#endif
  }
  reshape(1, model_->info.input_len);
}

Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

void Session::reshape(std::size_t batch, std::int64_t input_len) {
  if (batch == batch_ && input_len == input_len_) return;
  if (batch == 0 || batch > 4096) throw Error("nn: batch got " + std::to_string(batch) + ", expected 1 to 4096 windows");
  if (input_len < 1 || input_len > (1 << 24)) throw Error("nn: input_len got " + std::to_string(input_len) + ", expected 1 to 16777216 samples");
  exec_->reshape(batch, input_len);
  batch_ = batch;
  input_len_ = input_len;
}

std::span<float> Session::input(std::size_t i) {
  if (i >= model_->inputs.size()) throw Error("nn: input index got " + std::to_string(i) + ", expected < " + std::to_string(model_->inputs.size()));
  Shape s = model_->inputs[i].shape;
  if (model_->inputs[i].has_length) s.l = input_len_;
  return {exec_->input(i), static_cast<std::size_t>(s.numel()) * batch_};
}

void Session::run() { exec_->run(); }

void Session::set_profiling(bool on) { exec_->set_profiling(on); }
bool Session::profiling() const { return exec_->profiling(); }
std::size_t Session::profiled_runs() const { return exec_->profiled_runs(); }

std::vector<OpProfile> Session::profile() const {
  auto out = exec_->steps();
  const auto& ms = exec_->step_ms();
  const std::size_t runs = exec_->profiled_runs();
  for (std::size_t i = 0; i < out.size() && i < ms.size(); ++i) out[i].ms = runs ? ms[i] / static_cast<double>(runs) : 0.0;
  return out;
}

std::span<const float> Session::output(std::size_t i) const {
  if (i >= model_->outputs.size()) throw Error("nn: output index got " + std::to_string(i) + ", expected < " + std::to_string(model_->outputs.size()));
  return {exec_->output(i), static_cast<std::size_t>(exec_->output_shape(i).numel()) * batch_};
}

Shape Session::output_shape(std::size_t i) const { return exec_->output_shape(i); }
std::size_t Session::batch() const { return batch_; }
std::int64_t Session::input_len() const { return input_len_; }
Backend Session::backend() const { return backend_; }
const Model& Session::model() const { return *model_; }
std::size_t Session::arena_bytes() const { return exec_->arena_bytes(); }

}  // namespace ecg::nn
