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
        out["lead_sets"][ls] = {}
        for k, v in m.items():
            f = [x for x in v if x is not None]
            out["lead_sets"][ls][k] = {"mean": float(np.mean(f)) if f else None,
                                       "sd": float(np.std(f, ddof=1)) if len(f) > 1 else None, "values": v}
    return out


def markdown_row(label: str, s: dict, lead_set: str) -> str:
    """`| label | folds | challenge | macro F1 | AUROC | AUPRC |` with mean ± sd over folds."""
    m = s["lead_sets"].get(lead_set)
    if not m:
        return f"| {label} | 0 | – | – | – | – |"
    cells = []
    for k in KEYS:
        mean, sd = m[k]["mean"], m[k]["sd"]
        cells.append("–" if mean is None else f"{mean:.3f}" + (f" ± {sd:.3f}" if sd is not None else ""))
    return f"| {label} | {len(m[KEYS[0]]['values'])} | " + " | ".join(cells) + " |"


def model_card(name: str, model_file: str, runs: list[str], shipped_run: str) -> str:
    """Markdown model card from the fold runs' results.json and the shipped file's metadata."""
    from .export import load_model_file

    doc, tensors = load_model_file(model_file)
    s = summarize(runs)
    with open(os.path.join(shipped_run, "results.json")) as f:
        shipped = json.load(f)
    n_params = sum(int(v.size) for v in tensors.values())
    if "final" in shipped:
        return final_model_card(name, model_file, doc, n_params, s, runs, shipped)
    lines = [f"# Model card: {name}", "",
             f"- File: `models/{name}.safetensors` ({os.path.getsize(model_file):,} bytes, {n_params:,} stored floats "
             f"after batch-norm folding), schema `ecg-screen-model/1`, architecture `{doc['architecture']}`.",
             f"- Leads: {', '.join(doc['leads'])}; {doc['fs_hz']} Hz; windows of {doc['input_len']} samples every "
             f"{doc['preprocess']['window_stride']}; preprocessing {json.dumps(doc['preprocess'])}.",
             *([f"- Lead sets (one backbone, one head per set; the app uses the set with the most leads the record has): "
                + "; ".join(f"{ls['name']} = {', '.join(ls['leads'])} (output `{ls['output']}`)" for ls in doc["lead_sets"]) + "."]
               if doc.get("lead_sets") else []),
             f"- Outputs: the 26 scored CinC 2021 classes (docs/labels.md); decision `threshold_or_argmax` with per-class "
             f"thresholds fit by differential evolution on validation fold {shipped['val_fold']}.",
             f"- Produced by: `{shipped['command']}` (the shipped file is the fold-{shipped['test_fold']} model; "
             f"{shipped['n_train']} training / {shipped['n_val']} validation / {shipped['n_test']} test records).",
             "- Data: the de-duplicated 12-lead pool of docs/results.md (cinc, ptbxl, ptbxl-processed, ludb; 1,274 records), "
             "patient-level folds in tools/train/folds.json.", "",
             "## Test-fold metrics (thresholds from the validation fold)", "",
             "| lead set | folds | challenge metric | macro F1 | macro AUROC | macro AUPRC |", "|---|---|---|---|---|---|"]
    for ls in s["lead_sets"]:
        lines.append(markdown_row(ls, s, ls).replace(f"| {ls} | ", f"| {ls} | ", 1))
    if len(s["folds"]) > 1:
        own = "; ".join(f"{v['test']['challenge_metric']:.3f}" + (f" ({ls} leads)" if len(shipped["lead_sets"]) > 1 else "")
                        for ls, v in shipped["lead_sets"].items())
        lines += ["", f"The shipped file is the fold-{shipped['test_fold']} model; on its own test fold it scores a challenge "
                  f"metric of {own}. The other folds' models are not shipped (they exist to measure the spread)."]
    lines += ["", f"Folds summarised: {sorted(s['folds'])} (`/usr/bin/python3 -m tools.train.summarize "
              + " ".join(runs) + "`).", "",
              "## Intended use and limits", "",
              "- A research screening aid inside ecg-screen, not a diagnostic device: every finding needs a clinician.",
              "- Trained on ~760 records (35–70× less than the published models); rare classes (BBB, PRWP, Brady, LQT, RAD, "
              "PVC, LQRSV, PR, TInv: < 16 positives in all our data) are essentially unlearned and their outputs should "
              "not be trusted.",
              "- Evaluated only by cross-validation on the same sources (mostly PTB-XL); expect lower scores on other "
              "hospitals and devices (the 2021 challenge saw large drops on unseen databases).", ""]
    return "\n".join(lines)


