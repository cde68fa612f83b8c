// ecg::nn: the inference engine — a model file (safetensors, schema ecg-screen-model/1) in, logits out.
//
// Model file layout (docs/model-format.md is the reference; tools/train/export.py is the writer):
//   u64 little-endian N | N bytes of UTF-8 JSON header | tensor bytes (little-endian).
//   Header: {name: {"dtype": "F32"|"F16"|"I8", "shape": [...], "data_offsets": [begin, end]}, ...,
//            "__metadata__": {"format": "ecg-screen-model/2", "ecg_screen": "<JSON document>"}}
//   Schema 2: an I8 tensor <t> has an F32 tensor "<t>.scale" [shape[0]] (per output channel, > 0):
//   value = q · scale; the document's "tensor_sha256" is the SHA-256 of all tensor bytes. Schema 1
//   (ecg-screen-model/1: F32 only, no hash) is still read.
//   Offsets are relative to the first tensor byte; tensors are contiguous, in offset order, no gap.
//   The ecg_screen document: name, architecture, leads, fs_hz, input_len, preprocess, demographics,
//   classes [{snomed, abbr, name}], decision {rule, thresholds}, graph {inputs [{name, shape}],
//   outputs [names], nodes [{op, inputs, output, weights {role: tensor}, attrs}]}, training, metrics,
//   optional lead_sets, optional task ("screen", the default: multi-label CinC classes with
//   "threshold_or_argmax", chosen by screen::Screener; or "rhythm": single-label classes with
//   "argmax" over softmax probabilities and no thresholds, run by screen::RhythmClassifier; or "qrs":
//   one class, a probability per sample of one lead, decision {"rule": "peaks", "threshold",
//   "refractory_s", optional "min_relative_amplitude"}, preprocess.aggregate "none", run by
//   dsp::LearnedQrs).
//   A class's `snomed` is a SNOMED CT concept id (digits) or "local:<code>" for a class without one.
//   Shapes exclude the batch dimension.
// Model::load validates every field, tensor and graph reference and throws ecg::Error with
// "got … expected …". Lifecycle (as XNNPACK's subgraph API): load → Session (build and pack weights
// once) → reshape(batch, input_len) (plans memory; again only when the length changes) → fill
// inputs → run() (no allocation) → read outputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ecg::nn {

enum class OpType {
  conv1d, batchnorm, groupnorm, relu, mish, sigmoid, add, mul_channel, global_avg_pool,
  global_max_pool, max_pool1d, avg_pool1d, linear, concat, flatten
};
const char* op_name(OpType op);

// A value's shape without the batch dimension: [c] (rank 1) or [c, l] (rank 2).
struct Shape {
  int rank = 2;
  std::int64_t c = 0;
  std::int64_t l = 1;
  std::int64_t numel() const { return rank == 2 ? c * l : c; }
  bool operator==(const Shape&) const = default;
};
std::string to_string(const Shape& s);

struct Tensor {
  std::string name;
  std::vector<std::int64_t> shape;
  std::vector<float> data;  // float32 (F16 and I8 tensors are dequantised at load)
  std::string dtype = "F32";  // as stored in the file: "F32", "F16" or "I8" (schema 2)
};

struct Node {
  OpType op = OpType::relu;
  std::vector<int> inputs;  // value ids
  int output = -1;          // value id
  // weights: tensor ids, -1 when absent
  int weight = -1, bias = -1, mean = -1, var = -1;
  // attributes (those the op does not use keep their defaults)
  int stride = 1, dilation = 1, groups = 1, kernel = 1, pad_left = 0, pad_right = 0, axis = 0;
  float eps = 1e-5f;
};

struct GraphInput {
  std::string name;
  Shape shape;           // at the model's input_len
  bool has_length = true;  // rank 2 inputs scale with the input length
};

struct ClassInfo {
  std::string snomed, abbr, name;
};

struct LeadSet {
  std::string name;
  std::vector<std::string> leads;
  std::string output;
  std::vector<double> thresholds;
};

struct Preprocess {
  std::string resample = "polyphase";
  std::optional<std::pair<double, double>> bandpass_hz;
  std::string normalize = "zscore_per_lead";
  double epsilon = 1e-6;
  std::int64_t window_stride = 0;
  std::string aggregate = "mean";
  std::optional<std::int64_t> fir_taps;
  std::string fir_window;
};

struct ModelInfo {
  int schema = 1;             // 1: ecg-screen-model/1 (F32, no hash); 2: ecg-screen-model/2
  std::string tensor_sha256;  // schema 2: SHA-256 of the tensor bytes, checked at load
  std::string name, architecture;
  std::vector<std::string> leads;
  double fs_hz = 0;
  std::int64_t input_len = 0;
  Preprocess preprocess;
  std::string demographics;  // "" (none) or "lrhnet5"
  std::vector<ClassInfo> classes;
  std::string task = "screen";  // "screen" (Screener), "rhythm" (RhythmClassifier) or "qrs" (dsp::LearnedQrs)
  std::string decision_rule;    // "threshold_or_argmax" (task screen) or "argmax" (task rhythm)
  std::vector<double> thresholds;  // one per class for threshold_or_argmax; empty for argmax; {threshold} for peaks
  double refractory_s = 0;         // task qrs: of two QRS candidates closer than this, the more probable stays
  double min_relative_amplitude = 0;  // task qrs: a candidate below this share of its neighbours' median amplitude is dropped
  std::vector<LeadSet> lead_sets;
  std::string training_json, metrics_json;  // free-form, for model cards
};

