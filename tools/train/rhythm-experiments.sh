#!/bin/bash
# The runs behind models/rhythm-1 and the "Single-lead rhythm model" section of docs/results.md.
# Usage (from the repo root): nohup tools/train/rhythm-experiments.sh ../train-runs > ../train-runs/rhythm-queue.out 2>&1 &
# Five folds in sequence (test fold f of folds.json "cinc2017", the other four train), 4 epochs of
# one random 15-s crop per record, 2 threads, niced; fold 0 exports the shipped file rhythm-1.
# Skips runs that have results.json. Then: the summary table and the C++ test fixtures.
# The runs behind the committed numbers are in ../train-runs (RUNS) beside the repository on the training machine.
RUNS=${1:-../train-runs}
PY=/usr/bin/python3
for f in 0 1 2 3 4; do
  [ -f $RUNS/rhythm-f$f/results.json ] && continue
  exp=""; [ $f = 0 ] && exp="--export rhythm-1"
  mkdir -p $RUNS/rhythm-f$f
  nice -n 10 $PY -m tools.train.rhythm --fold $f --epochs 4 --threads 2 --out $RUNS/rhythm-f$f $exp > $RUNS/rhythm-f$f/stdout.log 2>&1
done
# cp $RUNS/rhythm-f0/rhythm-1.safetensors models/
# $PY -m tools.train.rhythm --fixtures $RUNS/rhythm-f0        # tests/fixtures/{cinc2017,nn,screen}
# $PY -m tools.train.rhythm --summarize $RUNS/rhythm-f*       # docs/results.md, models/rhythm-1.md
