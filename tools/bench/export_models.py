"""Benchmark models: full-size architectures with random weights, exported three ways from the same
PyTorch module — schema-1 safetensors (this engine), ONNX (onnxruntime-web) — and timed on PyTorch
CPU with one thread (the native peer). Run by tools/bench/run.mjs (`npm run bench`):

  /usr/bin/python3 -m tools.bench.export_models build/bench

writes build/bench/<name>.safetensors, <name>.onnx, <name>.input.bin (float32 ecg then demographics)
and build/bench/pytorch.json {name: {"ms": median wall ms per record, "cpu_ms": median process CPU ms
per record, "runs": n}}.
"""
from __future__ import annotations

import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

from tools.train import export as E
from tools.train import labels as lab
from tools.train import models as M
from tools.train.data import LEAD_SETS

LEADS = LEAD_SETS["12"]


class TupleOut(nn.Module):
    """ONNX export needs tensors out; the lead-wise model returns a dict per lead set."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x, d):
        out = self.m(x, d)
        return tuple(out.values()) if isinstance(out, dict) else out


def bench_models():
    lw = M.LeadwiseMultiBranch()
    lw_sets = [{"name": ls, "leads": LEAD_SETS[ls], "output": f"logits_{ls}", "thresholds": [0.5] * lab.N_CLASSES} for ls in lw.lead_sets]
    return [
        ("lrhnet-12", M.LRHNet(12, lab.N_CLASSES), 257, 4096, None),
        ("seresnet-12", M.SEResNetTeacher(12, lab.N_CLASSES), 257, 4096, None),
        ("mobilenet1d-12", M.MobileNet1D(12, lab.N_CLASSES), 500, 5000, None),
        ("leadwise-12", lw, 500, 5000, lw_sets),
    ]


def time_torch(model, x, d, min_runs=10, min_s=2.0):
    with torch.no_grad():
        for _ in range(3):
            model(x, d)
        times, cpu = [], []  # wall; this process's CPU time (leaves out waits for a CPU on a shared machine)
        t_end = time.perf_counter() + min_s
        while len(times) < min_runs or time.perf_counter() < t_end:
            t0, c0 = time.perf_counter(), time.process_time()
            model(x, d)
            cpu.append((time.process_time() - c0) * 1e3)
            times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times)), float(np.median(cpu)), len(times)


def main() -> None:
    out = sys.argv[1] if len(sys.argv) > 1 else "build/bench"
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    torch.manual_seed(7)
    results = {}
    for name, model, fs, n, lead_sets in bench_models():
        model.eval()
        for m in model.modules():  # non-trivial batch-norm statistics, so folding is exercised
            if isinstance(m, nn.BatchNorm1d):
                with torch.no_grad():
                    m.running_mean.uniform_(-0.1, 0.1)
                    m.running_var.uniform_(0.5, 1.5)
        rng = np.random.default_rng(7)
        ecg = rng.standard_normal((12, n)).astype(np.float32)
        demo = np.array([0.5, 1, 0, 1, 1], dtype=np.float32)
        E.export_model(os.path.join(out, f"{name}.safetensors"), model, name, LEADS, fs, n, [0.5] * lab.N_CLASSES,
                       training={"data": "none: random weights for benchmarks"}, lead_sets=lead_sets)
        x, d = torch.from_numpy(ecg[None]), torch.from_numpy(demo[None])
        wrapped = TupleOut(model).eval()
        with torch.no_grad():
            outs = wrapped(x, d)
        outs = outs if isinstance(outs, tuple) else (outs,)
        torch.onnx.export(wrapped, (x, d), os.path.join(out, f"{name}.onnx"), input_names=["ecg", "demographics"],
                          output_names=[f"out{i}" for i in range(len(outs))], opset_version=13)
        with open(os.path.join(out, f"{name}.input.bin"), "wb") as f:
            f.write(ecg.tobytes())
            f.write(demo.tobytes())
        np.save(os.path.join(out, f"{name}.torch_out0.npy"), outs[0].numpy()[0])
        ms, cpu_ms, runs = time_torch(model, x, d)
        results[name] = {"ms": ms, "cpu_ms": cpu_ms, "runs": runs, "params": sum(p.numel() for p in model.parameters())}
        print(f"{name}: pytorch-cpu-1t {ms:.3f} ms/record, CPU {cpu_ms:.3f} ms ({runs} runs)", flush=True)
    with open(os.path.join(out, "pytorch.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
