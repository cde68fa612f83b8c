"""The rate-normalised kurtosis trial of docs/quality.md ("What was tried and rejected"), dev half only.

Reads the per-window dump of `ecg-bench quality cinc2017 ... --half dev --features OUT.csv` and
prints the share of records flagged per class when a window also fails for kurtosis < t x 3 / beats
(beats: the classical detector's beats in the window, at least 1), for t = 6, 7, 7.5, 8, 10, 12. A
record counts as flagged when the gate flagged it or when more than 34 % of its windows fail (the
gate's 66 % usable share; windows taken as equal length). Only the dev half is read.

    build/native/ecg-bench quality cinc2017 --reference $ECG_DATA/cinc2017/training2017/REFERENCE.csv --half dev --features build/q-dev.csv
    /usr/bin/python3 tools/bench/quality_kurtosis_trial.py build/q-dev.csv
"""
from __future__ import annotations

import csv
import sys
from collections import defaultdict


def main() -> None:
    records = defaultdict(list)
    for r in csv.DictReader(open(sys.argv[1])):
        records[(r["record"], r["label"])].append(r)

    def shares(extra):
        out = {}
        for label in "NAO~":
            group = [ws for (_, l), ws in records.items() if l == label]
            flagged = sum(ws[0]["flagged"] == "1" or sum(w["usable"] == "0" or extra(w) for w in ws) / len(ws) > 0.34 for ws in group)
            out[label] = 100.0 * flagged / max(1, len(group))
        return out

    print("| check added | N | A | O | ~ |\n|---|---|---|---|---|")
    rows = [("none (the gate as shipped)", lambda w: False)]
    rows += [(f"kurtosis < {t} x 3 / beats", lambda w, t=t: float(w["kurtosis"]) * max(1.0, float(w["beats"])) / 3.0 < t)
             for t in (6, 7, 7.5, 8, 10, 12)]
    for name, extra in rows:
        s = shares(extra)
        print(f"| {name} | " + " | ".join(f"{s[k]:.1f} %" for k in "NAO~") + " |")


if __name__ == "__main__":
    main()
