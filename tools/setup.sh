#!/usr/bin/env bash
# Installs what the build and the tests need on Debian 12, and holds the Debian emscripten 3.1.6
# quirks in one place. Idempotent; quiet and fast (< 5 s) when everything is present.
#
#   tools/setup.sh            check, install what is missing (apt-get as root; npm ci)
#   . tools/setup.sh --env    only export the build environment (used by tools/build.sh)
#
# Emscripten 3.1.6 quirks and where each is handled:
#   - emcc's optimizer requires Debian's acorn: NODE_PATH=/usr/share/nodejs (exported below);
#   - the glue fetch()es the .wasm by path under Node 18+: loaders pass wasmBinary
#     (web/lib/ecg-screen.js for the module, tools/run-wasm-test.mjs for test programs);
#   - -sEXPORT_ES6 output breaks in Node (__dirname): tools/wasm-esm.mjs wraps plain output instead;
#   - -I/usr/include pulls glibc headers into wasm: CMakeLists.txt links header-only libs privately.

ecg_export_env() {
  export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
  # A writable emscripten cache for non-root users (Debian's lives under /usr/share).
  if [ ! -w /usr/share/emscripten/cache ]; then export EM_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/emscripten"; fi
}

if [ "${1:-}" = "--env" ]; then
  ecg_export_env
  return 0 2>/dev/null || exit 0
fi

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

EMSCRIPTEN_VERSION=3.1.6
# Debian packages, each with a file that proves it is installed.
declare -A PACKAGES=(
  [cmake]=/usr/bin/cmake
  [ninja-build]=/usr/bin/ninja
  [g++]=/usr/bin/g++
  [emscripten]=/usr/bin/emcc
  [catch2]=/usr/include/catch2/catch.hpp
  [nlohmann-json3-dev]=/usr/include/nlohmann/json.hpp
  [libxnnpack-dev]=/usr/include/xnnpack.h
  [nodejs]=/usr/bin/node
  [npm]=/usr/bin/npm
  [chromium]=/usr/bin/chromium
  [python3-torch]=/usr/lib/python3/dist-packages/torch/__init__.py
  [python3-scipy]=/usr/lib/python3/dist-packages/scipy/__init__.py
  [python3-numpy]=/usr/lib/python3/dist-packages/numpy/__init__.py
  [parallel]=/usr/bin/parallel   # GNU parallel: sharded batches across cores and hosts (docs/scale-out.md)
  [time]=/usr/bin/time           # GNU time: peak memory in tools/bench/shard-throughput.sh
)
missing=()
for pkg in "${!PACKAGES[@]}"; do
  [ -e "${PACKAGES[$pkg]}" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages (${missing[*]}); run as root or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    echo "setup: apt-get could not install: ${missing[*]} (is the Debian mirror reachable?)" >&2
    exit 1
  fi
  for pkg in "${missing[@]}"; do
    [ -e "${PACKAGES[$pkg]}" ] || { echo "setup: $pkg installed but ${PACKAGES[$pkg]} is still missing" >&2; exit 1; }
  done
fi

found=$(cat /usr/share/emscripten/emscripten-version.txt 2>/dev/null | tr -d '"[:space:]')
if [ "$found" != "$EMSCRIPTEN_VERSION" ]; then
  echo "setup: expected Debian's emscripten $EMSCRIPTEN_VERSION, found '${found:-none}' (the build flags are tuned for it)" >&2
  exit 1
fi

# npm packages: reinstall only when package-lock.json changed since the last npm ci.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
