"""The 26 scored CinC 2021 classes and the label mappings (CPSC-2018, PTB-XL SCP, LUDB, CinC 2017) to SNOMED CT.

docs/labels.md is generated from the tables here (`python3 -m tools.train.labels --markdown`) and a
test keeps the two in sync; `python3 -m tools.train.labels --check` prints the agreement of the
PTB-XL mapping with the SNOMED labels of the same ECGs' CinC copies (HRxxxxx).
"""
from __future__ import annotations

import argparse
import ast
import csv
import os
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from . import metric


@dataclass(frozen=True)
class ScoredClass:
    index: int
    codes: tuple[str, ...]  # first = representative code written by our exports
    abbr: str  # representative abbreviation (first of the '|' list)
    name: str


def _load_scored() -> list[ScoredClass]:
    path = os.path.join(metric.REFERENCE_DIR, "scored_classes.csv")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    out = [
        ScoredClass(int(r["index"]), tuple(r["snomed_codes"].split("|")), r["abbreviations"].split("|")[0],
                    r["names"].split("|")[0])
        for r in rows
    ]
    rm = metric.default_reward_matrix()
    if [frozenset(c.codes) for c in out] != rm.classes:
        raise ValueError("scored_classes.csv and weights.csv disagree on the class order")
    return out


SCORED: list[ScoredClass] = _load_scored()
N_CLASSES = len(SCORED)  # 26
ABBRS = [c.abbr for c in SCORED]
NSR_INDEX = ABBRS.index("NSR")

# CPSC-2018 abbreviations used in the early CinC 2020 A-record headers. The SNOMED copies of
# A0001-A0010 confirm RBBB, Normal, AF, PVC and STD; the rest is the usual CinC mapping
# (../shared/data/README.md). PVC → 164884008 ("ventricular ectopics") and STD/STE are NOT scored in
# 2021, exactly as the official 2021 CPSC labels.
CPSC_TO_SNOMED: dict[str, tuple[str, str]] = {
    # abbr: (snomed, how we know)
    "Normal": ("426783006", "confirmed by A0001-A0010 SNOMED copies"),
    "AF": ("164889003", "confirmed by A0001-A0010 SNOMED copies"),
    "I-AVB": ("270492004", "usual CinC mapping"),
    "LBBB": ("164909002", "usual CinC mapping"),
    "RBBB": ("59118001", "confirmed by A0001-A0010 SNOMED copies"),
    "PAC": ("284470004", "usual CinC mapping"),
    "PVC": ("164884008", "confirmed by A0001-A0010 SNOMED copies (unscored VEB)"),
    "STD": ("429622005", "confirmed by A0001-A0010 SNOMED copies (unscored)"),
    "STE": ("164931005", "usual CinC mapping (unscored)"),
}

# PTB-XL SCP-ECG statements → SNOMED. Evidence column: "overlap" = seen in an HRxxxxx CinC copy of a
# PTB-XL record here; "count" = the statement's PTB-XL frequency equals the PTB_XL count of that
# SNOMED code in dx_mapping_*.csv (PTB-XL paper Table); "inferred" = by meaning only.
# All statements are used whatever their likelihood (rhythm/form statements carry likelihood 0).
PTBXL_SCP_TO_SNOMED: dict[str, tuple[str, str]] = {
    "NORM": ("426783006", "overlap (HR00002: NORM+SBRAD → NSR+SB)"),
    "SR": ("426783006", "overlap"),
    "AFIB": ("164889003", "count 1514"),
    "AFLT": ("164890007", "count 73"),
    "STACH": ("427084000", "count 826"),
    "SBRAD": ("426177001", "overlap; count 637"),
    "SARRH": ("427393009", "count 772"),
    "1AVB": ("270492004", "count 797"),
    "CLBBB": ("164909002", "count 536 (PTB-XL CLBBB is scored as LBBB)"),
    "CRBBB": ("713427006", "count 542"),
    "IRBBB": ("713426002", "count 1118"),
    "LAFB": ("445118002", "count 1626"),
    "IVCD": ("698252002", "count 789"),
    "LVOLT": ("251146004", "overlap (HR00001); count 182"),
    "LNGQT": ("111975006", "count 118"),
    "PACE": ("10370003", "count 296"),
    "PAC": ("284470004", "count 398"),
    "SVARR": ("63593006", "count 157"),
    "LPR": ("164947007", "count 340"),
    "QWAVE": ("164917005", "count 548"),
    "INVT": ("59931005", "count 294"),
    "NDT": ("164934002", "inferred (TAb count 2345 ≈ NDT+NT_+TAB_)"),
    "NT_": ("164934002", "inferred"),
    "TAB_": ("164934002", "inferred"),
    # unscored, kept so the overlap check can compare whole label sets
    "PVC": ("164884008", "count 1154 (unscored VEB)"),
    "ABQRS": ("164951009", "overlap (HR00008); count 3389 (unscored)"),
    "IMI": ("164865005", "overlap (HR00008) (unscored MI)"),
    "LVH": ("164873001", "inferred (unscored)"),
    "RVH": ("89792004", "inferred (unscored)"),
    "ILBBB": ("251120003", "count 77 (unscored)"),
    "LPFB": ("445211001", "count 177 (unscored)"),
    "WPW": ("74390002", "count 80 (unscored)"),
    "BIGU": ("11157007", "count 82 (unscored)"),
    "TRIGU": ("251180001", "count 20 (unscored)"),
}

