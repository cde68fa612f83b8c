"""Tables 1-3 of docs/results.md from the experiment runs (tools/train/experiments.sh): test-fold
metrics, mean ± sd over the folds that finished, with the number of folds in every cell.

usage: /usr/bin/python3 -m tools.train.tables ../train-runs            (prints the tables)
       /usr/bin/python3 -m tools.train.tables ../train-runs --write docs/results.md
       (replaces the text between <!-- tables:begin --> and <!-- tables:end -->)
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re

import numpy as np

from .summarize import KEYS, summarize

LEAD_SETS = ["12", "6", "4", "3", "2"]
BEGIN, END = "<!-- tables:begin -->", "<!-- tables:end -->"
BEGIN15, END15 = "<!-- tables15:begin -->", "<!-- tables15:end -->"

# (row label, run-name pattern with {L} for the lead set; None = one run covers every lead set)
MODELS = [
    ("SE-ResNet teacher (Zhao, width 0.25)", "seresnet-{L}"),
    ("LRH-Net", "lrhnet-{L}"),
    ("lead-wise multi-branch CNN (one model, every lead set)", "leadwise"),
    ("MobileNet-style 1D CNN", "mobilenet1d-{L}"),
]
KD = [
    ("LRH-Net alone", "lrhnet-{L}"),
    ("+ vanilla KD (12-lead SE-ResNet; α 0.3, T 7)", "kd-vanilla-{L}"),
    ("+ parallel MLKD (12-lead and L-lead SE-ResNet)", "kd-parallel-{L}"),
    ("+ sequential MLKD (12-lead SE-ResNet and an L-lead SE-ResNet distilled from it)", "kd-sequential-{L}"),
    ("L-lead SE-ResNet distilled from the 12-lead one (sequential MLKD's second teacher)", "seresnet-kd-{L}"),
]
KD_LEADS = ["6", "3", "2"]


def runs_of(root: str, pattern: str, lead_set: str) -> list[str]:
    name = pattern.replace("{L}", lead_set)
    found = [d for d in glob.glob(os.path.join(root, f"{name}-f[0-9]")) if os.path.exists(os.path.join(d, "results.json"))]
    return sorted(found)


def cell(root: str, pattern: str, lead_set: str, key: str = "challenge_metric") -> str:
    s = summarize(runs_of(root, pattern, lead_set))
    m = s["lead_sets"].get(lead_set)
    if not m or m[key]["mean"] is None:
        return "–"
    n = len([v for v in m[key]["values"] if v is not None])
    sd = m[key]["sd"]
    return f"{m[key]['mean']:.3f}" + (f" ± {sd:.3f}" if sd is not None else "") + f" ({n})"


def fold_values(root: str, pattern: str, lead_set: str, key: str = "challenge_metric") -> dict[int, float]:
    """{test fold: metric} of the finished runs of a row."""
    out = {}
    for d in runs_of(root, pattern, lead_set):
        with open(os.path.join(d, "results.json")) as f:
            r = json.load(f)
        v = r["lead_sets"].get(lead_set, {}).get("test", {}).get(key)
        if v is not None:
            out[r["test_fold"]] = v
    return out


def paired(root: str, pattern_a: str, pattern_b: str, lead_set: str) -> str:
    """A − B over the test folds both rows finished: mean ± sd of the per-fold differences, and on how
    many of those folds A scored higher. Folds are paired (same test records, same training records)."""
    a, b = fold_values(root, pattern_a, lead_set), fold_values(root, pattern_b, lead_set)
    folds = sorted(set(a) & set(b))
    if not folds:
        return "–"
    d = np.array([a[f] - b[f] for f in folds])
    sd = f" ± {np.std(d, ddof=1):.3f}" if len(d) > 1 else ""
    return f"{np.mean(d):+.3f}{sd} (higher on {int(np.sum(d > 0))} of {len(d)})"


# (A label, A pattern, B label, B pattern, lead sets) for Table 4
COMPARISONS = [
    ("SE-ResNet teacher", "seresnet-{L}", "LRH-Net", "lrhnet-{L}", ["12"]),
    ("MobileNet-style", "mobilenet1d-{L}", "LRH-Net", "lrhnet-{L}", LEAD_SETS),
    ("lead-wise", "leadwise", "LRH-Net", "lrhnet-{L}", LEAD_SETS),
    ("vanilla KD", "kd-vanilla-{L}", "LRH-Net alone", "lrhnet-{L}", KD_LEADS),
    ("parallel MLKD", "kd-parallel-{L}", "LRH-Net alone", "lrhnet-{L}", KD_LEADS),
    ("sequential MLKD", "kd-sequential-{L}", "LRH-Net alone", "lrhnet-{L}", KD_LEADS),
    ("parallel MLKD", "kd-parallel-{L}", "vanilla KD", "kd-vanilla-{L}", KD_LEADS),
    ("sequential MLKD", "kd-sequential-{L}", "vanilla KD", "kd-vanilla-{L}", KD_LEADS),
    ("MobileNet-style", "mobilenet1d-{L}", "vanilla KD", "kd-vanilla-{L}", KD_LEADS),
]


def tables(root: str) -> str:
    out = ["### Table 1 — models × lead sets (challenge metric, test folds: mean ± sd (folds))", "",
           "| model | " + " | ".join(f"{ls} leads" for ls in LEAD_SETS) + " |",
           "|---|" + "---|" * len(LEAD_SETS)]
    for label, pattern in MODELS:
        out.append(f"| {label} | " + " | ".join(cell(root, pattern, ls) for ls in LEAD_SETS) + " |")
    out += ["", "### Table 2 — knowledge distillation into LRH-Net (challenge metric, mean ± sd (folds))", "",
            "| student | " + " | ".join(f"{ls} leads" for ls in KD_LEADS) + " |", "|---|" + "---|" * len(KD_LEADS)]
    for label, pattern in KD:
        out.append(f"| {label} | " + " | ".join(cell(root, pattern, ls) for ls in KD_LEADS) + " |")
    out += ["", "### Table 3 — every metric (test folds: mean ± sd (folds))", "",
            "| model | lead set | " + " | ".join(KEYS) + " |", "|---|---|" + "---|" * len(KEYS)]
    for label, pattern in MODELS + KD[1:]:
        for ls in LEAD_SETS:
            if not runs_of(root, pattern, ls) or cell(root, pattern, ls) == "–":
                continue
            out.append(f"| {label} | {ls} | " + " | ".join(cell(root, pattern, ls, k) for k in KEYS) + " |")
    out += ["", "### Table 4 — paired differences (challenge metric, A − B on the same test folds: mean ± sd, "
            "and on how many folds A is higher)", "",
            "| A | B | " + " | ".join(f"{ls} leads" for ls in LEAD_SETS) + " |", "|---|---|" + "---|" * len(LEAD_SETS)]
    for la, pa, lb, pb, sets in COMPARISONS:
        out.append(f"| {la} | {lb} | " + " | ".join(paired(root, pa, pb, ls) if ls in sets else "" for ls in LEAD_SETS) + " |")
    out += ["", f"Generated by `/usr/bin/python3 -m tools.train.tables {root} --write docs/results.md`; a run counts "
            "once its `results.json` exists. Empty cells (–): runs that have not finished, or that the queue "
            "(`tools/train/experiments.sh`) does not have: the SE-ResNet on 4 leads is not a teacher of any row."]
    return "\n".join(out) + "\n"


# Issue 15 (tools/train/experiments-15.sh): recipes on the pool with extra's labelled sets.
RECIPES = [
    ("r0: Tables 1-4's recipe (8 epochs, step lr, BCE)", "m{L}-r0"),
    ("r1: early stopping (<= 30 epochs, patience 5, plateau lr), BCE", "m{L}-r1"),
    ("r2: r1 + augmentation (noise on half the crops)", "m{L}-r2"),
    ("r3: r2 + asymmetric loss", "m{L}-r3"),
    ("r0x: r0, extra's records never trained on", "m{L}-r0x"),
    ("r4: r3 with the input band-passed at 0.67-45 Hz (1029 taps)", "m{L}-r4"),
    ("r5: r4 + lead dropout (0.3)", "m{L}-r5"),
    ("r4kd: r4 + vanilla KD from the same fold's 12-lead r4 model (α 0.3, T 7; same noisy crops)", "m{L}-r4kd"),
]
RECIPE_COMPARISONS = [
    ("early stopping", "m{L}-r1", "m{L}-r0"),
    ("augmentation", "m{L}-r2", "m{L}-r1"),
    ("asymmetric loss", "m{L}-r3", "m{L}-r2"),
    ("the whole recipe (r3 − r0)", "m{L}-r3", "m{L}-r0"),
    ("extra's data in training (r0 − r0x)", "m{L}-r0", "m{L}-r0x"),
    ("band-pass from 0.67 Hz (r4 − r3)", "m{L}-r4", "m{L}-r3"),
    ("lead dropout (r5 − r4)", "m{L}-r5", "m{L}-r4"),
    ("r4 − r0", "m{L}-r4", "m{L}-r0"),
    ("r5 − r0", "m{L}-r5", "m{L}-r0"),
    ("distillation from the 12-lead model (r4kd − r4)", "m{L}-r4kd", "m{L}-r4"),
]
RECIPE_LEADS = ["12", "6", "3", "2"]
LOSO_RECIPES = ["r3", "r4", "r5"]
LOSO_SOURCES = ["CPSC", "Georgia", "PTB-XL", "Chapman-Ningbo", "LUDB"]


def _results(d: str) -> dict | None:
    p = os.path.join(d, "results.json")
    if not os.path.exists(p):
        return None
    with open(p) as f:
        return json.load(f)


def _epochs(root: str, pattern: str, ls: str) -> str:
    rs = [_results(d) for d in runs_of(root, pattern, ls)]
    rs = [r for r in rs if r]
    if not rs:
        return "–"
    best = [r.get("best_epoch") or r["config"]["epochs"] for r in rs]
    ran = [r.get("epochs_run") or len(r["history"]) for r in rs]
    mins = [r["seconds"] / 60 for r in rs]
    return f"{min(best)}–{max(best)} of {min(ran)}–{max(ran)} | {np.mean(mins):.1f}"


def loso_rows(root: str, pattern: str, ls: str) -> tuple[list[str], list[float]]:
    rows, vals = [], []
    recipe = pattern.split("-")[1]
    for src in LOSO_SOURCES:
        r = _results(os.path.join(root, f"{pattern.replace('{L}', ls)}-loso-{src}"))
        if not r:
            rows.append(f"| {recipe} | {ls} | {src} | – | – | – | – | – | – |")
            continue
        t = r["lead_sets"][ls]["test"]
        vals.append(t["challenge_metric"])
        f = lambda v: "–" if v is None else f"{v:.3f}"
        rows.append(f"| {recipe} | {ls} | {src} | {r['n_test']} | {r['n_train']} | {f(t['challenge_metric'])} | {f(t['macro_f1'])} | "
                    f"{f(t['macro_auroc'])} | {r.get('best_epoch', '–')} of {r.get('epochs_run', '–')} |")
    return rows, vals


def tables15(root: str) -> str:
    out = ["### Table 5 — training recipes on the pool with extra's labelled sets (MobileNet-style CNN; test folds: "
           "mean ± sd (folds))", "",
           "| recipe | lead set | " + " | ".join(KEYS) + " | best epoch of epochs run | minutes per run |",
           "|---|---|" + "---|" * len(KEYS) + "---|---|"]
    for ls in RECIPE_LEADS:
        for label, pattern in RECIPES:
            if not runs_of(root, pattern, ls):
                continue
            out.append(f"| {label} | {ls} | " + " | ".join(cell(root, pattern, ls, k) for k in KEYS) + f" | {_epochs(root, pattern, ls)} |")
    out += ["", "### Table 6 — what each piece adds (challenge metric, A − B on the same five test folds: mean ± sd, "
            "and on how many folds A is higher)", "",
            "| piece | A | B | " + " | ".join(f"{ls} leads" for ls in RECIPE_LEADS) + " |", "|---|---|---|" + "---|" * len(RECIPE_LEADS)]
    for label, pa, pb in RECIPE_COMPARISONS:
        out.append(f"| {label} | {pa.split('-')[1]} | {pb.split('-')[1]} | " + " | ".join(paired(root, pa, pb, ls) for ls in RECIPE_LEADS) + " |")
    out += ["", "### Table 7 — leave one source out (train and validate on the other sources, test on every "
            "record of the source)", "",
            "| recipe | lead set | held-out source | test records | training records | challenge_metric | macro_f1 | macro_auroc | best epoch of run |",
            "|---|---|---|---|---|---|---|---|---|"]
    gaps = []
    for rec in LOSO_RECIPES:
        for ls in RECIPE_LEADS:
            pattern = f"m{{L}}-{rec}"
            if not any(os.path.exists(os.path.join(root, f"m{ls}-{rec}-loso-{src}", "results.json")) for src in LOSO_SOURCES):
                continue
            rows, vals = loso_rows(root, pattern, ls)
            out += rows
            cv = summarize(runs_of(root, pattern, ls))["lead_sets"].get(ls)
            if vals and cv and cv["challenge_metric"]["mean"] is not None:
                gaps.append(f"{rec}, {ls} leads: leave-one-source-out mean {np.mean(vals):.3f} over {len(vals)} sources against "
                            f"five-fold {cv['challenge_metric']['mean']:.3f}: gap {cv['challenge_metric']['mean'] - np.mean(vals):.3f}")
    out += [""] + [f"- {g}" for g in gaps]
    finals = [(ls, rec, _results(os.path.join(root, f"m{ls}-{rec}-final"))) for ls in RECIPE_LEADS for rec in ("r4", "r5")]
    finals = [(ls, rec, r) for ls, rec, r in finals if r and "final" in r]
    if finals:
        out += ["", "### Table 8 — models trained on every record by tools/train/final.py (the shipped files are among them: "
                "README's model table names each one's recipe)", "",
                "| lead set | recipe | records trained | epochs (median best epoch of the fold runs) | lr ×0.1 near | "
                "five-fold challenge metric of the recipe (the estimate) | out-of-fold metric with the fitted thresholds "
                "(in-sample for the thresholds) | minutes |", "|---|---|---|---|---|---|---|---|"]
        for ls, rec, r in finals:
            f = r["final"]
            v = f["cv_challenge_metric_per_fold"]
            drops = ", ".join(f"epoch {round(m * f['epochs'])}" for m in f["milestones"]) or "never"
            out.append(f"| {ls} | {rec} | {r['n_train']:,} | {r['epochs_run']} ({', '.join(map(str, f['best_epochs']))}) | {drops} | "
                       f"{np.mean(v):.3f} ± {np.std(v, ddof=1):.3f} | {f['oof_challenge_metric_fitted']:.3f} | "
                       f"{r['seconds'] / 60:.1f} |")
    out += ["", f"Generated by `/usr/bin/python3 -m tools.train.tables {root} --section 15 --write docs/results.md` from "
            "the runs of `tools/train/experiments-15.sh`; a run counts once its `results.json` exists (– : not finished)."]
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", help="folder of the runs (../train-runs)")
    ap.add_argument("--write", metavar="MARKDOWN", help="replace the tables section of this file")
    ap.add_argument("--section", choices=["1-4", "15"], default="1-4",
                    help="1-4: Tables 1-4 (tools/train/experiments.sh); 15: Tables 5-7 (tools/train/experiments-15.sh)")
    a = ap.parse_args()
    text = tables15(a.root) if a.section == "15" else tables(a.root)
    begin, end = (BEGIN15, END15) if a.section == "15" else (BEGIN, END)
    if not a.write:
        print(text, end="")
        return
    write_between_markers(a.write, begin, end, text)


def write_between_markers(path: str, begin: str, end: str, text: str) -> None:
    """Replace what lies between the marker lines begin and end of a markdown file with text."""
    with open(path) as f:
        doc = f.read()
    if begin not in doc or end not in doc:
        raise SystemExit(f"{path}: expected the markers {begin} and {end}")
    doc = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: f"{begin}\n{text}{end}", doc, flags=re.S)
    with open(path, "w") as f:
        f.write(doc)


if __name__ == "__main__":
    main()
