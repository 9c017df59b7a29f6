#!/usr/bin/env bash
# Compile check without a GPU: native/*.cc through `g++ -fsyntax-only` against libtorch 2.x headers, CPU and CUDA,
# with the flags scripts/find-libtorch.mjs picks for them (language standard, ABI, defines, include dirs).
# The headers are Debian unstable's libtorch-dev (2.x, main) and libtorch-cuda-dev (contrib): downloaded once with a
# private apt list (the system's sources stay untouched) and unpacked with dpkg -x under .cache/compile-check/.
# CUDA's own headers come from $CUDA_HOME or /usr/local/cuda* (the node image ships CUDA 13.0).
# Idempotent; exits non-zero on any compiler error. SHAPESEG_COMPILE_CHECK_REFRESH=1 downloads again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

cache=$PWD/.cache/compile-check
packages=(libtorch-dev libtorch-cuda-dev)

fetch() {
  local apt=(-o "Dir::Etc::SourceList=$cache/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$cache/lists" -o "Dir::Cache=$cache/apt" -o APT::Get::List-Cleanup=0)
  rm -rf "$cache" && mkdir -p "$cache/lists/partial" "$cache/apt/archives/partial" "$cache/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian unstable main contrib" \
    >"$cache/sources.list"
  say "compile-check: downloading ${packages[*]} (Debian unstable) into $cache"
  apt-get "${apt[@]}" update -qq
  # apt's _apt user cannot write into a root-owned cache: download as root without the sandbox.
  (cd "$cache/debs" && apt-get "${apt[@]}" -o APT::Sandbox::User=root download "${packages[@]}" -qq)
  for p in "${packages[@]}"; do
    mkdir -p "$cache/$p" && dpkg -x "$cache/debs/${p}"_*.deb "$cache/$p"
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
for build in cpu:libtorch-dev cuda:libtorch-cuda-dev; do
  kind=${build%%:*} pkg=${build#*:}
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
  # Two compilers at a time (CI has 2 cores); each file's messages go to its own log.
  printf '%s\n' native/*.cc | xargs -P 2 -I{} sh -c 'g++ "$@" {} >"$0/$(basename {}).'"$kind"'.log" 2>&1 || echo {}' "$log" "${flags[@]}" \
    >"$log/failed.$kind" || true
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
