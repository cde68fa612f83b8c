"""Record-wise 5-fold cross-validation of the QRS detector on cpsc2019 (issue #13.1): score the fold
models natively and write the table of docs/rpeaks.cv.md.

Folds: tools/train/qrs_cpsc2019_folds.json (qrs.cpsc2019_make_folds: records sorted by name, records
with the same reference beats kept together, groups dealt to the smallest fold). Fold model K was
fine-tuned from qrs-1 on the original mix plus the cpsc2019 records of the four other folds:

  nice -n 10 /usr/bin/python3 -m tools.train.qrs --hold-out-fold K --init-from RUNS/qrs-1.safetensors \\
      --steps 800 --lr 5e-4 --threads 1 --cache RUNS/sources.pkl --out RUNS/fK

Then (from the repo root, after the native build):

  /usr/bin/python3 -m tools.train.qrs_cv --runs RUNS [--md docs/rpeaks.cv.md]

exports RUNS/fK/model.pt to RUNS/fK/qrs.safetensors, runs `ecg-bench cpsc2019 --per-record
--qrs-model` with it and with RUNS/qrs-1.safetensors (the model the folds started from), and scores
each fold's held-out records only (the CPSC 2019 scoring of ecg-bench). The out-of-fold numbers pool
the 49 records, each scored by the one fold model that never saw it.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess

from . import data as D
from . import qrs as Q

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse_per_record(text: str) -> dict[str, dict]:
    """ecg-bench cpsc2019 --per-record rows: record -> ref, tp, fn, fp (official), fp_all, points."""
    out = {}
    for line in text.splitlines():
        f = [v.strip() for v in line.strip().strip("|").split("|")]
        if len(f) == 7 and f[0].isdigit() and len(f[0]) == 5:
            out[f[0]] = {"ref": int(f[1]), "tp": int(f[2]), "fn": int(f[3]), "fp": int(f[4]), "fp_all": int(f[5]), "points": float(f[6])}
    return out


def summarise(rows: list[dict]) -> dict:
    """QRSacc (mean points), records per points, pooled TP / FN / FP and beat Se, +P (all gaps)."""
    n = len(rows)
    tp, fn, fp_all = (sum(r[k] for r in rows) for k in ("tp", "fn", "fp_all"))
    pts = [r["points"] for r in rows]
    return {"n": n, "acc": sum(pts) / n if n else 0.0, "dist": [sum(1 for p in pts if p == v) for v in (1.0, 0.7, 0.3, 0.0)],
            "tp": tp, "fn": fn, "fp": fp_all, "se": 100.0 * tp / max(1, tp + fn), "ppv": 100.0 * tp / max(1, tp + fp_all)}


def bench(exe: str, model: str, data: str, out: str) -> dict[str, dict]:
    if not os.path.exists(out):
        text = subprocess.run([exe, "cpsc2019", "--per-record", "--qrs-model", model, data], check=True, capture_output=True, text=True).stdout
        with open(out + ".tmp", "w") as f:
            f.write(text)
        os.replace(out + ".tmp", out)
    with open(out) as f:
        return parse_per_record(f.read())


def fmt(s: dict) -> str:
    d = " / ".join(str(v) for v in s["dist"])
    return f"{s['acc']:.4f} | {d} | {s['tp']} | {s['fn']} | {s['fp']} | {s['se']:.2f} | {s['ppv']:.2f}"


def main(argv=None) -> None:
    a = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    a.add_argument("--runs", required=True, help="folder with qrs-1.safetensors and the fold runs f0 … f4")
    a.add_argument("--bench", default=os.path.join(REPO, "build", "native", "ecg-bench"))
    a.add_argument("--data", default=None)
    a.add_argument("--md", default=None, help="write the markdown tables here (else stdout)")
    args = a.parse_args(argv)
    data = os.path.join(args.data or D.data_root(), "cpsc2019")
    folds = Q.cpsc2019_folds()
    base = bench(args.bench, os.path.join(args.runs, "qrs-1.safetensors"), data, os.path.join(args.runs, "qrs-1-cpsc2019.md"))
    lines = ["| fold | records | model | QRSacc | records 1 / 0.7 / 0.3 / 0 | TP | FN | FP (all gaps) | beat Se (%) | beat +P (%) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    oof, oof_base, accs, accs_base, commands = [], [], [], [], []
    for k in sorted(folds):
        run = os.path.join(args.runs, f"f{k}")
        if not os.path.exists(os.path.join(run, "model.pt")):
            raise SystemExit(f"{run}/model.pt: fold {k} is not trained yet")
        with open(os.path.join(run, "training.json")) as f:
            training = json.load(f)
        if sorted(training["cpsc2019_train"]) != sorted(i for f2, v in folds.items() if f2 != k for i in v):
            raise SystemExit(f"{run}: trained on other cpsc2019 records than the folds other than {k}")
        model = os.path.join(run, "qrs.safetensors")
        if not os.path.exists(model):
            Q.export(Q.load_checkpoint(os.path.join(run, "model.pt")), model, training)
        got = bench(args.bench, model, data, os.path.join(run, "cpsc2019.md"))
        held = folds[k]
        rows, rows_base = [got[i] for i in held], [base[i] for i in held]
        oof += rows
        oof_base += rows_base
        sb, sf = summarise(rows_base), summarise(rows)
        accs_base.append(sb["acc"])
        accs.append(sf["acc"])
        lines.append(f"| {k} | {len(held)} | qrs-1 | {fmt(sb)} |")
        lines.append(f"| {k} | {len(held)} | fine-tuned without fold {k} | {fmt(sf)} |")
        commands.append(training["command"])
    sb, sf = summarise(oof_base), summarise(oof)
    lines.append(f"| **out of fold** | {len(oof)} | qrs-1 | {fmt(sb)} |")
    lines.append(f"| **out of fold** | {len(oof)} | fold models (each record by the one that never saw it) | **{sf['acc']:.4f}** | "
                 + fmt(sf).split(" | ", 1)[1] + " |")
    lines.append("")
    lines.append(f"Mean of the five folds' QRSacc: qrs-1 {sum(accs_base) / len(accs_base):.4f}, fold models "
                 f"{sum(accs) / len(accs):.4f}.")
    lines.append("")
    lines.append("Per record, out of fold (points of qrs-1 → fold model; records whose points differ):")
    lines.append("")
    lines.append("| record | fold | qrs-1 FN / FP | points | fold model FN / FP | points |")
    lines.append("|---|---|---|---|---|---|")
    for k in sorted(folds):
        got = parse_per_record(open(os.path.join(args.runs, f"f{k}", "cpsc2019.md")).read())
        for i in folds[k]:
            b, g = base[i], got[i]
            if (b["fn"], b["fp_all"], b["points"]) != (g["fn"], g["fp_all"], g["points"]):
                lines.append(f"| {i} | {k} | {b['fn']} / {b['fp_all']} | {b['points']:.1f} | {g['fn']} / {g['fp_all']} | {g['points']:.1f} |")
    lines.append("")
    lines.append("Fold runs (`training.json` commands):")
    lines.append("")
    lines.append("```")
    lines += [f"python3 -m tools.train.qrs {c.split('tools.train.qrs ', 1)[-1]}" for c in commands]
    lines.append("```")
    text = "\n".join(lines) + "\n"
    if args.md:
        with open(args.md, "w") as f:
            f.write(text)
    print(text, end="")
    summary = {"qrs-1": sb, "cv": sf, "fold_acc": accs, "fold_acc_qrs1": accs_base}
    with open(os.path.join(args.runs, "cv.json"), "w") as f:
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
