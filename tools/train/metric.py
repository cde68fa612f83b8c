"""PhysioNet/CinC 2021 challenge metric plus macro F1, AUROC and AUPRC, re-implemented from the official definition.

Follows evaluate_model.py of physionetchallenges/evaluation-2021 (e2a75fc) as described in
../shared/reference/FACTS.md §1.2; verified against challenge_metric_testvectors.json in
tools/train/tests/test_metric.py. Class j of the reward matrix is the *set* of codes in its
weights.csv header (``a|b`` = equivalent codes); a label or output belongs to class j when its code set
intersects that set. Labels are never rewritten.
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

REFERENCE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference")
WEIGHTS_CSV = os.path.join(REFERENCE_DIR, "weights.csv")
NORMAL_CODE = "426783006"  # sinus rhythm: the "inactive" output of the official scorer


@dataclass(frozen=True)
class RewardMatrix:
    """Class code sets (in weights.csv column order) and the symmetric reward matrix W."""

    classes: list[frozenset[str]]
    weights: np.ndarray  # (n_classes, n_classes)

    @property
    def normal_index(self) -> int:
        for i, codes in enumerate(self.classes):
            if NORMAL_CODE in codes:
                return i
        raise ValueError(f"reward matrix has no class containing the normal code {NORMAL_CODE}")

    def class_of(self, code: str) -> int | None:
        """Index of the class whose code set contains ``code`` (None for unscored codes)."""
        for i, codes in enumerate(self.classes):
            if code in codes:
                return i
        return None


def load_weights(path: str = WEIGHTS_CSV) -> RewardMatrix:
    """Read weights.csv: header row and first column are class code sets joined by '|'."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header = [frozenset(h.strip().split("|")) for h in rows[0][1:]]
    row_names = [frozenset(r[0].strip().split("|")) for r in rows[1:]]
    if header != row_names:
        raise ValueError(f"{path}: row classes {row_names} differ from column classes {header}")
    w = np.array([[float(v) for v in r[1:]] for r in rows[1:]], dtype=np.float64)
    if w.shape != (len(header), len(header)):
        raise ValueError(f"{path}: reward matrix shape {w.shape}, expected {(len(header),) * 2}")
    return RewardMatrix(header, w)


def codes_to_binary(records: Sequence[Iterable[str]], rm: RewardMatrix) -> np.ndarray:
    """(N, n_classes) bool matrix: class j positive if any code of the record is in class j's set."""
    out = np.zeros((len(records), len(rm.classes)), dtype=bool)
    for k, codes in enumerate(records):
        codes = {str(c).strip() for c in codes}
        for j, cls in enumerate(rm.classes):
            if codes & cls:
                out[k, j] = True
    return out


def modified_confusion_matrix(labels: np.ndarray, outputs: np.ndarray) -> np.ndarray:
    """A[j, i] += 1/u_k for label class j and output class i of recording k; u_k = max(|labels ∪ outputs|, 1)."""
    labels = np.asarray(labels, dtype=np.float64)
    outputs = np.asarray(outputs, dtype=np.float64)
    union = np.logical_or(labels > 0, outputs > 0).sum(axis=1)
    norm = np.maximum(union, 1).astype(np.float64)
    return (labels / norm[:, None]).T @ outputs


@dataclass(frozen=True)
class ChallengeScore:
    observed: float
    correct: float
    inactive: float
    normalized: float


def challenge_score(labels: np.ndarray, outputs: np.ndarray, rm: RewardMatrix | None = None) -> ChallengeScore:
    """Official normalised challenge score, (observed − inactive) / (correct − inactive)."""
    rm = rm or default_reward_matrix()
    labels = np.asarray(labels, dtype=bool)
    outputs = np.asarray(outputs, dtype=bool)
    if labels.shape != outputs.shape or labels.shape[1] != len(rm.classes):
        raise ValueError(f"labels {labels.shape} and outputs {outputs.shape} must both be (N, {len(rm.classes)})")
    w = rm.weights
    observed = float(np.nansum(w * modified_confusion_matrix(labels, outputs)))
    correct = float(np.nansum(w * modified_confusion_matrix(labels, labels)))
    inactive_out = np.zeros_like(labels)
    inactive_out[:, rm.normal_index] = True
    inactive = float(np.nansum(w * modified_confusion_matrix(labels, inactive_out)))
    if correct != inactive:
        normalized = (observed - inactive) / (correct - inactive)
    else:
        normalized = 0.0
    return ChallengeScore(observed, correct, inactive, normalized)


