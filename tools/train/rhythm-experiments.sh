#!/bin/bash
# The runs behind models/rhythm-1 and the "Single-lead rhythm model" section of docs/results.md.
# Usage (from the repo root): nohup tools/train/rhythm-experiments.sh ../train-runs > ../train-runs/rhythm-queue.out 2>&1 &
# Five folds in sequence (test fold f of folds.json "cinc2017", the other four train), 2 threads,
# niced; skips runs that have results.json; each finished results.json is also copied into
# tools/train/results-rhythm/NAME/ (committed, so the tables regenerate without ../train-runs).
#   rhythm-f<f>     the first recipe: 4 epochs, one-cycle lr, final epoch (the table "first recipe")
#   rhythm-r4-f<f>  the screening models' recipe (issue 15.6): 10 % of the training folds validate each
#                   epoch (stratified), lr x0.1 after 2 epochs without a better validation F1, stop after
#                   4, best epoch kept (at most 40), noise augmentation on half the crops; fold 0 exports
# Then: the summary tables and the C++ test fixtures (commented commands at the end).
RUNS=${1:-../train-runs}
PY=/usr/bin/python3
KEEP=tools/train/results-rhythm
if [ -n "${WAIT_PID:-}" ]; then while kill -0 "$WAIT_PID" 2>/dev/null; do sleep 5; done; fi
run() { name=$1; shift
  if [ ! -f $RUNS/$name/results.json ]; then
    mkdir -p $RUNS/$name; echo "$(date -Is) start $name: $*" >> $RUNS/rhythm-queue.log
    nice -n 19 $PY -m tools.train.rhythm "$@" --threads 2 --out $RUNS/$name > $RUNS/$name/stdout.log 2>&1
    echo "$(date -Is) end $name rc=$?" >> $RUNS/rhythm-queue.log
  fi
  if [ -f $RUNS/$name/results.json ] && [ ! -f $KEEP/$name/results.json ]; then mkdir -p $KEEP/$name; cp $RUNS/$name/results.json $KEEP/$name/; fi; }
R4="--epochs 40 --schedule plateau --val-share 0.1 --patience 4 --augment 0.5"
for f in 0 1 2 3 4; do exp=""; [ $f = 0 ] && exp="--export rhythm-1"; run rhythm-r4-f$f $R4 --fold $f --seed $f $exp; done
# the first recipe's runs (their per-fold table is in docs/results.md; not rerun):
# for f in 0 1 2 3 4; do exp=""; [ $f = 0 ] && exp="--export rhythm-1"; run rhythm-f$f --fold $f --epochs 4 $exp; done
# cp $RUNS/rhythm-r4-f0/rhythm-1.safetensors tools/train/float32/ && bash tools/train/quantize-all.sh
# $PY -m tools.train.rhythm --fixtures $RUNS/rhythm-r4-f0     # tests/fixtures/{cinc2017,nn,screen}
# $PY -m tools.train.rhythm --summarize tools/train/results-rhythm/rhythm-r4-f*   # docs/results.md, models/rhythm-1.md
