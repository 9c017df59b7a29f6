#!/usr/bin/env bash
# Sets up shapeseg on a fresh machine: libtorch (found or installed), npm packages, the addon and the TypeScript build.
# Idempotent: a second run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib.sh

node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || { echo "shapeseg needs Node.js >= 20 (found $(node --version))" >&2; exit 1; }

# libtorch: $LIBTORCH, else a Python torch, else the system; install Debian's libtorch-dev when none is found.
if ! node scripts/find-libtorch.mjs --json >/dev/null 2>&1; then
  if is_root && have_apt; then
    apt_install libtorch-dev
  else
    node scripts/find-libtorch.mjs --json || true
    echo "No libtorch found. Set LIBTORCH=/path/to/libtorch, install PyTorch for python3, or run: sudo apt-get install -y libtorch-dev" >&2
    exit 1
  fi
fi
for tool in g++ make python3; do command -v "$tool" >/dev/null || apt_install build-essential python3; done
# Gloo's headers (Debian ships them apart from libtorch-dev): without them the addon builds with no CPU process group.
if [ ! -f /usr/include/gloo/config.h ] && have_apt; then
  apt_install libgloo-dev || say "no Gloo headers: distributed training on CPU is left out of the addon (install libgloo-dev)"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  # onnxruntime-node's CPU binaries are in its npm package; its install script would fetch CUDA ones from NuGet
  # (unreachable offline, and unused: GPU work goes through libtorch)
  ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
fi
# npm ci already builds the addon (node-gyp runs for a package with a binding.gyp); rebuild only when stale
addon=build/Release/shapeseg.node
if [ ! -f "$addon" ] || [ -n "$(find native binding.gyp scripts/find-libtorch.mjs -newer "$addon" 2>/dev/null | head -1)" ]; then
  say "building the native addon"
  npm run --silent build:addon >/tmp/shapeseg-addon-build.log 2>&1 || { tail -40 /tmp/shapeseg-addon-build.log >&2; exit 1; }
fi
say "compiling TypeScript"
npm run --silent build:ts
say "ready: $(node dist/src/cli/main.js info 2>/dev/null | head -1 || echo built)"
