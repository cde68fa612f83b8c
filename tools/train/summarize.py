"""Summarise training runs: mean ± sd over folds of the test-fold metrics in each run's results.json."""
from __future__ import annotations

import argparse
import json
import os

import numpy as np

KEYS = ("challenge_metric", "macro_f1", "macro_auroc", "macro_auprc")


def summarize(run_dirs: list[str]) -> dict:
    per_set: dict[str, dict[str, list]] = {}
    folds = []
    for d in run_dirs:
        p = os.path.join(d, "results.json")
        if not os.path.exists(p):
            continue
        with open(p) as f:
            r = json.load(f)
        folds.append(r["test_fold"])
        for ls, v in r["lead_sets"].items():
            for k in KEYS:
                per_set.setdefault(ls, {}).setdefault(k, []).append(v["test"][k])
    out = {"folds": folds, "lead_sets": {}}
    for ls, m in per_set.items():
        out["lead_sets"][ls] = {k: {"mean": float(np.mean(v)), "sd": float(np.std(v, ddof=1)) if len(v) > 1 else None,
                                    "values": v} for k, v in m.items()}
    return out


def markdown_row(label: str, s: dict, lead_set: str) -> str:
    """`| label | folds | challenge | macro F1 | AUROC | AUPRC |` with mean ± sd over folds."""
    m = s["lead_sets"].get(lead_set)
    if not m:
        return f"| {label} | 0 | – | – | – | – |"
    cells = []
    for k in KEYS:
        sd = m[k]["sd"]
        cells.append(f"{m[k]['mean']:.3f}" + (f" ± {sd:.3f}" if sd is not None else ""))
    return f"| {label} | {len(m[KEYS[0]]['values'])} | " + " | ".join(cells) + " |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--row", nargs=2, metavar=("LABEL", "LEAD_SET"), help="print one markdown table row")
    a = ap.parse_args()
    s = summarize(a.runs)
    if a.row:
        print(markdown_row(a.row[0], s, a.row[1]))
        return
    print("folds:", s["folds"])
    for ls, m in s["lead_sets"].items():
        cells = []
        for k in KEYS:
            sd = m[k]["sd"]
            cells.append(f"{k} {m[k]['mean']:.3f}" + (f" ± {sd:.3f}" if sd is not None else ""))
        print(f"lead set {ls}: " + "; ".join(cells))
    print(json.dumps(s))


if __name__ == "__main__":
    main()
