#!/usr/bin/env bash
# The quality gate's numbers in docs/quality.md. Needs the native build (build/native) and the datasets
# under $ECG_DATA (default $HOME/.cache/ecg-data). BEFORE=path/to/another/ecg-screen also runs the noisy-copy
# measure with that binary (e.g. a build of the commit before the gate).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${ECG_DATA:-$HOME/.cache/ecg-data}
PY=${PYTHON:-/usr/bin/python3}
BENCH=build/native/ecg-bench
SCREEN=build/native/ecg-screen
OUT=${OUT:-$(mktemp -d)}
echo "## CinC 2017"
for half in dev test; do "$BENCH" quality cinc2017 --reference "$DATA/cinc2017/training2017/REFERENCE.csv" --half "$half"; echo; done
# 50 12-lead records of the shipped models' test fold (fold 0 of tools/train/folds.json, CinC 2021 'cinc' part, by name).
mapfile -t RECORDS < <("$PY" -c "
import json; f = json.load(open('tools/train/folds.json'))['twelve_lead']
print('\n'.join(sorted(k for k, v in f.items() if k.startswith('cinc/') and v in (0, 1))[:50]))")
"$BENCH" quality noisy-copies --out "$OUT" --seed 1 "${RECORDS[@]/#/$DATA/}" > "$OUT/names.txt"
echo "## Noisy copies (wander 0.3 Hz 0.5 mV + mains 50 Hz 0.1 mV + white 0.05 mV, seed 1), $OUT"
for bin in ${BEFORE:+"$BEFORE"} "$SCREEN"; do
  "$bin" screen $(sed "s|^|$OUT/|" "$OUT/names.txt") > "$OUT/clean.jsonl"
  "$bin" screen $(sed "s|^|$OUT/|; s|$|_noisy|" "$OUT/names.txt") > "$OUT/noisy.jsonl"
  echo "$bin:"; "$PY" tools/bench/quality_flips.py "$OUT/clean.jsonl" "$OUT/noisy.jsonl"
done
echo "## Flat lead + white noise"
"$BENCH" quality flat-noise --seed 1 --sd 0.05 "${RECORDS[@]/#/$DATA/}" | tail -1
"$BENCH" quality flat-noise --seed 1 --sd 0.3 "${RECORDS[@]/#/$DATA/}" | tail -1
