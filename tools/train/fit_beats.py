"""Fits the beat classifier of core/dsp/beats.cpp on MIT-BIH DS1 only and writes core/dsp/beats_model.inc.

A multinomial logistic regression (classes N, S, V, F) on the beat features that ecg::beats computes
(dumped by `ecg-bench beats --dump`), standardised with DS1 means and sds (clipped to +-8) and
expanded with all their pairwise products and squares (quadratic boundaries), class-weighted (weight
(n_N / n_c) ** WEXP, so the rare ectopic classes count more without being equal to N), L2 penalty.
RR enters only as ratios; the shape measures both against the dominant beat and minus the record's
running median of each (per-record normalisation, BeatEvidence::median_*).
The offsets added to the S and V biases are chosen by leave-records-out cross-validation within DS1
(6 folds of 3-4 records): the offsets that maximise the out-of-fold goal score (goal_score: for S
and for V the smaller of Se and +P, each over its goal, summed). DS2 is never read here (de Chazal
2004 inter-patient protocol). The variants behind these choices: tools/train/beats_variants.py study.

    build/native/ecg-bench beats --dump build/beats-ds1.csv $ECG_DATA/mitbih/{101,106,...}.hea
    /usr/bin/python3 tools/train/fit_beats.py build/beats-ds1.csv > core/dsp/beats_model.inc

(`bash tools/bench/docs.sh beats` runs both and then the DS2 evaluation.)
"""
from __future__ import annotations

import csv
import sys

import numpy as np
from scipy.optimize import minimize

DS1 = [101, 106, 108, 109, 112, 114, 115, 116, 118, 119, 122, 124, 201, 203, 205, 207, 208, 209, 215, 220, 223, 230]
CLASSES = ["N", "S", "V", "F"]
# Same order and formulas as features() in core/dsp/beats.cpp.
FEATURES = ["rr_pre_ratio", "rr_post_ratio", "rr_pre_over_post", "rr_pre_over_prev", "qrs_corr", "log_width_ratio", "log_amp_ratio",
            "residual", "pre_corr", "p_wave", "prematurity_x_corr", "rr_irregularity",
            "rr_pre_over_average", "rr_pre_over_sinus", "rr_post_over_sinus",
            "qrs_corr_minus_median", "log_width_ratio_minus_median", "log_amp_ratio_minus_median", "residual_minus_median",
            "pre_corr_minus_median"]
L2 = 1e-2
WEXP = 1.0
FOLDS = 6
GOALS = (0.80, 0.70, 0.95, 0.95)  # S Se, S +P, V Se, V +P (docs/beats.md)


def shape_measures(row: dict) -> list[float]:
    """qrs_corr, log width ratio, log amplitude ratio, residual (at most 3), pre_corr: shape_measures() in beats.cpp."""
    return [float(row["qrs_corr"]), float(np.log(np.clip(float(row["width_ratio"]), 0.2, 5.0))),
            float(np.log(np.clip(float(row["amp_ratio"]), 0.1, 10.0))), min(float(row["residual"]), 3.0), float(row["pre_corr"])]


def features(row: dict) -> list[float]:
    pre, post = float(row["rr_pre_ratio"]), float(row["rr_post_ratio"])
    m = shape_measures(row)
    medians = [float(row[k]) for k in ("median_qrs_corr", "median_log_width", "median_log_amp", "median_residual", "median_pre_corr")]
    return [pre, post, pre / max(0.05, post), float(row["rr_pre_over_prev"]), *m, float(row["p_wave"]),
            max(0.0, 1.0 - pre) * m[0], min(float(row["rr_irregularity"]), 1.0),
            float(row["rr_pre_ms"]) / max(1.0, float(row["average_rr_ms"])),
            float(row["rr_pre_ms"]) / max(1.0, float(row["sinus_rr_ms"])),
            float(row["rr_post_ms"]) / max(1.0, float(row["sinus_rr_ms"])),
            *[a - b for a, b in zip(m, medians)]]


def goal_score(s_se: float, s_ppv: float, v_se: float, v_ppv: float) -> float:
    """min(S Se / 0.80, S +P / 0.70) + min(V Se / 0.95, V +P / 0.95): the shortfall from the goals of each class."""
    return min(s_se / GOALS[0], s_ppv / GOALS[1]) + min(v_se / GOALS[2], v_ppv / GOALS[3])


def load(path: str):
    X, y, rec = [], [], []
    with open(path) as f:
        for row in csv.DictReader(f):
            if row["ref"] not in CLASSES:  # Q beats (paced, unclassifiable) are not fitted
                continue
            if int(row["record"]) not in DS1:
                raise SystemExit(f"fit_beats: record {row['record']} is not in DS1: refusing to fit on it")
            X.append(features(row))
            y.append(CLASSES.index(row["ref"]))
            rec.append(int(row["record"]))
    return np.array(X), np.array(y), np.array(rec)


def expand(Z: np.ndarray) -> np.ndarray:
    """Standardised features followed by z_a * z_b for a <= b (the order of decide() in beats.cpp)."""
    cols = [Z[:, a] for a in range(Z.shape[1])]
    cols += [Z[:, a] * Z[:, b] for a in range(Z.shape[1]) for b in range(a, Z.shape[1])]
    return np.stack(cols, axis=1)


