#!/usr/bin/env bash
# The whole GPU check in one device call (fits 10 minutes on an H100/H200; each stage has its own time limit and
# a failed stage does not stop the next):
#   1. build   the addon against the machine's python3 torch (scripts/gpu/build.sh; C++ standard/ABI from its version)
#   2. parity  DeepLabV3-ResNet50 on CUDA against that torchvision: fp32, TF32 off on both sides, eval/train logits
#              (max abs diff <= 1e-4), loss (<= 1e-5), BN running stats (<= 1e-5), every gradient (relative <= 1e-4)
#   3. bench   the notebook step (513x513 crops, batch 10, ResNet-101, OS 16 and 8): fp32 vs torchvision fp32, then
#              bf16 autocast + channels-last + cudnn.benchmark on both sides; peak CUDA memory; MFU against the GPU's
#              bf16 dense peak; the input pipeline per data-worker count
#   4. train   40 steps of the notebook recipe (bf16, channels-last, workers) on synthetic 375x1242 VKITTI scenes:
#              the loss must fall
#   5. nccl    one process per GPU over c10d's NCCL process group: collectives and the gradient reducer (overlapped
#              with backward) on CUDA tensors against the local sum (one GPU: a world of one; NCCL refuses two
#              ranks on one device)
# Before: bash scripts/gpu/pack.sh (here), then run `bash scripts/gpu/run.sh` on the device (the pack travels in
# .cache/gpu-pack). Results: $OUT/gpu-run.log, $OUT/bench-cuda.json, $OUT/parity.tap, $OUT/train-metrics.jsonl.
# Dry run on a CPU machine: GPU_DEVICE=cpu ALLOW_CPU_TORCH=1 GPU_QUICK=1 bash scripts/gpu/run.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-.cache/gpu-run/out}
mkdir -p "$out"
exec > >(tee "$out/gpu-run.log") 2>&1
device=${GPU_DEVICE:-cuda}
quick=${GPU_QUICK:-}
status=()
stage() { # stage NAME SECONDS COMMAND...: runs COMMAND with a time limit, records ok/FAILED
  local name=$1 limit=$2 t0=$SECONDS rc
  shift 2
  printf '[gpu] === %s (limit %ss)\n' "$name" "$limit"
  timeout --kill-after=10 "$limit" "$@"
  rc=$?
  status+=("$name: $([ $rc = 0 ] && echo ok || echo "FAILED (exit $rc)") in $((SECONDS - t0)) s")
  return $rc
}

set -e
source scripts/gpu/build.sh
set +e
status+=("build: ok")
peak=${GPU_PEAK_TFLOPS:-}
if [ -z "$peak" ]; then
  # dense bf16 tensor-core peaks (NVIDIA datasheets, SXM parts)
  case "$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)" in
    *H200*|*H100*) peak=989 ;; *A100*) peak=312 ;; *L40S*) peak=362 ;; *L4*) peak=121 ;; *) peak= ;;
  esac
fi

# 2. parity on the device against this machine's torchvision
SHAPESEG_TEST_DEVICE=$device SHAPESEG_PYTHON=python3 stage parity 120 \
  node --test --test-reporter=tap --test-reporter-destination="$out/parity.tap" --test-reporter=spec --test-reporter-destination=stdout \
  dist/test/models/deeplabv3-resnet50.parity.test.js

# 3. bench: fp32 rows and the bf16 + channels-last + cudnn.benchmark rows, both sides
# --quick: 5 timed steps after 5 warm-up steps per cell (GPU step times vary little), 40 pipeline images per count
bench=(--device "$device" --python python3 --quick --modes train,pipeline --variants gpu-fast --timeout 120 --out "$out/bench-cuda.json")
[ -n "$peak" ] && bench+=(--peak-tflops "$peak")
[ -n "$quick" ] && bench+=(--smoke --variants none)
stage bench 250 node dist/bench/main.js "${bench[@]}"

# 4. a short training run whose loss must fall
train_dir=.cache/gpu-run/train
rm -rf "$train_dir" && mkdir -p "$train_dir"
size=375x1242 frames=20 steps=40 crop=513 batch=10 model=deeplabv3_resnet101
[ -n "$quick" ] && size=64x160 frames=6 steps=12 crop=48 batch=2 model=deeplabv3_resnet18
amp=bf16; [ "$device" = cpu ] && amp=false
node dist/src/cli/main.js synth --out "$train_dir/vkitti" --layout vkitti1 --frames "$frames" --size "$size" --seed 1 --no-progress >/dev/null
cat >"$train_dir/config.json" <<EOF
{ "name": "gpu-smoke",
  "model": { "name": "$model", "auxLoss": true },
  "data": { "train": { "layout": "vkitti1", "root": "$train_dir/vkitti", "labelSpace": "vkitti-kitti" } },
  "transforms": { "scale": [1.4, 2.0], "crop": $crop, "flip": true },
  "train": { "batchSize": $batch, "seed": 0, "device": "$device", "amp": $([ $amp = false ] && echo false || echo "\"$amp\""),
    "channelsLast": $([ "$device" = cpu ] && echo false || echo true), "cudnnBenchmark": $([ "$device" = cpu ] && echo false || echo true),
    "phases": [{ "steps": $steps, "outputStride": 16, "freezeBN": false }],
    "schedule": { "lr": 0.02, "power": 0.9, "warmupSteps": 5 }, "valEvery": 0, "checkpointEvery": 0, "logEvery": 1 } }
EOF
stage train 100 node dist/src/cli/main.js train "$train_dir/config.json" --run-dir "$train_dir/run" --no-progress &&
  cp "$train_dir/run/metrics.jsonl" "$out/train-metrics.jsonl" &&
  stage loss-falls 10 node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse).filter((l) => "loss" in l);
    const k = Math.max(1, Math.floor(lines.length / 4));
    const mean = (a) => a.reduce((s, l) => s + l.loss, 0) / a.length;
    const first = mean(lines.slice(0, k)), last = mean(lines.slice(-k));
    const ips = lines.slice(-k).reduce((s, l) => s + l.imagesPerSec, 0) / k;
    console.log(`[gpu] loss: first ${k} steps ${first.toFixed(3)} -> last ${k} ${last.toFixed(3)}; ${ips.toFixed(1)} images/s`);
    process.exit(last < 0.9 * first ? 0 : 1);' "$out/train-metrics.jsonl"

# 5. NCCL (the addon has it when find-libtorch found nccl.h; the test says so when it skips)
SHAPESEG_TEST_DEVICE=$device stage nccl 60 node --test dist/test/distributed/nccl.test.js

printf '[gpu] %s\n' "${status[@]}"
case "${status[*]}" in *FAILED*) exit 1 ;; esac
