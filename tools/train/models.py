"""Model zoo: LRH-Net student, SE-ResNet teacher (reduced width), lead-wise multi-branch CNN, MobileNet-style 1D CNN.

Every model takes (ecg [B, L, T], demographics [B, 5]) and returns logits [B, n_classes]
(the lead-wise model returns a dict {lead_set: logits}). Every model also has
``emit(g, ecg, demo)`` that writes its inference graph with the ops of docs/model-format.md only
(see export.py: the GraphBuilder folds batch-norm into the preceding conv where that is exact).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .data import LEAD_SETS, LEADS_12


class PadConv1d(nn.Conv1d):
    """Conv1d with explicit [left, right] zero padding, so the exported 'pad' attribute is exact."""

    def __init__(self, c_in, c_out, k, stride=1, pad=(0, 0), dilation=1, groups=1, bias=True):
        super().__init__(c_in, c_out, k, stride=stride, padding=0, dilation=dilation, groups=groups, bias=bias)
        self.pad = (int(pad[0]), int(pad[1]))

    def forward(self, x):
        if self.pad != (0, 0):
            x = F.pad(x, self.pad)
        return super().forward(x)


def same_pad(k: int, dilation: int = 1) -> tuple[int, int]:
    """PyTorch padding='same': total d·(k−1), left = total // 2, right = the rest."""
    total = dilation * (k - 1)
    return total // 2, total - total // 2


# ----------------------------------------------------------------------------------------- LRH-Net

class LrhSE(nn.Module):
    """Cust_SELayer: GAP → Linear(C→C/r, no bias) → ReLU → Linear(C/r→C, no bias) → sigmoid → scale."""

    def __init__(self, c: int, r: int = 8, bias: bool = False):
        super().__init__()
        self.fc1 = nn.Linear(c, c // r, bias=bias)
        self.fc2 = nn.Linear(c // r, c, bias=bias)

    def forward(self, x):
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(x.mean(-1)))))
        return x * s[:, :, None]

    def emit(self, g, x, name):
        s = g.global_avg_pool(x, f"{name}.gap")
        s = g.relu(g.linear(s, self.fc1, f"{name}.fc1"), f"{name}.relu")
        s = g.sigmoid(g.linear(s, self.fc2, f"{name}.fc2"), f"{name}.sig")
        return g.mul_channel(x, s, f"{name}.scale")


class LrhBlock(nn.Module):
    """conv1 → ReLU → BN1 → conv2 → SE → (+ shortcut) → ReLU → BN2 (FACTS §2.1; BN after ReLU)."""

    def __init__(self, c_in: int, c_out: int, downsample: bool):
        super().__init__()
        if downsample:
            self.conv1 = PadConv1d(c_in, c_out, 8, stride=2, pad=(3, 3))
            self.shortcut = PadConv1d(c_in, c_out, 1, stride=2)
        else:
            self.conv1 = PadConv1d(c_in, c_out, 8, pad=same_pad(8))
            self.shortcut = None
        self.bn1 = nn.BatchNorm1d(c_out)
        self.conv2 = PadConv1d(c_out, c_out, 8, pad=same_pad(8))
        self.se = LrhSE(c_out, 8)
        self.bn2 = nn.BatchNorm1d(c_out)

    def forward(self, x):
        y = self.bn1(F.relu(self.conv1(x)))
        y = self.se(self.conv2(y))
        res = self.shortcut(x) if self.shortcut is not None else x
        return self.bn2(F.relu(y + res))

    def emit(self, g, x, name):
        y = g.bn(g.relu(g.conv(x, self.conv1, f"{name}.conv1"), f"{name}.relu1"), self.bn1, f"{name}.bn1")
        y = self.se.emit(g, g.conv(y, self.conv2, f"{name}.conv2"), f"{name}.se")
        res = g.conv(x, self.shortcut, f"{name}.shortcut") if self.shortcut is not None else x
        return g.bn(g.relu(g.add(y, res, f"{name}.add"), f"{name}.relu2"), self.bn2, f"{name}.bn2")


