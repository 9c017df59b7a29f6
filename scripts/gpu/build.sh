#!/usr/bin/env bash
# Sourced by scripts/gpu/build-and-bench.sh and scripts/gpu/run.sh on the GPU machine (no registry; python3 there
# holds a CUDA torch + torchvision; nvcc's g++ is there):
#   1. unpacks .cache/gpu-pack (made here by scripts/gpu/pack.sh): node, dist/, node_modules/, N-API headers;
#   2. builds build/Release/shapeseg.node with g++ against python3's torch (its bundled libtorch, found by
#      scripts/find-libtorch.mjs, which also picks the language standard and ABI) — no node-gyp or npm needed.
# Expects the repository root as the working directory; sets PATH for node.
pack=${PACK:-.cache/gpu-pack}
run=.cache/gpu-run
say() { printf '[gpu] %s\n' "$*"; }
mkdir -p "$run/bin"

# 1. node + app
if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  [ -x "$run/bin/node" ] || { xz -dc "$pack/node.xz" >"$run/bin/node.tmp" && chmod +x "$run/bin/node.tmp" && mv "$run/bin/node.tmp" "$run/bin/node"; }
  export PATH="$PWD/$run/bin:$PATH"
fi
say "node $(node --version) at $(command -v node)"
if [ ! -f dist/bench/main.js ] || [ "$pack/app.tar.xz" -nt dist/bench/main.js ]; then
  xz -dc "$pack/app.tar.xz" | tar -xf -
  touch dist/bench/main.js
fi

# 2. the addon, against python3's torch
python3 -c 'import torch, torchvision; print("[gpu] torch", torch.__version__, "cuda", torch.version.cuda, "torchvision", torchvision.__version__, "prefix", torch.utils.cmake_prefix_path)'
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
if [ ! -f build/Release/shapeseg.node ] || [ -n "$(find native -newer build/Release/shapeseg.node \( -name '*.cc' -o -name '*.h' \) | head -1)" ]; then
  # g++ arguments from find-libtorch's JSON (one per line; paths never hold newlines)
  mapfile -t lt < <(node --input-type=module -e '
    import { execFileSync } from "node:child_process";
    const j = JSON.parse(execFileSync("node", ["scripts/find-libtorch.mjs", "--json"], { encoding: "utf8" }));
    if (!j.cuda && !process.env.ALLOW_CPU_TORCH) { console.error("[gpu] python3 torch has no CUDA libs at " + j.libDir); process.exit(1); }
    const a = [...j.includeDirs.map((d) => "-I" + d), ...j.defines.map((d) => "-D" + d), ...j.cflags,
      ...j.ldflags, ...j.libs];
    console.log(a.join("\n"));')
  # c10/cuda headers include cuda_runtime_api.h: the toolkit's, or the nvidia-cuda-runtime wheel's
  cuda_inc=()
  for d in /usr/local/cuda/include $(python3 -c 'import glob, os, nvidia; print(" ".join(glob.glob(os.path.join(list(nvidia.__path__)[0], "*", "include"))))' 2>/dev/null); do
    [ -d "$d" ] && cuda_inc+=("-I$d")
  done
  mkdir -p build/Release "$run/obj"
  say "compiling native/*.cc (${#lt[@]} libtorch flags)"
  common=(-fPIC -fexceptions -frtti -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DBUILDING_NODE_EXTENSION
    -Inode-headers -Inode_modules/node-addon-api "${cuda_inc[@]}")
  cflags=(); ldflags=()
  for f in "${lt[@]}"; do case "$f" in -L*|-Wl,*|-l*) ldflags+=("$f") ;; *) cflags+=("$f") ;; esac; done
  compile_one() { # compile_one SRC [FLAG-TO-DROP]
    local f flags=()
    for f in "${cflags[@]}"; do [ "$f" != "${2:-}" ] && flags+=("$f"); done
    g++ "${common[@]}" "${flags[@]}" -c "$1" -o "$run/obj/$(basename "$1" .cc).o"
  }
  pids=()
  for src in native/*.cc; do
    # NCCL (found by find-libtorch) needs more CUDA headers than the rest: if they fall short, Gloo only
    ( compile_one "$src" || { case "$src" in native/distributed*) say "$src: no NCCL build, retrying with Gloo only"; compile_one "$src" -DUSE_C10D_NCCL ;; *) exit 1 ;; esac; } ) &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  g++ -shared -o build/Release/shapeseg.node "$run"/obj/*.o "${ldflags[@]}"
fi
node -e 'import("./dist/src/tensor/index.js").then((T) => console.log("[gpu] addon:", JSON.stringify(T.backendInfo())))'

