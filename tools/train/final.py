"""The shipped model of a recipe: thresholds fitted on the five fold runs' out-of-fold predictions, then
one model trained on every record (issue 15.4).

    /usr/bin/python3 -m tools.train.final ../train-runs/m12-r3-f[0-4] --out ../train-runs/m12-r3-final.json
    /usr/bin/python3 -m tools.train.final ... --train ../train-runs/m12-r3-final --export mobilenet1d-12

What it does, from the fold runs of tools/train/experiments-15.sh (same recipe, test folds 0-4):
- out-of-fold predictions: every record's probabilities from the one run whose test fold holds it
  (the run's predictions.npz, or recomputed from its model.pt), so each record is predicted by a model
  that never trained or validated on it;
- thresholds: differential evolution on those predictions (the challenge metric of all five test folds
  together, the runtime's threshold_or_argmax rule). Their metric on the same predictions is printed
  as `oof_challenge_metric_fitted` and is in-sample for the thresholds; the honest estimate of the
  recipe is the fold runs' test metrics (mean), which the exported file carries as its metrics;
- epochs and lr steps of the final run: the median best epoch of the fold runs, and the median epochs
  at which their plateau schedule dropped the lr (as fractions, train.py --milestones);
- with --train DIR: runs train.py --final on every record (no validation; last epoch kept).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np

from . import data as D
from . import thresholds as T
from . import train as TR

KEYS = ("challenge_metric", "macro_f1", "macro_auroc", "macro_auprc")


def _results(run: str) -> dict:
    with open(os.path.join(run, "results.json")) as f:
        return json.load(f)


def test_predictions(run: str, lead_set: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(record keys, labels, probabilities) of a run's test records."""
    p = os.path.join(run, "predictions.npz")
    if os.path.exists(p):
        with np.load(p) as z:
            return [str(k) for k in z["keys"]], z["y"], z[f"test_{lead_set}"]
    model, cfg = TR.load_checkpoint(os.path.join(run, "model.pt"))
    items, folds = TR.load_pool(cfg["data"])
    split = TR.split_pool(items, folds, cfg["fold"], cfg.get("test_source"))
    pre_cfg = TR.preprocess_cfg(cfg)
    sigs = TR.preprocessed(items, pre_cfg)
    leads = D.LEAD_SETS[cfg["leads"]]
    te = TR.Arrays(split["test"], sigs, [D.LEADS_12.index(l) for l in leads])
    probs = TR.predict(model, te, cfg["input_len"])
    return [it.key for it in te.items], te.y, probs


def lr_drop_epochs(history: list) -> list[int]:
    """Epochs (1-based) after which the lr fell, from the history rows' last column (train.py logs lr)."""
    lrs = [row[6] for row in history if len(row) > 6]
    return [i + 1 for i in range(len(lrs) - 1) if lrs[i + 1] < lrs[i]]


def plan(runs: list[str], lead_set: str, seed: int = 0, de_iter: int = 40) -> dict:
    res = [_results(r) for r in runs]
    folds = sorted(r["test_fold"] for r in res)
    if folds != list(range(D.N_FOLDS)) or any(r.get("test_source") for r in res):
        raise ValueError(f"expected the runs of test folds 0-{D.N_FOLDS - 1} of one recipe, got test folds {folds}")
    # a run's recipe: its config beyond fold, seed and output, with train.py's defaults for options added
    # after it ran
    defaults = vars(TR.parse_args(["--out", "x"]))
    skip = ("fold", "seed", "out", "export", "threads", "max_steps")
    configs = [{k: r["config"].get(k, v) for k, v in defaults.items() if k not in skip} for r in res]
    diff = sorted(k for k in configs[0] if any(c[k] != configs[0][k] for c in configs))
    if diff:
        raise ValueError(f"the runs do not share one recipe: they differ in {', '.join(diff)}")
    configs[0]["threads"] = res[0]["config"].get("threads", 2)
    keys, ys, ps = [], [], []
    for r in runs:
        k, y, p = test_predictions(r, lead_set)
        keys += k
        ys.append(y)
        ps.append(p)
    if len(set(keys)) != len(keys):
        raise ValueError("a record is in two runs' test sets")
    y, p = np.concatenate(ys), np.concatenate(ps)
    thr, fitted = T.fit_thresholds(p, y, seed=seed, maxiter=de_iter)
    cv = {k: float(np.mean([r["lead_sets"][lead_set]["test"][k] for r in res
                            if r["lead_sets"][lead_set]["test"][k] is not None])) for k in KEYS}
    best = [r["best_epoch"] for r in res]
    epochs = int(np.median(best))
    drops = [lr_drop_epochs(r["history"]) for r in res]
    # the k-th lr drop of each run that had k drops before its best epoch; median, as a fraction of epochs
    milestones = []
    for k in range(2):
        ks = [d[k] for d, b in zip(drops, best) if len(d) > k and d[k] < b]
        if len(ks) * 2 > len(res):
            milestones.append(round(float(np.median(ks)) / epochs, 3))
    return {"runs": [os.path.basename(os.path.normpath(r)) for r in runs], "lead_set": lead_set,
            "records": len(keys), "thresholds": [float(v) for v in thr], "oof_challenge_metric_fitted": float(fitted),
            "cv_metrics": cv, "cv_challenge_metric_per_fold": [r["lead_sets"][lead_set]["test"]["challenge_metric"] for r in res],
            "best_epochs": best, "epochs": epochs, "milestones": milestones, "recipe": configs[0]}


def final_command(p: dict, plan_path: str, out: str, export: str | None) -> list[str]:
    c = p["recipe"]
    cmd = [sys.executable, "-m", "tools.train.train", "--model", c["model"], "--leads", c["leads"], "--data", c["data"],
           "--loss", c["loss"], "--augment", str(c["augment"]), "--lead-dropout", str(c["lead_dropout"]),
           "--input-len", str(c["input_len"]), "--batch", str(c["batch"]), "--lr", str(c["lr"]),
           *(["--bandpass", c["bandpass"]] if c.get("bandpass") else []), *(["--fir-taps", str(c["fir_taps"])] if c.get("fir_taps") else []),
           "--epochs", str(p["epochs"]), "--schedule", "step", "--threads", str(c["threads"]), "--seed", "0",
           "--final", plan_path, "--out", out]
    if p["milestones"]:
        cmd += ["--milestones", ",".join(str(m) for m in p["milestones"])]
    else:
        cmd += ["--milestones", "2"]  # no lr drop before the best epoch in most runs: a milestone past the end
    if export:
        cmd += ["--export", export]
    return cmd


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", help="the five fold runs of one recipe")
    ap.add_argument("--lead-set", help="default: the runs' --leads")
    ap.add_argument("--out", required=True, help="JSON plan (thresholds, epochs, metrics)")
    ap.add_argument("--train", metavar="DIR", help="then train the final model into DIR")
    ap.add_argument("--export", metavar="NAME")
    a = ap.parse_args(argv)
    ls = a.lead_set or _results(a.runs[0])["config"]["leads"]
    p = plan(a.runs, ls)
    with open(a.out, "w") as f:
        json.dump(p, f, indent=1)
    print(json.dumps({k: v for k, v in p.items() if k not in ("thresholds", "recipe")}, indent=1))
    if a.train:
        os.makedirs(a.train, exist_ok=True)
        cmd = final_command(p, a.out, a.train, a.export)
        print(" ".join(cmd), flush=True)
        subprocess.run(["nice", "-n", "19", *cmd], check=True)


if __name__ == "__main__":
    main()