def challenge_metric(labels: np.ndarray, outputs: np.ndarray, rm: RewardMatrix | None = None) -> float:
    return challenge_score(labels, outputs, rm).normalized


_DEFAULT: RewardMatrix | None = None


def default_reward_matrix() -> RewardMatrix:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_weights()
    return _DEFAULT


def f1_per_class(labels: np.ndarray, outputs: np.ndarray) -> np.ndarray:
    """Per-class F1 = 2TP / (2TP + FP + FN); nan where the class is absent from labels and outputs."""
    labels = np.asarray(labels, dtype=bool)
    outputs = np.asarray(outputs, dtype=bool)
    tp = (labels & outputs).sum(0).astype(np.float64)
    fp = (~labels & outputs).sum(0)
    fn = (labels & ~outputs).sum(0)
    den = 2 * tp + fp + fn
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, 2 * tp / np.where(den > 0, den, 1), np.nan)


def macro_f1(labels: np.ndarray, outputs: np.ndarray) -> float:
    f = f1_per_class(labels, outputs)
    return float(np.nanmean(f)) if np.any(np.isfinite(f)) else float("nan")


def auc_per_class(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-class AUROC (trapezoid of TPR vs TNR) and AUPRC (step sum), as the official scorer.

    Thresholds are the distinct output values (plus one above the maximum), visited from high to low.
    A class with no positives (or no negatives) gets nan, which macro averages skip.
    """
    labels = np.asarray(labels, dtype=bool)
    scores = np.asarray(scores, dtype=np.float64)
    n_classes = labels.shape[1]
    auroc = np.zeros(n_classes)
    auprc = np.zeros(n_classes)
    for k in range(n_classes):
        y, s = labels[:, k], scores[:, k]
        order = np.argsort(-s, kind="stable")
        s_sorted, y_sorted = s[order], y[order]
        # counts of records with score >= each distinct threshold (descending)
        thr = np.unique(s)[::-1]
        n_ge = np.searchsorted(-s_sorted, -thr, side="right")
        cum_pos = np.concatenate([[0], np.cumsum(y_sorted)])
        tp = np.concatenate([[0], cum_pos[n_ge]]).astype(np.float64)
        fp = np.concatenate([[0], n_ge - cum_pos[n_ge]]).astype(np.float64)
        pos, neg = float(y.sum()), float((~y).sum())
        fn, tn = pos - tp, neg - fp
        with np.errstate(invalid="ignore", divide="ignore"):
            tpr = np.where(tp + fn > 0, tp / (tp + fn), np.nan)
            tnr = np.where(fp + tn > 0, tn / (fp + tn), np.nan)
            ppv = np.where(tp + fp > 0, tp / np.where(tp + fp > 0, tp + fp, 1), np.nan)
        auroc[k] = np.sum(0.5 * (tpr[1:] - tpr[:-1]) * (tnr[1:] + tnr[:-1]))
        auprc[k] = np.sum((tpr[1:] - tpr[:-1]) * ppv[1:])
    return auroc, auprc


def all_metrics(labels: np.ndarray, scores: np.ndarray, binary: np.ndarray, rm: RewardMatrix | None = None) -> dict:
    """Challenge metric, macro F1/AUROC/AUPRC and the per-class values, as plain floats/lists (JSON-ready)."""
    auroc, auprc = auc_per_class(labels, scores)
    f1 = f1_per_class(labels, binary)

    def clean(a: np.ndarray) -> list:
        return [None if not np.isfinite(v) else float(v) for v in a]

    def nanmean(a: np.ndarray) -> float | None:
        return float(np.nanmean(a)) if np.any(np.isfinite(a)) else None

    return {
        "challenge_metric": challenge_metric(labels, binary, rm),
        "macro_f1": nanmean(f1),
        "macro_auroc": nanmean(auroc),
        "macro_auprc": nanmean(auprc),
        "f1": clean(f1),
        "auroc": clean(auroc),
        "auprc": clean(auprc),
    }
