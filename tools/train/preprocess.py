"""Signal preprocessing shared by training and the C++ core: resample → FIR band-pass → z-score → windows.

Parameters come from the model file's `preprocess` block (docs/model-format.md). Everything below is
specified so `core/dsp` can reproduce it to float tolerance; compute in float64, return float32.

1. Resample (`"resample": "polyphase"`), fs_in → fs_out, exactly scipy.signal.resample_poly with its
   defaults (tested against scipy in tests/test_preprocess.py):
   g = gcd(fs_out, fs_in); up = fs_out/g; down = fs_in/g (integer rates only); if up == down: copy.
   M = max(up, down); half = 10·M; taps N = 2·half + 1;
   h[n] = up · kaiser(N, β=5.0)[n] · sinc((n − half)/M) / M, then h is rescaled so Σ h = up
   (firwin's scale=True for a low-pass: unit gain at DC, times up);
   y[m] = Σ_k x[k] · h[half + m·down − k·up], over k with 0 ≤ half + m·down − k·up < N (x = 0 outside);
   output length ceil(n_in · up / down).
2. Band-pass (`"bandpass_hz": [lo, hi]`, or null to skip): windowed-sinc linear-phase FIR applied
   once with its group delay removed (zero phase; NOT forward-backward):
   taps N = `fir_taps` (odd, default 2·floor(fs)+1 ≈ 2 s), M = (N−1)/2, f1 = lo/fs, f2 = hi/fs,
   w[n] = 0.54 − 0.46·cos(2πn/(N−1)) (Hamming),
   h[n] = w[n]·(2·f2·sinc(2·f2·(n−M)) − 2·f1·sinc(2·f1·(n−M))), sinc(x) = sin(πx)/(πx), sinc(0) = 1,
   then h /= Σ_n h[n]·cos(2π·fc·(n−M)) with fc = (f1+f2)/2 (unit gain at the band centre; this is
   scipy.signal.firwin(N, [lo, hi], pass_zero=False, window="hamming", fs=fs)).
   Edges: the lead is extended by P = min(M, n−1) samples each side by odd reflection
   (x[−i] = 2·x[0] − x[i], x[n−1+i] = 2·x[n−1] − x[n−1−i]), then beyond that by zeros,
   y[t] = Σ_n h[n]·x_ext[t + M − n] for t in [0, n) (i.e. 'same' convolution, delay M removed).
3. Normalise (`"normalize"`): "zscore_per_lead": per lead (x − mean)/(std + epsilon) with the
   population std (ddof 0) over the whole record; "zscore_all_leads": one mean/std over all leads;
   "block_range_per_lead": per lead x / (median 1-s peak-to-peak range + epsilon); "none": unchanged.
4. Windows (`input_len`, `window_stride`): a record shorter than input_len is one window zero-padded
   on the right; otherwise windows start at 0, stride, 2·stride, … while they fit, plus one window
   ending at the last sample if the tail is not covered. The runtime averages ("mean") or maxes
   ("max") the per-class sigmoid probabilities over windows (`aggregate`).
"""
from __future__ import annotations

from math import gcd

import numpy as np

DEFAULT_PREPROCESS = {
    "resample": "polyphase",
    "bandpass_hz": [0.5, 45.0],
    "fir_taps": None,  # None = 2·floor(fs)+1
    "fir_window": "hamming",
    "normalize": "zscore_per_lead",
    "epsilon": 1e-6,
    "window_stride": 2048,
    "aggregate": "mean",
}


def _kaiser(n: int, beta: float) -> np.ndarray:
    return np.kaiser(n, beta)


def resample_filter(up: int, down: int) -> tuple[np.ndarray, int]:
    m = max(up, down)
    half = 10 * m
    n = 2 * half + 1
    t = np.arange(n) - half
    h = _kaiser(n, 5.0) * np.sinc(t / m) / m
    h = h / h.sum() * up
    return h, half


