#!/usr/bin/env node
// Locates libtorch for binding.gyp. Order: $LIBTORCH, a Python torch (python3, then /usr/bin/python3),
// then the system (Debian libtorch-dev). Prints one gyp-usable list per flag:
//   --include  include dirs          --libdir  the lib dir           --libs  linker inputs
//   --defines  preprocessor defines  --cflags  compiler flags         --json  everything
// SHAPESEG_LIBTORCH_SKIP_PYTHON=1 skips the Python probe (to build against the system libtorch).
// SHAPESEG_LIBTORCH_HEADERS_ONLY=cpu|cuda accepts a $LIBTORCH without libraries (scripts/compile-check.sh: an
// unpacked -dev package checked with -fsyntax-only) and says which build to check: CPU packages ship the
// c10/cuda headers too, so the headers cannot tell.
// SHAPESEG_CXX_STD overrides the language standard picked from the version (c++17 below 2.10, c++20 from it).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const SYSTEM_INCLUDE = '/usr/include';
const SYSTEM_LIBDIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];

/** Reads `#define TORCH_VERSION "x.y.z"` (or the MAJOR/MINOR/PATCH triple) from an include dir. */
function headerVersion(includeDir) {
  // 2.9+ moved the numbers to torch/headeronly/version.h; the old path only includes it.
  const f = ['torch/headeronly/version.h', 'torch/csrc/api/include/torch/version.h'].map((p) => path.join(includeDir, p)).find((p) => fs.existsSync(p));
  if (!f) return null;
  const text = fs.readFileSync(f, 'utf8');
  const full = /#define\s+TORCH_VERSION\s+"([^"]+)"/.exec(text);
  if (full) return full[1];
  const part = (n) => (new RegExp(`#define\\s+TORCH_VERSION_${n}\\s+(\\d+)`).exec(text) ?? [])[1];
  return part('MAJOR') ? `${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}` : null;
}

/** True when libtorch in libDir was built with CUDA (libtorch_cuda present). */
function libHasCuda(libDir) {
  return ['libtorch_cuda.so', 'libc10_cuda.so'].every((f) => fs.existsSync(path.join(libDir, f)));
}

/** Guesses the libstdc++ ABI of a libtorch from its exported symbols (cxx11 -> 1). */
function guessAbi(libDir) {
  try {
    const out = execFileSync('nm', ['-D', '--defined-only', path.join(libDir, 'libc10.so')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 << 20,
    });
    return out.includes('__cxx11') ? 1 : 0;
  } catch {
    return 1; // modern distros and pip wheels since 2.x use the new ABI
  }
}

function fromDir(dir, how) {
  const includeDir = path.join(dir, 'include');
  const libDir = path.join(dir, 'lib');
  if (!fs.existsSync(path.join(includeDir, 'ATen/ATen.h'))) return null;
  const headersOnly = process.env.SHAPESEG_LIBTORCH_HEADERS_ONLY;
  if (headersOnly) {
    if (headersOnly !== 'cpu' && headersOnly !== 'cuda') fail(`SHAPESEG_LIBTORCH_HEADERS_ONLY=${headersOnly}: expected cpu or cuda`);
    // No libraries to read the ABI off: 2.x (pip wheels since 2.7, Debian) use the cxx11 ABI, as does Debian's 1.13.
    return { how: `${how}, headers only`, root: dir, includeDir, libDir, version: headerVersion(includeDir), abi: 1, cuda: headersOnly === 'cuda' };
  }
  if (!fs.existsSync(path.join(libDir, 'libtorch.so'))) return null;
  return { how, root: dir, includeDir, libDir, version: headerVersion(includeDir), abi: guessAbi(libDir), cuda: libHasCuda(libDir) };
}

