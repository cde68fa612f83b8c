#!/bin/bash
# The experiment queue behind docs/results.md: runs sequentially, skips runs that have results.json.
# Usage (from the repo root): nohup tools/train/experiments.sh ../train-runs > ../train-runs/queue.out 2>&1 &
# Runs are niced so that builds and tests on the same machine keep priority.
# Order: every fold of the shipped rows first (mean ± sd as soon as possible), then the other rows.
# Every run: 8 epochs, 2560-sample (≈10 s at 257 Hz) training crops, 2 threads, test fold f, validation fold f+1.
RUNS=${1:-../train-runs}
PY=/usr/bin/python3
run() { name=$1; shift; if [ -f $RUNS/$name/results.json ]; then return; fi
  mkdir -p $RUNS/$name; echo "$(date -Is) start $name: $*" >> $RUNS/queue.log
  nice -n 19 $PY -m tools.train.train "$@" --threads 2 --epochs 8 --input-len 2560 --out $RUNS/$name > $RUNS/$name/stdout.log 2>&1
  echo "$(date -Is) end $name rc=$?" >> $RUNS/queue.log; }
for f in 0 1 2 3 4; do run lrhnet-12-f$f --model lrhnet --leads 12 --fold $f --seed $f --export lrhnet-12; done
for f in 0 1 2 3 4; do run lrhnet-2-f$f --model lrhnet --leads 2 --fold $f --seed $f --export lrhnet-2; done
for f in 0 1 2 3 4; do
  run seresnet-12-f$f --model seresnet --leads 12 --fold $f --seed $f --export seresnet-12
  run kd-vanilla-2-f$f --model lrhnet --leads 2 --kd vanilla --teacher $RUNS/seresnet-12-f$f/model.pt --fold $f --seed $f --export lrhnet-2-kd
done
for f in 0 1 2 3 4; do
  run lrhnet-6-f$f --model lrhnet --leads 6 --fold $f --seed $f --export lrhnet-6
  run lrhnet-3-f$f --model lrhnet --leads 3 --fold $f --seed $f --export lrhnet-3
done
