"""Evidence behind the rule conventions, from the per-record dump of `ecg-bench rules --dump`.

    build/native/ecg-bench rules --labels build/rules-labels.csv --dump build/rules-dump.csv
    /usr/bin/python3 -m tools.bench.rules_evidence build/rules-dump.csv sb     # SB labels by measured heart rate
    /usr/bin/python3 -m tools.bench.rules_evidence build/rules-dump.csv axis   # measured axis by PTB-XL heart_axis
    /usr/bin/python3 -m tools.bench.rules_evidence build/rules-dump.csv qt     # LQT false positives by rate

The dump's codes column carries the SNOMED labels and, for PTB-XL, the pseudo-code
"ptbxl_axis:<heart_axis>" (tools/bench/rules_labels.py). Markdown tables on stdout.
"""
from __future__ import annotations

import collections
import csv
import statistics
import sys

DATASETS = ("cinc", "cinc-extra", "ptbxl", "ludb")
SB, BRADY, LQT = "426177001", "426627000", "111975006"


def load(path: str) -> dict[str, dict]:
    recs: dict[str, dict] = collections.defaultdict(dict)
    with open(path) as f:
        for r in csv.DictReader(f):
            d = recs[r["path"]]
            d["dataset"] = r["dataset"]
            d["codes"] = set(r["codes"].split(";"))
            ev = {}
            for kv in r["evidence"].split("|"):
                if "=" in kv:
                    k, v = kv.split("=", 1)
                    ev[k] = float(v)
            d[r["rule"]] = (r["decision"], ev, r["note"])
    return recs


def sb(recs: dict[str, dict]) -> None:
    bins = [(0, 45), (45, 50), (50, 55), (55, 60), (60, 65), (65, 1000)]
    print("| dataset | heart rate (bpm) | records | rhythm read as sinus | labelled SB | labelled Brady |")
    print("|---|---|---|---|---|---|")
    for ds in DATASETS:
        rows = [d for d in recs.values() if d["dataset"] == ds and "heart_rate_bpm" in d["SB"][1]]
        for lo, hi in bins:
            sel = [d for d in rows if lo <= d["SB"][1]["heart_rate_bpm"] < hi]
            sinus = sum(d["SB"][2] == "rhythm sinus" for d in sel)
            print(f"| {ds} | {lo}-{hi if hi < 1000 else ''} | {len(sel)} | {sinus} | {sum(SB in d['codes'] for d in sel)} | "
                  f"{sum(BRADY in d['codes'] for d in sel)} |")
    print("\nSB = heart rate below T and the rhythm read as sinus, against the SB label (Se / Sp, %):\n")
    print("| T (bpm) | " + " | ".join(DATASETS) + " |")
    print("|---|" + "---|" * len(DATASETS))
    for t in (50, 52, 55, 56, 58, 60):
        cells = []
        for ds in DATASETS:
            tp = fp = tn = fn = 0
            for d in recs.values():
                if d["dataset"] != ds or "heart_rate_bpm" not in d["SB"][1]:
                    continue
                pos = d["SB"][1]["heart_rate_bpm"] < t and d["SB"][2] == "rhythm sinus"
                lab = SB in d["codes"]
                tp += pos and lab
                fp += pos and not lab
                fn += lab and not pos
                tn += (not lab) and not pos
            se = f"{100 * tp / (tp + fn):.0f}" if tp + fn else "-"
            cells.append(f"{se} / {100 * tn / (tn + fp):.1f}")
        print(f"| {t} | " + " | ".join(cells) + " |")


def axis(recs: dict[str, dict]) -> None:
    by = collections.defaultdict(list)
    for d in recs.values():
        if d["dataset"] != "ptbxl" or "qrs_axis_deg" not in d["LAD"][1]:
            continue
        value = next((c.split(":", 1)[1] for c in d["codes"] if c.startswith("ptbxl_axis:")), "(empty)")
        by[value].append(d["LAD"][1]["qrs_axis_deg"])
    print("| PTB-XL heart_axis | records | measured axis: median | 10th-90th percentile | < -30 deg | > +90 deg |")
    print("|---|---|---|---|---|---|")
    for k in sorted(by):
        v = sorted(by[k])
        q = lambda p: v[min(len(v) - 1, int(p * (len(v) - 1)))]  # noqa: E731
        print(f"| {k} | {len(v)} | {statistics.median(v):.0f} | {q(0.1):.0f} to {q(0.9):.0f} | {sum(x < -30 for x in v)} | "
              f"{sum(x > 90 for x in v)} |")


def qt(recs: dict[str, dict]) -> None:
    print("| dataset | LQT positive | of them labelled LQT | unlabelled at > 90 bpm | not assessable (of them QRS >= 120 ms) |")
    print("|---|---|---|---|---|")
    for ds in DATASETS:
        rows = [d for d in recs.values() if d["dataset"] == ds]
        pos = [d for d in rows if d["LQT"][0] == "positive"]
        fast = [d for d in pos if LQT not in d["codes"] and 60000 / d["LQT"][1]["rr_mean_ms"] > 90]
        na = [d for d in rows if d["LQT"][0] == "not_assessable"]
        wide = [d for d in na if "QRS >= 120" in d["LQT"][2]]
        print(f"| {ds} | {len(pos)} | {sum(LQT in d['codes'] for d in pos)} | {len(fast)} | {len(na)} ({len(wide)}) |")


def main() -> None:
    recs = load(sys.argv[1])
    {"sb": sb, "axis": axis, "qt": qt}[sys.argv[2]](recs)


if __name__ == "__main__":
    main()