function fromPython(python) {
  const code = [
    'import json, os, torch',
    'd = os.path.dirname(torch.__file__)',
    'print(json.dumps({"root": d, "version": torch.__version__, "abi": int(torch._C._GLIBCXX_USE_CXX11_ABI),',
    '  "cudaVersion": torch.version.cuda, "cmake": torch.utils.cmake_prefix_path}))',
  ].join('\n');
  let info;
  try {
    const out = execFileSync(python, ['-c', code], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 });
    info = JSON.parse(out.trim().split('\n').pop());
  } catch {
    return null;
  }
  const includeDir = path.join(info.root, 'include');
  const libDir = path.join(info.root, 'lib');
  if (!fs.existsSync(path.join(includeDir, 'ATen/ATen.h')) || !fs.existsSync(path.join(libDir, 'libtorch.so'))) return null;
  return {
    how: `python (${python})`,
    root: info.root,
    includeDir,
    libDir,
    version: info.version,
    abi: info.abi,
    cuda: info.cudaVersion != null && libHasCuda(libDir),
    cudaVersion: info.cudaVersion,
  };
}

function fromSystem() {
  if (!fs.existsSync(path.join(SYSTEM_INCLUDE, 'torch')) || !fs.existsSync(path.join(SYSTEM_INCLUDE, 'ATen/ATen.h'))) return null;
  const libDir = SYSTEM_LIBDIRS.find((d) => fs.existsSync(path.join(d, 'libtorch.so')));
  if (!libDir) return null;
  return {
    how: 'system',
    root: SYSTEM_INCLUDE,
    includeDir: SYSTEM_INCLUDE,
    libDir,
    version: headerVersion(SYSTEM_INCLUDE),
    abi: guessAbi(libDir),
    cuda: libHasCuda(libDir),
  };
}

function find() {
  const env = process.env.LIBTORCH;
  if (env) {
    const found = fromDir(path.resolve(env), '$LIBTORCH');
    if (!found) fail(`$LIBTORCH=${env} is not a libtorch directory (expected ${env}/include/ATen/ATen.h and ${env}/lib/libtorch.so)`);
    return found;
  }
  const python = process.env.SHAPESEG_LIBTORCH_SKIP_PYTHON ? null : (fromPython('python3') ?? fromPython('/usr/bin/python3'));
  return python ?? fromSystem();
}

function fail(msg) {
  process.stderr.write(`find-libtorch: ${msg}\n`);
  process.exit(1);
}

/** A C string literal that survives gyp -> make -> shell: no raw spaces or quotes inside. */
function cString(s) {
  return `"${String(s).replace(/[^A-Za-z0-9_./:+-]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`)}"`;
}

/** A CUDA include dir with cuda_runtime_api.h (needed only for the allocator statistics), or null. */
function findCudaInclude(lt) {
  const candidates = [
    process.env.CUDA_HOME,
    process.env.CUDA_PATH,
    '/usr/local/cuda',
    // the nvidia-* wheels beside a pip torch: CUDA 12's per-library folders, CUDA 13's single cu13 folder
    path.join(lt.root, '..', 'nvidia', 'cuda_runtime'),
    path.join(lt.root, '..', 'nvidia', 'cu13'),
    '/usr',
  ]
    .filter(Boolean)
    .map((d) => path.join(d, 'include'));
  return candidates.find((d) => fs.existsSync(path.join(d, 'cuda_runtime_api.h'))) ?? null;
}

/**
 * Include dirs that let native/distributed*.cc build c10d's NCCL process group (USE_C10D_NCCL): nccl.h, plus the
 * cuBLAS/cuSPARSE/cuSOLVER headers ProcessGroupNCCL.hpp reaches through ATen/cuda; null when nccl.h is nowhere
 * (the build then has Gloo only). Pip torch keeps them in the nvidia-* wheels beside it.
 */
