"""Export trained PyTorch models to models/*.safetensors (schema ecg-screen-model/2) and write golden tensors.

File layout (docs/model-format.md is the reference; the C++ loader repeats it):
  u64 little-endian N | N bytes UTF-8 JSON header (space-padded to a multiple of 8) | tensor bytes.
  JSON: {tensor name: {"dtype": "F32"|"F16"|"I8", "shape": [...], "data_offsets": [begin, end]}, ...,
         "__metadata__": {"format": "ecg-screen-model/2", "ecg_screen": "<JSON document>"}}
  Offsets are relative to the first byte after the header; tensors are contiguous, in offset order,
  little-endian, and every tensor is used by some graph node, except "<t>.scale" (F32, [shape[0]]):
  the per-output-channel scales of an I8 tensor <t> (value = q · scale). The document's
  "tensor_sha256" is the SHA-256 of every tensor byte (all bytes after the header). This writer
  stores float32; tools/train/quantize.py rewrites a file with I8 / F16 weights. Schema 1
  (ecg-screen-model/1: F32 only, no hash) is still read here and by the C++ loader.
The `ecg_screen` document holds name, architecture, leads, fs_hz, input_len, preprocess,
demographics, classes, decision, graph {inputs, outputs, nodes}, training, metrics, tensor_sha256
(and, for the lead-wise model only, the `lead_sets` extension described in docs/model-format.md).
Batch-norm directly after a conv is folded into it (W·γ/√(σ²+ε), (b−μ)·γ/√(σ²+ε)+β); LRH-Net's
BN-after-ReLU cannot be folded exactly (zero padding of the next conv) and stays a `batchnorm` node.

`run_graph` is a small numpy interpreter of the same graph: tests run it on the exported file and
compare with PyTorch, which proves the graph is complete and the weights are in the right places.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import struct
from typing import Any

import numpy as np
import torch
import torch.nn as nn

from . import labels as lab
from . import models as M
from .data import LEAD_SETS
from .preprocess import DEFAULT_PREPROCESS

FORMAT = "ecg-screen-model/2"
FORMAT1 = "ecg-screen-model/1"  # float32 only, no tensor hash: still read
DTYPES = {"F32": "<f4", "F16": "<f2", "I8": "i1"}


# ------------------------------------------------------------------------------------ safetensors

def _dtype_of(a: np.ndarray) -> str:
    return {np.dtype("int8"): "I8", np.dtype("float16"): "F16"}.get(a.dtype, "F32")


def tensor_blobs(tensors: dict[str, np.ndarray]) -> tuple[dict[str, Any], list[bytes]]:
    """Header entries and the raw little-endian bytes, in order: int8 and float16 arrays keep their
    dtype (I8, F16), everything else is stored as float32."""
    header: dict[str, Any] = {}
    offset = 0
    blobs = []
    for name, arr in tensors.items():
        a = np.asarray(arr)
        dt = _dtype_of(a)
        a = np.ascontiguousarray(a.astype(DTYPES[dt]))
        b = a.tobytes()
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    return header, blobs


def write_safetensors(path: str, tensors: dict[str, np.ndarray], metadata: dict[str, str] | None = None) -> None:
    header, blobs = tensor_blobs(tensors)
    if metadata is not None:
        header["__metadata__"] = metadata
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * (-len(hb) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for b in blobs:
            f.write(b)


def write_model_file(path: str, tensors: dict[str, np.ndarray], doc: dict) -> dict:
    """A schema-2 model file: the document gets "tensor_sha256" (SHA-256 of the tensor bytes)."""
    _, blobs = tensor_blobs(tensors)
    doc = {**doc, "tensor_sha256": hashlib.sha256(b"".join(blobs)).hexdigest()}
    write_safetensors(path, tensors, {"format": FORMAT, "ecg_screen": json.dumps(doc, separators=(",", ":"))})
    return doc


def read_safetensors(path: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Tensors as stored (float32, float16 or int8 arrays) and the metadata."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    end_prev = 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        if info["dtype"] not in DTYPES:
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}, expected one of {sorted(DTYPES)}")
        dt = np.dtype(DTYPES[info["dtype"]])
        b, e = info["data_offsets"]
        if b != end_prev:
            raise ValueError(f"{path}: tensor {name} starts at {b}, expected {end_prev} (gap or overlap)")
        count = int(np.prod(info["shape"])) if info["shape"] else 1
        if e - b != dt.itemsize * count:
            raise ValueError(f"{path}: tensor {name} has {e - b} bytes, expected {dt.itemsize * count} for shape {info['shape']}")
        out[name] = np.frombuffer(raw[base + b:base + e], dtype=dt).reshape(info["shape"])
        end_prev = e
    if base + end_prev != len(raw):
        raise ValueError(f"{path}: {len(raw) - base - end_prev} trailing bytes after the last tensor")
    return out, meta


def tensor_bytes(path: str) -> bytes:
    """Every byte after the header (what tensor_sha256 covers)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    return raw[8 + n:]


