#!/bin/bash
# The experiment queue behind docs/results.md: runs sequentially, skips runs that have results.json.
# Usage (from the repo root): nohup tools/train/experiments.sh ../train-runs > ../train-runs/queue.out 2>&1 &
# WAIT_PID=<pid> makes the queue start only after that process (e.g. a run of an earlier queue) ends.
# Runs are niced so that builds and tests on the same machine keep priority.
# Order: every fold of the shipped rows first (mean ± sd as soon as possible), then the single-run rows
# (lead-wise, MobileNet), then multi-level KD (four runs per fold and lead set).
# Every run: 8 epochs, 2560-sample (≈10 s at 257 Hz) training crops, 2 threads, test fold f, validation fold f+1.
RUNS=${1:-../train-runs}
PY=/usr/bin/python3
if [ -n "${WAIT_PID:-}" ]; then while kill -0 "$WAIT_PID" 2>/dev/null; do sleep 5; done; fi
run() { name=$1; shift; if [ -f $RUNS/$name/results.json ]; then return; fi
  mkdir -p $RUNS/$name; echo "$(date -Is) start $name: $*" >> $RUNS/queue.log
  nice -n 19 $PY -m tools.train.train "$@" --threads 2 --epochs 8 --input-len 2560 --out $RUNS/$name > $RUNS/$name/stdout.log 2>&1
  echo "$(date -Is) end $name rc=$?" >> $RUNS/queue.log; }
# Rows of Tables 1-3, each over all five folds before the next row starts.
F="0 1 2 3 4"
for f in $F; do run lrhnet-12-f$f --model lrhnet --leads 12 --fold $f --seed $f --export lrhnet-12; done
for f in $F; do run lrhnet-2-f$f --model lrhnet --leads 2 --fold $f --seed $f --export lrhnet-2; done
for L in 6 3 4; do for f in $F; do run lrhnet-$L-f$f --model lrhnet --leads $L --fold $f --seed $f --export lrhnet-$L; done; done
# Teacher (Zhao's SE-ResNet, width 0.25) on 12 leads, then vanilla KD into LRH-Net on 2, 3 and 6 leads.
for f in $F; do run seresnet-12-f$f --model seresnet --leads 12 --fold $f --seed $f --export seresnet-12; done
for L in 2 3 6; do for f in $F; do
  run kd-vanilla-$L-f$f --model lrhnet --leads $L --kd vanilla --teacher $RUNS/seresnet-12-f$f/model.pt --fold $f --seed $f --export lrhnet-$L-kd
done; done
# One lead-wise model for every lead set; the MobileNet-style 1D CNN on 12 leads.
for f in $F; do run leadwise-f$f --model leadwise --fold $f --seed $f --export leadwise; done
for f in $F; do run mobilenet1d-12-f$f --model mobilenet1d --leads 12 --fold $f --seed $f --export mobilenet1d-12; done
# Multi-level KD (FACTS.md §2.4). Parallel: the 12-lead teacher and an SE-ResNet trained on the
# student's leads. Sequential: the second teacher is itself distilled from the 12-lead teacher.
for L in 2 3 6; do for f in $F; do
  run seresnet-$L-f$f --model seresnet --leads $L --fold $f --seed $f
  run kd-parallel-$L-f$f --model lrhnet --leads $L --kd parallel --teacher $RUNS/seresnet-12-f$f/model.pt --teacher2 $RUNS/seresnet-$L-f$f/model.pt --fold $f --seed $f --export lrhnet-$L-pkd
  run seresnet-kd-$L-f$f --model seresnet --leads $L --kd vanilla --teacher $RUNS/seresnet-12-f$f/model.pt --fold $f --seed $f
  run kd-sequential-$L-f$f --model lrhnet --leads $L --kd sequential --teacher $RUNS/seresnet-12-f$f/model.pt --teacher2 $RUNS/seresnet-kd-$L-f$f/model.pt --fold $f --seed $f --export lrhnet-$L-skd
done; done
# The MobileNet-style CNN on the reduced lead sets too (Table 1's row; added once its 12-lead row
# turned out the strongest model on our data).
for L in 6 4 3 2; do for f in $F; do run mobilenet1d-$L-f$f --model mobilenet1d --leads $L --fold $f --seed $f --export mobilenet1d-$L; done; done
