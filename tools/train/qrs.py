"""Learned QRS detector (model task "qrs"): a small dilated fully-convolutional 1D CNN that marks, for
every sample of one lead at 100 Hz, whether an R peak lies within ±40 ms. Train, export, evaluate.

Example (from the repo root; about 30 min on 2 cores):
  nice -n 10 /usr/bin/python3 -m tools.train.qrs --steps 6000 --threads 2 --out ../train-runs/qrs \\
      --export models/qrs-1.safetensors

Data (training only; every record named here is excluded from every number reported as held out):
  - MIT-BIH Arrhythmia DS1 (de Chazal et al. 2004: 101 106 108 109 112 114 115 116 118 119 122 124
    201 203 205 207 208 209 215 220 223 230), both channels, beat annotations of the `.atr`
    (N L R a V F J A S E j / Q B e n f r); the ventricular flutter of 207 (`[` … `]`) is masked.
  - CPSC 2021 (`cpsc2021`, `extra/cpsc2021-extra`), both leads, patients with an even id
    (data_<patient>_<segment>: 0 8 84 92 66 ...). Patients with an odd id (101 21 35 25) are held out.
  - LUDB records with an odd number (1, 3, …, 199), all 12 leads, each lead's own QRS marks ('N'),
    only the annotated span (the rest is masked). Even-numbered records are held out.
  - Optionally (--cpsc2019-folds / --hold-out-fold) the CPSC 2019 records of the folds named in
    tools/train/qrs_cpsc2019_folds.json (record-wise 5-fold cross-validation), drawn as a fixed share
    of the crops (--cpsc2019-share); without these options cpsc2019 is not read.
  DS2, the paced records, CPSC 2021 odd patients and LUDB even records are never read here.
Input: the lead resampled to 100 Hz (polyphase, tools/train/preprocess.py = the C++ core), band-pass
0.5–40 Hz (FIR 201 taps), divided by the median peak-to-peak range of its 1-s blocks (normalize
"block_range_per_lead"; robust to artefact spikes, which z-scoring is not). Training crops are 10 s.
Augmentation (each crop): time stretch 0.75–1.33 (heart rate), polarity flip, with probability 0.3
one to three QRS complexes removed (`drop_beats`: pauses and blocked beats), with probability 0.3
one to four smooth P/T-like bumps away from the beats (`add_bumps`), and with probability
0.8 one to three noises at an SNR drawn from −6 … 24 dB (signal = the crop's median 1-s peak-to-peak
range; noise RMS = signal / 10^(SNR/20)): baseline wander (0.05–0.6 Hz sinusoids and a random walk),
muscle noise (white, band-limited 8–45 Hz, slowly modulated), electrode motion (0.5–10 Hz bursts of
0.3–3 s), spikes to a rail (1–3 samples, 3–30 × signal), clipping of the crop at 40–90 % of its range.
Target: 1 within ±4 samples of a reference beat; binary cross-entropy. Fixed schedule (one-cycle
Adam over --steps), last weights exported: no model selection, so no validation set is needed.
--init-from RUN starts from RUN/model.pt (fine-tuning); a run saves --out/checkpoint.pt every
--checkpoint-every steps and resumes from it when started again with the same options.

Cross-validation on cpsc2019 (tools/train/qrs_cv.py): for fold K,
  nice -n 10 /usr/bin/python3 -m tools.train.qrs --hold-out-fold K --init-from models/qrs-1.safetensors \\
      --steps 1500 --lr 2e-4 --cpsc2019-share 0.1 --threads 1 --cache ../train-runs/qrs-cv/sources.pkl \\
      --out ../train-runs/qrs-cv-b/fK
(recipe B of docs/rpeaks.cv.md; then `python3 -m tools.train.qrs_cv --runs ../train-runs/qrs-cv-b`).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import data as D
from . import export as E
from . import models as M
from . import preprocess as P
from ..make_fixtures import mit_annotations

FS = 100
CROP = 1000
BAND = (0.5, 40.0)
TAPS = 201
HALF_WIDTH = 4  # target half-width in samples (±40 ms)
THRESHOLD = 0.5  # a run of samples with probability >= THRESHOLD is one QRS candidate
REFRACTORY_S = 0.25  # of two candidates closer than this, the more probable one stays
# A candidate whose peak-to-peak amplitude (model input, ±60 ms) is below this share of the median
# of its neighbours' (8 candidates each side and itself) is dropped: a beat the network expects from
# the rhythm but that is not there. 0.1 is the 0.01 % quantile of that ratio over the true beats of
# the training records (MIT-BIH DS1 without 207, CPSC 2021 even patients: 7 of 58,439 below it).
MIN_RELATIVE_AMPLITUDE = 0.1
AMPLITUDE_HALF = 6  # samples (60 ms at 100 Hz)
NEIGHBOURS = 8
DS1 = [101, 106, 108, 109, 112, 114, 115, 116, 118, 119, 122, 124, 201, 203, 205, 207, 208, 209, 215, 220, 223, 230]
# MIT annotation codes of beats (ecgcodes.h): N L R a V F J A S E j / Q, B, e n, f, r
BEAT_CODES = set(range(1, 14)) | {25, 34, 35, 38, 41}
VFON, VFOFF = 32, 33
CPSC2019_FOLDS_JSON = os.path.join(os.path.dirname(os.path.abspath(__file__)), "qrs_cpsc2019_folds.json")
CPSC2019_FS = 500
CPSC2019_EDGE_S = 0.25  # the first and last 0.25 s of a cpsc2019 record are masked (a beat cut by the edge may be unannotated)
PREPROCESS = {"resample": "polyphase", "bandpass_hz": list(BAND), "fir_taps": TAPS, "fir_window": "hamming",
              "normalize": "block_range_per_lead", "epsilon": 1e-3, "window_stride": CROP, "aggregate": "none"}


# ------------------------------------------------------------------------------------------- data

def read_212(hea: str) -> tuple[float, np.ndarray]:
    """(fs, mV signal (leads, samples)) of a format-212 WFDB record (MIT-BIH)."""
    with open(hea) as f:
        lines = [l for l in f.read().splitlines() if l.strip() and not l.startswith("#")]
    head = lines[0].split()
    n_sig, fs = int(head[1]), float(head[2].split("/")[0])
    raw = np.fromfile(os.path.join(os.path.dirname(hea), lines[1].split()[0]), dtype=np.uint8).astype(np.int32)
    raw = raw[: raw.size // 3 * 3].reshape(-1, 3)
    a = raw[:, 0] | ((raw[:, 1] & 0x0F) << 8)
    b = raw[:, 2] | ((raw[:, 1] & 0xF0) << 4)
    s = np.stack([a, b], 1).reshape(-1)
    s = np.where(s >= 2048, s - 4096, s)
    s = s[: s.size // n_sig * n_sig].reshape(-1, n_sig).T.astype(np.float64)
    out = []
    for k in range(n_sig):
        f = lines[1 + k].split()
        gain_s = f[2]
        gain = float(gain_s.split("(")[0].split("/")[0])
        base = float(gain_s.split("(")[1].split(")")[0]) if "(" in gain_s else float(f[4]) if len(f) > 4 else 0.0
        out.append((s[k] - base) / gain)
    return fs, np.array(out, np.float32)


def read_beats(atr: str) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """(beat samples, masked (start, end) stretches of ventricular flutter) of an MIT annotation file."""
    beats, vf, start = [], [], None
    with open(atr, "rb") as f:
        words = f.read()
    for _, t, code in mit_annotations(words):
        if code in BEAT_CODES:
            beats.append(t)
        elif code == VFON:
            start = t
        elif code == VFOFF and start is not None:
            vf.append((start, t))
            start = None
    return np.array(beats, np.int64), vf


def cpsc2021_records(root: str) -> list[str]:
    out = []
    for d in (os.path.join(root, "cpsc2021"), os.path.join(root, "extra", "cpsc2021-extra")):
        if os.path.isdir(d):
            out += sorted(os.path.join(d, f[:-4]) for f in os.listdir(d) if f.endswith(".hea"))
    return out


def cpsc2021_patient(path: str) -> int:
    return int(os.path.basename(path).split("_")[1])


def training_sources(root: str) -> list[dict]:
    """Each source: one lead at 100 Hz (mV), the beat positions at 100 Hz, a loss mask."""
    items = []
    for rec in DS1:
        base = os.path.join(root, "mitbih", str(rec))
        items.append((base, *read_212(base + ".hea")))
    for base in cpsc2021_records(root):
        if cpsc2021_patient(base) % 2 == 0:
            h, sig = D.read_wfdb_signal(base + ".hea")
            items.append((base, h.fs, sig))
    sources = []
    for rec in range(1, 201, 2):  # LUDB odd record numbers, every lead with its own QRS annotations
        base = os.path.join(root, "ludb", "data", str(rec))
        if not os.path.exists(base + ".hea"):
            continue
        h, sig = D.read_wfdb_signal(base + ".hea")
        for lead, name in zip(sig, h.leads):
            ann = f"{base}.{name.lower()}"
            if not os.path.exists(ann):
                continue
            with open(ann, "rb") as f:
                marks = [(t, code) for _, t, code in mit_annotations(f.read())]
            beats = np.array([t for t, code in marks if code == 1], np.int64)  # 'N' at each QRS peak
            if beats.size < 2:
                continue
            x = P.resample(lead, h.fs, FS).astype(np.float32)
            first, last = min(t for t, _ in marks), max(t for t, _ in marks)
            mask = np.zeros(x.size, np.float32)  # only the annotated span counts
            mask[int(first * FS / h.fs): int(last * FS / h.fs) + 1] = 1
            sources.append({"name": f"ludb{rec}.{name}", "x": x, "y": _target(np.round(beats * FS / h.fs).astype(np.int64), x.size), "mask": mask})
    for base, fs, sig in items:
        beats, vf = read_beats(base + ".atr")
        r = np.round(beats * FS / fs).astype(np.int64)
        for lead in sig:
            x = P.resample(lead, fs, FS).astype(np.float32)
            mask = np.ones(x.size, np.float32)
            for a, b in vf:
                mask[int(a * FS / fs): int(b * FS / fs) + 1] = 0
            sources.append({"name": os.path.basename(base), "x": x, "y": _target(r, x.size), "mask": mask})
    return sources


def cached_training_sources(root: str, cache: str | None) -> list[dict]:
    """training_sources(root), read from / written to the pickle `cache` when given (the original mix
    takes minutes to read and resample; cross-validation reads it once per fold)."""
    import pickle
    if cache and os.path.exists(cache):
        with open(cache, "rb") as f:
            got = pickle.load(f)
        if got["root"] == os.path.abspath(root):
            return got["sources"]
    sources = training_sources(root)
    if cache:
        with open(cache + ".tmp", "wb") as f:
            pickle.dump({"root": os.path.abspath(root), "sources": sources}, f, protocol=4)
        os.replace(cache + ".tmp", cache)
    return sources


def read_cpsc2019(root: str, rid: str) -> tuple[np.ndarray, np.ndarray]:
    """(lead in mV at 500 Hz, reference R peaks in samples) of cpsc2019 record RID (data_RID.mat, R_RID.mat)."""
    import scipy.io
    d = os.path.join(root, "cpsc2019")
    x = np.asarray(scipy.io.loadmat(os.path.join(d, "data", f"data_{rid}.mat"))["ecg"], np.float64).ravel()
    r = np.asarray(scipy.io.loadmat(os.path.join(d, "ref", f"R_{rid}.mat"))["R_peak"], np.float64).ravel()
    return x.astype(np.float32), np.round(r).astype(np.int64)


def cpsc2019_make_folds(root: str, k: int = 5) -> dict:
    """The fold table of tools/train/qrs_cpsc2019_folds.json: records sorted by name; records whose
    reference R peaks agree within 2 samples are one group (the same recording); groups, in the order
    of their first record, go to the fold with the fewest records so far (lowest number on ties)."""
    d = os.path.join(root, "cpsc2019", "data")
    ids = sorted(f[5:-4] for f in os.listdir(d) if f.startswith("data_") and f.endswith(".mat"))
    refs = {i: read_cpsc2019(root, i)[1] for i in ids}
    groups: list[list[str]] = []
    for i in ids:
        for g in groups:
            r = refs[g[0]]
            if r.size == refs[i].size and np.all(np.abs(r - refs[i]) < 3):
                g.append(i)
                break
        else:
            groups.append([i])
    folds: dict[int, list[str]] = {f: [] for f in range(k)}
    for g in groups:
        folds[min(range(k), key=lambda f: (len(folds[f]), f))] += g
    return {str(f): sorted(v) for f, v in folds.items()}


def cpsc2019_folds(path: str = CPSC2019_FOLDS_JSON) -> dict[int, list[str]]:
    with open(path) as f:
        return {int(k): v for k, v in json.load(f)["folds"].items()}


def cpsc2019_sources(root: str, ids: list[str]) -> list[dict]:
    """cpsc2019 records as training sources: the lead at 100 Hz, its reference beats, the edges masked."""
    out = []
    for rid in ids:
        x5, r = read_cpsc2019(root, rid)
        x = P.resample(x5, CPSC2019_FS, FS).astype(np.float32)
        mask = np.ones(x.size, np.float32)
        e = int(round(CPSC2019_EDGE_S * FS))
        mask[:e], mask[x.size - e:] = 0, 0
        out.append({"name": f"cpsc2019/{rid}", "x": x, "y": _target(np.round(r * FS / CPSC2019_FS).astype(np.int64), x.size),
                    "mask": mask, "cpsc2019": True})
    return out


def _target(r: np.ndarray, n: int) -> np.ndarray:
    y = np.zeros(n, np.float32)
    for t in r[(r >= 0) & (r < n)]:
        y[max(0, t - HALF_WIDTH): t + HALF_WIDTH + 1] = 1
    return y


# ----------------------------------------------------------------------------------- augmentation

def block_range_scale(x: np.ndarray, fs: int = FS) -> float:
    return P.block_range_scale(x, fs)


def normalize(x: np.ndarray, eps: float = PREPROCESS["epsilon"]) -> np.ndarray:
    return P.normalize(x, "block_range_per_lead", eps, FS)[0]


def _lowpass_noise(rng, n, hi_hz, lo_hz=0.0):
    """White noise band-limited by FFT masking to [lo_hz, hi_hz], unit RMS."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / FS)
    spec[(f > hi_hz) | (f < lo_hz)] = 0
    v = np.fft.irfft(spec, n)
    return v / (v.std() + 1e-12)


