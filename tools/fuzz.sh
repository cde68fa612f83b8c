#!/usr/bin/env bash
# Builds the libFuzzer targets in tests/fuzz/ with Debian's clang (ASan + UBSan) and runs each for a
# bounded time, seeded from small versions of the real fixtures; prints executions and crashes.
#   tools/fuzz.sh [seconds per target, default 60] [target ...]
#   targets: fuzz_wfdb fuzz_csv fuzz_edf fuzz_annotations fuzz_screen (default: all)
#   fuzz_screen drives the whole screen path (reader -> quality -> beats -> rules -> model) with the
#   shipped 12-lead and rhythm models; it links the whole core (built once into build/fuzz/libecg_core.a).
# Crash inputs land in build/fuzz/artifacts/<target>/; reproduce one with
#   build/fuzz/<target> build/fuzz/artifacts/<target>/crash-...
# Corpora grow in build/fuzz/corpus/<target>/ and are reused by the next run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_wfdb fuzz_csv fuzz_edf fuzz_annotations fuzz_screen)
CXX="${CXX_FUZZ:-$(command -v clang++-14 || command -v clang++)}"
out=build/fuzz
mkdir -p "$out"

# The built-in QRS detector's model file as a C array (CMake writes the same for its builds).
mkdir -p "$out/generated"
if [ ! -f "$out/generated/qrs_model_bytes.inc" ] || [ models/qrs-1.safetensors -nt "$out/generated/qrs_model_bytes.inc" ]; then
  /usr/bin/python3 -c 'import sys; print(",".join("0x%02x" % b for b in open(sys.argv[1], "rb").read()) + ",")' models/qrs-1.safetensors > "$out/generated/qrs_model_bytes.inc"
