#!/usr/bin/env bash
# Class decisions that change on noisy copies, per screening model file (docs/results.md, issue 15;
# the recipe and records of docs/quality.md: 50 CinC 12-lead records of folds 0-1 of
# tools/train/folds.json, wander 0.3 Hz 0.5 mV + mains 50 Hz 0.1 mV + white 0.05 mV, seed 1). A fold-0
# model of tools/train/train.py never trained on these records (fold 0 tests, fold 1 validates).
# usage: bash tools/bench/model_flips.sh MODEL.safetensors...   (needs build/native)
#        ONLY=wander|mains|white|none bash tools/bench/model_flips.sh ...   (one part of the noise alone)
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${ECG_DATA:-$HOME/.cache/ecg-data}
PY=${PYTHON:-/usr/bin/python3}
OUT=${OUT:-$(mktemp -d)}
[ $# -ge 1 ] || { echo "usage: $0 MODEL.safetensors..." >&2; exit 2; }
mapfile -t RECORDS < <("$PY" -c "
import json; f = json.load(open('tools/train/folds.json'))['twelve_lead']
print('\n'.join(sorted(k for k, v in f.items() if k.startswith('cinc/') and v in (0, 1))[:50]))")
build/native/ecg-bench quality noisy-copies --out "$OUT" --seed 1 ${ONLY:+--only "$ONLY"} "${RECORDS[@]/#/$DATA/}" > "$OUT/names.txt"
for model in "$@"; do
  build/native/ecg-screen screen --model "$model" $(sed "s|^|$OUT/|" "$OUT/names.txt") > "$OUT/clean.jsonl"
  build/native/ecg-screen screen --model "$model" $(sed "s|^|$OUT/|; s|$|_noisy|" "$OUT/names.txt") > "$OUT/noisy.jsonl"
  echo "$model:"; "$PY" tools/bench/quality_flips.py "$OUT/clean.jsonl" "$OUT/noisy.jsonl"
done
