"""Label list for `ecg-bench rules`: every labelled 12-lead record in the shared data with its SNOMED codes.

Glue only: the label mapping is tools/train/labels.py (documented in docs/labels.md) and the record
pool with its de-duplication is tools/train/data.py build_pool(); this script writes what the C++
evaluation needs, one row per record: path,dataset,sex,codes (codes ';'-separated SNOMED CT).
ptbxl-processed is left out: its amplitudes are z-scored, so voltage and axis rules cannot apply.

    /usr/bin/python3 -m tools.bench.rules_labels > build/rules-labels.csv
"""
from __future__ import annotations

import csv
import sys

from tools.train import data


def main() -> None:
    pool, _ = data.build_pool(drop_unscored=False)
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["path", "dataset", "sex", "codes"])
    for it in pool:
        if it.dataset == "ptbxl-processed":
            continue
        w.writerow([it.path, it.dataset, it.sex or "", ";".join(it.codes)])


if __name__ == "__main__":
    main()