class Model {
 public:
  // Parses and validates a model file held in memory; throws ecg::Error naming the bad field.
  static Model load(std::span<const std::uint8_t> bytes);

  ModelInfo info;
  std::vector<Tensor> tensors;
  std::vector<std::string> value_names;  // value id → name (graph inputs first)
  std::vector<GraphInput> inputs;        // value ids 0 … inputs.size()-1
  std::vector<int> outputs;              // value ids
  std::vector<Node> nodes;               // topologically ordered

  // Shapes of every value for a given input length (throws ecg::Error when the length is too short
  // for the graph or changes a length the graph fixes, e.g. linear after flatten).
  std::vector<Shape> infer_shapes(std::int64_t input_len) const;
  int output_index(const std::string& name) const;  // -1 when absent
  std::int64_t parameter_count() const;
  // Multiply-accumulate count ×2 of the convolutions and linear layers for one window.
  double flops(std::int64_t input_len) const;
  // The same for one node, given infer_shapes' result (0 for ops other than conv1d and linear).
  double node_flops(const std::vector<Shape>& shapes, std::size_t node) const;
};

// What a model file is, from its header alone: the u64 length and the JSON header (`bytes` may be the
// file's first 8 + N bytes only). Every ModelInfo field Model::load reads from the ecg_screen document,
// with the same checks and messages; no tensor is decoded, no hash checked, no graph built, and a lead
// set's output is not looked up in the graph. For a file's name, task or leads without loading it.
ModelInfo read_model_info(std::span<const std::uint8_t> bytes);

// A model's summary as one JSON object: the one serialisation used by the bindings (NnModel.info,
// readModelInfo) and by anything else that prints one. From a ModelInfo: name, architecture, leads,
// fs_hz, input_len, demographics (null when none), classes [{snomed, abbr, name}], task, decision_rule,
// thresholds, lead_sets (when the model has them), schema, tensor_sha256 (null for schema 1). From a
// loaded Model, also what its graph and tensors say: inputs [{name, shape}], outputs, parameters,
// flops_per_window and dtypes (stored dtype -> number of values, the I8 scales not counted).
std::string model_info_json(const ModelInfo& info);
std::string model_info_json(const Model& model);

// SHA-256 of `bytes` as 64 lowercase hex digits (the schema-2 tensor content hash).
std::string sha256_hex(std::span<const std::uint8_t> bytes);

enum class Backend { reference, simd, xnnpack };
const char* backend_name(Backend b);
std::optional<Backend> backend_from_name(const std::string& name);
std::vector<Backend> available_backends();  // xnnpack only in builds with ECG_NN_XNNPACK

// One step of a profiled session: the nodes it runs (a fused step runs several, e.g. conv1d +
// batch-norm + relu, or an SE scale + add + relu + batch-norm; an XNNPACK subgraph many), its mean
// time per run and its FLOPs.
struct OpProfile {
  std::string op;          // the op of the step's main node (conv1d, add, …), or "xnnpack" for a delegated subgraph
  std::string name;        // the value the step writes (its last node's output)
  std::vector<int> nodes;  // indices into Model::nodes, ascending
  double ms = 0;           // mean wall time per run since profiling was switched on
  double flops = 0;        // 2·MAC of its conv1d and linear nodes per run (every window of the batch)
};

class Executor;  // internal

class Session {
 public:
  Session(std::shared_ptr<const Model> model, Backend backend);
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  // Plans memory for `batch` windows of `input_len` samples; a no-op when nothing changed.
  void reshape(std::size_t batch, std::int64_t input_len);
  // Input i (graph input order) as batch × shape floats, window-major; valid until the next reshape.
  std::span<float> input(std::size_t i);
  void run();
  std::span<const float> output(std::size_t i) const;
  Shape output_shape(std::size_t i) const;
  std::size_t batch() const;
  std::int64_t input_len() const;
  Backend backend() const;
  const Model& model() const;
  std::size_t arena_bytes() const;  // activation + scratch memory planned by the last reshape

  // Per-step timing (off by default; off costs one branch per step). Switching it on clears what
  // was recorded; runs then add each step's steady_clock time into storage allocated here, so a
  // profiled run still allocates nothing. profile() (which allocates) reports the steps in run order
  // with their mean ms per run; profiled_runs() says over how many runs.
  void set_profiling(bool on);
  bool profiling() const;
  std::size_t profiled_runs() const;
  std::vector<OpProfile> profile() const;

 private:
  std::shared_ptr<const Model> model_;
  std::unique_ptr<Executor> exec_;
  Backend backend_;
  std::size_t batch_ = 0;
  std::int64_t input_len_ = 0;
};

}  // namespace ecg::nn