def resample(x: np.ndarray, fs_in: float, fs_out: float) -> np.ndarray:
    """Polyphase resampling along the last axis (rates must be integers)."""
    if float(fs_in) != int(fs_in) or float(fs_out) != int(fs_out):
        raise ValueError(f"polyphase resampling needs integer rates, got {fs_in} → {fs_out}")
    fs_in, fs_out = int(fs_in), int(fs_out)
    g = gcd(fs_in, fs_out)
    up, down = fs_out // g, fs_in // g
    x = np.asarray(x, dtype=np.float64)
    if up == down:
        return x.astype(np.float32)
    h, half = resample_filter(up, down)
    n_in = x.shape[-1]
    n_out = -(-n_in * up // down)
    m = np.arange(n_out)
    pos = half + m * down  # position in the upsampled, filtered domain
    k_hi = pos // up  # largest k with pos − k·up ≥ 0
    n_k = (2 * half) // up + 2
    ks = k_hi[:, None] - np.arange(n_k)[None, :]
    taps = pos[:, None] - ks * up
    valid = (taps >= 0) & (taps < len(h)) & (ks >= 0) & (ks < n_in)
    hw = np.where(valid, h[np.clip(taps, 0, len(h) - 1)], 0.0)
    xs = x[..., np.clip(ks, 0, n_in - 1)]  # (..., n_out, n_k)
    return (xs * hw).sum(-1).astype(np.float32)


def bandpass_filter(fs: float, lo: float, hi: float, taps: int | None = None) -> np.ndarray:
    n = int(taps) if taps else 2 * int(np.floor(fs)) + 1
    if n % 2 == 0:
        raise ValueError(f"fir_taps must be odd for a zero-phase (type I) FIR, got {n}")
    mid = (n - 1) / 2
    t = np.arange(n) - mid
    f1, f2 = lo / fs, hi / fs
    w = 0.54 - 0.46 * np.cos(2 * np.pi * np.arange(n) / (n - 1))
    h = w * (2 * f2 * np.sinc(2 * f2 * t) - 2 * f1 * np.sinc(2 * f1 * t))
    fc = (f1 + f2) / 2
    return h / np.sum(h * np.cos(2 * np.pi * fc * t))


def bandpass(x: np.ndarray, fs: float, lo: float, hi: float, taps: int | None = None) -> np.ndarray:
    h = bandpass_filter(fs, lo, hi, taps)
    mid = (len(h) - 1) // 2
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    n = x.shape[-1]
    p = min(mid, n - 1)
    left = 2 * x[:, :1] - x[:, 1:p + 1][:, ::-1]
    right = 2 * x[:, -1:] - x[:, n - 1 - p:n - 1][:, ::-1]
    ext = np.concatenate([np.zeros((x.shape[0], mid - p)), left, x, right, np.zeros((x.shape[0], mid - p))], 1)
    out = np.stack([np.convolve(row, h, mode="valid") for row in ext])
    return out.astype(np.float32)


def block_range_scale(x: np.ndarray, fs: float) -> float:
    """Median peak-to-peak range of the floor(fs)-sample blocks of one lead (upper median: element
    n//2 of the sorted ranges; the whole lead's range when shorter than a block). C++:
    dsp::block_range_scale."""
    x = np.asarray(x)
    block = max(1, int(np.floor(fs)))
    n = x.size // block
    if n == 0:
        return float(x.max() - x.min()) if x.size else 0.0
    b = x[: n * block].reshape(n, block)
    return float(np.sort(b.max(1) - b.min(1))[n // 2])


def normalize(x: np.ndarray, mode: str, eps: float, fs: float | None = None) -> np.ndarray:
    """fs: needed by "block_range_per_lead" (each lead / (block_range_scale + eps))."""
    if mode == "block_range_per_lead":
        x = np.atleast_2d(np.asarray(x, dtype=np.float32))
        return np.stack([row / (block_range_scale(row, fs) + eps) for row in x]).astype(np.float32)
    x = np.asarray(x, dtype=np.float64)
    if mode == "none":
        return x.astype(np.float32)
    if mode == "zscore_per_lead":
        mu, sd = x.mean(-1, keepdims=True), x.std(-1, keepdims=True)
    elif mode == "zscore_all_leads":
        mu, sd = x.mean(), x.std()
    else:
        raise ValueError(f"normalize must be zscore_per_lead | zscore_all_leads | none, got {mode!r}")
    return ((x - mu) / (sd + eps)).astype(np.float32)


def preprocess(x: np.ndarray, fs_in: float, fs_out: float, cfg: dict | None = None) -> np.ndarray:
    """Steps 1–3 on a (leads, samples) record in mV; returns float32 at fs_out."""
    cfg = {**DEFAULT_PREPROCESS, **(cfg or {})}
    y = resample(x, fs_in, fs_out) if cfg["resample"] else np.asarray(x, np.float32)
    if cfg.get("bandpass_hz"):
        lo, hi = cfg["bandpass_hz"]
        y = bandpass(y, fs_out, lo, hi, cfg.get("fir_taps"))
    return normalize(y, cfg["normalize"], cfg["epsilon"], fs_out)


def window_starts(n: int, input_len: int, stride: int) -> list[int]:
    if n <= input_len:
        return [0]
    starts = list(range(0, n - input_len + 1, stride))
    if starts[-1] + input_len < n:
        starts.append(n - input_len)
    return starts


def windows(x: np.ndarray, input_len: int, stride: int) -> np.ndarray:
    """(n_windows, leads, input_len); short records are zero-padded on the right."""
    n = x.shape[-1]
    if n < input_len:
        x = np.concatenate([x, np.zeros((x.shape[0], input_len - n), dtype=x.dtype)], 1)
    return np.stack([x[:, s:s + input_len] for s in window_starts(n, input_len, stride)])


# --------------------------------------------------------------- reference data for C++ parity tests

REFERENCE_RECORDS = [  # (fixture .hea relative to tests/fixtures/train, fs_out, config overrides)
    ("cinc/A0002.hea", 257, {}),
    ("cinc/E00015.hea", 257, {}),
    ("cinc2017/A00004.hea", 257, {}),
]
CPP_TOLERANCE_ABS = 1e-4  # what the C++ side must meet on these z-scored outputs (float32 arithmetic)


def write_reference(fixture_dir: str, out_dir: str) -> list[str]:
    """Preprocess fixture records and write `<record>.preprocessed.safetensors` (tensor `output`)."""
    import json
    import os

    from .data import read_wfdb_signal
    from .export import write_safetensors

    os.makedirs(out_dir, exist_ok=True)
    written = []
    for rel, fs_out, over in REFERENCE_RECORDS:
        cfg = {**DEFAULT_PREPROCESS, "fir_taps": 2 * fs_out + 1, **over}
        h, sig = read_wfdb_signal(os.path.join(fixture_dir, rel))  # wrong-gain override applies to E00015
        y = preprocess(sig, h.fs, fs_out, cfg)
        path = os.path.join(out_dir, f"{h.record}.preprocessed.safetensors")
        meta = {"format": "ecg-screen-preprocess-reference/1", "record": f"tests/fixtures/train/{rel}",
                "fs_in": str(h.fs), "fs_out": str(fs_out), "preprocess": json.dumps(cfg),
                "gain_note": "E00015 header says 4880/mV; the training loader uses 1000/mV (WRONG_GAIN_RECORDS); "
                             "z-scoring makes the output independent of the gain up to epsilon",
                "tolerance_abs": str(CPP_TOLERANCE_ABS),
                "command": "/usr/bin/python3 -m tools.train.preprocess --write-reference"}
        write_safetensors(path, {"output": y}, meta)
        written.append(path)
    return written


if __name__ == "__main__":
    import argparse
    import os

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write-reference", action="store_true",
                    help="write tests/fixtures/train/preprocess/*.preprocessed.safetensors")
    a = ap.parse_args()
    if a.write_reference:
        repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
        fx = os.path.join(repo, "tests", "fixtures", "train")
        for p in write_reference(fx, os.path.join(fx, "preprocess")):
            print(p, os.path.getsize(p), "bytes")