def dequantize(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """float32 values as the C++ loader computes them: I8 q · scale per output channel (float32
    product), F16 widened; the "<t>.scale" tensors are consumed."""
    out = {}
    for name, a in tensors.items():
        if name.endswith(".scale") and name[:-len(".scale")] in tensors and tensors[name[:-len(".scale")]].dtype == np.int8:
            continue
        if a.dtype == np.int8:
            s = np.asarray(tensors[name + ".scale"], np.float32)
            out[name] = a.astype(np.float32) * s.reshape((-1,) + (1,) * (a.ndim - 1))
        else:
            out[name] = a.astype(np.float32)
    return out


# ---------------------------------------------------------------------------------- graph builder

class GraphBuilder:
    """Collects nodes and weights while a model's emit() walks its layers (in eval semantics)."""

    def __init__(self):
        self.nodes: list[dict] = []
        self.tensors: dict[str, np.ndarray] = {}
        self._names: set[str] = set()

    def _out(self, name: str) -> str:
        if name in self._names:
            raise ValueError(f"duplicate graph value name {name!r}")
        self._names.add(name)
        return name

    def _w(self, name: str, t) -> str:
        a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
        self.tensors[name] = a.astype(np.float32)
        return name

    def _node(self, op, inputs, name, weights=None, attrs=None) -> str:
        self.nodes.append({"op": op, "inputs": list(inputs), "output": self._out(name),
                           "weights": weights or {}, "attrs": attrs or {}})
        return name

    def conv(self, x: str, conv: M.PadConv1d, name: str, bn: nn.BatchNorm1d | None = None) -> str:
        w = conv.weight.detach().double()
        b = conv.bias.detach().double() if conv.bias is not None else None
        if bn is not None:
            scale = bn.weight.detach().double() / torch.sqrt(bn.running_var.double() + bn.eps)
            w = w * scale[:, None, None]
            b = (b if b is not None else torch.zeros_like(scale)) - bn.running_mean.double()
            b = b * scale + bn.bias.detach().double()
        weights = {"weight": self._w(f"{name}.weight", w)}
        if b is not None:
            weights["bias"] = self._w(f"{name}.bias", b)
        attrs = {"stride": conv.stride[0], "pad": list(conv.pad), "dilation": conv.dilation[0], "groups": conv.groups}
        return self._node("conv1d", [x], name, weights, attrs)

    def bn(self, x: str, bn: nn.BatchNorm1d, name: str) -> str:
        weights = {"weight": self._w(f"{name}.weight", bn.weight), "bias": self._w(f"{name}.bias", bn.bias),
                   "mean": self._w(f"{name}.mean", bn.running_mean), "var": self._w(f"{name}.var", bn.running_var)}
        return self._node("batchnorm", [x], name, weights, {"eps": bn.eps})

    def linear(self, x: str, lin: nn.Linear, name: str) -> str:
        return self.linear_tensors(x, lin.weight, lin.bias, name)

    def linear_tensors(self, x: str, w, b, name: str) -> str:
        weights = {"weight": self._w(f"{name}.weight", w)}
        if b is not None:
            weights["bias"] = self._w(f"{name}.bias", b)
        return self._node("linear", [x], name, weights)

    def relu(self, x, name):
        return self._node("relu", [x], name)

    def sigmoid(self, x, name):
        return self._node("sigmoid", [x], name)

    def add(self, a, b, name):
        return self._node("add", [a, b], name)

    def mul_channel(self, x, s, name):
        return self._node("mul_channel", [x, s], name)

    def global_avg_pool(self, x, name):
        return self._node("global_avg_pool", [x], name)

    def max_pool(self, x, k, s, pad, name):
        return self._node("max_pool1d", [x], name, attrs={"kernel": k, "stride": s, "pad": list(pad)})

    def concat(self, xs, name):
        return self._node("concat", list(xs), name, attrs={"axis": 0})


# ------------------------------------------------------------------------------ numpy interpreter

def _conv1d(x, w, b, stride, pad, dilation, groups):
    x = np.pad(x, ((0, 0), (pad[0], pad[1])))
    c_in, length = x.shape
    c_out, cg, k = w.shape
    span = dilation * (k - 1) + 1
    l_out = (length - span) // stride + 1
    idx = np.arange(l_out)[:, None] * stride + np.arange(k)[None, :] * dilation  # (l_out, k)
    cols = x[:, idx]  # (c_in, l_out, k)
    og = c_out // groups
    out = np.empty((c_out, l_out), dtype=np.float64)
    for g in range(groups):
        xc = cols[g * cg:(g + 1) * cg]  # (cg, l_out, k)
        out[g * og:(g + 1) * og] = np.einsum("oik,ilk->ol", w[g * og:(g + 1) * og], xc)
    if b is not None:
        out += b[:, None]
    return out


def run_graph(doc: dict, tensors: dict[str, np.ndarray], inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Execute the exported graph in float64 numpy (no batch dimension). Returns every graph output."""
    env = {k: np.asarray(v, dtype=np.float64) for k, v in inputs.items()}
    for spec in doc["graph"]["inputs"]:
        if list(env[spec["name"]].shape) != spec["shape"]:
            raise ValueError(f"input {spec['name']}: got shape {list(env[spec['name']].shape)}, expected {spec['shape']}")
    W = lambda n, key: np.asarray(tensors[n["weights"][key]], dtype=np.float64) if key in n["weights"] else None  # noqa: E731
    for n in doc["graph"]["nodes"]:
        op, a = n["op"], n["attrs"]
        xs = [env[i] for i in n["inputs"]]
        x = xs[0]
        if op == "conv1d":
            y = _conv1d(x, W(n, "weight"), W(n, "bias"), a["stride"], a["pad"], a["dilation"], a["groups"])
        elif op == "batchnorm":
            y = (x - W(n, "mean")[:, None]) / np.sqrt(W(n, "var")[:, None] + a["eps"]) * W(n, "weight")[:, None] + W(n, "bias")[:, None]
        elif op == "relu":
            y = np.maximum(x, 0)
        elif op == "sigmoid":
            y = 1 / (1 + np.exp(-x))
        elif op == "mish":
            y = x * np.tanh(np.log1p(np.exp(x)))
        elif op == "add":
            y = xs[0] + xs[1]
        elif op == "mul_channel":
            y = x * xs[1][:, None]
        elif op == "global_avg_pool":
            y = x.mean(-1)
        elif op == "global_max_pool":
            y = x.max(-1)
        elif op == "max_pool1d":
            xp = np.pad(x, ((0, 0), tuple(a["pad"])), constant_values=-np.inf)
            l_out = (xp.shape[1] - a["kernel"]) // a["stride"] + 1
            idx = np.arange(l_out)[:, None] * a["stride"] + np.arange(a["kernel"])[None, :]
            y = xp[:, idx].max(-1)
        elif op == "linear":
            y = W(n, "weight") @ x + (W(n, "bias") if "bias" in n["weights"] else 0)
        elif op == "concat":
            y = np.concatenate(xs, axis=a.get("axis", 0))
        elif op == "flatten":
            y = x.reshape(-1)
        else:
            raise ValueError(f"node {n['output']}: unknown op {op!r}")
        env[n["output"]] = y
    return {o: env[o] for o in doc["graph"]["outputs"]}


# ----------------------------------------------------------------------------------------- export

def build_graph(model: nn.Module, n_leads: int, input_len: int, demographics: bool = True) -> tuple[dict, dict[str, np.ndarray]]:
    """demographics=False: the graph has the `ecg` input only (models that do not read demographics)."""
    model.eval()
    g = GraphBuilder()
    out = model.emit(g, "ecg", "demographics" if demographics else None)
    outputs = [out] if isinstance(out, str) else [out[k] for k in out]
    inputs = [{"name": "ecg", "shape": [n_leads, input_len]}] + ([{"name": "demographics", "shape": [5]}] if demographics else [])
    graph = {"inputs": inputs, "outputs": outputs, "nodes": g.nodes}
    used = {w for n in g.nodes for w in n["weights"].values()}
    if used != set(g.tensors):
        raise ValueError(f"unused tensors {sorted(set(g.tensors) - used)}")
    return graph, g.tensors


def class_list() -> list[dict]:
    return [{"snomed": c.codes[0], "abbr": c.abbr, "name": c.name} for c in lab.SCORED]


def export_model(path: str, model: nn.Module, name: str, leads: list[str], fs_hz: int, input_len: int,
                 thresholds, preprocess: dict | None = None, training: dict | None = None, metrics: dict | None = None,
                 classes: list[dict] | None = None, lead_sets: list[dict] | None = None, demographics: str | None = "lrhnet5",
                 task: str | None = None, decision: dict | None = None) -> dict:
    """Write one model file; returns the ecg_screen document.

    thresholds: one per class for the multi-label "threshold_or_argmax" rule, or None for the
    single-label "argmax" rule (softmax over the classes, one class per record; docs/model-format.md).
    task: None (the multi-label screening model the Screener chooses from) or "rhythm" (the
    single-label rhythm classifier), "qrs" (a per-sample R-peak probability; its `decision` is
    {"rule": "peaks", "threshold", "refractory_s"}); recorded as `"task"` in the document.
    decision: replaces the decision block that thresholds would give.
    """
    graph, tensors = build_graph(model, len(leads), input_len, demographics is not None)
    classes = classes or class_list()
    if decision is not None:
        pass
    elif thresholds is None:
        decision = {"rule": "argmax"}
    else:
        if len(thresholds) != len(classes):
            raise ValueError(f"got {len(thresholds)} thresholds, expected {len(classes)}")
        decision = {"rule": "threshold_or_argmax", "thresholds": [float(t) for t in thresholds]}
    doc = {
        "name": name,
        "architecture": getattr(model, "arch", type(model).__name__),
        "leads": list(leads),
        "fs_hz": fs_hz,
        "input_len": input_len,
        "preprocess": {**DEFAULT_PREPROCESS, **(preprocess or {})},
        "demographics": demographics,
        "classes": classes,
        "decision": decision,
        "graph": graph,
        "training": training or {},
        "metrics": metrics or {},
    }
    if doc["preprocess"]["fir_taps"] is None:
        doc["preprocess"]["fir_taps"] = 2 * int(fs_hz) + 1
    if lead_sets is not None:
        doc["lead_sets"] = lead_sets
    if task is not None:
        doc["task"] = task
    return write_model_file(path, tensors, doc)


def load_model_file(path: str, raw: bool = False) -> tuple[dict, dict[str, np.ndarray]]:
    """The document and the tensors: dequantised float32 (default) or as stored (raw=True, with the
    scale tensors). Schema 2: the tensor hash is checked."""
    tensors, meta = read_safetensors(path)
    if meta.get("format") not in (FORMAT, FORMAT1):
        raise ValueError(f"{path}: format {meta.get('format')!r}, expected {FORMAT!r} (or {FORMAT1!r})")
    doc = json.loads(meta["ecg_screen"])
    if meta["format"] == FORMAT:
        got = hashlib.sha256(tensor_bytes(path)).hexdigest()
        if got != doc.get("tensor_sha256"):
            raise ValueError(f"{path}: tensor content hash got {got}, expected {doc.get('tensor_sha256')}")
    elif any(a.dtype != np.float32 for a in tensors.values()):
        raise ValueError(f"{path}: {FORMAT1} holds float32 tensors only")
    return doc, (tensors if raw else dequantize(tensors))


def torch_outputs(model: nn.Module, ecg: np.ndarray, demo: np.ndarray | None) -> dict[str, np.ndarray]:
    model.eval()
    with torch.no_grad():
        d = None if demo is None else torch.from_numpy(demo[None].astype(np.float32))
        out = model(torch.from_numpy(ecg[None].astype(np.float32)), d)
    if isinstance(out, dict):
        return {f"logits_{k}": v[0].numpy() for k, v in out.items()}
    return {"logits": out[0].numpy()}


def write_golden(path: str, doc: dict, ecg: np.ndarray, demo: np.ndarray | None, outputs: dict[str, np.ndarray], command: str) -> None:
    """demo=None for a model without a demographics input (no `input.demographics` tensor then)."""
    t = {"input.ecg": ecg.astype(np.float32)}
    if demo is not None:
        t["input.demographics"] = demo.astype(np.float32)
    t.update({f"output.{k}": v for k, v in outputs.items()})
    inputs = "input.ecg (already preprocessed)" + (" and input.demographics" if demo is not None else "")
    write_safetensors(path, t, {"format": "ecg-screen-golden/1", "model": doc["name"], "command": command,
                                "outputs": f"PyTorch float32 eval-mode logits for {inputs}"})


# ------------------------------------------------------------------------------ tiny test fixtures

def _randomize_bn(model: nn.Module, gen: torch.Generator) -> None:
    for m in model.modules():
        if isinstance(m, nn.BatchNorm1d):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5, generator=gen)
                m.bias.uniform_(-0.2, 0.2, generator=gen)
                m.running_mean.uniform_(-0.2, 0.2, generator=gen)
                m.running_var.uniform_(0.5, 2.0, generator=gen)


def tiny_models() -> dict[str, tuple[nn.Module, list[str], int, list[dict] | None]]:
    """Small random instances of every architecture (same op mix as the real ones) for C++ parity tests."""
    leads12 = LEAD_SETS["12"]
    lw = M.LeadwiseMultiBranch(per_lead=(1, 1, 2), hidden=8)
    lw_sets = [{"name": ls, "leads": LEAD_SETS[ls], "output": f"logits_{ls}", "thresholds": [0.5] * lab.N_CLASSES}
               for ls in lw.lead_sets]
    return {
        "tiny-lrhnet": (M.LRHNet(12, lab.N_CLASSES, channels=(8, 8, 16), hidden=16), leads12, 512, None),
        "tiny-lrhnet-2": (M.LRHNet(2, lab.N_CLASSES, channels=(8, 8, 16), hidden=16), LEAD_SETS["2"], 512, None),
        "tiny-seresnet": (M.SEResNetTeacher(12, lab.N_CLASSES, width=0.0625), leads12, 512, None),
        "tiny-leadwise": (lw, leads12, 512, lw_sets),
        "tiny-mobilenet1d": (M.MobileNet1D(12, lab.N_CLASSES, channels=(8, 16, 16, 32)), leads12, 512, None),
        # task "rhythm": one lead, 4 single-label classes, no demographics input, "argmax" rule
        "tiny-rhythmnet": (M.RhythmNet(1, len(lab.CINC2017_CLASSES), channels=(8, 8, 16, 16)), ["I"], 512, None),
    }


def export_tiny_fixtures(out_dir: str, seed: int = 1234) -> list[str]:
    os.makedirs(out_dir, exist_ok=True)
    written = []
    command = f"/usr/bin/python3 -m tools.train.export --tiny-fixtures tests/fixtures/nn --seed {seed}"
    for i, (name, (model, leads, input_len, lead_sets)) in enumerate(tiny_models().items()):
        torch.manual_seed(seed + i)
        gen = torch.Generator().manual_seed(seed + i)
        for m in model.modules():
            if isinstance(m, nn.Conv1d) or isinstance(m, nn.Linear):
                m.reset_parameters()
        _randomize_bn(model, gen)
        model.eval()
        rng = np.random.default_rng(seed + i)
        ecg = rng.standard_normal((len(leads), input_len)).astype(np.float32)
        demo = np.array([0.63, 1, 0, 1, 1], dtype=np.float32)
        path = os.path.join(out_dir, f"{name}.safetensors")
        training = {"data": "none: random weights for parity tests", "command": command}
        if isinstance(model, M.RhythmNet):
            demo = None
            doc = export_model(path, model, name, leads, 130, input_len, None, preprocess={"window_stride": input_len // 2},
                               training=training, classes=lab.CINC2017_MODEL_CLASSES, demographics=None, task="rhythm")
        else:
            doc = export_model(path, model, name, leads, 257, input_len, [0.5] * lab.N_CLASSES, training=training, lead_sets=lead_sets)
        write_golden(os.path.join(out_dir, f"{name}.golden.safetensors"), doc, ecg, demo,
                     torch_outputs(model, ecg, demo), command)
        written += [path, os.path.join(out_dir, f"{name}.golden.safetensors")]
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny-fixtures", metavar="DIR", help="write tiny random models + golden tensors to DIR")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--check", metavar="FILE", help="load a model file and print its summary")
    a = ap.parse_args()
    if a.tiny_fixtures:
        for p in export_tiny_fixtures(a.tiny_fixtures, a.seed):
            print(p, os.path.getsize(p), "bytes")
    if a.check:
        doc, t = load_model_file(a.check)
        print(doc["name"], doc["architecture"], len(doc["graph"]["nodes"]), "nodes",
              sum(v.size for v in t.values()), "floats", os.path.getsize(a.check), "bytes")


if __name__ == "__main__":
    main()
