#!/usr/bin/python3
"""Writes the reader fixtures that have no real counterpart in the datasets, from real records.

There is no real CSV or EDF ECG data here, and MIT-BIH records (30 min, 1.95 MB each) are too big
for tests/fixtures/, so this script derives them from real records (decoded with numpy, independently
of the C++ readers); tests/fixtures/ATTRIBUTION.md says which file comes from which record.

  tests/fixtures/mitbih/100_10s.{hea,dat,atr}   MIT-BIH 100, first 10 s (3,600 frames): the .dat is
      the first 10,800 bytes of 100.dat unchanged (format 212); the header states 3,600 samples and
      the checksums of those samples; the .atr keeps the annotations before sample 3,600, byte for
      byte, followed by the end-of-file word.
  tests/fixtures/mitbih/100_2min.{hea,dat,atr}  the same for the first 2 min (43,200 frames): a real
      record long enough to stream (live screening tests replay it at 130 Hz as Polar H10 frames).
  tests/fixtures/csv/00003_lr.csv               PTB-XL 00003_lr (100 Hz): header "time (s),I (mV),...",
      comma-separated, values in mV with 3 decimals (exact: the stored integers are uV).
  tests/fixtures/csv/00003_lr_semicolon.csv     the same in uV with a semicolon delimiter, decimal comma
      time column "time_ms" in milliseconds with a decimal comma, and header "I [uV]".
  tests/fixtures/csv/00003_hr_chapman.csv       PTB-XL 00003_hr (500 Hz) in the headerless 5000 x 12
      Chapman layout, integers in uV.
  tests/fixtures/edf/00003_lr.edf               EDF+C of PTB-XL 00003_lr: 10 data records of 1 s,
      12 ECG signals (100 samples per record, digital = the stored integers, physical range
      -32.768..32.767 mV so 1 digital unit = 1 uV) and an "EDF Annotations" signal.

Usage: /usr/bin/python3 tools/make_fixtures.py [--data ~/.cache/ecg-data]
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures"
LEADS = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]


def read_format16(hea: Path) -> np.ndarray:
    lines = [l for l in hea.read_text().splitlines() if l.strip() and not l.startswith("#")]
    n_sig, n = int(lines[0].split()[1]), int(lines[0].split()[3])
    dat = hea.with_suffix(".dat")
    return np.fromfile(dat, dtype="<i2").reshape(n, n_sig).T.astype(np.int64)


def mit_annotations(b: bytes):
    """(byte position, sample, code) of every annotation of an MIT-format annotation file; SKIP, NUM,
    SUB, CHN and AUX words are followed; stops at the end-of-file word."""
    pos, time = 0, 0
    while pos + 2 <= len(b):
        w = b[pos] | (b[pos + 1] << 8)
        a, i = w >> 10, w & 0x3FF
        if w == 0:
            return
        if a == 59:
            hi, lo = b[pos + 2] | (b[pos + 3] << 8), b[pos + 4] | (b[pos + 5] << 8)
            time += (hi << 16) | lo
            pos += 6
            continue
        if a == 63:
            pos += 2 + i + (i % 2)
            continue
        if a in (60, 61, 62):
            pos += 2
            continue
        yield pos, time + i, a
        time += i
        pos += 2


def mitbih_short(data: Path, name: str, frames: int) -> None:
    src = data / "mitbih"
    out = OUT / "mitbih"
    out.mkdir(parents=True, exist_ok=True)
    raw = (src / "100.dat").read_bytes()[: frames * 3]  # 2 signals x 12 bits = 3 bytes per frame
    (out / f"{name}.dat").write_bytes(raw)
    t = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int64)
    s0 = t[:, 0] | ((t[:, 1] & 0x0F) << 8)
    s1 = t[:, 2] | ((t[:, 1] >> 4) << 8)
    sig = [np.where(s >= 2048, s - 4096, s) for s in (s0, s1)]
    lines = (src / "100.hea").read_text().splitlines()
    head = [f"{name} 2 360 {frames}"]
    for k, line in enumerate(lines[1:3]):
        f = line.split()
        f[0] = f"{name}.dat"
        f[5] = str(int(sig[k][0]))
        f[6] = str(int(((int(sig[k].sum()) + 32768) % 65536) - 32768))
        head.append(" ".join(f))
    head += lines[3:]
    (out / f"{name}.hea").write_text("\n".join(head) + "\n")
    # Annotations: copy words up to the first annotation at or after `frames`, then the end word.
    b = (src / "100.atr").read_bytes()
    cut = None
    for pos, time, _ in mit_annotations(b):
        if time >= frames:
            cut = pos
            break
    if cut is None:
        cut = len(b) - 2 if b[-2:] == b"\0\0" else len(b)
    (out / f"{name}.atr").write_bytes(b[:cut] + b"\0\0")


def csv_files(data: Path) -> None:
    out = OUT / "csv"
    out.mkdir(parents=True, exist_ok=True)
    lr = read_format16(data / "ptbxl/records100/00000/00003_lr.hea")  # gain 1000/mV: integers are uV
    n = lr.shape[1]
    with open(out / "00003_lr.csv", "w", newline="") as f:
        f.write("time (s)," + ",".join(f"{l} (mV)" for l in LEADS) + "\n")
        for t in range(n):
            f.write(f"{t / 100:.2f}," + ",".join(f"{v / 1000:.3f}" for v in lr[:, t]) + "\n")
    with open(out / "00003_lr_semicolon.csv", "w", newline="") as f:
        f.write("time_ms;" + ";".join(f"{l} [uV]" for l in LEADS) + "\r\n")
        for t in range(n):
            f.write(f"{t * 10:.1f}".replace(".", ",") + ";" + ";".join(f"{v:.1f}".replace(".", ",") for v in lr[:, t]) + "\r\n")
    hr = read_format16(data / "ptbxl/records500/00000/00003_hr.hea")
    with open(out / "00003_hr_chapman.csv", "w", newline="") as f:
        for t in range(hr.shape[1]):
            f.write(",".join(str(int(v)) for v in hr[:, t]) + "\n")


def edf_file(data: Path) -> None:
    out = OUT / "edf"
    out.mkdir(parents=True, exist_ok=True)
    lr = read_format16(data / "ptbxl/records100/00000/00003_lr.hea")
    spr, n_rec = 100, lr.shape[1] // 100
    ann_spr = 30  # 60 bytes per record for the time-keeping annotation
    labels = LEADS + ["EDF Annotations"]
    ns = len(labels)

    def a(s: str, width: int) -> bytes:
        b = s.encode("ascii")
        assert len(b) <= width, s
        return b.ljust(width, b" ")

    h = a("0", 8) + a("00003 F X X", 80) + a("Startdate 15-NOV-1984 X X CS-12_E", 80)
    h += a("15.11.84", 8) + a("12.49.10", 8) + a(str(256 * (ns + 1)), 8) + a("EDF+C", 44)
    h += a(str(n_rec), 8) + a("1", 8) + a(str(ns), 4)
    h += b"".join(a(l, 16) for l in labels)
    h += b"".join(a("AgAgCl electrode" if l != "EDF Annotations" else "", 80) for l in labels)
    h += b"".join(a("mV" if l != "EDF Annotations" else "", 8) for l in labels)
    h += b"".join(a("-32.768" if l != "EDF Annotations" else "-1", 8) for l in labels)
    h += b"".join(a("32.767" if l != "EDF Annotations" else "1", 8) for l in labels)
    h += b"".join(a("-32768", 8) for _ in labels)
    h += b"".join(a("32767", 8) for _ in labels)
    h += b"".join(a("", 80) for _ in labels)
    h += b"".join(a(str(spr if l != "EDF Annotations" else ann_spr), 8) for l in labels)
    h += b"".join(a("", 32) for _ in labels)
    assert len(h) == 256 * (ns + 1)
    body = bytearray()
    for r in range(n_rec):
        for k in range(12):
            body += lr[k, r * spr : (r + 1) * spr].astype("<i2").tobytes()
        tal = f"+{r}\x14\x14\x00".encode("ascii")
        body += tal.ljust(ann_spr * 2, b"\0")
    (out / "00003_lr.edf").write_bytes(h + bytes(body))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("ECG_DATA", str(Path.home() / ".cache/ecg-data")))
    data = Path(ap.parse_args().data).expanduser()
    mitbih_short(data, "100_10s", 3600)
    mitbih_short(data, "100_2min", 43200)
    csv_files(data)
    edf_file(data)
    for d in ("mitbih", "csv", "edf"):
        for f in sorted((OUT / d).glob("*")):
            print(f"{f.relative_to(ROOT)}  {f.stat().st_size} bytes")


if __name__ == "__main__":
    main()
