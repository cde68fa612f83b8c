#!/usr/bin/env bash
# Which weights to keep F16 (tools/train/quantize-all.sh's F16 table): each shipped screening recipe's
# fold-0 model (RUNS/mL-r4-f0 of tools/train/experiments-15.sh) quantised four ways, each scored against
# float32 on fold 1 (the run's validation fold: the choice) and fold 0 (its test fold: reported only).
# Prints one markdown row per model and variant: file bytes, and per fold the change of the challenge
# metric and the class decisions that differ.   usage: bash tools/train/quantize-variants.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-../train-runs}
Q="/usr/bin/python3 -m tools.train.quantize"
T=$(mktemp -d)
echo "| model | variant | bytes | fold 1: metric change | fold 1: decisions changed | fold 0: metric change | fold 0: decisions changed |"
echo "|---|---|---|---|---|---|---|"
set -f
for L in 12 6 3 2; do
  f0=$RUNS/m$L-r4-f0/mobilenet1d-$L.safetensors
  for v in int8 dw03 stemdw02 stem; do
    case $v in
      int8) opts=() ;;
      dw03) opts=(--float16 "blocks.[0-3].dw.weight") ;;
      stemdw02) opts=(--float16 stem.weight --float16 "blocks.[0-2].dw.weight") ;;
      stem) opts=(--float16 stem.weight) ;;
    esac
    $Q "$f0" $T/$L-$v.safetensors "${opts[@]}" > /dev/null
    for fold in 1 0; do nice -n 10 $Q --eval "$f0" $T/$L-$v.safetensors --fold $fold --json $T/$L-$v-$fold.json > /dev/null; done
    /usr/bin/python3 -c "
import json, os
r = [json.load(open('$T/$L-$v-%d.json' % f)) for f in (1, 0)]
print(f'| mobilenet1d-$L | $v | {os.path.getsize(\"$T/$L-$v.safetensors\"):,} | ' + ' | '.join(f'{x[\"difference\"]:+.4f} | {x[\"decisions_changed\"]} of {x[\"decisions\"]:,}' for x in r) + ' |')"
  done
done
rm -rf "$T"
