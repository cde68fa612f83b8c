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
    /usr/bin/python3 -m tools.train.beats_variants build/beats-ds1.csv [base|capacity|rr|all|study|guard]

About 2 minutes per variant on 2 cores.
"""
from __future__ import annotations

import csv
import re
import sys
from collections import defaultdict

import numpy as np

from tools.train import fit_beats as fb


# The 18 features of the table before the study (commit 7c65c43): the study's starting point.
FEATURES_V3 = ["rr_pre_ratio", "rr_post_ratio", "rr_pre_over_post", "rr_pre_over_prev", "qrs_corr", "log_width_ratio", "log_amp_ratio",
               "residual", "pre_corr", "p_wave", "prematurity_x_corr", "local_rr_s", "rr_irregularity",
               "rr_pre_s", "rr_post_s", "rr_pre_over_average", "rr_pre_over_sinus", "rr_post_over_sinus"]


def features_v3(row: dict) -> list[float]:
    pre, post = float(row["rr_pre_ratio"]), float(row["rr_post_ratio"])
    corr = float(row["qrs_corr"])
    return [pre, post, pre / max(0.05, post), float(row["rr_pre_over_prev"]), corr,
            float(np.log(np.clip(float(row["width_ratio"]), 0.2, 5.0))),
            float(np.log(np.clip(float(row["amp_ratio"]), 0.1, 10.0))),
            min(float(row["residual"]), 3.0), float(row["pre_corr"]), float(row["p_wave"]),
            max(0.0, 1.0 - pre) * corr, float(row["local_rr_ms"]) / 1000.0,
            min(float(row["rr_irregularity"]), 1.0), float(row["rr_pre_ms"]) / 1000.0, float(row["rr_post_ms"]) / 1000.0,
            float(row["rr_pre_ms"]) / max(1.0, float(row["average_rr_ms"])),
            float(row["rr_pre_ms"]) / max(1.0, float(row["sinus_rr_ms"])),
            float(row["rr_post_ms"]) / max(1.0, float(row["sinus_rr_ms"]))]


def load(path: str):
    """rows, the 18 features before the study, fit_beats.py's features, classes, records."""
    rows = [r for r in csv.DictReader(open(path)) if r["ref"] in fb.CLASSES]
    X3 = np.array([features_v3(r) for r in rows])
    X = np.array([fb.features(r) for r in rows])
    y = np.array([fb.CLASSES.index(r["ref"]) for r in rows])
    rec = np.array([int(r["record"]) for r in rows])
    return rows, X3, X, y, rec


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


def oof_logits(X, y, rec, quad=True, wexp=0.5, l2=1e-2):
    """Out-of-fold logits (FOLDS folds of whole DS1 records) of one model variant."""
    saved, fb.L2 = fb.L2, l2
    Z = np.clip((X - X.mean(0)) / (X.std(0) + 1e-9), -8, 8)
    Xs = fb.expand(Z) if quad else Z
    records = sorted(set(rec.tolist()))
    oof = np.zeros((len(y), len(fb.CLASSES)))
    for f in range(fb.FOLDS):
        test = np.isin(rec, records[f::fb.FOLDS])
        w = fb.weights_for(y[~test], wexp)
        oof[test] = fb.logits(fb.fit(Xs[~test], y[~test], w), Xs[test])
    fb.L2 = saved
    return oof


def choose(oof, y, score):
    """The S and V bias offsets (grid -3..3, step 0.25) that maximise score(S Se, S +P, V Se, V +P) out of fold."""
    grid = np.arange(-3.0, 3.01, 0.25)
    best = None
    for bs in grid:
        for bv in grid:
            p = (oof + np.array([0.0, bs, bv, 0.0])).argmax(1)
            (s_se, s_ppv, _), (v_se, v_ppv, _) = fb.f1(p, y, 1), fb.f1(p, y, 2)
            c = score(s_se, s_ppv, v_se, v_ppv)
            if best is None or c > best[0]:
                best = (c, bs, bv, s_se, s_ppv, v_se, v_ppv)
    return best


def record_normalised(rows, X, names, half=32):
    """X's columns `names` minus their running median over the +-half matched beats of the same record
    (what a per-record / recent normalisation of the evidence would give; re-derived from the dump)."""
    byrec = defaultdict(list)
    for i, r in enumerate(rows):
        byrec[r["record"]].append(i)
    cols = [FEATURES_V3.index(n) for n in names]
    out = np.zeros((len(rows), len(cols)))
    for idx in byrec.values():
        idx.sort(key=lambda i: int(rows[i]["sample"]))
        v = X[np.array(idx)][:, cols]
        for j in range(len(idx)):
            out[idx[j]] = v[j] - np.median(v[max(0, j - half):j + half + 1], axis=0)
    return out


