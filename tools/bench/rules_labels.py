"""Label list for `ecg-bench rules`: every labelled 12-lead record in the shared data with its SNOMED codes.

Glue only: the label mapping is tools/train/labels.py (documented in docs/labels.md) and the record
pool with its de-duplication is tools/train/data.py build_pool(); this script writes what the C++
evaluation needs, one row per record: path,dataset,sex,codes,key (codes ';'-separated SNOMED CT; key
the record's key in tools/train/folds.json).
ptbxl-processed is left out: its amplitudes are z-scored, so voltage and axis rules cannot apply.
The 41 CinC 12-lead records of extra/cinc-extra (not in the training pool, so never seen by a shipped
model) are added as dataset "cinc-extra", their #Dx read exactly as for `cinc`.

    /usr/bin/python3 -m tools.bench.rules_labels > build/rules-labels.csv
"""
from __future__ import annotations

import csv
import os
import sys

from tools.train import data


def main() -> None:
    pool, _ = data.build_pool(drop_unscored=False)
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["path", "dataset", "sex", "codes", "key"])
    # PTB-XL's own heart_axis value rides along as a pseudo-code "ptbxl_axis:<value>" (not SNOMED, so
    # the challenge metric ignores it): `ecg-bench rules` scores LAD / RAD against ALAD / ARAD too
    # (docs/labels.md: PTB-XL's LAD is the German "Linkstyp", not axis < -30 degrees).
    axis = {f"ptbxl/{int(r['ecg_id'])}": r["heart_axis"] for r in data.read_ptbxl_table(data.data_root())}
    for it in pool:
        if it.dataset == "ptbxl-processed":
            continue
        codes = list(it.codes)
        if it.dataset == "ptbxl" and axis.get(it.key):
            codes.append("ptbxl_axis:" + axis[it.key])
        w.writerow([it.path, it.dataset, it.sex or "", ";".join(codes), it.key])
    extra = os.path.join(data.data_root(), "extra", "cinc-extra")
    if os.path.isdir(extra):
        for fn in sorted(os.listdir(extra)):
            if fn.endswith(".hea"):
                h = data.read_wfdb_header(os.path.join(extra, fn))
                w.writerow([os.path.join(extra, fn), "cinc-extra", h.sex or "", ";".join(h.dx), "cinc-extra/" + fn[:-4]])


if __name__ == "__main__":
    main()
