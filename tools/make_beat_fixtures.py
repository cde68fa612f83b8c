#!/usr/bin/python3
"""Cuts the short MIT-BIH fixtures of the beat-class tests (tests/core/test_beats.cpp) from DS2 records.

  tests/fixtures/mitbih/233_bigeminy.{hea,dat,atr}  MIT-BIH 233 (DS2), 20 s from START_233: ventricular
      bigeminy and couplets among normal beats.
  tests/fixtures/mitbih/202_pac.{hea,dat,atr}       MIT-BIH 202 (DS2), 20 s from START_202: sinus
      rhythm with four isolated premature atrial beats (A).

The .dat is the byte range of the original format-212 file for those frames (3 bytes per frame),
unchanged; the header is the original with the sample count, the first samples and the checksums of
the cut; the .atr holds the original's beat annotations inside the cut (times shifted to start at
0; rhythm and other non-beat annotations dropped), re-encoded in MIT format.

Usage: /usr/bin/python3 tools/make_beat_fixtures.py [--data ~/.cache/ecg-data]
       /usr/bin/python3 tools/make_beat_fixtures.py --find 233 V   (20-s windows richest in symbol V)
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from make_fixtures import mit_annotations  # tools/ is on sys.path when this script runs

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "mitbih"
SECONDS = 20
FS = 360
# Start samples picked with --find (233: the window richest in V with N-V-N-V stretches; 202: four
# isolated A beats between N beats).
START_233 = 243281
START_202 = 278052
BEAT_CODES = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 25, 30, 34, 35, 38, 41}
SYMBOL = {1: "N", 2: "L", 3: "R", 4: "a", 5: "V", 6: "F", 7: "J", 8: "A", 9: "S", 10: "E", 11: "j", 12: "/",
          13: "Q", 25: "B", 30: "n", 34: "e", 35: "?", 38: "f", 41: "r"}


def read_atr(path: Path) -> list[tuple[int, int]]:
    """(sample, code) of every annotation (MIT format; SKIP, NUM, SUB, CHN and AUX words followed)."""
    return [(time, code) for _, time, code in mit_annotations(path.read_bytes())]


def write_atr(path: Path, ann: list[tuple[int, int]]) -> None:
    words = bytearray()
    last = 0
    for t, code in ann:
        d = t - last
        if d > 1023:
            words += (59 << 10).to_bytes(2, "little") + (d >> 16).to_bytes(2, "little") + (d & 0xFFFF).to_bytes(2, "little")
            d = 0
        words += ((code << 10) | d).to_bytes(2, "little")
        last = t
    path.write_bytes(bytes(words) + b"\0\0")


def cut(data: Path, name: str, record: int, start: int) -> None:
    src = data / "mitbih"
    frames = SECONDS * FS
    raw = (src / f"{record}.dat").read_bytes()[start * 3:(start + frames) * 3]
    assert len(raw) == frames * 3
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.dat").write_bytes(raw)
    t = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int64)
    s0 = t[:, 0] | ((t[:, 1] & 0x0F) << 8)
    s1 = t[:, 2] | ((t[:, 1] >> 4) << 8)
    sig = [np.where(s >= 2048, s - 4096, s) for s in (s0, s1)]
    lines = (src / f"{record}.hea").read_text().splitlines()
    head = [f"{name} 2 360 {frames}"]
    for k, line in enumerate(lines[1:3]):
        f = line.split()
        f[0] = f"{name}.dat"
        f[5] = str(int(sig[k][0]))
        f[6] = str(int(((int(sig[k].sum()) + 32768) % 65536) - 32768))
        head.append(" ".join(f))
    head += lines[3:]
    head.append(f"# cut: MIT-BIH record {record}, samples {start}..{start + frames - 1} (tools/make_beat_fixtures.py)")
    (OUT / f"{name}.hea").write_text("\n".join(head) + "\n")
    ann = [(s - start, c) for s, c in read_atr(src / f"{record}.atr") if start <= s < start + frames and c in BEAT_CODES]
    write_atr(OUT / f"{name}.atr", ann)
    print(f"{name}: {len(ann)} beats: " + "".join(SYMBOL[c] for _, c in ann))


def find(data: Path, record: int, symbol: str) -> None:
    ann = [(s, SYMBOL[c]) for s, c in read_atr(data / "mitbih" / f"{record}.atr") if c in BEAT_CODES]
    best = []
    for k, (s, _) in enumerate(ann):
        inside = [a for a in ann[k:] if a[0] < s - FS + SECONDS * FS]
        best.append((sum(a[1] == symbol for a in inside), s - FS, "".join(a[1] for a in inside)))
    for n, start, seq in sorted(best, reverse=True)[:8]:
        print(n, max(0, start), seq)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("ECG_DATA", str(Path.home() / ".cache/ecg-data")))
    ap.add_argument("--find", nargs=2, metavar=("RECORD", "SYMBOL"))
    args = ap.parse_args()
    data = Path(args.data).expanduser()
    if args.find:
        find(data, int(args.find[0]), args.find[1])
        return
    cut(data, "233_bigeminy", 233, START_233)
    cut(data, "202_pac", 202, START_202)


if __name__ == "__main__":
    main()