def study(rows, X, Xnew, y, rec) -> None:
    """Feature sets x model capacities x selection criteria, all out of fold on DS1 (docs/beats.md).
    X: the 18 features before the study; Xnew: fit_beats.py's (the running medians as C++ computes them)."""
    absolute = [FEATURES_V3.index(n) for n in ("local_rr_s", "rr_pre_s", "rr_post_s")]
    relative = [k for k in range(X.shape[1]) if k not in absolute]
    shape = ["qrs_corr", "log_width_ratio", "log_amp_ratio", "residual", "pre_corr"]
    sets = {
        "18 (committed)": X,
        "15: no absolute RR": X[:, relative],
        "15 + shape minus record running median (5)": np.hstack([X[:, relative], record_normalised(rows, X, shape)]),
    }
    if fb.FEATURES != FEATURES_V3:
        sets[f"fit_beats.py's {len(fb.FEATURES)} (the same, medians from C++)"] = Xnew
    models = [("quadratic, w^0.5, L2 0.01", dict(quad=True, wexp=0.5)),
              ("quadratic, w^1, L2 0.01", dict(quad=True, wexp=1.0)),
              ("quadratic, w^0.5, L2 0.1", dict(quad=True, wexp=0.5, l2=0.1)),
              ("linear, w^0.5", dict(quad=False, wexp=0.5)),
              ("linear, w^1", dict(quad=False, wexp=1.0))]
    criteria = {"F1(S)+F1(V)": lambda a, b, c, d: 2 * a * b / max(1e-9, a + b) + 2 * c * d / max(1e-9, c + d),
                "goal": fb.goal_score}
    print("| features | model | offsets chosen by | S, V offsets | F1(S)+F1(V) | goal score | S Se / +P (%) | V Se / +P (%) |\n"
          "|---|---|---|---|---|---|---|---|", flush=True)
    for sname, Xv in sets.items():
        for mname, kw in models:
            oof = oof_logits(Xv, y, rec, **kw)
            for cname, crit in criteria.items():
                _, bs, bv, s_se, s_ppv, v_se, v_ppv = choose(oof, y, crit)
                f1 = criteria["F1(S)+F1(V)"](s_se, s_ppv, v_se, v_ppv)
                goal = criteria["goal"](s_se, s_ppv, v_se, v_ppv)
                print(f"| {sname} | {mname} | {cname} | {bs:+.2f}, {bv:+.2f} | {f1:.3f} | {goal:.3f} | "
                      f"{100 * s_se:.1f} / {100 * s_ppv:.1f} | {100 * v_se:.1f} / {100 * v_ppv:.1f} |", flush=True)


def report(tag, result):
    c, s_se, s_ppv, v_se, v_ppv = result
    print(f"| {tag} | {c:.3f} | {100 * s_se:.1f} / {100 * s_ppv:.1f} | {100 * v_se:.1f} / {100 * v_ppv:.1f} |", flush=True)


def main() -> None:
    rows, X3, X, y, rec = load(sys.argv[1])
    which = sys.argv[2] if len(sys.argv) > 2 else "all"
    if which == "study":
        study(rows, X3, X, y, rec)
        return
    if which == "guard":  # fit_beats.py's variant out of fold at its offsets, without and with the guard
        oof = oof_logits(X, y, rec, quad=True, wexp=fb.WEXP, l2=fb.L2)
        _, bs, bv, *_ = choose(oof, y, fb.goal_score)
        alike = np.array([float(r["qrs_corr"]) >= 0.9 and float(r["width_ratio"]) <= 1.15 and 0.75 <= float(r["amp_ratio"]) <= 1.33 for r in rows])
        L = oof + np.array([0.0, bs, bv, 0.0])
        for name, guarded in (("no guard", False), ("guard", True)):
            G = L.copy()
            if guarded:
                G[alike, 2] = -np.inf
            p = G.argmax(1)
            (a, b, _), (c, d, _) = fb.f1(p, y, 1), fb.f1(p, y, 2)
            print(f"out of fold, offsets S {bs:+.2f} V {bv:+.2f}, {name}: S {100 * a:.1f} / {100 * b:.1f}, V {100 * c:.1f} / {100 * d:.1f}, "
                  f"goal score {fb.goal_score(a, b, c, d):.3f}")
        return
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
    previous = X3[:, :len(FEATURES_V3) - 2]  # the set before the two sinus-cycle features
    if which in ("base", "all"):
        report("previous 16 features (commit f43044f)", criterion(previous, y, rec))
        report("the 18 features before the study (commit 7c65c43)", criterion(X3, y, rec))
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