class LRHNet(nn.Module):
    """LRH-Net student (ekansh09/LRH-Net Cust_Resnet) exactly as FACTS §2.1."""

    arch = "lrhnet"

    def __init__(self, n_leads: int = 12, n_classes: int = 26, channels=(16, 32, 64), hidden: int = 128):
        # channels/hidden differ from the published (16, 32, 64)/128 only in tiny test fixtures
        super().__init__()
        c1, c2, c3 = channels
        self.stem = PadConv1d(n_leads, c1, 8, pad=same_pad(8))
        self.block1 = LrhBlock(c1, c1, False)
        self.block2 = LrhBlock(c1, c2, True)
        self.block3 = LrhBlock(c2, c3, True)
        self.ag = nn.Linear(5, 10)
        self.fc1 = nn.Linear(10 + c3, hidden)
        self.fc2 = nn.Linear(hidden, n_classes)

    def features(self, x):
        x = F.relu(self.stem(x))
        return self.block3(self.block2(self.block1(x))).mean(-1)

    def forward(self, x, demo):
        f = torch.cat([self.ag(demo), self.features(x)], dim=1)
        return self.fc2(self.fc1(f))  # no non-linearity between fc1 and fc2, as published

    def emit(self, g, ecg, demo):
        x = g.relu(g.conv(ecg, self.stem, "stem"), "stem.relu")
        for i, b in enumerate([self.block1, self.block2, self.block3], 1):
            x = b.emit(g, x, f"block{i}")
        x = g.global_avg_pool(x, "gap")
        f = g.concat([g.linear(demo, self.ag, "ag"), x], "concat")
        return g.linear(g.linear(f, self.fc1, "fc1"), self.fc2, "logits")


# -------------------------------------------------------------------------------- SE-ResNet teacher

class ZhaoBlock(nn.Module):
    """conv1 → BN → ReLU → Dropout → conv2 → BN → SE(r16, bias-free) → + shortcut → ReLU."""

    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = PadConv1d(c_in, c_out, 7, stride=stride, pad=(3, 3), bias=False)
        self.bn1 = nn.BatchNorm1d(c_out)
        self.drop = nn.Dropout(0.2)
        self.conv2 = PadConv1d(c_out, c_out, 7, pad=(3, 3), bias=False)
        self.bn2 = nn.BatchNorm1d(c_out)
        self.se = LrhSE(c_out, 16) if c_out >= 16 else LrhSE(c_out, c_out)
        self.down = None
        if stride != 1 or c_in != c_out:
            self.down = PadConv1d(c_in, c_out, 1, stride=stride, bias=False)
            self.down_bn = nn.BatchNorm1d(c_out)

    def forward(self, x):
        y = self.drop(F.relu(self.bn1(self.conv1(x))))
        y = self.se(self.bn2(self.conv2(y)))
        res = self.down_bn(self.down(x)) if self.down is not None else x
        return F.relu(y + res)

    def emit(self, g, x, name):
        y = g.relu(g.conv(x, self.conv1, f"{name}.conv1", bn=self.bn1), f"{name}.relu1")
        y = self.se.emit(g, g.conv(y, self.conv2, f"{name}.conv2", bn=self.bn2), f"{name}.se")
        res = g.conv(x, self.down, f"{name}.down", bn=self.down_bn) if self.down is not None else x
        return g.relu(g.add(y, res, f"{name}.add"), f"{name}.relu2")


