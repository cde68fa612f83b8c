"""Tiny PyTorch models that cover every op and attribute of model schema 1, exported with the
training toolchain's own writer (tools/train/export.py) plus golden input/output tensors.

  /usr/bin/python3 -m tools.nn.make_parity_fixtures tests/fixtures/nn    (from the repository root)

writes parity-ops.{,golden.}safetensors (groupnorm, mish, avg/max pooling with padding, global max
and average pooling, a stand-alone batch-norm, sigmoid, squeeze-and-excitation scale, add, flatten,
concat, linear with and without bias) and parity-convs.* (stride, asymmetric and PyTorch 'same'
padding for even kernels, dilation, groups incl. depthwise with a channel multiplier, batch-norm
folded into the conv, ReLU → batch-norm epilogue, long kernels). The C++ tests (tests/core/test_nn.cpp)
run every backend on them. Uses Debian's torch 1.13 CPU, one thread, fixed seed.
"""
from __future__ import annotations

import argparse
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from tools.train import export as E
from tools.train import labels as lab
from tools.train import models as M
from tools.train.data import LEAD_SETS

N_CLASSES = lab.N_CLASSES
LEADS = LEAD_SETS["12"]


def _rand_norm(m: nn.Module, gen: torch.Generator) -> None:
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, (nn.BatchNorm1d, nn.GroupNorm)):
                mod.weight.uniform_(0.5, 1.5, generator=gen)
                mod.bias.uniform_(-0.3, 0.3, generator=gen)
            if isinstance(mod, nn.BatchNorm1d):
                mod.running_mean.uniform_(-0.3, 0.3, generator=gen)
                mod.running_var.uniform_(0.5, 2.0, generator=gen)


class ParityOps(nn.Module):
    """Every non-conv op once, on a 12 × 64 input (flatten fixes the length)."""
    arch = "parity-ops"

    def __init__(self):
        super().__init__()
        self.c1 = M.PadConv1d(12, 8, 4, pad=M.same_pad(4), bias=False)   # even kernel 'same': [1, 2]
        self.gn = nn.GroupNorm(4, 8, eps=1e-5)
        self.bn = nn.BatchNorm1d(8)
        self.se = nn.Linear(8, 8)
        self.fl = nn.Linear(8 * 32, 16, bias=False)
        self.demo = nn.Linear(5, 4)
        self.head = nn.Linear(4 + 16 + 8 + 8, N_CLASSES)

    def forward(self, x, d):
        m = F.mish(self.gn(self.c1(x)))
        ap = F.avg_pool1d(m, 3, 2, padding=1, count_include_pad=False)        # [8, 32]
        b = self.bn(ap)
        mp = F.max_pool1d(b, 3, 1, padding=1)
        s = torch.sigmoid(self.se(m.amax(-1)))                                 # global max pool → SE
        a = mp * s[:, :, None] + b
        f = self.fl(torch.flatten(a, 1))
        return self.head(torch.cat([self.demo(d), f, a.mean(-1), torch.sigmoid(a).amax(-1)], 1))

    def emit(self, g: E.GraphBuilder, x: str, d: str) -> str:
        c1 = g.conv(x, self.c1, "c1")
        gn = g._node("groupnorm", [c1], "gn", {"weight": g._w("gn.weight", self.gn.weight), "bias": g._w("gn.bias", self.gn.bias)},
                     {"groups": 4, "eps": self.gn.eps})
        m = g._node("mish", [gn], "mish")
        ap = g._node("avg_pool1d", [m], "ap", attrs={"kernel": 3, "stride": 2, "pad": [1, 1]})
        b = g.bn(ap, self.bn, "bn")
        mp = g.max_pool(b, 3, 1, (1, 1), "mp")
        gm = g._node("global_max_pool", [m], "gmp")
        s = g.sigmoid(g.linear(gm, self.se, "se"), "se_sig")
        a = g.add(g.mul_channel(mp, s, "scaled"), b, "sum")
        f = g.linear(g._node("flatten", [a], "flat"), self.fl, "fl")
        gap = g.global_avg_pool(a, "gap")
        sg = g._node("global_max_pool", [g.sigmoid(a, "sum_sig")], "gmp2")
        cat = g.concat([g.linear(d, self.demo, "demo"), f, gap, sg], "cat")
        return g.linear(cat, self.head, "logits")


