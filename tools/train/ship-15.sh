#!/usr/bin/env bash
# Ship the screening models of issue 15 (recipe r4, trained on every record by tools/train/final.py in
# tools/train/experiments-15.sh): float32 files into tools/train/float32/, model cards from the
# committed results (tools/train/results-15), then the int8 files, fixtures, held-out int8 check and
# card sections (quantize-all.sh --eval), and README's model table.
# usage: bash tools/train/ship-15.sh [RUNS]   (RUNS: the queue's folder, default ../train-runs)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-../train-runs}
PY=/usr/bin/python3
K=tools/train/results-15
for L in 12 6 3 2; do
  m=mobilenet1d-$L
  [ -f $RUNS/m$L-r4-final/$m.safetensors ] || { echo "ship-15: $RUNS/m$L-r4-final/$m.safetensors missing: run tools/train/experiments-15.sh" >&2; exit 1; }
  cp $RUNS/m$L-r4-final/$m.safetensors tools/train/float32/$m.safetensors
  $PY -m tools.train.summarize $(for f in 0 1 2 3 4; do echo $K/m$L-r4-f$f; done) \
    --card $m tools/train/float32/$m.safetensors $K/m$L-r4-final > models/$m.md
done
RUNS=$RUNS EVAL="mobilenet1d-12 mobilenet1d-6 mobilenet1d-3 mobilenet1d-2" bash tools/train/quantize-all.sh --eval
$PY -m tools.train.readme_models --write README.md
