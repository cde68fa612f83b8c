"""Model probabilities for a record computed without the C++ core: the Python preprocessing
(tools/train/preprocess.py) and the numpy graph interpreter (tools/train/export.py run_graph) in
float64. The C++ pipeline test (tests/core/test_screener.cpp) compares against what this writes.

usage: /usr/bin/python3 -m tools.screen_reference MODEL RECORD.hea [--age A] [--sex F|M] [--lead-set NAME] --out FILE.json
(--lead-set: for a lead-wise model, keep only that set's leads, zero the others, read its output)
"""
from __future__ import annotations

import argparse
import json

import numpy as np

from tools.train import data, export, preprocess


def reference_probabilities(model_path: str, hea_path: str, age: float | None, sex: str | None,
                            lead_set: str | None = None) -> dict:
    doc, tensors = export.load_model_file(model_path)
    header, sig = data.read_wfdb_signal(hea_path, override_gain=False)  # mV, leads x samples
    x = data.to_canonical(sig, header.leads, doc["leads"]).astype(np.float64)
    output = doc["graph"]["outputs"][0]
    if lead_set is not None:
        entry = next(e for e in doc["lead_sets"] if e["name"] == lead_set)
        x[[i for i, l in enumerate(doc["leads"]) if l not in entry["leads"]]] = 0.0
        output = entry["output"]
    x = preprocess.preprocess(x, header.fs, doc["fs_hz"], doc["preprocess"])
    starts = preprocess.window_starts(x.shape[1], doc["input_len"], doc["preprocess"]["window_stride"])
    wins = preprocess.windows(x, doc["input_len"], doc["preprocess"]["window_stride"])
    demo = data.demographics(age, sex)
    probs = []
    for w in wins:
        inputs = {"ecg": w}
        if len(doc["graph"]["inputs"]) > 1:
            inputs["demographics"] = demo
        logits = export.run_graph(doc, tensors, inputs)[output]
        probs.append(1.0 / (1.0 + np.exp(-logits)))
    agg = np.max(probs, axis=0) if doc["preprocess"]["aggregate"] == "max" else np.mean(probs, axis=0)
    return {"model": doc["name"], "lead_set": lead_set, "record": hea_path, "windows": len(starts), "age": age, "sex": sex,
            "classes": [c["abbr"] for c in doc["classes"]], "probabilities": agg.tolist()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("record")
    ap.add_argument("--age", type=float)
    ap.add_argument("--sex", choices=["F", "M"])
    ap.add_argument("--lead-set")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    out = reference_probabilities(a.model, a.record, a.age, a.sex, a.lead_set)
    out["command"] = "/usr/bin/python3 -m tools.screen_reference " + " ".join(
        [a.model, a.record] + (["--age", str(a.age)] if a.age is not None else []) + (["--sex", a.sex] if a.sex else [])
        + (["--lead-set", a.lead_set] if a.lead_set else []) + ["--out", a.out])
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
