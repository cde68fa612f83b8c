"""README's table of shipped models, from the committed results (issue 15.7).

    /usr/bin/python3 -m tools.train.readme_models             # print the table
    /usr/bin/python3 -m tools.train.readme_models --write README.md   # replace it between the markers

Per screening model (models/mobilenet1d-L): its five fold runs' test challenge metric (mean ± sd, from
tools/train/results-15/mL-RECIPE-final/results.json, the plan tools/train/final.py made from those runs; the
run is the one the shipped file's training command names),
the file's size and what int8 cost on held-out records (docs/quantization.json, tools/train/quantize-all.sh
--eval). The rhythm model: the CinC 2017 F1 of the fold runs in tools/train/results-rhythm whose name the
shipped file's training command gives (--out …/NAME-f0).
"""
from __future__ import annotations

import argparse
import json
import os
import re

import numpy as np

from . import export as E
from .tables import write_between_markers

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BEGIN, END = "<!-- models:begin -->", "<!-- models:end -->"
USED_FOR = {"12": "12 leads", "6": "the six limb leads", "3": "I, II and V2 (also 4-lead I, II, III, V2)", "2": "I and II"}
LEADS = {"12": "all 12"}


def _mean_sd(v: list[float]) -> str:
    return f"{np.mean(v):.3f} ± {np.std(v, ddof=1):.3f}"


def _load(path: str) -> dict:
    with open(os.path.join(REPO, path)) as f:
        return json.load(f)


def _delta(q: dict) -> str:
    (_, a), (_, b) = q["files"].items()
    return f"{a['value']:.4f} → {b['value']:.4f} ({q['difference']:+.4f})".replace("+-", "−").replace("(-", "(−")


def final_run(doc: dict) -> str:
    """The tools/train/final.py run a shipped screening model came from (its training command's --out)."""
    m = re.search(r"--out \S*/(m\d+-r\d+-final)\b", doc["training"]["command"])
    if not m:
        raise ValueError(f"{doc['name']}: its training command names no --out …/mL-rN-final run")
    return m.group(1)


def rows() -> list[str]:
    quant = _load("docs/quantization.json")
    out = ["| file | leads | used for records with | five folds | card | file (int8) | float32 → int8, held-out records |",
           "|---|---|---|---|---|---|---|"]
    for L in ("12", "6", "3", "2"):
        name = f"mobilenet1d-{L}"
        doc, _ = E.load_model_file(os.path.join(REPO, "models", f"{name}.safetensors"))
        fin = _load(f"tools/train/results-15/{final_run(doc)}/results.json")["final"]
        size = os.path.getsize(os.path.join(REPO, "models", f"{name}.safetensors"))
        out.append(f"| `{name}` | {LEADS.get(L, ', '.join(doc['leads']))} | {USED_FOR[L]} | "
                   f"challenge metric {_mean_sd(fin['cv_challenge_metric_per_fold'])} (recipe {fin['runs'][0].split('-')[1]}) | `models/{name}.md` | {size:,} B | "
                   f"{_delta(quant[name])} |")
    doc, _ = E.load_model_file(os.path.join(REPO, "models", "rhythm-1.safetensors"))
    m = re.search(r"--out \S*/([^/\s]+)-f0\b", doc["training"]["command"])
    if not m:
        raise ValueError("models/rhythm-1.safetensors: its training command names no --out …/NAME-f0 run")
    runs = [_load(f"tools/train/results-rhythm/{m.group(1)}-f{f}/results.json") for f in range(5)]
    size = os.path.getsize(os.path.join(REPO, "models", "rhythm-1.safetensors"))
    out.append(f"| `rhythm-1` | one lead | one-lead records and live chest-strap streams (below) | CinC 2017 F1 "
               f"{_mean_sd([r['test']['macro_f1_nao'] for r in runs])} | `models/rhythm-1.md` | {size:,} B | "
               f"{_delta(quant['rhythm-1'])} |")
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", metavar="README", help="replace the table between the markers of this file")
    a = ap.parse_args(argv)
    table = "\n".join(rows()) + "\n"
    if not a.write:
        print(table, end="")
        return
    write_between_markers(a.write, BEGIN, END, table)
    print("wrote", a.write)


if __name__ == "__main__":
    main()