# PTB-XL `heart_axis` column → SNOMED. Only LAD and RAD: their PTB-XL counts (5146, 343) equal the
# CinC PTB_XL counts of LAD and RAD, so ALAD/ARAD/AXL/AXR were not mapped upstream.
PTBXL_AXIS_TO_SNOMED: dict[str, tuple[str, str]] = {
    "LAD": ("39732003", "overlap (HR00007, HR00008); count 5146"),
    "RAD": ("47665007", "count 343"),
}

# LUDB ludb.csv cell values (lower-cased, matched by prefix) → SNOMED (scored classes only).
LUDB_TO_SNOMED: dict[str, tuple[str, str]] = {
    "sinus rhythm": ("426783006", "NSR"),
    "sinus bradycardia": ("426177001", "SB"),
    "sinus tachycardia": ("427084000", "STach"),
    "sinus arrhythmia": ("427393009", "SA"),
    "irregular sinus rhythm": ("427393009", "SA (irregular sinus rhythm read as sinus arrhythmia)"),
    "atrial fibrillation": ("164889003", "AF"),
    "atrial flutter": ("164890007", "AFL"),
    "electric axis of the heart: left axis deviation": ("39732003", "LAD"),
    "electric axis of the heart: right axis deviation": ("47665007", "RAD"),
    "i degree av block": ("270492004", "IAVB"),
    "incomplete right bundle branch block": ("713426002", "IRBBB"),
    "complete right bundle branch block": ("713427006", "CRBBB"),
    "complete left bundle branch block": ("733534002", "CLBBB"),
    "left anterior hemiblock": ("445118002", "LAnFB"),
    "non-specific intravintricular conduction delay": ("698252002", "NSIVCB"),
    "atrial extrasystole": ("284470004", "PAC"),
    "ventricular extrasystole": ("427172004", "PVC"),
    "unipolar ventricular pacing": ("10370003", "PR"),
    "bipolar ventricular pacing": ("10370003", "PR"),
    "biventricular pacing": ("10370003", "PR"),
    "p-synchrony": ("10370003", "PR"),
}

# CinC 2017 single-lead rhythm classes (REFERENCE.csv).
CINC2017_CLASSES = ["N", "A", "O", "~"]
CINC2017_NAMES = {"N": "normal sinus rhythm", "A": "atrial fibrillation", "O": "other rhythm", "~": "too noisy"}
# The rhythm model's classes (models/rhythm-1), in CINC2017_CLASSES order: SNOMED CT where one exists
# (NSR 426783006, AF 164889003, as in the scored CinC 2020/2021 classes); "other rhythm" and "too
# noisy" have no SNOMED CT concept, so they carry local codes ("local:…", docs/model-format.md).
CINC2017_MODEL_CLASSES = [
    {"snomed": "426783006", "abbr": "NSR", "name": "normal sinus rhythm"},
    {"snomed": "164889003", "abbr": "AF", "name": "atrial fibrillation"},
    {"snomed": "local:other_rhythm", "abbr": "OTHER", "name": "other rhythm"},
    {"snomed": "local:noisy", "abbr": "NOISY", "name": "too noisy to classify"},
]


def cpsc_codes(dx: Iterable[str]) -> list[str]:
    """Header #Dx entries (SNOMED codes or CPSC abbreviations) → SNOMED codes; unknown entries raise."""
    out = []
    for d in dx:
        d = d.strip()
        if not d:
            continue
        if d.isdigit():
            out.append(d)
        elif d in CPSC_TO_SNOMED:
            out.append(CPSC_TO_SNOMED[d][0])
        else:
            raise ValueError(f"unknown #Dx entry {d!r}: neither a SNOMED code nor a CPSC-2018 abbreviation")
    return out


def ptbxl_codes(scp_codes: str | dict, heart_axis: str = "") -> list[str]:
    """PTB-XL `scp_codes` dict (or its string form) and `heart_axis` → SNOMED codes (unmapped dropped)."""
    scp = ast.literal_eval(scp_codes) if isinstance(scp_codes, str) else scp_codes
    out = [PTBXL_SCP_TO_SNOMED[k][0] for k in scp if k in PTBXL_SCP_TO_SNOMED]
    if heart_axis in PTBXL_AXIS_TO_SNOMED:
        out.append(PTBXL_AXIS_TO_SNOMED[heart_axis][0])
    return sorted(set(out))


