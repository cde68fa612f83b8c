"""Record-wise 5-fold cross-validation of the QRS detector on cpsc2019 (issue #13.1): score the fold
models natively and write the table of docs/rpeaks.cv.md.

Folds: tools/train/qrs_cpsc2019_folds.json (qrs.cpsc2019_make_folds: records sorted by name, records
with the same reference beats kept together, groups dealt to the smallest fold). Fold model K was
fine-tuned from qrs-1 on the original mix plus the cpsc2019 records of the four other folds:

  nice -n 10 /usr/bin/python3 -m tools.train.qrs --hold-out-fold K --init-from RUNS/qrs-1.safetensors \\
      --steps 800 --lr 5e-4 --threads 1 --cache RUNS/sources.pkl --out RUNS/fK        # recipe A
  ... --steps 1500 --lr 2e-4 --cpsc2019-share 0.1 ...                                    # recipe B

(RUNS/qrs-1.safetensors: a copy of models/qrs-1.safetensors, sha256 268c0765…; two folds ran side by
side, one thread each.)

Then (from the repo root, after the native build):

  /usr/bin/python3 -m tools.train.qrs_cv --runs RUNS [--md docs/rpeaks.cv.md]

exports RUNS/fK/model.pt to RUNS/fK/qrs.safetensors, runs `ecg-bench cpsc2019 --per-record
--qrs-model` with it and with RUNS/qrs-1.safetensors (the model the folds started from), and scores
each fold's held-out records only (the CPSC 2019 scoring of ecg-bench). The out-of-fold numbers pool
the 49 records, each scored by the one fold model that never saw it. docs/rpeaks.cv.md is the text
written there by hand plus the --md output of both recipes' RUNS (--postprocess --title ...).
"""
from __future__ import annotations

import argparse
import hashlib
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


def with_decision(src: str, dst: str, threshold: float, min_relative_amplitude: float) -> str:
    """A copy of model file SRC whose decision uses another threshold and amplitude gate (weights kept)."""
    from . import export as E
    tensors, meta = E.read_safetensors(src)
    doc = json.loads(meta["ecg_screen"])
    doc["decision"] = dict(doc["decision"], threshold=threshold, min_relative_amplitude=min_relative_amplitude)
    for _ in range(2):  # the tensor hash of the file as written
        meta = dict(meta, ecg_screen=json.dumps(doc))
        E.write_safetensors(dst, tensors, meta)
        doc["tensor_sha256"] = hashlib.sha256(E.tensor_bytes(dst)).hexdigest()
    E.load_model_file(dst)
    return dst


GRID = [(t, a) for t in (0.4, 0.5, 0.6, 0.7) for a in (0.1, 0.2, 0.3)]  # (threshold, min_relative_amplitude)
DEFAULT = (0.5, 0.1)


def nested_decision(exe: str, data: str, models: dict[int, str], folds: dict[int, list[str]], tag: str, workdir: str) -> tuple[list[dict], list[str]]:
    """Post-processing chosen by nested CV: for each grid point every record is scored by models[fold of
    the record]; for fold K the grid point with the best QRSacc over the records of the other folds
    (ties: the one nearest the default) is applied to fold K. (out-of-fold rows, the choices)."""
    os.makedirs(workdir, exist_ok=True)
    res: dict[tuple, dict[str, dict]] = {}
    for g in GRID:
        res[g] = {}
        for k, path in models.items():
            m = with_decision(path, os.path.join(workdir, f"{tag}-f{k}-t{g[0]}-a{g[1]}.safetensors"), *g)
            got = bench(exe, m, data, m[:-len(".safetensors")] + ".md")
            res[g].update({i: got[i] for i in folds[k]})
    rows, notes = [], []
    for k in sorted(folds):
        others = [i for f, v in folds.items() if f != k for i in v]
        best = max(GRID, key=lambda g: (round(summarise([res[g][i] for i in others])["acc"], 6), -abs(g[0] - DEFAULT[0]) - abs(g[1] - DEFAULT[1])))
        acc_in = summarise([res[best][i] for i in others])["acc"]
        rows += [res[best][i] for i in folds[k]]
        notes.append(f"fold {k}: threshold {best[0]}, min_relative_amplitude {best[1]} (QRSacc {acc_in:.4f} on the other folds; "
                     f"held-out fold {summarise([res[best][i] for i in folds[k]])['acc']:.4f})")
    return rows, notes


def fmt(s: dict) -> str:
    d = " / ".join(str(v) for v in s["dist"])
    return f"{s['acc']:.4f} | {d} | {s['tp']} | {s['fn']} | {s['fp']} | {s['se']:.2f} | {s['ppv']:.2f}"


def main(argv=None) -> None:
    a = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    a.add_argument("--runs", required=True, help="folder with qrs-1.safetensors and the fold runs f0 … f4")
    a.add_argument("--bench", default=os.path.join(REPO, "build", "native", "ecg-bench"))
    a.add_argument("--data", default=None)
    a.add_argument("--md", default=None, help="write the markdown tables here (else stdout)")
    a.add_argument("--title", default=None, help="a heading (###) and text above the table")
    a.add_argument("--postprocess", action="store_true", help="also choose threshold and amplitude gate by nested CV")
    args = a.parse_args(argv)
    data = os.path.join(args.data or D.data_root(), "cpsc2019")
    folds = Q.cpsc2019_folds()
    base = bench(args.bench, os.path.join(args.runs, "qrs-1.safetensors"), data, os.path.join(args.runs, "qrs-1-cpsc2019.md"))
    lines = [f"### {args.title}", ""] if args.title else []
    lines += ["| fold | records | model | QRSacc | records 1 / 0.7 / 0.3 / 0 | TP | FN | FP (all gaps) | beat Se (%) | beat +P (%) |",
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
    if args.postprocess:
        fold_models = {k: os.path.join(args.runs, f"f{k}", "qrs.safetensors") for k in folds}
        base_models = {k: os.path.join(args.runs, "qrs-1.safetensors") for k in folds}
        lines.append("Post-processing chosen by nested cross-validation (threshold in {0.4, 0.5, 0.6, 0.7} x amplitude gate "
                     "in {0.1, 0.2, 0.3}; for each fold the pair with the best QRSacc on the other four folds, applied to it):")
        lines.append("")
        lines.append("| model | QRSacc | records 1 / 0.7 / 0.3 / 0 | TP | FN | FP (all gaps) | beat Se (%) | beat +P (%) |")
        lines.append("|---|---|---|---|---|---|---|---|")
        all_notes = []
        for name, models in (("qrs-1, nested post-processing", base_models), ("fold models, nested post-processing", fold_models)):
            rows, notes = nested_decision(args.bench, data, models, folds, name.split(",")[0].replace(" ", "-"), os.path.join(args.runs, "postprocess"))
            lines.append(f"| {name} (out of fold, 49) | {fmt(summarise(rows))} |")
            all_notes += [f"{name}: {n}" for n in notes]
        lines.append("")
        lines += [f"- {n}" for n in all_notes]
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