fi
# The io layer alone: it depends on nothing but the standard library and nlohmann-json.
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -fno-omit-frame-pointer -Icore/include -Icore -I"$out/generated" -DECG_SCREEN_VERSION=\"fuzz\")
if [ ! -f "$out/libecg_io.a" ] || [ -n "$(find core/io core/include -newer "$out/libecg_io.a" -name '*.[ch]*' | head -1)" ]; then
  echo "fuzz: building the io library with $CXX"
  rm -f "$out"/io_*.o
  for src in core/io/*.cpp; do
    "$CXX" "${flags[@]/-fsanitize=fuzzer,address,undefined/-fsanitize=fuzzer-no-link,address,undefined}" -c "$src" -o "$out/io_$(basename "${src%.cpp}").o"
  done
  rm -f "$out/libecg_io.a"
  ar rcs "$out/libecg_io.a" "$out"/io_*.o
fi
# The whole core (io, dsp, rules, nn without the AVX2 and XNNPACK variants, screen), for fuzz_screen.
if [[ " ${targets[*]} " == *" fuzz_screen "* ]] && { [ ! -f "$out/libecg_core.a" ] || [ -n "$(find core/io core/dsp core/rules core/nn core/screen core/include -newer "$out/libecg_core.a" -name '*.[ch]*' | head -1)" ]; }; then
  echo "fuzz: building the whole core with $CXX"
  rm -f "$out"/core_*.o
  for src in core/io/*.cpp core/dsp/*.cpp core/rules/*.cpp core/nn/*.cpp core/screen/*.cpp; do
    [ "$src" = core/nn/kernels_avx2.cpp ] && continue
    obj="$out/core_$(echo "${src#core/}" | tr / _ | sed 's/\.cpp$//').o"
    "$CXX" "${flags[@]/-fsanitize=fuzzer,address,undefined/-fsanitize=fuzzer-no-link,address,undefined}" -c "$src" -o "$obj"
  done
  rm -f "$out/libecg_core.a"
  ar rcs "$out/libecg_core.a" "$out"/core_*.o
fi
for t in "${targets[@]}"; do
  lib="$out/libecg_io.a"
  [ "$t" = fuzz_screen ] && lib="$out/libecg_core.a"
  if [ ! -x "$out/$t" ] || [ "tests/fuzz/$t.cpp" -nt "$out/$t" ] || [ "$lib" -nt "$out/$t" ]; then
    echo "fuzz: building $t"
    "$CXX" "${flags[@]}" -DECG_MODELS_DIR=\"$PWD/models\" "tests/fuzz/$t.cpp" "$lib" -o "$out/$t"
  fi
done

# Seeds: small real inputs (few samples, so each run is fast), written once per corpus folder.
/usr/bin/python3 - "$out/corpus" <<'PY'
import struct, sys
from pathlib import Path
root, fx = Path(sys.argv[1]), Path("tests/fixtures")
def put(target, name, data):
    d = root / target; d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)
def wfdb_seed(hea, signal, n_old, n_new, frame_bytes, offset=0):
    text = hea.read_text().replace(f" {n_old}", f" {n_new}", 1).encode()
    data = signal[: offset + n_new * frame_bytes]
    return struct.pack("<H", len(text)) + text + data
mat = bytearray((fx / "cinc/Q0016.mat").read_bytes()); mat[8:12] = struct.pack("<I", 40)
put("fuzz_wfdb", "q0016_mat", wfdb_seed(fx / "cinc/Q0016.hea", bytes(mat), 5000, 40, 24, 24))
put("fuzz_wfdb", "ludb_16", wfdb_seed(fx / "ludb/1.hea", (fx / "ludb/1.dat").read_bytes(), 5000, 30, 24))
put("fuzz_wfdb", "mitbih_212", wfdb_seed(fx / "mitbih/100_10s.hea", (fx / "mitbih/100_10s.dat").read_bytes(), 3600, 64, 3))
put("fuzz_wfdb", "cpsc_16", wfdb_seed(fx / "cpsc2021/data_8_4.hea", (fx / "cpsc2021/data_8_4.dat").read_bytes(), 8235, 50, 4))
for fmt in (80, 24, 32, 61):
    text = f"s 2 100 4\ns.dat {fmt}:1 100 12 0 0 0 0 I\ns.dat {fmt} 100 12 0 0 0 0 II\n#Age: 50\n#Sex: F\n#Dx: 1,2\n".encode()
    put("fuzz_wfdb", f"fmt{fmt}", struct.pack("<H", len(text)) + text + bytes(range(40)))
lines = (fx / "csv/00003_lr.csv").read_text().splitlines(True)
put("fuzz_csv", "header_time", b"\x00" + "".join(lines[:20]).encode())
lines = (fx / "csv/00003_lr_semicolon.csv").read_text().splitlines(True)
put("fuzz_csv", "semicolon", b"\x00" + "".join(lines[:20]).encode())
lines = (fx / "csv/00003_hr_chapman.csv").read_text().splitlines(True)
put("fuzz_csv", "chapman", b"\x03" + "".join(lines[:20]).encode())
put("fuzz_csv", "quoted", b"\x0b\"Lead I\";\"MLII\"\n1,5;2\n3;4\n")
edf = bytearray((fx / "edf/00003_lr.edf").read_bytes())
hdr = 256 * 14
edf[236:244] = b"1       "  # one data record
put("fuzz_edf", "edf_plus", bytes(edf[: hdr + 2460]))
for name in ("mitbih/100_10s.atr", "ludb/1.i", "cpsc2021/data_8_4.atr"):
    put("fuzz_annotations", name.replace("/", "_"), (fx / name).read_bytes())
# fuzz_screen: the same real records, long enough to hold beats (mode byte, then the fuzz_wfdb layout
# or the file): 2 s of a 12-lead record, 4 s of MIT-BIH, a CSV and an EDF data record.
put("fuzz_screen", "ludb_2s", b"\x00" + wfdb_seed(fx / "ludb/1.hea", (fx / "ludb/1.dat").read_bytes(), 5000, 1000, 24))
put("fuzz_screen", "q0016_mat_1s", b"\x0c" + wfdb_seed(fx / "cinc/Q0016.hea", bytes(mat), 5000, 40, 24, 24))
put("fuzz_screen", "mitbih_4s", b"\x00" + wfdb_seed(fx / "mitbih/100_10s.hea", (fx / "mitbih/100_10s.dat").read_bytes(), 3600, 1440, 3))
lines = (fx / "csv/00003_lr.csv").read_text().splitlines(True)
put("fuzz_screen", "csv", b"\x01" + "".join(lines[:300]).encode())
put("fuzz_screen", "edf", b"\x02" + bytes(edf[: hdr + 2460]))
PY

printf '\n%-18s %10s %8s %s\n' target executions crashes artifacts
summary=()
for t in "${targets[@]}"; do
  mkdir -p "$out/artifacts/$t" "$out/corpus/$t"
  log="$out/$t.log"
  before=$(ls "$out/artifacts/$t" | wc -l)
  # -rss_limit_mb: a reader that allocates from a header's claims instead of the input shows up here.
  "$out/$t" "$out/corpus/$t" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$out/artifacts/$t/" >"$log" 2>&1 || true
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  after=$(ls "$out/artifacts/$t" | wc -l)
  line=$(printf '%-18s %10s %8s %s' "$t" "${execs:-?}" "$((after - before))" "$out/artifacts/$t/")
  echo "$line"
  summary+=("$line")
  if [ "$after" -gt "$before" ]; then grep -m3 -E 'ERROR|runtime error|SUMMARY' "$log" | sed 's/^/    /'; fi
done