def ludb_codes(cells: Iterable[str]) -> list[str]:
    out = set()
    for cell in cells:
        for line in cell.split("\n"):
            v = line.strip().lower()
            for key, (code, _) in LUDB_TO_SNOMED.items():
                if v.startswith(key):
                    out.add(code)
    return sorted(out)


def multi_hot(codes: Iterable[str]) -> np.ndarray:
    """SNOMED codes → float32 (26,) target; equivalent codes fall in one class (official rule)."""
    return metric.codes_to_binary([list(codes)], metric.default_reward_matrix())[0].astype(np.float32)


def scored_abbrs(codes: Iterable[str]) -> list[str]:
    return [ABBRS[i] for i in np.flatnonzero(multi_hot(codes))]


def markdown() -> str:
    """The tables of docs/labels.md (kept in sync by tests/test_labels.py)."""
    lines = ["## The 26 scored classes (model output order = weights.csv column order)", "",
             "| idx | SNOMED CT (equivalents) | abbr | name |", "|---|---|---|---|"]
    for c in SCORED:
        codes = " \\| ".join(c.codes)
        lines.append(f"| {c.index} | {codes} | {c.abbr} | {c.name} |")
    lines += ["", "## CPSC-2018 abbreviations (CinC A-records) → SNOMED CT", "",
              "| CPSC abbr | SNOMED CT | scored class | evidence |", "|---|---|---|---|"]
    for k, (code, ev) in CPSC_TO_SNOMED.items():
        lines.append(f"| {k} | {code} | {', '.join(scored_abbrs([code])) or '(unscored)'} | {ev} |")
    lines += ["", "## PTB-XL SCP-ECG statements → SNOMED CT", "",
              "| SCP statement | SNOMED CT | scored class | evidence |", "|---|---|---|---|"]
    for k, (code, ev) in PTBXL_SCP_TO_SNOMED.items():
        lines.append(f"| {k} | {code} | {', '.join(scored_abbrs([code])) or '(unscored)'} | {ev} |")
    for k, (code, ev) in PTBXL_AXIS_TO_SNOMED.items():
        lines.append(f"| heart_axis={k} | {code} | {', '.join(scored_abbrs([code]))} | {ev} |")
    lines += ["", "## LUDB (ludb.csv, matched by lower-case prefix) → SNOMED CT", "",
              "| LUDB text | SNOMED CT | scored class |", "|---|---|---|"]
    for k, (code, _) in LUDB_TO_SNOMED.items():
        lines.append(f"| {k} | {code} | {', '.join(scored_abbrs([code]))} |")
    return "\n".join(lines) + "\n"


def overlap_check(data_dir: str | None = None) -> dict:
    """Compare ptbxl_codes() with the #Dx SNOMED labels of the CinC HR copies of the same ECGs."""
    from . import data  # late import: data imports labels

    data_dir = data_dir or data.data_root()
    ptb = {int(r["ecg_id"]): r for r in data.read_ptbxl_table(data_dir)}
    rows = []
    for hea in sorted(os.listdir(os.path.join(data_dir, "cinc"))):
        if not (hea.startswith("HR") and hea.endswith(".hea")):
            continue
        ecg_id = int(hea[2:-4])
        if ecg_id not in ptb:
            continue
        hdr = data.read_wfdb_header(os.path.join(data_dir, "cinc", hea))
        cinc = set(hdr.dx)
        ours = set(ptbxl_codes(ptb[ecg_id]["scp_codes"], ptb[ecg_id]["heart_axis"]))
        rows.append({
            "record": hea[:-4], "cinc_scored": scored_abbrs(cinc), "ptbxl_scored": scored_abbrs(ours),
            "cinc_all": sorted(cinc), "ptbxl_all": sorted(ours),
        })
    n = len(rows)
    exact = sum(r["cinc_scored"] == r["ptbxl_scored"] for r in rows)
    tp = sum(len(set(r["cinc_scored"]) & set(r["ptbxl_scored"])) for r in rows)
    n_cinc = sum(len(r["cinc_scored"]) for r in rows)
    n_ours = sum(len(r["ptbxl_scored"]) for r in rows)
    return {"records": n, "exact_scored_match": exact, "scored_codes_cinc": n_cinc,
            "scored_codes_ptbxl_mapped": n_ours, "scored_codes_agreeing": tp, "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--markdown", action="store_true", help="print the docs/labels.md tables")
    ap.add_argument("--check", action="store_true", help="PTB-XL mapping vs CinC HR copies")
    a = ap.parse_args()
    if a.markdown:
        print(markdown(), end="")
    if a.check:
        r = overlap_check()
        for row in r["rows"]:
            flag = "ok " if row["cinc_scored"] == row["ptbxl_scored"] else "DIFF"
            print(f"{flag} {row['record']}: cinc {row['cinc_scored']} ptbxl-mapped {row['ptbxl_scored']}"
                  f"   (all codes: cinc {row['cinc_all']} mapped {row['ptbxl_all']})")
        print({k: v for k, v in r.items() if k != "rows"})


if __name__ == "__main__":
    main()
