#!/usr/bin/env bash
# Builds the presets named on the command line (default: native and wasm).
#   tools/build.sh                 native + wasm
#   tools/build.sh wasm            only the WebAssembly module (what `npm start` needs)
#   tools/build.sh native-debug    ASan + UBSan build of the native tests
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. tools/setup.sh --env
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(native wasm)
for preset in "${presets[@]}"; do
  case "$preset" in native|native-debug|wasm) ;; *) echo "build: unknown preset '$preset' (native, native-debug, wasm)" >&2; exit 2;; esac
  if [ ! -f "build/$preset/build.ninja" ]; then
    cmake --preset "$preset" >/dev/null
  fi
  echo "build: $preset"
  cmake --build --preset "$preset"
  if [ "$preset" = wasm ]; then
    node tools/gen-sw-manifest.mjs   # offline file list for sw.js
    node tools/build-single.mjs      # dist/ecg-screen.html for use from disk
  fi
done