class SEResNetTeacher(nn.Module):
    """Zhao et al. 2020 seresnet18_1d_ag (FACTS §2.2) with channels scaled by ``width`` (1.0 = 64/128/256/512)."""

    arch = "seresnet"

    def __init__(self, n_leads: int = 12, n_classes: int = 26, width: float = 0.25):
        super().__init__()
        ch = [max(4, int(round(c * width))) for c in (64, 128, 256, 512)]
        self.width = width
        self.stem = PadConv1d(n_leads, ch[0], 15, stride=2, pad=(7, 7), bias=False)
        self.stem_bn = nn.BatchNorm1d(ch[0])
        blocks, c_in = [], ch[0]
        for i, c in enumerate(ch):
            blocks += [ZhaoBlock(c_in, c, 1 if i == 0 else 2), ZhaoBlock(c, c, 1)]
            c_in = c
        self.blocks = nn.ModuleList(blocks)
        self.ag = nn.Linear(5, 10)
        self.fc = nn.Linear(10 + ch[-1], n_classes)

    def features(self, x):
        x = F.max_pool1d(F.relu(self.stem_bn(self.stem(x))), 3, 2, 1)
        for b in self.blocks:
            x = b(x)
        return x.mean(-1)

    def forward(self, x, demo):
        return self.fc(torch.cat([self.ag(demo), self.features(x)], 1))

    def emit(self, g, ecg, demo):
        x = g.relu(g.conv(ecg, self.stem, "stem", bn=self.stem_bn), "stem.relu")
        x = g.max_pool(x, 3, 2, (1, 1), "stem.pool")
        for i, b in enumerate(self.blocks):
            x = b.emit(g, x, f"blocks.{i}")
        x = g.global_avg_pool(x, "gap")
        return g.linear(g.concat([g.linear(demo, self.ag, "ag"), x], "concat"), self.fc, "logits")


# ---------------------------------------------------------------------- lead-wise multi-branch CNN

class LeadwiseBranch(nn.Module):
    """One multi-scopic branch: 3 blocks of [Conv(groups=12) → ReLU]×n → BN → MaxPool(2); leads never mix."""

    def __init__(self, dilations, per_lead, kernels=(11, 7, 5), n_leads=12):
        super().__init__()
        self.convs = nn.ModuleList()
        self.bns = nn.ModuleList()
        c_in = n_leads
        for blk, (dil, k) in enumerate(zip(dilations, kernels)):
            c_out = n_leads * per_lead[blk]
            layer = nn.ModuleList()
            for d in dil:
                layer.append(PadConv1d(c_in, c_out, k, pad=same_pad(k, d), dilation=d, groups=n_leads))
                c_in = c_out
            self.convs.append(layer)
            self.bns.append(nn.BatchNorm1d(c_out))
        self.out_channels = c_in

    def forward(self, x):
        for layer, bn in zip(self.convs, self.bns):
            for conv in layer:
                x = F.relu(conv(x))
            x = F.max_pool1d(bn(x), 2, 2)
        return x

    def emit(self, g, x, name):
        for b, (layer, bn) in enumerate(zip(self.convs, self.bns)):
            for j, conv in enumerate(layer):
                x = g.relu(g.conv(x, conv, f"{name}.{b}.{j}"), f"{name}.{b}.{j}.relu")
            x = g.max_pool(g.bn(x, bn, f"{name}.{b}.bn"), 2, 2, (0, 0), f"{name}.{b}.pool")
        return x


