#!/usr/bin/env bash
# Gathers what a GPU machine that reaches no registry needs to build shapeseg's addon and run the bench,
# into .cache/gpu-pack/ (ignored by git; < 64 MiB so the device tool can carry it):
#   app.tar.xz   dist/ (compiled TS), production node_modules (incl. node-addon-api headers, sharp + libvips),
#                N-API headers from Node's include dir
#   node.xz      this machine's node binary (official build, needs glibc >= 2.28 only), xz-compressed
# Sources (native/, binding.gyp, scripts/, bench/reference/) travel with the working tree itself.
# Usage: bash scripts/gpu/pack.sh [outdir]      then see docs/benchmarks.md "GPU".
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-.cache/gpu-pack}
say() { printf '[pack] %s\n' "$*"; }

say "compiling TypeScript"
npx tsc -p tsconfig.json >/dev/null || true # emits even when another area has type errors
[ -f dist/bench/main.js ] || { echo "pack: dist/bench/main.js missing after tsc" >&2; exit 1; }

mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# N-API headers only: node-addon-api needs node_api.h and what it includes, not V8/libuv/OpenSSL
node_inc=$(node -p "require('path').resolve(process.execPath, '../../include/node')")
[ -f "$node_inc/node_api.h" ] || node_inc=/usr/include/node
[ -f "$node_inc/node_api.h" ] || { echo "pack: no node_api.h under $node_inc (install Node's headers)" >&2; exit 1; }
mkdir -p "$stage/node-headers"
cp "$node_inc"/{node_api.h,node_api_types.h,js_native_api.h,js_native_api_types.h} "$stage/node-headers/"
[ -f "$node_inc/node_version.h" ] && cp "$node_inc/node_version.h" "$stage/node-headers/"

# production dependencies exactly as npm resolved them (no typescript, no @types)
mapfile -t deps < <(npm ls --omit=dev --parseable --all 2>/dev/null | sed "s|^$PWD/||" | grep '^node_modules/')
say "packing dist/ and ${#deps[@]} runtime packages"
tar -cf "$stage/app.tar" --exclude='*.map' dist "${deps[@]}" package.json
tar -rf "$stage/app.tar" -C "$stage" node-headers
xz -T0 -6 -c "$stage/app.tar" >"$out/app.tar.xz"

node_bin=$(node -p process.execPath)
if [ ! -f "$out/node.xz" ] || [ "$node_bin" -nt "$out/node.xz" ] || [ "$(cat "$out/node.version" 2>/dev/null)" != "$(node --version)" ]; then
  say "compressing $node_bin ($(node --version)); takes a minute or two"
  xz -T0 -6 -c "$node_bin" >"$out/node.xz.tmp" && mv "$out/node.xz.tmp" "$out/node.xz"
  node --version >"$out/node.version"
fi
cp scripts/gpu/build-and-bench.sh "$out/" 2>/dev/null || true

total=$(du -cb "$out"/* | tail -1 | cut -f1)
say "$(du -sh "$out" | cut -f1) in $out: $(ls "$out" | tr '\n' ' ')"
if [ "$total" -ge $((64 * 1024 * 1024)) ]; then
  echo "pack: $out is $total bytes, over the 64 MiB the device tool carries" >&2
  exit 1
fi
