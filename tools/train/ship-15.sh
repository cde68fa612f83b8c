#!/usr/bin/env bash
# Ship the screening models of issue 15 (recipes r4 / r5 below, trained on every record by tools/train/final.py in
# tools/train/experiments-15.sh): float32 files into tools/train/float32/, model cards from the
# committed results (tools/train/results-15), then the int8 files, fixtures, held-out int8 check and
# card sections (quantize-all.sh --eval), and README's model table.
# usage: bash tools/train/ship-15.sh [RUNS]   (RUNS: the queue's folder, default ../train-runs)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-../train-runs}
PY=/usr/bin/python3
K=tools/train/results-15
# the recipe shipped per lead set (docs/results.md, Issue 15, "Shipped models")
declare -A RECIPE=([12]=r4 [6]=r4 [3]=r4 [2]=r4)
for L in 12 6 3 2; do
  m=mobilenet1d-$L; rec=${RECIPE[$L]}
  [ -f $RUNS/m$L-$rec-final/$m.safetensors ] || { echo "ship-15: $RUNS/m$L-$rec-final/$m.safetensors missing: run tools/train/experiments-15.sh" >&2; exit 1; }
  cp $RUNS/m$L-$rec-final/$m.safetensors tools/train/float32/$m.safetensors
  $PY -m tools.train.summarize $(for f in 0 1 2 3 4; do echo $K/m$L-$rec-f$f; done) \
    --card $m tools/train/float32/$m.safetensors $K/m$L-$rec-final > models/$m.md
done
RUNS=$RUNS EVAL="mobilenet1d-12 mobilenet1d-6 mobilenet1d-3 mobilenet1d-2" bash tools/train/quantize-all.sh --eval
$PY -m tools.train.readme_models --write README.md
