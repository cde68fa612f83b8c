#!/usr/bin/env bash
# Bounded libFuzzer run of the nn model loader (tests/fuzz/fuzz_nn_model.cpp) with clang 14's
# -fsanitize=fuzzer,address, seeded with the model fixtures.
#   tools/fuzz-nn.sh [seconds=60]      exits non-zero on a crash; crashers land in build/fuzz-nn/
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-60}"
out=build/fuzz-nn
mkdir -p "$out/corpus"
cp tests/fixtures/nn/*.safetensors "$out/corpus/" 2>/dev/null || true
rm -f "$out"/corpus/*.golden.safetensors
clang++-14 -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -Icore/include -Icore tests/fuzz/fuzz_nn_model.cpp core/nn/model.cpp core/nn/executor.cpp core/nn/kernels.cpp \
  core/nn/reference.cpp -o "$out/fuzz_nn_model"
"$out/fuzz_nn_model" -max_total_time="$seconds" -max_len=300000 -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix="$out/" "$out/corpus" 2>&1 | tee "$out/fuzz.log" | grep -E "^#[0-9]+ +(DONE|INITED)|ERROR|SUMMARY|Done" || true
grep -q "ERROR: " "$out/fuzz.log" && { echo "fuzz-nn: crash, see $out/fuzz.log"; exit 1; }
echo "fuzz-nn: $(grep -oE 'Done [0-9]+ runs' "$out/fuzz.log" | tail -1) in ${seconds} s, no crash"
