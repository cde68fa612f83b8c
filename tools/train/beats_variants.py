"""The beat-classifier variants compared in docs/beats.md ("History"), on MIT-BIH DS1 only.

Reads the DS1 feature dump of `ecg-bench beats --dump` and prints, for each variant, the
leave-records-out criterion that fit_beats.py uses to choose (out-of-fold F1(S) + F1(V) after the
best S and V bias offsets, 6 folds of whole DS1 records), with the out-of-fold S and V Se / +P.
Extra RR features are re-derived here from the dumped beats' RR intervals (matched beats only), so
they approximate what core/dsp/beats.cpp would compute; the adopted one was then implemented in C++
and refitted by fit_beats.py (its header gives the C++ number). Also prints how many DS1 V beats
look like the dominant beat (beats::resembles_dominant) and how many of them the committed
table (core/dsp/beats_model.inc) calls V without that guard. DS2 is never read.

    build/native/ecg-bench beats --dump build/beats-ds1.csv $ECG_DATA/mitbih/{101,106,...}.hea
    /usr/bin/python3 -m tools.train.beats_variants build/beats-ds1.csv [base|capacity|rr|all]

About 2 minutes per variant on 2 cores.
"""
from __future__ import annotations

import csv
import re
import sys
from collections import defaultdict

import numpy as np

from tools.train import fit_beats as fb


def load(path: str):
    rows = [r for r in csv.DictReader(open(path)) if r["ref"] in fb.CLASSES]
    X = np.array([fb.features(r) for r in rows])
    y = np.array([fb.CLASSES.index(r["ref"]) for r in rows])
    rec = np.array([int(r["record"]) for r in rows])
    return rows, X, y, rec


def committed_table():
    """kFeatureMean, kFeatureSd and kWeights of core/dsp/beats_model.inc."""
    inc = open("core/dsp/beats_model.inc").read()
    vec = lambda name: np.array([float(v) for v in re.search(name + r"\[kBase\] = \{([^}]*)\}", inc).group(1).split(",")])
    W = np.array([[float(v) for v in row.split(",")] for row in re.findall(r"\{([^{}]*)\},\s*//", inc)])
    return vec("kFeatureMean"), vec("kFeatureSd"), W


def rr_variants(rows) -> dict[str, np.ndarray]:
    """Candidate RR features per beat: (pre, post) over a reference cycle of the surrounding beats."""
    byrec = defaultdict(list)
    for i, r in enumerate(rows):
        byrec[r["record"]].append(i)
    names = ["p75(20)", "mean non-premature(20)", "p80(100)", "p90(100)", "p95(100)", "p90(300)"]
    out = {k: np.zeros((len(rows), 2)) for k in names}
    for idx in byrec.values():
        idx.sort(key=lambda i: int(rows[i]["sample"]))
        pre = np.array([float(rows[i]["rr_pre_ms"]) for i in idx])
        post = np.array([float(rows[i]["rr_post_ms"]) for i in idx])
        n = len(idx)
        for j in range(n):
            w20, w100, w300 = pre[max(0, j - 10):min(n, j + 10)], pre[max(0, j - 50):min(n, j + 50)], pre[max(0, j - 150):min(n, j + 150)]
            med = np.median(w20)
            good = w20[w20 >= 0.9 * med]
            ref = {"p75(20)": np.percentile(w20, 75), "mean non-premature(20)": good.mean() if len(good) else med,
                   "p80(100)": np.percentile(w100, 80), "p90(100)": np.percentile(w100, 90),
                   "p95(100)": np.percentile(w100, 95), "p90(300)": np.percentile(w300, 90)}
            for k, c in ref.items():
                out[k][idx[j]] = (pre[j] / c, post[j] / c)
    return out


