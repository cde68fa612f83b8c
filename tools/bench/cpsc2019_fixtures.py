"""Writes tests/fixtures/cpsc2019/: three CPSC 2019 records converted to WFDB for the core tests.

    /usr/bin/python3 tools/bench/cpsc2019_fixtures.py [$ECG_DATA]

The core reads MATLAB v4 only and CPSC 2019 ships zlib-compressed MATLAB v5, so each record
`data/data_N.mat` (variable `ecg`, 5000 x 1 float64 mV, 500 Hz) becomes `N.hea` + `N.dat`
(format 16, gain 1000 adu/mV, i.e. samples rounded to 1 uV; the largest value in the set, 32.76 mV,
fits in 16 bits) and its reference `ref/R_N.mat` (variable `R_peak`, 0-based samples) becomes
`N.atr` (one MIT annotation 'N' per reference QRS). Records: 01714 (noisy, low amplitude),
01973 (bigeminy), 00224 (twelve one-sample glitches to the ADC rail, 32.75 mV).
"""
import os
import struct
import sys

import numpy as np
import scipy.io as sio

RECORDS = ["01714", "01973", "00224"]


def atr_bytes(samples):
    out = bytearray()
    prev = 0
    for s in samples:
        d = int(s) - prev
        prev = int(s)
        if d > 1023:  # SKIP (59) then the 32-bit interval, high 16 bits first (PDP-11 order)
            out += struct.pack("<H", 59 << 10)
            out += struct.pack("<HH", (d >> 16) & 0xFFFF, d & 0xFFFF)
            d = 0
        out += struct.pack("<H", (1 << 10) | d)  # code 1 = N
    out += b"\x00\x00"
    return bytes(out)


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("ECG_DATA", os.path.expanduser("~/.cache/ecg-data"))
    src = os.path.join(data, "cpsc2019")
    dst = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "cpsc2019")
    os.makedirs(dst, exist_ok=True)
    for r in RECORDS:
        x = sio.loadmat(os.path.join(src, "data", f"data_{r}.mat"))["ecg"].ravel()
        ref = sio.loadmat(os.path.join(src, "ref", f"R_{r}.mat"))["R_peak"].ravel().astype(np.int64)
        adu = np.clip(np.round(x * 1000.0), -32767, 32767).astype("<i2")
        adu.tofile(os.path.join(dst, f"{r}.dat"))
        checksum = int(adu.astype(np.int64).sum()) & 0xFFFF
        checksum = checksum - 65536 if checksum >= 32768 else checksum
        with open(os.path.join(dst, f"{r}.hea"), "w") as f:
            f.write(f"{r} 1 500 {len(adu)}\n")
            f.write(f"{r}.dat 16 1000/mV 16 0 {int(adu[0])} {checksum} 0 ECG\n")
            f.write("# CPSC 2019 training record data_%s.mat (ecg, mV) converted by tools/bench/cpsc2019_fixtures.py\n" % r)
        with open(os.path.join(dst, f"{r}.atr"), "wb") as f:
            f.write(atr_bytes(np.sort(ref)))
        print(r, len(adu), "samples,", len(ref), "reference beats")


if __name__ == "__main__":
    main()
