#!/usr/bin/env bash
# Sharded eval throughput, the numbers in docs/scale-out.md: records/s per core of `ecg-screen eval`
# natively and under Node, on the 10-s 12-lead records of the CinC 2021 set in $ECG_DATA/cinc
# (default $HOME/.cache/ecg-data), one process on one core, then JOBS shards at once under GNU
# parallel (one core each) merged with `ecg-screen merge`; the wall time projected for one million
# 10-s records on 100 cores; and the merge of MERGE_RECORDS (default 1,000,000; 0 skips it) synthetic
# records in 100 shard files (tools/bench/merge-scale.mjs). Needs both builds (build/native, web/gen),
# GNU parallel and GNU time (/usr/bin/time).
#   usage: tools/bench/shard-throughput.sh            JOBS=4 MERGE_RECORDS=0 tools/bench/shard-throughput.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${ECG_DATA:-$HOME/.cache/ecg-data}/cinc
JOBS=${JOBS:-$(nproc)}
NATIVE=build/native/ecg-screen
NODE="node web/lib/cli.js"
[ -x /usr/bin/time ] || { echo "shard-throughput: expected GNU time at /usr/bin/time, found none (apt-get install time)" >&2; exit 1; }
command -v parallel >/dev/null || { echo "shard-throughput: expected GNU parallel, found none (tools/setup.sh installs it)" >&2; exit 1; }
[ -x "$NATIVE" ] || { echo "shard-throughput: expected the native build at $NATIVE, found none (tools/build.sh native)" >&2; exit 1; }
[ -d "$DATA" ] || { echo "shard-throughput: expected the CinC 2021 records in $DATA, found no folder" >&2; exit 1; }

# The 10-s records (samples / rate = 10 in the header's first line), hard-linked (or copied) into one
# folder: eval reads every header in it, and a header's signal file must sit beside it (no symlinks).
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/records"
for hea in "$DATA"/*.hea; do
  read -r _ _ fs n _ < "$hea"
  [ "$(awk -v fs="${fs%%/*}" -v n="$n" 'BEGIN { print (n / fs == 10) ? 1 : 0 }')" = 1 ] || continue
  base=${hea%.hea}
  for f in "$base".hea "$base".mat; do ln "$f" "$WORK/records/" 2>/dev/null || cp "$f" "$WORK/records/"; done
done
COUNT=$(ls "$WORK/records"/*.hea | wc -l)
echo "records: $COUNT 10-s 12-lead records of $DATA (hard links in $WORK/records), $(du -bc "$WORK"/records/* | awk -v c="$COUNT" 'END { printf "%.1f MB, %.0f KB per record (.hea + .mat)", $1 / 1e6, $1 / c / 1e3 }')"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(. /etc/os-release; echo "$PRETTY_NAME"), Node $(node --version), load average $(cut -d' ' -f1-3 /proc/loadavg)"
now() { date +%s.%N; }

measure() {  # name, command prefix, thread option
  local name=$1 tool=$2 threads=$3
  local t0 t1 one all
  # one process, one core
  t0=$(now)
  /usr/bin/time -f %M -o "$WORK/$name-rss" $tool eval --quiet "$threads" 1 "$WORK/records" > "$WORK/$name-one.json" || true
  t1=$(now)
  one=$(awk -v c="$COUNT" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", c / (b - a) }')
  one_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  # JOBS shards at once, one core each, then merged
  rm -f "$WORK/$name"-shard-*.json
  t0=$(now)
  parallel -j "$JOBS" "$tool eval --quiet $threads 1 --shard {}/$JOBS $WORK/records > $WORK/$name-shard-{}.json" ::: $(seq 1 "$JOBS") || true
  t1=$(now)
  $tool merge "$WORK/$name"-shard-*.json > "$WORK/$name-merged.json"
  all=$(awk -v c="$COUNT" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", c / (b - a) }')
  local same
  same=$(node -e '
    const [a, b] = process.argv.slice(1).map((f) => JSON.parse(require("fs").readFileSync(f, "utf8")));
    for (const r of [a, b]) for (const k of ["elapsed_s", "records_per_s", "threads"]) delete r[k];
    console.log(JSON.stringify(a) === JSON.stringify(b) ? "yes" : "NO");' "$WORK/$name-one.json" "$WORK/$name-merged.json")
  local wall per_core
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  per_core=$(awk -v r="$all" -v j="$JOBS" 'BEGIN { printf "%.2f", r / j }')
  echo "$name: 1 process on 1 core: $COUNT records in $one_wall s = $one records/s (wall, process start included), peak memory $(awk '{ printf "%.0f", $1 / 1024 }' "$WORK/$name-rss") MiB"
  echo "$name: $JOBS shards under GNU parallel -j $JOBS: $COUNT records in $wall s = $all records/s = $per_core records/s per core; merged = unsharded: $same"
  # 10^6 records on 100 cores at the per-core rate of the parallel run
  awk -v r="$per_core" -v name="$name" 'BEGIN { s = 1e6 / (100 * r); printf "%s: 1,000,000 records / (100 cores x %.2f records/s per core) = %.0f s = %.1f min\n", name, r, s, s / 60 }'
}

measure native "$NATIVE" --threads
measure node "$NODE" --jobs
MERGE_RECORDS=${MERGE_RECORDS:-1000000}
[ "$MERGE_RECORDS" = 0 ] || node tools/bench/merge-scale.mjs "$MERGE_RECORDS" 100
