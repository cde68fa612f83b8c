#!/usr/bin/python3
"""Checks the C++ readers against an independent scipy/numpy decoding of every record in the datasets.

For each record of MANIFEST.csv (cinc, ptbxl at both rates, ludb, mitbih, cinc2017, cpsc2021) it runs
`build/native/ecg-screen dump` (the reader's stored integers as JSON) and compares them, bit for bit,
with a decoding done here: scipy.io.loadmat for `.mat`, numpy for WFDB formats 16 and 212. It also
checks the sampling rate, sample count, gains and baselines against this script's own reading of the
header, that every header checksum mismatch this script finds is reported by the reader as a warning
(and no other), and decodes every annotation file (`.atr`, LUDB's `.i` ... `.v6`) with a numpy MIT-format
decoder compared with `ecg-screen annotations`.

Usage (from the repository root, after `bash tools/build.sh native`):
    /usr/bin/python3 tools/check_readers.py [--data ~/.cache/ecg-data] [--datasets cinc,ludb] [--limit N]
Exit status 0 when every record matches. Uses Debian's /usr/bin/python3 (numpy + scipy).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import scipy.io

DATASETS = ["cinc", "ptbxl", "ludb", "mitbih", "cinc2017", "cpsc2021"]
ANNOTATION_EXTS = {"atr", "i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6"}


def parse_header(path: Path) -> dict:
    """Minimal WFDB header reading, written independently of the C++ parser."""
    lines = [l.strip() for l in path.read_text(errors="replace").splitlines()]
    lines = [l for l in lines if l and not l.startswith("#")]
    rec = lines[0].split()
    n_sig = int(rec[1])
    fs = float(rec[2].split("/")[0].split("(")[0]) if len(rec) > 2 else 250.0
    n = int(rec[3]) if len(rec) > 3 else None
    sigs = []
    for line in lines[1 : 1 + n_sig]:
        f = line.split()
        fmt = f[1]
        offset = int(fmt.split("+")[1]) if "+" in fmt else 0
        fmt_num = int(fmt.split("+")[0].split(":")[0].split("x")[0])
        gain_field = f[2] if len(f) > 2 else "200"
        g = gain_field.split("/")[0]
        if "(" in g:
            gain, baseline = float(g.split("(")[0]), int(g.split("(")[1].rstrip(")"))
        else:
            gain, baseline = float(g), (int(f[4]) if len(f) > 4 else 0)
        sigs.append({
            "file": f[0], "format": fmt_num, "offset": offset, "gain": gain if gain != 0 else 200.0,
            "baseline": baseline, "checksum": int(f[6]) if len(f) > 6 else None,
        })
    return {"n_sig": n_sig, "fs": fs, "n": n, "signals": sigs}


def decode_212(raw: np.ndarray, count: int) -> np.ndarray:
    raw = raw[: (count + 1) // 2 * 3]
    if raw.size % 3:
        raw = np.concatenate([raw, np.zeros(3 - raw.size % 3, np.uint8)])
    t = raw.reshape(-1, 3).astype(np.int32)
    first = t[:, 0] | ((t[:, 1] & 0x0F) << 8)
    second = t[:, 2] | ((t[:, 1] >> 4) << 8)
    out = np.empty(t.shape[0] * 2, np.int32)
    out[0::2], out[1::2] = first, second
    out = out[:count]
    return np.where(out >= 2048, out - 4096, out)


def decode_record(hea: Path, header: dict) -> np.ndarray:
    """Stored integers, shape (n_sig, n), decoded with scipy/numpy only."""
    by_file: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(header["signals"]):
        by_file[s["file"]].append(i)
    n = header["n"]
    out = [None] * header["n_sig"]
    for name, idx in by_file.items():
        path = hea.parent / name
        s0 = header["signals"][idx[0]]
        if name.lower().endswith(".mat"):
            val = scipy.io.loadmat(str(path))["val"]
            assert val.dtype == np.int16, f"{path}: val is {val.dtype}"
            frames = val.astype(np.int32)
        elif s0["format"] == 16:
            flat = np.fromfile(path, dtype="<i2", offset=s0["offset"]).astype(np.int32)
            frames = flat[: (flat.size // len(idx)) * len(idx)].reshape(-1, len(idx)).T
        elif s0["format"] == 212:
            raw = np.fromfile(path, dtype=np.uint8, offset=s0["offset"])
            count = raw.size // 3 * 2 + (1 if raw.size % 3 >= 2 else 0)
            flat = decode_212(raw, count)
            frames = flat[: (flat.size // len(idx)) * len(idx)].reshape(-1, len(idx)).T
        else:
            raise ValueError(f"{hea}: format {s0['format']} not decoded by the checker")
        if n is None:
            n = frames.shape[1]
        for k, i in enumerate(idx):
            out[i] = frames[k, :n]
    return np.stack(out)


def decode_annotations(path: Path) -> list[tuple]:
    """MIT-format annotation decoding in numpy: (sample, code, subtype, chan, num, aux) per annotation."""
    b = np.fromfile(path, dtype=np.uint8)
    words = b[: b.size // 2 * 2].reshape(-1, 2).astype(np.int64)
    words = words[:, 0] | (words[:, 1] << 8)
    anns, t, chan, num, i = [], 0, 0, 0, 0
    while i < words.size:
        w = int(words[i]); a, v = w >> 10, w & 0x3FF
        i += 1
        if w == 0:
            break
        if a == 59:
            hi, lo = int(words[i]), int(words[i + 1])
            skip = (hi << 16) | lo
            t += skip - (1 << 32) if skip >= 1 << 31 else skip
            i += 2
        elif a == 60:
            num = v - 1024 if v > 511 else v
            if anns: anns[-1][4] = num
        elif a == 61:
            anns[-1][2] = (v & 0xFF) - 256 if (v & 0xFF) > 127 else (v & 0xFF)
        elif a == 62:
            chan = v
            if anns: anns[-1][3] = chan
        elif a == 63:
            raw = b[2 * i : 2 * i + v].tobytes().rstrip(b"\0")
            anns[-1][5] = raw.decode("utf-8", errors="replace")
            i += (v + 1) // 2
        else:
            t += v
            anns.append([t, a, 0, chan, num, ""])
    return [tuple(a) for a in anns]


def run_cli(exe: str, command: str, paths: list[str]) -> tuple[dict[str, dict], str]:
    proc = subprocess.run([exe, command, *paths], capture_output=True, text=True)
    out = {}
    for line in proc.stdout.splitlines():
        obj = json.loads(line)
        out[obj.get("record") or obj.get("file")] = obj
    return out, proc.stderr


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("ECG_DATA", str(Path.home() / ".cache/ecg-data")))
    ap.add_argument("--exe", default="build/native/ecg-screen")
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--limit", type=int, default=0, help="records per dataset (0: all)")
    ap.add_argument("--batch", type=int, default=64)
    args = ap.parse_args()
    data = Path(args.data).expanduser()
    wanted = args.datasets.split(",")
    rows = defaultdict(list)
    with open(data / "MANIFEST.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["dataset"] in wanted:
                rows[row["dataset"]].append(row)
    failures: list[str] = []
    summary = {}
    t0 = time.time()
    for ds in wanted:
        recs = rows[ds][: args.limit] if args.limit else rows[ds]
        stats = defaultdict(int)
        for start in range(0, len(recs), args.batch):
            batch = recs[start : start + args.batch]
            heas = [data / r["paths"].split(";")[0] for r in batch]
            dumped, stderr = run_cli(args.exe, "dump", [str(h) for h in heas])
            for r, hea in zip(batch, heas):
                stats["records"] += 1
                name = hea.name[: -len(".hea")]
                got = dumped.get(name)
                if got is None:
                    failures.append(f"{ds}/{name}: reader failed: {stderr.strip()[:300]}")
                    stats["errors"] += 1
                    continue
                header = parse_header(hea)
                want = decode_record(hea, header)
                digital = np.array(got["digital"], dtype=np.int64)
                problems = []
                if digital.shape != want.shape:
                    problems.append(f"shape {digital.shape} != {want.shape}")
                elif not np.array_equal(digital, want):
                    bad = np.argwhere(digital != want)[0]
                    problems.append(f"samples differ first at lead {bad[0]} sample {bad[1]}: {digital[tuple(bad)]} != {want[tuple(bad)]}")
                if got["fs_hz"] != header["fs"]:
                    problems.append(f"fs {got['fs_hz']} != {header['fs']}")
                if [float(s["gain"]) for s in header["signals"]] != got["gain"]:
                    problems.append("gains differ")
                if [float(s["baseline"]) for s in header["signals"]] != got["baseline"]:
                    problems.append("baselines differ")
                # Checksums: every mismatch found here must be reported by the reader, and no other.
                n_bad = 0
                if want.shape == digital.shape:
                    for i, s in enumerate(header["signals"]):
                        if s["checksum"] is not None and (int(want[i].sum()) - s["checksum"]) % 65536 != 0:
                            n_bad += 1
                n_warn = sum("checksum mismatch" in w for w in got["warnings"])
                if n_bad != n_warn:
                    problems.append(f"{n_bad} checksum mismatches, reader warned {n_warn}")
                stats["checksum_warnings"] += n_warn
                stats["initial_value_warnings"] += sum("initial value" in w for w in got["warnings"])
                stats["other_warnings"] += sum("checksum mismatch" not in w and "initial value" not in w for w in got["warnings"])
                stats["samples"] += int(want.size)
                if problems:
                    failures.append(f"{ds}/{name}: " + "; ".join(problems))
                    stats["mismatches"] += 1
            # Annotation files of these records.
            ann_paths = [data / p for r in batch for p in r["paths"].split(";")[1:] if p.rsplit(".", 1)[-1] in ANNOTATION_EXTS]
            if ann_paths:
                got_ann, stderr = run_cli(args.exe, "annotations", [str(p) for p in ann_paths])
                for p in ann_paths:
                    stats["annotation_files"] += 1
                    g = got_ann.get(str(p))
                    if g is None:
                        failures.append(f"{ds}/{p.name}: annotation reader failed: {stderr.strip()[:300]}")
                        stats["annotation_mismatches"] += 1
                        continue
                    want_ann = decode_annotations(p)
                    got_list = [(a["sample"], a["code"], a["subtype"], a["channel"], a["num"], a["aux"]) for a in g["annotations"]]
                    stats["annotations"] += len(want_ann)
                    if got_list != want_ann:
                        first = next((i for i, (x, y) in enumerate(zip(got_list, want_ann)) if x != y), min(len(got_list), len(want_ann)))
                        failures.append(f"{ds}/{p.name}: annotations differ at #{first} ({len(got_list)} vs {len(want_ann)})")
                        stats["annotation_mismatches"] += 1
        summary[ds] = dict(stats)
        print(f"{ds:9s} records {stats['records']:5d}  sample mismatches {stats['mismatches']:3d}  read errors {stats['errors']:3d}  "
              f"samples {stats['samples']:11d}  warnings: checksum {stats['checksum_warnings']}, initial value {stats['initial_value_warnings']}, "
              f"other {stats['other_warnings']}  "
              f"annotation files {stats['annotation_files']:5d} ({stats['annotations']} annotations, {stats['annotation_mismatches']} mismatches)",
              flush=True)
    for f in failures[:50]:
        print("FAIL", f)
    if len(failures) > 50:
        print(f"... and {len(failures) - 50} more")
    total = sum(s.get("records", 0) for s in summary.values())
    print(f"checked {total} records in {time.time() - t0:.0f} s: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