def _metrics_table(s: dict) -> list[str]:
    return ["| lead set | folds | challenge metric | macro F1 | macro AUROC | macro AUPRC |", "|---|---|---|---|---|---|",
            *(markdown_row(ls, s, ls) for ls in s["lead_sets"])]


LIMITS = ["## Intended use and limits", "",
          "- A research screening aid inside ecg-screen, not a diagnostic device: every finding needs a clinician."]


RECIPE_TEXT = {
    "r4": "early stopping in the fold runs, augmentation, the asymmetric loss, the input band-passed at 0.67–45 Hz",
    "r5": "r4 (early stopping in the fold runs, augmentation, the asymmetric loss, the input band-passed at 0.67–45 Hz) "
          "with lead dropout (1–4 leads of 30 % of the training crops zeroed, as the quality gate zeroes unusable leads)",
}


def final_model_card(name: str, model_file: str, doc: dict, n_params: int, s: dict, runs: list[str], shipped: dict) -> str:
    """The card of a model trained on every record by tools/train/final.py (results.json key "final")."""
    fin = shipped["final"]
    recipe = fin["runs"][0].split("-")[1]  # m12-r4-f0 -> r4
    out_dir = shipped["config"]["out"]  # the final run's folder; the fold runs sit beside it
    runs_dir, shipped_name = os.path.dirname(os.path.normpath(out_dir)), os.path.basename(os.path.normpath(out_dir))
    per_fold = ", ".join(f"{v:.3f}" for v in fin["cv_challenge_metric_per_fold"])
    lines = [f"# Model card: {name}", "",
             f"- File: `models/{name}.safetensors` ({os.path.getsize(model_file):,} bytes, {n_params:,} stored floats "
             f"after batch-norm folding), schema `ecg-screen-model/1`, architecture `{doc['architecture']}`.",
             f"- Leads: {', '.join(doc['leads'])}; {doc['fs_hz']} Hz; windows of {doc['input_len']} samples every "
             f"{doc['preprocess']['window_stride']}; preprocessing {json.dumps(doc['preprocess'])}.",
             f"- Outputs: the 26 scored CinC 2021 classes (docs/labels.md); decision `threshold_or_argmax` with per-class "
             f"thresholds fit by differential evolution on the out-of-fold predictions of the five fold runs "
             f"({fin['records']:,} records, each predicted by the fold model that never trained or validated on it).",
             f"- Trained on every record of the pool ({shipped['n_train']:,} records, no fold held out) for {shipped['epochs_run']} "
             f"epochs (the median best epoch of the fold runs: {', '.join(str(b) for b in fin['best_epochs'])}), by "
             f"`{shipped['command']}`; its plan (thresholds, epochs) by `/usr/bin/python3 -m tools.train.final "
             + " ".join(os.path.join(runs_dir, r) for r in fin["runs"]) + f" --out {os.path.join(runs_dir, shipped_name, 'plan.json')}` "
             "(tools/train/final.py; both steps are `final` in tools/train/experiments-15.sh).",
             f"- Recipe {recipe} of docs/results.md (Issue 15): {RECIPE_TEXT[recipe]}.",
             "- Data: the de-duplicated 12-lead pool with extra's labelled sets (docs/results.md, Issue 15: cinc, ptbxl, "
             "ptbxl-processed, ludb, cinc-extra, cpsc2018, ptbxl-extra; partly labelled records train only), patient-level "
             "folds in tools/train/folds.json.", "",
             "## Cross-validation metrics of the recipe (five fold runs, thresholds from each run's validation fold)", "",
             *_metrics_table(s), "",
             f"Per test fold: {per_fold}. No record of the pool is held out from the shipped file, so these fold runs "
             "(same recipe, same data, a fold held out each) are the estimate of its accuracy; on sources it never saw, "
             "expect less (leave-one-source-out in docs/results.md, Table 7).", "",
             f"Folds summarised: {sorted(s['folds'])} (`/usr/bin/python3 -m tools.train.summarize " + " ".join(runs) + "`).", "",
             *LIMITS,
             "- Trained on ~1,300 records (about 70× less than the published models); rare classes (BBB, PRWP, Brady, LQT, RAD, "
             "PVC, LQRSV, PR, TInv: fewer than 20 positives each in all our data, docs/results.md) are essentially unlearned "
             "and their outputs should not be trusted.",
             "- Leave-one-source-out scores are far below cross-validation (docs/results.md, Table 7): a hospital or device "
             "not in the pool should expect the lower figure.", ""]
    return "\n".join(lines)


