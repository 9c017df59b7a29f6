#!/usr/bin/env bash
# Compile check without a GPU: native/*.cc through `g++ -fsyntax-only` against libtorch 2.x headers, CPU and CUDA,
# with the flags scripts/find-libtorch.mjs picks for them (language standard, ABI, defines, include dirs).
# The headers are Debian unstable's libtorch-dev (2.x, main) and libtorch-cuda-dev (contrib): downloaded once with a
# private apt list (the system's sources stay untouched) and unpacked with dpkg -x under .cache/compile-check/.
# CUDA's own headers come from $CUDA_HOME or /usr/local/cuda* (the node image ships CUDA 13.0). The CUDA pass compiles
# native/distributed*.cc with USE_C10D_NCCL (the ProcessGroupNCCL branch): nccl.h from Debian's libnccl-dev (contrib),
# the cuBLAS/cuSPARSE/cuSOLVER headers libtorch's CUDA context needs from nvidia-cuda-dev (non-free).
# Idempotent; exits non-zero on any compiler error. SHAPESEG_COMPILE_CHECK_REFRESH=1 downloads again;
# SHAPESEG_COMPILE_CHECK_TARGETS=cuda (or cpu) checks one target only.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

cache=$PWD/.cache/compile-check
packages=(libtorch-dev libtorch-cuda-dev libnccl-dev nvidia-cuda-dev)
# ProcessGroupNCCL.hpp reaches ATen/cuda/CUDAContextLight.h, which includes the cuBLAS/cuSPARSE/cuSOLVER headers: the
# node image's CUDA has none, Debian ships them only in nvidia-cuda-dev (930 MB, all of CUDA 12.4): only these are kept.
cuda_lib_headers=(cublas_api.h cublas_v2.h cublasLt.h cusolverDn.h cusolver_common.h cusparse.h)

fetch() {
  local apt=(-o "Dir::Etc::SourceList=$cache/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$cache/lists" -o "Dir::Cache=$cache/apt" -o APT::Get::List-Cleanup=0)
  rm -rf "$cache" && mkdir -p "$cache/lists/partial" "$cache/apt/archives/partial" "$cache/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian unstable main contrib non-free" \
    >"$cache/sources.list"
  say "compile-check: downloading ${packages[*]} (Debian unstable) into $cache"
  apt-get "${apt[@]}" update -qq
  # apt's _apt user cannot write into a root-owned cache: download as root without the sandbox.
  (cd "$cache/debs" && apt-get "${apt[@]}" -o APT::Sandbox::User=root download "${packages[@]}" -qq)
  for p in "${packages[@]}"; do
    mkdir -p "$cache/$p"
    if [ "$p" = nvidia-cuda-dev ]; then
      # tar stops once it has them all (so dpkg-deb dies of SIGPIPE: the check is that they are there)
      dpkg-deb --fsys-tarfile "$cache/debs/${p}"_*.deb 2>/dev/null |
        tar -x -C "$cache/$p" --occurrence=1 "${cuda_lib_headers[@]/#/./usr/include/}" || true
      for h in "${cuda_lib_headers[@]}"; do
        [ -f "$cache/$p/usr/include/$h" ] || { echo "compile-check: $h not in $p" >&2; exit 1; }
      done
      rm "$cache/debs/${p}"_*.deb
    else
      dpkg -x "$cache/debs/${p}"_*.deb "$cache/$p"
    fi
  done
  rm -rf "$cache/lists" "$cache/apt"  # keep only the unpacked trees
  touch "$cache/.done"
}

[ -z "${SHAPESEG_COMPILE_CHECK_REFRESH:-}" ] && [ -f "$cache/.done" ] || fetch

cuda_home=${CUDA_HOME:-}
if [ -z "$cuda_home" ]; then
  for d in /usr/local/cuda /usr/local/cuda-*; do [ -f "$d/include/cuda_runtime_api.h" ] && { cuda_home=$d; break; }; done
fi
[ -n "$cuda_home" ] && [ -f "$cuda_home/include/cuda_runtime_api.h" ] ||
  { echo "compile-check: no CUDA toolkit headers (cuda_runtime_api.h): set CUDA_HOME" >&2; exit 1; }

# Node's headers, where node-gyp finds them for this node (the node image ships them beside the binary).
node_include=$(node -p 'require("path").join(process.execPath, "../../include/node")')
[ -f "$node_include/node_api.h" ] || node_include=$(ls -d "$HOME/.cache/node-gyp/$(node -p process.versions.node)/include/node" 2>/dev/null || true)
[ -f "$node_include/node_api.h" ] || { echo "compile-check: Node's headers (node_api.h) not found" >&2; exit 1; }
addon_api=$(node -p "require('node-addon-api').include_dir")

log=$cache/log
mkdir -p "$log"
failed=0
start=$SECONDS
targets=${SHAPESEG_COMPILE_CHECK_TARGETS:-cpu cuda}
for build in cpu:libtorch-dev cuda:libtorch-cuda-dev; do
  kind=${build%%:*} pkg=${build#*:}
  [[ " $targets " == *" $kind "* ]] || continue
  root=$cache/$pkg/usr
  env=(LIBTORCH="$root" SHAPESEG_LIBTORCH_HEADERS_ONLY="$kind" CUDA_HOME="$cuda_home")
  eval "includes=($(env "${env[@]}" node scripts/find-libtorch.mjs --include))"
  eval "defines=($(env "${env[@]}" node scripts/find-libtorch.mjs --defines))"
  eval "cflags=($(env "${env[@]}" node scripts/find-libtorch.mjs --cflags))"
  version=$(env "${env[@]}" node -e 'process.stdout.write(JSON.parse(require("child_process").execFileSync("node", ["scripts/find-libtorch.mjs", "--json"])).version)')
  flags=(-fsyntax-only -fexceptions -frtti -Wall -Wextra -Werror=return-type "${cflags[@]}"
    -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS "${defines[@]/#/-D}" -I"$node_include" -I"$addon_api" "${includes[@]/#/-I}")
  say "compile-check: libtorch $version $kind ($pkg), ${cflags[0]}, CUDA headers $cuda_home: native/*.cc"
  t0=$SECONDS
  # Two compilers at a time (CI has 2 cores); each file's messages go to its own log. Every file is compiled once
  # per target: on CUDA the distributed ones with the NCCL process group instead of without it.
  compile() {
    xargs -P 2 -I{} sh -c 'g++ "$@" {} >"$0/$(basename {}).'"$kind"'.log" 2>&1 || echo {}' "$log" "$@"
  }
  if [ "$kind" = cuda ]; then
    { ls native/*.cc | grep -v '^native/distributed' | compile "${flags[@]}"
      ls native/distributed*.cc |
        compile "${flags[@]}" -DUSE_C10D_NCCL -I"$cache/libnccl-dev/usr/include" -idirafter "$cache/nvidia-cuda-dev/usr/include"
    } >"$log/failed.$kind" || true
  else
    ls native/*.cc | compile "${flags[@]}" >"$log/failed.$kind" || true
  fi
  if [ -s "$log/failed.$kind" ]; then
    failed=1
    while read -r f; do
      echo "compile-check: $f FAILED against libtorch $version $kind:" >&2
      grep -E 'error|required from' "$log/$(basename "$f").$kind.log" | head -20 >&2
    done <"$log/failed.$kind"
  else
    say "compile-check: $kind ok ($(ls native/*.cc | wc -l) files, $((SECONDS - t0)) s)"
  fi
done
if [ $failed = 0 ]; then say "compile-check: done in $((SECONDS - start)) s"; else say "compile-check: FAILED (logs in $log)"; fi
exit $failed
