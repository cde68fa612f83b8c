"""Explores the AF (IrregularRR) rule's thresholds on the TUNING half of CinC 2017 only.

Reads the per-record dump of `ecg-bench af --dump` (RR intervals and per-beat P-wave flags from the
core's detector and delineator), recomputes the ectopy-aware irregularity exactly as
core/rules/rules.cpp does (rr_irregularity), and prints Se / Sp of a grid of thresholds on the records
whose FNV-1a name hash is even ("tune"). The held-out half (odd hash) is never read for tuning: its
numbers come from `ecg-bench af` with the thresholds fixed in the C++ code.

    build/native/ecg-bench af --reference $ECG_DATA/cinc2017/training2017/REFERENCE.csv --dump build/af-dump.csv
    /usr/bin/python3 -m tools.bench.af_tune build/af-dump.csv
"""
from __future__ import annotations

import csv
import itertools
import sys

import numpy as np

PREMATURE = 0.85   # an interval < 0.85 x the local median RR ends a premature beat ...
PAUSE = 1.10       # ... when the next interval is > 1.10 x the local median (the pause after it)
HALF_WINDOW = 4    # local median over up to 4 intervals either side, the two in question excluded


def irregularity(rr: np.ndarray, premature: float = PREMATURE, pause: float = PAUSE):
    """(n ectopic, kept intervals, nRMSSD of kept successive pairs, nRMSSD of all) as in rules.cpp."""
    n = len(rr)
    drop = np.zeros(n, bool)
    ectopic = 0
    for i in range(n - 1):
        lo, hi = max(0, i - HALF_WINDOW), min(n, i + 2 + HALF_WINDOW)
        ref = [rr[j] for j in range(lo, hi) if j not in (i, i + 1)]
        if len(ref) < 2:
            continue
        m = float(np.median(ref))
        if rr[i] < premature * m and rr[i + 1] > pause * m:
            ectopic += 1
            drop[i] = drop[i + 1] = True
    kept = [(rr[i], rr[i + 1]) for i in range(n - 1) if not drop[i] and not drop[i + 1]]
    keep = rr[~drop]
    if len(kept) < 2 or len(keep) < 2:
        return ectopic, int((~drop).sum()), None, None
    d = np.array([b - a for a, b in kept])
    nk = float(np.sqrt(np.mean(d * d)) / np.mean(keep))
    dall = np.diff(rr)
    na = float(np.sqrt(np.mean(dall * dall)) / np.mean(rr)) if n >= 2 else None
    return ectopic, int((~drop).sum()), nk, na


def load(path: str):
    rows = []
    with open(path) as f:
        for r in csv.DictReader(f):
            if r["source"] != "cinc2017" or r["split"] != "tune" or r["label"] not in ("N", "A", "O"):
                continue
            rr = np.array([float(x) for x in r["rr_ms"].split(";") if x], float)
            p = np.array([int(x) for x in r["p_flags"].split(";") if x], int)
            rows.append((r["id"], r["label"], rr, p))
    return rows


def main() -> None:
    rows = load(sys.argv[1])
    feats = []
    for rid, lab, rr, p in rows:
        e, k, nk, na = irregularity(rr)
        feats.append((lab, len(rr), e, k, nk, na, p.mean() if len(p) else 0.0))
    lab = np.array([f[0] for f in feats])
    n_rr = np.array([f[1] for f in feats])
    kept = np.array([f[3] for f in feats])
    nk = np.array([np.nan if f[4] is None else f[4] for f in feats])
    na = np.array([np.nan if f[5] is None else f[5] for f in feats])
    ps = np.array([f[6] for f in feats])
    af = lab == "A"
    print(f"tuning half: {len(lab)} records, A {af.sum()}, N {(lab == 'N').sum()}, O {(lab == 'O').sum()}")
    for q in (10, 25, 50, 75, 90):
        print(f"  q{q}: nRMSSD kept A {np.nanpercentile(nk[af], q):.3f} N {np.nanpercentile(nk[lab == 'N'], q):.3f} "
              f"O {np.nanpercentile(nk[lab == 'O'], q):.3f} | P share A {np.percentile(ps[af], q):.2f} "
              f"N {np.percentile(ps[lab == 'N'], q):.2f} O {np.percentile(ps[lab == 'O'], q):.2f}")
    print("| nRMSSD kept > | P share < | min kept | Se | Sp (N+O) | Sp N | Sp O |")
    for t, pt, mk in itertools.product((0.06, 0.08, 0.10, 0.12, 0.14), (0.5, 0.6, 0.7, 0.8, 1.01), (6, 8, 10)):
        pos = (kept >= mk) & (np.nan_to_num(nk) > t) & (ps < pt)
        se = pos[af].mean()
        sp = 1 - pos[~af].mean()
        print(f"| {t:.2f} | {pt:.2f} | {mk} | {100 * se:.1f} | {100 * sp:.1f} | {100 * (1 - pos[lab == 'N'].mean()):.1f} | "
              f"{100 * (1 - pos[lab == 'O'].mean()):.1f} |")


if __name__ == "__main__":
    main()