def add_bumps(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """1-4 smooth Gaussian bumps (sd 25-60 ms, 0.2-1 x the signal scale, either sign) at least 120 ms
    from every beat: P- and T-like waves that are not QRS (blocked P waves, tall T waves)."""
    s = block_range_scale(x)
    x = x.copy()
    near = np.convolve(y, np.ones(2 * 12 + 1), mode="same") > 0
    free = np.flatnonzero(~near)
    t = np.arange(x.size)
    for _ in range(rng.integers(1, 5)):
        if free.size == 0:
            break
        c = free[rng.integers(0, free.size)]
        sd = rng.uniform(2.5, 6.0)
        x += rng.choice([-1, 1]) * rng.uniform(0.2, 1.0) * s * np.exp(-0.5 * ((t - c) / sd) ** 2)
    return x


def drop_beats(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Removes one to three QRS complexes (±80 ms replaced by the line between its ends; their target
    cleared): pauses, dropped and blocked beats, so that the network does not put a beat where the
    rhythm would expect one (the P and T waves around a removed QRS stay)."""
    x, y = x.copy(), y.copy()
    centres = [int(np.mean(run)) for run in np.split(np.flatnonzero(y), np.flatnonzero(np.diff(np.flatnonzero(y)) > 1) + 1) if run.size]
    if not centres:
        return x, y
    for c in rng.choice(centres, size=min(len(centres), int(rng.integers(1, 4))), replace=False):
        a, b = max(0, c - 8), min(x.size - 1, c + 8)
        x[a:b + 1] = np.linspace(x[a], x[b], b - a + 1)
        y[max(0, c - HALF_WIDTH - 2): c + HALF_WIDTH + 3] = 0
    return x, y


def add_noise(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = x.size
    s = block_range_scale(x)
    x = x.copy()
    kinds = rng.choice(["bw", "ma", "em", "spike", "clip"], size=rng.integers(1, 4), replace=False)
    t = np.arange(n) / FS
    for kind in kinds:
        rms = s / 10 ** (rng.uniform(-6, 24) / 20)
        if kind == "bw":
            v = sum(rng.uniform(0.3, 1) * np.sin(2 * np.pi * rng.uniform(0.05, 0.6) * t + rng.uniform(0, 2 * np.pi)) for _ in range(3))
            v = v + np.cumsum(rng.standard_normal(n)) * 0.05
            x += rms * (v - v.mean()) / (v.std() + 1e-12)
        elif kind == "ma":
            env = 0.3 + np.abs(_lowpass_noise(rng, n, 0.5))
            x += rms * _lowpass_noise(rng, n, 45, 8) * env / env.mean()
        elif kind == "em":
            v = np.zeros(n)
            for _ in range(rng.integers(1, 5)):
                L = int(rng.uniform(0.3, 3) * FS)
                a = rng.integers(0, max(1, n - L))
                burst = _lowpass_noise(rng, L, rng.uniform(3, 10), 0.5) * np.hanning(L)
                v[a: a + L] += burst
            x += rms * 2 * v
        elif kind == "spike":
            for _ in range(rng.integers(1, 6)):
                a = rng.integers(0, n - 3)
                x[a: a + rng.integers(1, 4)] = rng.choice([-1, 1]) * s * rng.uniform(3, 30)
        elif kind == "clip":
            lo, hi = np.percentile(x, [1, 99])
            m, half = (lo + hi) / 2, (hi - lo) / 2 * rng.uniform(0.4, 0.9)
            x = np.clip(x, m - half, m + half)
    return x


def sample_crop(src: dict, rng: np.random.Generator, augment: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    stretch = rng.uniform(0.75, 1.33) if augment else 1.0
    need = int(np.ceil(CROP * stretch)) + 2
    xs, ys, ms = src["x"], src["y"], src["mask"]
    if xs.size < need:  # a 10-s record stretched: pad with its last value, masked
        extra = need - xs.size
        xs, ys, ms = np.pad(xs, (0, extra), mode="edge"), np.pad(ys, (0, extra)), np.pad(ms, (0, extra))
    a = int(rng.integers(0, xs.size - need + 1))
    pos = a + np.arange(CROP) * stretch
    x = np.interp(pos, np.arange(xs.size), xs)
    # The target is interpolated and made binary again (its ±4 samples scale by 1/stretch).
    y = (np.interp(pos, np.arange(ys.size), ys) > 0.5).astype(np.float32)
    m = np.interp(pos, np.arange(ms.size), ms)
    if augment:
        if rng.random() < 0.5:
            x = -x
        if rng.random() < 0.3:
            x, y = drop_beats(x, y, rng)
        if rng.random() < 0.3:
            x = add_bumps(x, y, rng)
        if rng.random() < 0.8:
            x = add_noise(x, rng)
    x = P.bandpass(x[None], FS, *BAND, TAPS)[0]
    return normalize(x), y, (m > 0.99).astype(np.float32)


# ------------------------------------------------------------------------------------------ model

class QrsNet(nn.Module):
    """conv k9 (1→C) ReLU, then residual blocks of two dilated k5 convs (BN folded at export), 1×1 → sigmoid."""
    arch = "qrsnet"

    def __init__(self, c: int = 16, dilations=(1, 2, 4, 8, 16)):
        super().__init__()
        self.stem = M.PadConv1d(1, c, 9, pad=M.same_pad(9))
        self.stem_bn = nn.BatchNorm1d(c)
        self.blocks = nn.ModuleList()
        for d in dilations:
            self.blocks.append(nn.ModuleList([M.PadConv1d(c, c, 5, pad=M.same_pad(5, d), dilation=d), nn.BatchNorm1d(c),
                                              M.PadConv1d(c, c, 5, pad=M.same_pad(5, d), dilation=d), nn.BatchNorm1d(c)]))
        self.head = M.PadConv1d(c, 1, 1)
        self.dilations = list(dilations)

    def forward(self, x):  # logits (batch, 1, L)
        h = F.relu(self.stem_bn(self.stem(x)))
        for c1, b1, c2, b2 in self.blocks:
            h = F.relu(h + b2(c2(F.relu(b1(c1(h))))))
        return self.head(h)

    def emit(self, g: E.GraphBuilder, x: str, demographics: str | None = None) -> str:
        h = g.relu(g.conv(x, self.stem, "stem", self.stem_bn), "stem.relu")
        for k, (c1, b1, c2, b2) in enumerate(self.blocks):
            a = g.relu(g.conv(h, c1, f"b{k}.conv1", b1), f"b{k}.relu1")
            a = g.conv(a, c2, f"b{k}.conv2", b2)
            h = g.relu(g.add(h, a, f"b{k}.add"), f"b{k}.relu2")
        return g.sigmoid(g.conv(h, self.head, "head"), "qrs")


# ---------------------------------------------------------------------------------- post-process

def peaks(p: np.ndarray, threshold: float = THRESHOLD, refractory: int = int(round(REFRACTORY_S * FS))) -> np.ndarray:
    """R positions (100 Hz samples): per run of p ≥ threshold its probability-weighted centre; runs
    closer than `refractory` samples keep the one with the higher peak probability (C++: the same)."""
    above = p >= threshold
    out = []
    k, n = 0, p.size
    while k < n:
        if not above[k]:
            k += 1
            continue
        e = k
        while e < n and above[e]:
            e += 1
        w = p[k:e]
        c = float((np.arange(k, e) * w).sum() / w.sum())
        peak = float(w.max())
        if out and c - out[-1][0] < refractory:
            if peak > out[-1][1]:
                out[-1] = (c, peak)
        else:
            out.append((c, peak))
        k = e
    return np.array([c for c, _ in out])


def amplitude_gate(x: np.ndarray, c: np.ndarray, min_ratio: float = MIN_RELATIVE_AMPLITUDE) -> np.ndarray:
    """The candidates c (100 Hz) whose amplitude reaches min_ratio of their neighbourhood's median
    (upper median of the sorted amplitudes of candidates k-8 … k+8; C++: the same)."""
    if c.size == 0:
        return c
    amps = []
    for v in c:
        i = int(np.floor(v + 0.5))
        seg = x[max(0, i - AMPLITUDE_HALF): min(x.size, i + AMPLITUDE_HALF + 1)]
        amps.append(float(seg.max() - seg.min()) if seg.size else 0.0)
    amps = np.array(amps)
    keep = []
    for k in range(c.size):
        nb = np.sort(amps[max(0, k - NEIGHBOURS): k + NEIGHBOURS + 1])
        keep.append(amps[k] >= min_ratio * nb[nb.size // 2])
    return c[np.array(keep)]


# --------------------------------------------------------------------------------------- training

def parse_args(argv=None):
    a = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    a.add_argument("--steps", type=int, default=6000)
    a.add_argument("--batch", type=int, default=32)
    a.add_argument("--lr", type=float, default=3e-3)
    a.add_argument("--channels", type=int, default=16)
    a.add_argument("--threads", type=int, default=2)
    a.add_argument("--seed", type=int, default=20261202)
    a.add_argument("--out", required=True)
    a.add_argument("--export", help="write the model file here (e.g. models/qrs-1.safetensors)")
    a.add_argument("--data", default=None, help="dataset root (default: $ECG_DATA or ~/.cache/ecg-data)")
    a.add_argument("--from-run", action="store_true", help="no training: export --out/model.pt to --export")
    a.add_argument("--init-from", default=None, help="start from RUN/model.pt or from a model file (e.g. "
                   "models/qrs-1.safetensors; its batch-norm is folded, so it stays frozen) instead of random weights")
    a.add_argument("--cpsc2019-folds", default="", help="train also on these cpsc2019 folds (comma-separated, "
                   "tools/train/qrs_cpsc2019_folds.json), or 'all'")
    a.add_argument("--hold-out-fold", type=int, default=None, help="train also on every cpsc2019 fold but this one")
    a.add_argument("--cpsc2019-share", type=float, default=0.25, help="share of the crops drawn from the cpsc2019 records")
    a.add_argument("--checkpoint-every", type=int, default=250)
    a.add_argument("--stop-after", type=int, default=None, help=argparse.SUPPRESS)  # tests: stop after this step's checkpoint
    a.add_argument("--cache", default=None, help="pickle of the original training mix (read if present, else written)")
    args = a.parse_args(argv)
    if args.hold_out_fold is not None and args.cpsc2019_folds:
        a.error("--hold-out-fold and --cpsc2019-folds exclude each other")
    return args


def cpsc2019_train_ids(args) -> list[str]:
    """The cpsc2019 records a run trains on (none unless --cpsc2019-folds or --hold-out-fold)."""
    folds = cpsc2019_folds()
    if args.hold_out_fold is not None:
        if args.hold_out_fold not in folds:
            raise SystemExit(f"--hold-out-fold: got {args.hold_out_fold}, expected one of {sorted(folds)}")
        use = [f for f in folds if f != args.hold_out_fold]
    elif args.cpsc2019_folds == "all":
        use = list(folds)
    elif args.cpsc2019_folds:
        use = [int(v) for v in args.cpsc2019_folds.split(",")]
    else:
        use = []
    return sorted(i for f in use for i in folds[f])


def sampling_weights(sources: list[dict], share: float) -> np.ndarray:
    """Crop probabilities: the original mix in proportion to length; cpsc2019 records (if any) equally,
    `share` of the crops together."""
    w = np.array([s["x"].size for s in sources], np.float64)
    c = np.array([bool(s.get("cpsc2019")) for s in sources])
    if c.any() and (~c).any():
        w[~c] *= (1 - share) / w[~c].sum()
        w[c] = share / c.sum()
    return w / w.sum()


def train(args) -> dict:
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    root = args.data or D.data_root()
    t0 = time.time()
    sources = cached_training_sources(root, args.cache)
    c19 = cpsc2019_train_ids(args)
    sources += cpsc2019_sources(root, c19)
    weights = sampling_weights(sources, args.cpsc2019_share)
    print(f"{len(c19)} cpsc2019 records ({args.cpsc2019_share if c19 else 0:.2f} of the crops); {len(sources)} training leads, {sum(int(s['y'].sum()) // (2 * HALF_WIDTH + 1) for s in sources)} beats "
          f"(approx.), loaded in {time.time() - t0:.0f} s", flush=True)
    model, frozen_bn = QrsNet(args.channels), False
    if args.init_from:
        model, frozen_bn = init_model(args.init_from)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.1)
    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, "checkpoint.pt")
    config = {k: v for k, v in vars(args).items() if k not in ("threads", "export", "from_run", "checkpoint_every", "cache", "stop_after")}
    running, first = None, 1
    if os.path.exists(ckpt_path):  # resume: the same options, the same random streams
        ck = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        if ck["config"] != config:
            diff = sorted(k for k in set(ck["config"]) | set(config) if ck["config"].get(k) != config.get(k))
            raise SystemExit(f"{ckpt_path}: made with other options ({', '.join(diff)}); use another --out or remove it")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        sched.load_state_dict(ck["sched"])
        rng.bit_generator.state = ck["rng"]
        torch.set_rng_state(ck["torch_rng"])
        running, first = ck["running"], ck["step"] + 1
        print(f"resumed at step {first} from {ckpt_path}", flush=True)
    log = open(os.path.join(args.out, "log.tsv"), "a" if first > 1 else "w")
    t0 = time.time()
    for step in range(first, args.steps + 1):
        batch = [sample_crop(sources[i], rng) for i in rng.choice(len(sources), size=args.batch, p=weights)]
        x = torch.from_numpy(np.stack([b[0] for b in batch])[:, None])
        y = torch.from_numpy(np.stack([b[1] for b in batch])[:, None])
        m = torch.from_numpy(np.stack([b[2] for b in batch])[:, None])
        model.train()
        if frozen_bn:  # weights from a model file: its batch-norm is folded, the layers are identities
            for mod in model.modules():
                if isinstance(mod, nn.BatchNorm1d):
                    mod.eval()
        loss = (F.binary_cross_entropy_with_logits(model(x), y, reduction="none", pos_weight=torch.tensor(2.0)) * m).sum() / m.sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if step % 100 == 0:
            print(f"step {step} loss {running:.4f} {time.time() - t0:.0f} s", flush=True)
            log.write(f"{step}\t{running:.5f}\t{time.time() - t0:.1f}\n")
            log.flush()
        if step % args.checkpoint_every == 0 and step < args.steps:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                        "rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(), "running": running,
                        "step": step, "config": config}, ckpt_path + ".tmp")
            os.replace(ckpt_path + ".tmp", ckpt_path)
            if args.stop_after is not None and step >= args.stop_after:
                log.close()
                return {"stopped_at": step}
    log.close()
    model.eval()
    torch.save({"state": model.state_dict(), "channels": model.stem.out_channels, "dilations": model.dilations}, os.path.join(args.out, "model.pt"))
    held_c19 = sorted(set(i for v in cpsc2019_folds().values() for i in v) - set(c19))
    data = "MIT-BIH DS1 (both channels) + CPSC 2021 even patient ids (both leads) + LUDB odd records (12 leads)"
    if c19:
        data += f" + {len(c19)} cpsc2019 records ({args.cpsc2019_share:.2f} of the crops)"
    held = "MIT-BIH DS2 and paced records, CPSC 2021 odd patient ids, LUDB even records"
    if held_c19:
        held += ", cpsc2019" + ("" if not c19 else " " + " ".join(held_c19))
    training = {"data": data, "held_out": held, "cpsc2019_train": c19,
                "init_from": args.init_from, "cpsc2019_share": args.cpsc2019_share if c19 else 0.0,
                "steps": args.steps, "batch": args.batch, "lr": args.lr, "seed": args.seed,
                "command": "python3 -m tools.train.qrs " + " ".join(sys.argv[1:])}
    with open(os.path.join(args.out, "training.json"), "w") as f:
        json.dump(training, f, indent=1)
    if os.path.exists(ckpt_path):
        os.remove(ckpt_path)
    if args.export:
        export(model, args.export, training)
    return training


def export(model: QrsNet, path: str, training: dict) -> dict:
    classes = [{"snomed": "local:qrs", "abbr": "QRS", "name": "R peak within 40 ms"}]
    return E.export_model(path, model, "qrs-1", ["any"], FS, CROP, None, preprocess=PREPROCESS, training=training,
                          classes=classes, demographics=None, task="qrs",
                          decision={"rule": "peaks", "threshold": THRESHOLD, "refractory_s": REFRACTORY_S,
                                    "min_relative_amplitude": MIN_RELATIVE_AMPLITUDE})


def load_checkpoint(path: str) -> QrsNet:
    ck = torch.load(path, map_location="cpu")
    model = QrsNet(ck["channels"], tuple(ck.get("dilations", (1, 2, 4, 8, 16))))
    model.load_state_dict(ck["state"])
    return model.eval()


def load_model_weights(path: str) -> QrsNet:
    """A QrsNet holding the weights of an exported model file (batch-norm folded into the convolutions):
    its batch-norm layers are set to the identity (mean 0, variance 1 - eps, scale 1, shift 0), so in
    eval mode it computes what the file does. Fine-tuning from it keeps batch-norm in eval mode."""
    _, t = E.load_model_file(path)
    c = t["stem.weight"].shape[0]
    dil = [int(k) for k in range(len([n for n in t if n.endswith(".conv1.weight")]))]
    model = QrsNet(c, dilations=tuple(2 ** k for k in dil))
    pairs = [(model.stem, "stem", model.stem_bn)] + [(blk[j], f"b{k}.conv{j // 2 + 1}", blk[j + 1])
                                                     for k, blk in enumerate(model.blocks) for j in (0, 2)] + [(model.head, "head", None)]
    with torch.no_grad():
        for conv, name, bn in pairs:
            conv.weight.copy_(torch.from_numpy(np.asarray(t[f"{name}.weight"], np.float32)).reshape(conv.weight.shape))
            conv.bias.copy_(torch.from_numpy(np.asarray(t[f"{name}.bias"], np.float32)))
            if bn is not None:
                bn.running_mean.zero_()
                bn.running_var.fill_(1.0 - bn.eps)
                bn.weight.fill_(1.0)
                bn.bias.zero_()
    return model.eval()


def init_model(path: str) -> tuple[QrsNet, bool]:
    """(model, whether its batch-norm stays frozen) from a run directory (RUN/model.pt) or a model file."""
    if path.endswith(".safetensors"):
        return load_model_weights(path), True
    return load_checkpoint(os.path.join(path, "model.pt")), False


def model_input(lead_mv: np.ndarray, fs: float) -> np.ndarray:
    """One lead as the C++ core feeds the model (dsp::model_input): resample, band-pass, scale."""
    return P.preprocess(np.asarray(lead_mv)[None], fs, FS, PREPROCESS)[0]


def probabilities(model: QrsNet, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return torch.sigmoid(model(torch.from_numpy(x[None, None].astype(np.float32))))[0, 0].numpy()


def write_fixtures(run: str, record: str = "01714") -> list[str]:
    """tests/fixtures/nn/qrs-1.golden.safetensors: the cpsc2019 fixture RECORD (held out) as the
    core preprocesses it and the PyTorch probabilities, plus the candidates of `peaks` (100 Hz)."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    h, sig = D.read_wfdb_signal(os.path.join(repo, "tests", "fixtures", "cpsc2019", record + ".hea"))
    model = load_checkpoint(os.path.join(run, "model.pt"))
    x = model_input(sig[0], h.fs)
    p = probabilities(model, x)
    doc, _ = E.load_model_file(os.path.join(repo, "models", "qrs-1.safetensors"))
    path = os.path.join(repo, "tests", "fixtures", "nn", "qrs-1.golden.safetensors")
    command = f"/usr/bin/python3 -m tools.train.qrs --fixtures {run} --record {record}"
    E.write_safetensors(path, {"input.ecg": x[None].astype(np.float32), "output.qrs": p[None].astype(np.float32),
                               "candidates": amplitude_gate(x, peaks(p)).astype(np.float32)},
                        {"format": "ecg-screen-golden/1", "model": doc["name"], "command": command,
                         "outputs": f"cpsc2019/{record} lead 0 preprocessed as dsp::model_input (input.ecg), PyTorch "
                                    "float32 sigmoid probabilities (output.qrs), candidates at 100 Hz (peaks, amplitude_gate)"})
    tiny = os.path.join(repo, "tests", "fixtures", "nn", "qrsnet-random.safetensors")  # not "tiny-*": those are export.py tiny_models
    torch.manual_seed(1234)
    export(QrsNet(c=4, dilations=(1, 2)).eval(), tiny, {"note": "random weights (seed 1234): a loader fixture"})
    return [path, tiny]


def main(argv=None) -> None:
    if argv is None and "--fixtures" in sys.argv:
        i = sys.argv.index("--fixtures")
        rec = sys.argv[sys.argv.index("--record") + 1] if "--record" in sys.argv else "01714"
        print("\n".join(write_fixtures(sys.argv[i + 1], rec)))
        return
    args = parse_args(argv)
    if args.from_run:
        with open(os.path.join(args.out, "training.json")) as f:
            export(load_checkpoint(os.path.join(args.out, "model.pt")), args.export, json.load(f))
        return
    train(args)


if __name__ == "__main__":
    main()
