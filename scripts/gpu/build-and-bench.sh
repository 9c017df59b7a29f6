#!/usr/bin/env bash
# Runs on the GPU machine (no registry; python3 there holds a CUDA torch + torchvision; nvcc's g++ is there):
#   1-2. scripts/gpu/build.sh: node and the app from .cache/gpu-pack, the addon against python3's torch;
#   3. runs the bench on CUDA: 513 crops, batch 10, shapeseg vs torchvision fp32, plus bf16 autocast /
#      channels-last / cudnn.benchmark variants.  Extra arguments go to the bench (e.g. --modes train --os 16).
# Results land in $OUT when set (the device tool brings them back), else bench/results/.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/gpu/build.sh

# 3. the bench
# BENCH_DEVICE=cpu ALLOW_CPU_TORCH=1 dry-runs the whole script on a machine without a GPU
args=(--device "${BENCH_DEVICE:-cuda}" --python python3 "$@")
[ -n "${OUT:-}" ] && args+=(--out "$OUT/bench-cuda.json")
if command -v npm >/dev/null 2>&1; then
  npm run bench -- "${args[@]}" 2>&1 | tee "${OUT:-$run}/bench-cuda.log"
else
  node dist/bench/main.js "${args[@]}" 2>&1 | tee "${OUT:-$run}/bench-cuda.log" # what `npm run bench` runs
fi