function findNcclIncludes(lt) {
  const wheels = path.join(lt.root, '..', 'nvidia');
  const wheelIncludes = fs.existsSync(wheels)
    ? fs
        .readdirSync(wheels)
        .map((d) => path.join(wheels, d, 'include'))
        .filter((d) => fs.existsSync(d))
    : [];
  const candidates = [process.env.NCCL_HOME && path.join(process.env.NCCL_HOME, 'include'), ...wheelIncludes, lt.cudaInclude, '/usr/include'].filter(Boolean);
  const nccl = candidates.find((d) => fs.existsSync(path.join(d, 'nccl.h')));
  return nccl ? [...new Set([nccl, ...wheelIncludes])] : null;
}

/** The language standard libtorch's headers need: C++20 from 2.10 on (PyTorch raised it then), C++17 before. */
function cxxStandard(version) {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return 'c++20'; // an unreadable version is a new one: the old ones all have version.h
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 2 || (major === 2 && minor >= 10) ? 'c++20' : 'c++17';
}

const lt = find();
if (!lt) {
  fail(
    'libtorch not found. Install it with `apt-get install -y libtorch-dev` (Debian/Ubuntu), ' +
      'or set LIBTORCH to an unpacked libtorch directory (containing include/ and lib/), ' +
      'or install PyTorch for python3.',
  );
}
lt.version ??= 'unknown';
lt.cudaInclude = lt.cuda ? findCudaInclude(lt) : null;
lt.ncclIncludes = lt.cuda && !process.env.SHAPESEG_NO_NCCL ? findNcclIncludes(lt) : null;
lt.includeDirs = [
  lt.includeDir,
  path.join(lt.includeDir, 'torch/csrc/api/include'),
  ...(lt.cudaInclude ? [lt.cudaInclude] : []),
  ...(lt.ncclIncludes ?? []).filter((d) => d !== '/usr/include'),
].filter((d, i, all) => fs.existsSync(d) && all.indexOf(d) === i);
lt.libs = ['-ltorch', '-ltorch_cpu', '-lc10', ...(lt.cuda ? ['-ltorch_cuda', '-lc10_cuda'] : [])];
lt.defines = [
  `_GLIBCXX_USE_CXX11_ABI=${lt.abi}`,
  `SHAPESEG_LIBTORCH_VERSION=${cString(lt.version)}`,
  `SHAPESEG_LIBTORCH_PATH=${cString(lt.libDir)}`,
  `SHAPESEG_LIBTORCH_HOW=${cString(lt.how)}`,
  `SHAPESEG_BUILD_DATE=${cString(new Date().toISOString())}`,
  ...(lt.cuda ? ['SHAPESEG_WITH_CUDA=1'] : []),
  ...(lt.cudaInclude ? ['SHAPESEG_WITH_CUDA_HEADERS=1'] : []),
  ...(lt.ncclIncludes ? ['USE_C10D_NCCL'] : []),
];
lt.cxxStd = process.env.SHAPESEG_CXX_STD ?? cxxStandard(lt.version);
lt.cflags = [`-std=${lt.cxxStd}`, '-O2', '-Wno-unused-parameter', '-Wno-deprecated-declarations'];
// -z now: an unresolved symbol fails at load time instead of killing the process mid-run.
lt.ldflags = [`-L${lt.libDir}`, `-Wl,-rpath,${lt.libDir}`, '-Wl,--no-as-needed', '-Wl,-z,now'];

const flag = process.argv[2] ?? '--json';
const out = {
  '--include': lt.includeDirs,
  '--libdir': [lt.libDir],
  '--libs': lt.libs,
  '--defines': lt.defines,
  '--cflags': lt.cflags,
  '--ldflags': lt.ldflags,
}[flag];
if (flag === '--json') {
  process.stdout.write(`${JSON.stringify(lt, null, 2)}\n`);
} else if (out) {
  // gyp splits `<!@(...)` output like a shell: quote anything beyond plain path characters.
  const shellQuote = (v) => (/^[A-Za-z0-9_./:=+,-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
  process.stdout.write(`${out.map(shellQuote).join(' ')}\n`);
} else {
  fail(`unknown flag ${flag} (expected --include, --libdir, --libs, --defines, --cflags, --ldflags or --json)`);
}