def per_class_table(run_dir: str, lead_set: str, positives: list[int] | None = None) -> str:
    """Markdown table of one run's test fold per class: positives, F1, AUROC, AUPRC, threshold.

    positives: test-fold positives per class; by default counted from the pool and folds.json."""
    from . import labels as lab
    with open(os.path.join(run_dir, "results.json")) as f:
        r = json.load(f)
    ls = r["lead_sets"][lead_set]
    if positives is None:
        from . import data as D
        pool, _ = D.build_pool()
        folds = D.read_folds()["twelve_lead"]
        positives = np.sum([it.target for it in pool if folds[it.key] == r["test_fold"]], axis=0).astype(int).tolist()
    fmt = lambda v: "–" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.3f}"
    rows = ["| class | test positives | F1 | AUROC | AUPRC | threshold |", "|---|---|---|---|---|---|"]
    t = ls["test"]
    for i in sorted(range(len(lab.ABBRS)), key=lambda i: lab.ABBRS[i]):
        f1 = t["f1"][i] if positives[i] else None  # no positive in the fold: F1 is undefined, as AUROC/AUPRC
        rows.append(f"| {lab.ABBRS[i]} | {positives[i]} | {fmt(f1)} | {fmt(t['auroc'][i])} | {fmt(t['auprc'][i])} | "
                    f"{ls['thresholds'][i]:.3f} |")
    return "\n".join(rows) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--row", nargs=2, metavar=("LABEL", "LEAD_SET"), help="print one markdown table row")
    ap.add_argument("--per-class", metavar="LEAD_SET", help="print the per-class table of the first run's test fold")
    ap.add_argument("--card", nargs=3, metavar=("NAME", "MODEL_FILE", "SHIPPED_RUN"), help="print a model card")
    a = ap.parse_args()
    if a.per_class:
        print(per_class_table(a.runs[0], a.per_class), end="")
        return
    if a.card:
        print(model_card(a.card[0], a.card[1], a.runs, a.card[2]), end="")
        return
    s = summarize(a.runs)
    if a.row:
        print(markdown_row(a.row[0], s, a.row[1]))
        return
    print("folds:", s["folds"])
    for ls, m in s["lead_sets"].items():
        cells = [f"{k} {m[k]['mean']}" + (f" ± {m[k]['sd']:.3f}" if m[k]["sd"] is not None else "") for k in KEYS]
        print(f"lead set {ls}: " + "; ".join(cells))
    print(json.dumps(s))


if __name__ == "__main__":
    main()