class ParityConvs(nn.Module):
    """conv1d attribute combinations on a 12 × 96 input."""
    arch = "parity-convs"

    def __init__(self):
        super().__init__()
        self.a = M.PadConv1d(12, 12, 8, pad=M.same_pad(8), groups=12)               # depthwise, even 'same' [3, 4]
        self.b = M.PadConv1d(12, 24, 5, stride=3, pad=(0, 2), dilation=2, groups=4)  # stride 3, asymmetric, dilation, groups
        self.b_bn = nn.BatchNorm1d(24)                                               # folded at export
        self.c = M.PadConv1d(24, 6, 4, pad=M.same_pad(4, 2), dilation=2)             # even kernel dilated 'same' [3, 3]
        self.c_bn = nn.BatchNorm1d(6)                                                # ReLU → BN epilogue
        self.d = M.PadConv1d(6, 12, 3, stride=2, pad=(1, 1), groups=6, bias=False)   # depthwise × 2 multiplier, strided
        self.e = M.PadConv1d(12, 10, 17, pad=M.same_pad(17))                         # long kernel
        self.f = M.PadConv1d(12, 10, 1, stride=2)                                    # 1x1 strided shortcut
        self.head = nn.Linear(10 + 5, N_CLASSES)

    def forward(self, x, d):
        y = F.relu(self.a(x))
        y = F.relu(self.b_bn(self.b(y)))
        y = self.c_bn(F.relu(self.c(y)))
        y = self.d(y)
        z = F.relu(self.e(y))
        return self.head(torch.cat([z.amax(-1) + self.f(y).mean(-1), d], 1))

    def emit(self, g: E.GraphBuilder, x: str, d: str) -> str:
        y = g.relu(g.conv(x, self.a, "a"), "a_relu")
        y = g.relu(g.conv(y, self.b, "b", bn=self.b_bn), "b_relu")
        y = g.bn(g.relu(g.conv(y, self.c, "c"), "c_relu"), self.c_bn, "c_bn")
        y = g.conv(y, self.d, "d")
        z = g.relu(g.conv(y, self.e, "e"), "e_relu")
        zmax = g._node("global_max_pool", [z], "e_gmp")
        fmean = g.global_avg_pool(g.conv(y, self.f, "f"), "f_gap")
        return g.linear(g.concat([g.add(zmax, fmean, "ef"), d], "cat"), self.head, "logits")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=4321)
    a = ap.parse_args()
    torch.set_num_threads(1)
    command = f"/usr/bin/python3 -m tools.nn.make_parity_fixtures {a.out_dir} --seed {a.seed}"
    for i, (name, model, input_len) in enumerate([("parity-ops", ParityOps(), 64), ("parity-convs", ParityConvs(), 96)]):
        torch.manual_seed(a.seed + i)
        gen = torch.Generator().manual_seed(a.seed + i)
        for m in model.modules():
            if isinstance(m, (nn.Conv1d, nn.Linear)):
                m.reset_parameters()
        _rand_norm(model, gen)
        model.eval()
        rng = np.random.default_rng(a.seed + i)
        ecg = rng.standard_normal((len(LEADS), input_len)).astype(np.float32)
        demo = np.array([0.41, 1, 1, 0, 1], dtype=np.float32)
        path = os.path.join(a.out_dir, f"{name}.safetensors")
        doc = E.export_model(path, model, name, LEADS, 257, input_len, [0.5] * N_CLASSES,
                             training={"data": "none: random weights for parity tests", "command": command})
        gpath = os.path.join(a.out_dir, f"{name}.golden.safetensors")
        E.write_golden(gpath, doc, ecg, demo, E.torch_outputs(model, ecg, demo), command)
        print(path, os.path.getsize(path), "bytes;", gpath, os.path.getsize(gpath), "bytes")


if __name__ == "__main__":
    main()
