"""Training-time noise and lead dropout for the screening models (`train.py --augment`).

Why: on noisy copies of real 12-lead records (docs/quality.md: wander 0.3 Hz 0.5 mV + mains 50 Hz
0.1 mV + white 0.05 mV) the models trained on clean records changed 39 class decisions in 22 of 50
records. The band-pass (0.5-45 Hz, 515 taps at 257 Hz) passes most of a 0.3 Hz wander, and per-lead
z-scoring magnifies noise on small leads; the quality gate also zeroes unusable leads, an input the
models never saw in training.

What is added, to a training crop in mV *before* the runtime's band-pass and z-score (so the model
sees noise exactly as the runtime would show it):
- baseline wander: 1-3 sinusoids of 0.05-0.7 Hz, each up to 0.6 mV, with a gain in [-1, 1] per lead;
- white noise: sd up to 0.08 mV per lead;
- muscle noise (EMG): white noise up to 0.15 mV sd, high-passed (minus its 20 ms moving average),
  in bursts (a smooth random envelope);
- mains: 50 or 60 Hz up to 0.2 mV;
- electrode motion: 1-3 Gaussian excursions 50-400 ms wide, up to 1.5 mV, on a few leads.
Each component is present with its own probability; the mixture is broad on purpose: it is not the
noisy-copy recipe of docs/quality.md, which is one point inside it.
Lead dropout: with probability `lead_dropout` a crop loses 1 to min(4, n-1) of its leads (set to zero after
z-scoring, which is what the runtime's model input is for a lead the gate marks unusable).
"""
from __future__ import annotations

import numpy as np
import torch


def noise_mv(rng: np.random.Generator, n_leads: int, m: int, fs: float) -> np.ndarray:
    """(n_leads, m) float64 noise in mV, before any filter."""
    t = np.arange(m) / fs
    out = np.zeros((n_leads, m))
    if rng.random() < 0.6:  # baseline wander (respiration, movement)
        for _ in range(int(rng.integers(1, 4))):
            f, a = rng.uniform(0.05, 0.7), rng.uniform(0.0, 0.6)
            gains = rng.uniform(-1.0, 1.0, n_leads)
            out += a * gains[:, None] * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))[None]
    if rng.random() < 0.5:  # white (amplifier, quantisation)
        out += rng.normal(0.0, rng.uniform(0.0, 0.08), (n_leads, m))
    if rng.random() < 0.4:  # muscle: high-passed white noise in bursts
        w = rng.normal(0.0, rng.uniform(0.0, 0.15), (n_leads, m))
        k = max(1, int(round(0.02 * fs)))
        w -= np.apply_along_axis(lambda r: np.convolve(r, np.ones(k) / k, mode="same"), 1, w)
        env = np.convolve(rng.random(m) < 0.3 / fs, np.ones(int(fs)), mode="same")  # ~0.3 bursts/s, 1 s each
        out += w * np.clip(env, 0, 1)[None] if env.any() else w
    if rng.random() < 0.3:  # mains
        f0 = 50.0 if rng.random() < 0.5 else 60.0
        if f0 < fs / 2:
            out += rng.uniform(0.0, 0.2) * np.sin(2 * np.pi * f0 * t + rng.uniform(0, 2 * np.pi, (n_leads, 1)))
    if rng.random() < 0.3:  # electrode motion
        for _ in range(int(rng.integers(1, 4))):
            c, width, a = rng.uniform(0, m / fs), rng.uniform(0.05, 0.4), rng.uniform(-1.5, 1.5)
            leads = rng.random(n_leads) < 0.3
            out[leads] += a * np.exp(-0.5 * ((t - c) / width) ** 2)[None]
    return out


def crop(x: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A random n-sample crop of (leads, t) x, zero-padded (random left/right split) when shorter (the
    crop of train.random_clip, same random draws), and its mask of real samples."""
    t = x.shape[-1]
    if t >= n:
        s = int(rng.integers(0, t - n + 1))
        return x[:, s:s + n], np.ones(n, bool)
    left = int(rng.integers(0, n - t + 1))
    out = np.zeros((x.shape[0], n), dtype=x.dtype)
    out[:, left:left + t] = x
    valid = np.zeros(n, bool)
    valid[left:left + t] = True
    return out, valid


def band_passed(noise: np.ndarray, h: np.ndarray) -> np.ndarray:
    """(rows, m) noise through the runtime's FIR h (valid part: m - len(h) + 1 samples)."""
    x = torch.from_numpy(noise.astype(np.float32))[:, None]
    k = torch.from_numpy(h[::-1].astype(np.float32).copy())[None, None]
    return torch.nn.functional.conv1d(x, k)[:, 0].numpy()


def noisy_zscore(crop_mv: np.ndarray, valid: np.ndarray, mu: np.ndarray, sd: np.ndarray, noise_bp: np.ndarray | None,
                 eps: float) -> np.ndarray:
    """The runtime's z-scored input of a crop (leads, n) of a band-passed record in mV whose whole-record
    per-lead mean and sd are mu, sd; with noise_bp (band-passed noise, same shape) added where `valid`
    (the crop's real samples; zero padding stays zero). Without noise this equals the cached z-scored
    crop; with it, the mean and sd are those of signal plus noise (cross terms and the runtime's edge
    padding ignored: tests/test_augment.py bounds the difference)."""
    x = crop_mv.astype(np.float64) - mu[:, None]
    scale = sd
    if noise_bp is not None:
        n = noise_bp.astype(np.float64) * valid[None]
        n -= n.sum(1, keepdims=True) / max(1, valid.sum())
        n *= valid[None]
        x = x + n
        scale = np.sqrt(sd ** 2 + (n ** 2).sum(1) / max(1, valid.sum()))
    return (x * valid[None] / (scale[:, None] + eps)).astype(np.float32)


def drop_leads(z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Zero 1 to min(4, n-1) random leads of a (leads, n) crop (a crop of one lead is left as it is)."""
    n = z.shape[0]
    if n < 2:
        return z
    k = int(rng.integers(1, min(4, n - 1) + 1))
    z = z.copy()
    z[rng.choice(n, k, replace=False)] = 0.0
    return z