def criterion(X, y, rec, quad=True, wexp=0.5, l2=fb.L2):
    fb.L2 = l2
    Z = np.clip((X - X.mean(0)) / (X.std(0) + 1e-9), -8, 8)
    Xs = fb.expand(Z) if quad else Z

    def weights(yy):
        c = np.bincount(yy, minlength=len(fb.CLASSES)).astype(float)
        return np.where(c > 0, (c[0] / np.maximum(c, 1)) ** wexp, 0.0)[yy]

    records = sorted(set(rec.tolist()))
    oof = np.zeros((len(y), len(fb.CLASSES)))
    for f in range(fb.FOLDS):
        test = np.isin(rec, records[f::fb.FOLDS])
        oof[test] = fb.logits(fb.fit(Xs[~test], y[~test], weights(y[~test])), Xs[test])
    grid = np.arange(-3.0, 3.01, 0.25)
    best = max((fb.f1(p, y, 1)[2] + fb.f1(p, y, 2)[2], bs, bv) for bs in grid for bv in grid
               for p in [(oof + np.array([0.0, bs, bv, 0.0])).argmax(1)])
    p = (oof + np.array([0.0, best[1], best[2], 0.0])).argmax(1)
    (s_se, s_ppv, _), (v_se, v_ppv, _) = fb.f1(p, y, 1), fb.f1(p, y, 2)
    return best[0], s_se, s_ppv, v_se, v_ppv


def report(tag, result):
    c, s_se, s_ppv, v_se, v_ppv = result
    print(f"| {tag} | {c:.3f} | {100 * s_se:.1f} / {100 * s_ppv:.1f} | {100 * v_se:.1f} / {100 * v_ppv:.1f} |", flush=True)


def main() -> None:
    rows, X, y, rec = load(sys.argv[1])
    which = sys.argv[2] if len(sys.argv) > 2 else "all"
    # beats::resembles_dominant (core/include/ecg/beats.h) on the dumped evidence, and what the
    # committed table (core/dsp/beats_model.inc) calls those beats without the guard.
    alike = [i for i, r in enumerate(rows)
             if float(r["qrs_corr"]) >= 0.9 and float(r["width_ratio"]) <= 1.15 and 0.75 <= float(r["amp_ratio"]) <= 1.33]
    mean, sd, W = committed_table()
    Z = fb.expand(np.clip((X[alike] - mean) / sd, -8.0, 8.0))
    unguarded = (np.hstack([np.ones((len(alike), 1)), Z]) @ W.T).argmax(1)
    v_alike = int((y[alike] == 2).sum())
    v_called = int(((y[alike] == 2) & (unguarded == 2)).sum())
    other_called = int(((y[alike] != 2) & (unguarded == 2)).sum())
    print(f"DS1 V beats like the dominant beat: {v_alike} of {int((y == 2).sum())}; without the guard the committed table calls "
          f"{v_called} of them V, and {other_called} alike beats of other classes")
    print("| variant | F1(S) + F1(V) out of fold | S Se / +P (%) | V Se / +P (%) |\n|---|---|---|---|")
    previous = X[:, :len(fb.FEATURES) - 2]  # the set before the two sinus-cycle features
    if which in ("base", "all"):
        report("previous 16 features (commit f43044f)", criterion(previous, y, rec))
        report("fit_beats.py's 18 features (committed)", criterion(X, y, rec))
    if which in ("capacity", "all"):
        report("previous 16, linear (no pairwise products)", criterion(previous, y, rec, quad=False))
        report("previous 16, linear, class weights (n_N/n_c)^1", criterion(previous, y, rec, quad=False, wexp=1.0))
        report("previous 16, class weights (n_N/n_c)^1", criterion(previous, y, rec, wexp=1.0))
        report("previous 16, L2 0.1", criterion(previous, y, rec, l2=0.1))
    if which in ("rr", "all"):
        for name, extra in rr_variants(rows).items():
            report(f"previous 16 + RR before / after over {name}", criterion(np.hstack([previous, extra]), y, rec))


if __name__ == "__main__":
    main()