def lead_feature_mask(lead_set: list[str], branch_channels: list[int], n_leads: int = 12) -> torch.Tensor:
    """1 for features computed from a lead in lead_set. Grouped-conv channel c of a branch belongs to lead c // (C/12)."""
    parts = []
    for c in branch_channels:
        per = c // n_leads
        parts.append(torch.tensor([1.0 if LEADS_12[i // per] in lead_set else 0.0 for i in range(c)]))
    return torch.cat(parts)


class LeadwiseMultiBranch(nn.Module):
    """Kang & Wen's multi_scopic_leadwise backbone (FACTS §3.3, filters reduced) + one small head per lead set.

    The backbone always sees a 12-lead input (absent leads are zero rows) and, with groups=12 in
    every conv, lead i's features depend on lead i only; each head reads only the pooled features of
    its own leads (the mask is folded into the head's first linear layer at export). So one backbone
    trained on 12 leads serves every lead set; only the heads (a few k parameters) differ.
    """

    arch = "leadwise"
    DILATIONS = ([[1], [1, 1], [1, 1, 1]], [[2], [2, 4], [8, 8, 8]], [[4], [4, 8], [16, 32, 64]])

    def __init__(self, n_classes: int = 26, per_lead=(2, 4, 8), hidden: int = 32, lead_sets=tuple(LEAD_SETS)):
        super().__init__()
        self.branches = nn.ModuleList([LeadwiseBranch(d, per_lead) for d in self.DILATIONS])
        chans = [b.out_channels for b in self.branches]
        self.lead_sets = list(lead_sets)
        for ls in self.lead_sets:
            self.register_buffer(f"mask_{ls}", lead_feature_mask(LEAD_SETS[ls], chans))
        n_feat = sum(chans)
        self.heads = nn.ModuleDict({
            ls: nn.ModuleDict({"fc1": nn.Linear(5 + n_feat, hidden), "fc2": nn.Linear(hidden, n_classes)})
            for ls in self.lead_sets})

    def features(self, x):
        return torch.cat([b(x).mean(-1) for b in self.branches], 1)

    def head(self, ls, feats, demo):
        h = self.heads[ls]
        f = torch.cat([demo, feats * getattr(self, f"mask_{ls}")], 1)
        return h["fc2"](F.relu(h["fc1"](f)))

    def forward(self, x, demo, detach_reduced: bool = True):
        feats = self.features(x)
        out = {}
        for ls in self.lead_sets:
            f = feats if (ls == "12" or not detach_reduced) else feats.detach()
            out[ls] = self.head(ls, f, demo)
        return out

    def emit(self, g, ecg, demo):
        pooled = [g.global_avg_pool(b.emit(g, ecg, f"branch{i}"), f"branch{i}.gap") for i, b in enumerate(self.branches)]
        feats = g.concat(pooled, "feats")
        f = g.concat([demo, feats], "head_in")
        outs = {}
        for ls in self.lead_sets:
            h = self.heads[ls]
            mask = torch.cat([torch.ones(5), getattr(self, f"mask_{ls}")])
            w1 = h["fc1"].weight.detach() * mask[None, :]
            z = g.relu(g.linear_tensors(f, w1, h["fc1"].bias.detach(), f"head{ls}.fc1"), f"head{ls}.relu")
            outs[ls] = g.linear(z, h["fc2"], f"logits_{ls}")
        return outs


# --------------------------------------------------------------------------- MobileNet-style 1D CNN

class DSBlock(nn.Module):
    """Depthwise conv(k) → BN → ReLU → pointwise conv → BN → ReLU (MobileNet v1 block, 1D)."""

    def __init__(self, c_in, c_out, stride, k=9):
        super().__init__()
        self.dw = PadConv1d(c_in, c_in, k, stride=stride, pad=((k - 1) // 2, (k - 1) // 2), groups=c_in, bias=False)
        self.bn1 = nn.BatchNorm1d(c_in)
        self.pw = PadConv1d(c_in, c_out, 1, bias=False)
        self.bn2 = nn.BatchNorm1d(c_out)

    def forward(self, x):
        return F.relu(self.bn2(self.pw(F.relu(self.bn1(self.dw(x))))))

    def emit(self, g, x, name):
        x = g.relu(g.conv(x, self.dw, f"{name}.dw", bn=self.bn1), f"{name}.relu1")
        return g.relu(g.conv(x, self.pw, f"{name}.pw", bn=self.bn2), f"{name}.relu2")


class MobileNet1D(nn.Module):
    """Depthwise-separable 1D CNN in the MobileNet v1 pattern (the Meqdad et al. details are unconfirmed, FACTS §5.3)."""

    arch = "mobilenet1d"

    def __init__(self, n_leads: int = 12, n_classes: int = 26, channels=(32, 64, 128, 128, 256, 256)):
        super().__init__()
        self.stem = PadConv1d(n_leads, channels[0], 15, stride=2, pad=(7, 7), bias=False)
        self.stem_bn = nn.BatchNorm1d(channels[0])
        blocks, c_in = [], channels[0]
        for c in channels[1:]:
            blocks.append(DSBlock(c_in, c, 2))
            c_in = c
        self.blocks = nn.ModuleList(blocks)
        self.fc = nn.Linear(5 + c_in, n_classes)

    def forward(self, x, demo):
        x = F.relu(self.stem_bn(self.stem(x)))
        for b in self.blocks:
            x = b(x)
        return self.fc(torch.cat([demo, x.mean(-1)], 1))

    def emit(self, g, ecg, demo):
        x = g.relu(g.conv(ecg, self.stem, "stem", bn=self.stem_bn), "stem.relu")
        for i, b in enumerate(self.blocks):
            x = b.emit(g, x, f"blocks.{i}")
        return g.linear(g.concat([demo, g.global_avg_pool(x, "gap")], "concat"), self.fc, "logits")


# ------------------------------------------------------------------ single-lead rhythm net (CinC 2017)

class RhythmNet(nn.Module):
    """Single-lead N/A/O/~ rhythm classifier for chest straps: a small SE-ResNet built from ZhaoBlock.

    stem conv(k15, stride ``stem_stride``) → BN → ReLU, then one ZhaoBlock per further entry of
    ``channels`` (stride 2 each), global average pool, dropout, linear → logits
    for the 4 classes (softmax, single label). No demographics input (the graph has only ``ecg``).
    """

    arch = "rhythmnet"

    def __init__(self, n_leads: int = 1, n_classes: int = 4, channels=(16, 24, 32, 48, 64, 64), dropout: float = 0.3,
                 stem_stride: int = 2):
        super().__init__()
        self.stem = PadConv1d(n_leads, channels[0], 15, stride=stem_stride, pad=(7, 7), bias=False)
        self.stem_bn = nn.BatchNorm1d(channels[0])
        blocks, c_in = [], channels[0]
        for c in channels[1:]:
            blocks.append(ZhaoBlock(c_in, c, 2))
            c_in = c
        self.blocks = nn.ModuleList(blocks)
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(c_in, n_classes)

    def forward(self, x, demo=None):
        x = F.relu(self.stem_bn(self.stem(x)))
        for b in self.blocks:
            x = b(x)
        return self.fc(self.drop(x.mean(-1)))

    def emit(self, g, ecg, demo=None):
        x = g.relu(g.conv(ecg, self.stem, "stem", bn=self.stem_bn), "stem.relu")
        for i, b in enumerate(self.blocks):
            x = b.emit(g, x, f"blocks.{i}")
        return g.linear(g.global_avg_pool(x, "gap"), self.fc, "logits")


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def build(arch: str, n_leads: int = 12, n_classes: int = 26, **kw) -> nn.Module:
    if arch == "lrhnet":
        return LRHNet(n_leads, n_classes, **kw)
    if arch == "seresnet":
        return SEResNetTeacher(n_leads, n_classes, **kw)
    if arch == "mobilenet1d":
        return MobileNet1D(n_leads, n_classes, **kw)
    if arch == "rhythmnet":
        return RhythmNet(n_leads, n_classes, **kw)
    if arch == "leadwise":
        if n_leads != 12:
            raise ValueError("the lead-wise model always takes a 12-lead input (absent leads = zero rows)")
        return LeadwiseMultiBranch(n_classes, **kw)
    raise ValueError(f"unknown architecture {arch!r}; expected lrhnet | seresnet | mobilenet1d | leadwise")