def fit(Xs: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    n, k = Xs.shape
    A = np.hstack([np.ones((n, 1)), Xs])
    Y = np.eye(len(CLASSES))[y]

    def loss(theta):
        W = theta.reshape(len(CLASSES), k + 1)
        Z = A @ W.T
        Z -= Z.max(axis=1, keepdims=True)
        P = np.exp(Z)
        P /= P.sum(axis=1, keepdims=True)
        ll = -(w * np.log(np.maximum((P * Y).sum(axis=1), 1e-300))).sum() / w.sum()
        reg = 0.5 * L2 * (W[:, 1:] ** 2).sum()
        G = ((P - Y) * w[:, None]).T @ A / w.sum()
        G[:, 1:] += L2 * W[:, 1:]
        return ll + reg, G.ravel()

    res = minimize(loss, np.zeros(len(CLASSES) * (k + 1)), jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    return res.x.reshape(len(CLASSES), k + 1)


def weights_for(y: np.ndarray, wexp: float | None = None) -> np.ndarray:
    wexp = WEXP if wexp is None else wexp
    counts = np.bincount(y, minlength=len(CLASSES)).astype(float)
    cw = np.where(counts > 0, (counts[0] / np.maximum(counts, 1)) ** wexp, 0.0)
    return cw[y]


def logits(W: np.ndarray, Xs: np.ndarray) -> np.ndarray:
    return np.hstack([np.ones((len(Xs), 1)), Xs]) @ W.T


def f1(pred: np.ndarray, y: np.ndarray, c: int) -> tuple[float, float, float]:
    tp = float(((pred == c) & (y == c)).sum())
    se = tp / max(1.0, float((y == c).sum()))
    ppv = tp / max(1.0, float((pred == c).sum()))
    return se, ppv, 2 * se * ppv / max(1e-9, se + ppv)


def main() -> None:
    X, y, rec = load(sys.argv[1])
    mean, sd = X.mean(axis=0), X.std(axis=0) + 1e-9
    Xs = expand(np.clip((X - mean) / sd, -8.0, 8.0))
    # Out-of-fold logits: FOLDS folds of whole DS1 records.
    records = sorted(set(rec.tolist()))
    oof = np.zeros((len(y), len(CLASSES)))
    for f in range(FOLDS):
        held = set(records[f::FOLDS])
        test = np.isin(rec, list(held))
        W = fit(Xs[~test], y[~test], weights_for(y[~test]))
        oof[test] = logits(W, Xs[test])
    grid = np.arange(-3.0, 3.01, 0.25)
    best = (-1.0, 0.0, 0.0)
    for bs in grid:
        for bv in grid:
            pred = (oof + np.array([0.0, bs, bv, 0.0])).argmax(axis=1)
            (s_se, s_ppv, _), (v_se, v_ppv, _) = f1(pred, y, 1), f1(pred, y, 2)
            score = goal_score(s_se, s_ppv, v_se, v_ppv)
            if score > best[0]:
                best = (score, bs, bv)
    _, bs, bv = best
    pred = (oof + np.array([0.0, bs, bv, 0.0])).argmax(axis=1)
    s_se, s_ppv, _ = f1(pred, y, 1)
    v_se, v_ppv, _ = f1(pred, y, 2)
    W = fit(Xs, y, weights_for(y))
    W[1, 0] += bs
    W[2, 0] += bv
    counts = np.bincount(y, minlength=len(CLASSES))
    out = sys.stdout
    out.write("// Written by tools/train/fit_beats.py from MIT-BIH DS1 only (do not edit by hand):\n")
    out.write("//   build/native/ecg-bench beats --dump build/beats-ds1.csv <DS1 records>\n")
    out.write("//   /usr/bin/python3 tools/train/fit_beats.py build/beats-ds1.csv > core/dsp/beats_model.inc\n")
    out.write(f"// DS1 matched beats N {counts[0]}, S {counts[1]}, V {counts[2]}, F {counts[3]}; class weights (n_N/n_c)^{WEXP:g}, L2 {L2}.\n")
    out.write(f"// Bias offsets chosen by leave-records-out CV on DS1 (maximum out-of-fold goal score): S {bs:+.2f}, V {bv:+.2f};\n")
    out.write(f"// out-of-fold DS1 (matched beats): S Se {100 * s_se:.1f} % +P {100 * s_ppv:.1f} %, V Se {100 * v_se:.1f} % +P {100 * v_ppv:.1f} %;\n")
    out.write(f"// goal score {goal_score(s_se, s_ppv, v_se, v_ppv):.3f}, F1(S) + F1(V) {f1(pred, y, 1)[2] + f1(pred, y, 2)[2]:.3f}.\n")
    out.write("// Features (core/dsp/beats.cpp features()): " + ", ".join(FEATURES) + ".\n")
    out.write(f"constexpr std::size_t kBase = {len(FEATURES)};\n")
    out.write(f"constexpr std::size_t kFeatures = {Xs.shape[1]};  // kBase standardised, then their pairwise products\n")
    out.write("constexpr double kFeatureMean[kBase] = {" + ", ".join(f"{v:.9g}" for v in mean) + "};\n")
    out.write("constexpr double kFeatureSd[kBase] = {" + ", ".join(f"{v:.9g}" for v in sd) + "};\n")
    out.write("// Rows N, S, V, F; column 0 the bias, then one weight per standardised feature.\n")
    out.write("constexpr double kWeights[4][kFeatures + 1] = {\n")
    for c, row in zip(CLASSES, W):
        out.write("    {" + ", ".join(f"{v:.9g}" for v in row) + "},  // " + c + "\n")
    out.write("};\n")


if __name__ == "__main__":
    main()
