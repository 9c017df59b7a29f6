// Loads build/Release/shapeseg.node and types its functions. Internal to src/tensor.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A native tensor id (native/handle.cc: generation * 2^24 + slot in the tensor table). */
export type NativeHandle = number & { readonly __nativeTensorId?: never };

/** Anything the native functions accept as an argument. */
export type NativeArg = number | readonly number[] | (number | null)[] | boolean | string | null | undefined | ArrayBufferView;

type TensorFn = (...args: NativeArg[]) => NativeHandle;
type VoidFn = (...args: NativeArg[]) => void;

type TensorOps =
  | 'zeros'
  | 'ones'
  | 'empty'
  | 'full'
  | 'zerosLike'
  | 'onesLike'
  | 'arange'
  | 'rand'
  | 'randn'
  | 'randint'
  | 'fromBuffer'
  | 'neg'
  | 'sqrt'
  | 'rsqrt'
  | 'exp'
  | 'log'
  | 'abs'
  | 'logicalNot'
  | 'isnan'
  | 'isfinite'
  | 'relu'
  | 'sigmoid'
  | 'tanh'
  | 'clone'
  | 'detach'
  | 'mul'
  | 'div'
  | 'eq'
  | 'ne'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge'
  | 'logicalAnd'
  | 'logicalOr'
  | 'matmul'
  | 'mulS'
  | 'divS'
  | 'eqS'
  | 'neS'
  | 'ltS'
  | 'leS'
  | 'gtS'
  | 'geS'
  | 'logicalAndS'
  | 'logicalOrS'
  | 'matmulS'
  | 'add'
  | 'sub'
  | 'addS'
  | 'subS'
  | 'pow'
  | 'clamp'
  | 'sum'
  | 'mean'
  | 'amax'
  | 'amin'
  | 'argmax'
  | 'reshape'
  | 'view'
  | 'permute'
  | 'transpose'
  | 'squeeze'
  | 'unsqueeze'
  | 'expand'
  | 'flatten'
  | 'narrow'
  | 'select'
  | 'indexSelect'
  | 'gather'
  | 'cumsum'
  | 'maskedFill'
  | 'to'
  | 'contiguous'
  | 'conv2d'
  | 'batchNorm'
  | 'maxPool2d'
  | 'adaptiveAvgPool2d'
  | 'interpolate'
  | 'cat'
  | 'stack'
  | 'crossEntropy'
  | 'logSoftmax'
  | 'softmax'
  | 'dropout'
  | 'flip'
  | 'pad'
  | 'where'
  | 'bincount'
  | 'oneHot';
type VoidOps =
  | 'meta'
  | 'add_'
  | 'sub_'
  | 'mul_'
  | 'div_'
  | 'add_S'
  | 'sub_S'
  | 'mul_S'
  | 'div_S'
  | 'copy_'
  | 'zero_'
  | 'fill_'
  | 'relu_'
  | 'addcmul_'
  | 'setRequiresGrad'
  | 'setGrad'
  | 'backward'
  | 'setGradEnabled'
  | 'autocastExit'
  | 'manualSeed'
  | 'setRngState'
  | 'setNumThreads'
  | 'setCudnnBenchmark'
  | 'setAllowTF32'
  | 'cudaSynchronize'
  | 'cudaResetPeakMemoryStats'
  | 'cpuEmptyCache';

/** What native/backend.cc reports; src/tensor/backend.ts adds the addon path. */
export interface NativeBackendInfo {
  libtorchVersion: string;
  libtorchPath: string;
  libtorchFoundBy: string;
  cudaCompiled: boolean;
  cuda: boolean;
  cudnn: boolean;
  allowTF32: { cublas: boolean; cudnn: boolean };
  threads: number;
  devices: string[];
  parallelInfo: string;
  addon: { built: string; compiler: string };
}

/** Counters of the addon's cache of large CPU blocks (native/cpu_allocator.cc). */
export interface CpuCacheStats {
  /** Bytes of freed blocks kept for reuse. */
  cachedBytes: number;
  /** Large blocks currently held by tensors. */
  liveBlocks: number;
  /** Large allocations served from the cache. */
  hits: number;
  /** Large allocations that needed fresh memory. */
  misses: number;
  /** Most freed bytes kept ($SHAPESEG_CPU_CACHE_MB). */
  capBytes: number;
}

export type NativeAddon = { [K in TensorOps]: TensorFn } & { [K in VoidOps]: VoidFn } & {
  /** [dtypeCode, deviceType (0 cpu, 1 cuda), deviceIndex, ndim, sizes...] of the last tensor wrapped. */
  metaBuffer: Float64Array;
  /** dtype name by c10::ScalarType code. */
  dtypeNames: string[];
  /** Frees the tensor now; false when id was already freed. */
  dispose(h: NativeHandle): boolean;
  /** Tensors in the native table (JS-side leaks show up here too). */
  nativeLiveCount(): number;
  toBytes(h: NativeHandle): ArrayBuffer;
  toArrayBytes(h: NativeHandle): ArrayBuffer;
  item(h: NativeHandle): number;
  isContiguous(h: NativeHandle, format?: string): boolean;
  dataPtrEqual(a: NativeHandle, b: NativeHandle): boolean;
  requiresGrad(h: NativeHandle): boolean;
  grad(h: NativeHandle): NativeHandle | null;
  isGradEnabled(): boolean;
  autocastEnter(device: string, dtype: string): [boolean, string, boolean];
  sgdStep(
    params: NativeHandle[],
    bufs: (NativeHandle | null)[],
    lr: number,
    momentum: number,
    dampening: number,
    weightDecay: number,
    nesterov: boolean,
    maximize: boolean,
  ): (NativeHandle | null)[];
  /** torch.sort: [values, indices] (their metadata is fetched per id). */
  sort(h: NativeHandle, dim: number, descending: boolean, stable: boolean): [NativeHandle, NativeHandle];
  getRngState(): Uint8Array;
  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
  getNumThreads(): number;
  cudaMaxMemoryAllocated(): number;
  cpuCacheStats(): CpuCacheStats | null;
  backendInfo(): NativeBackendInfo;
};

/** Finds the addon: $SHAPESEG_ADDON, else build/Release/shapeseg.node in the nearest enclosing package. */
function locateAddon(): string {
  const override = process.env.SHAPESEG_ADDON;
  if (override) return path.resolve(override);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'build', 'Release', 'shapeseg.node');
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(
    'shapeseg native addon not found (build/Release/shapeseg.node); build it with `npm run build:addon` ' +
      '(needs libtorch: `apt-get install -y libtorch-dev` or set LIBTORCH), or point SHAPESEG_ADDON at it',
  );
}

/** Absolute path of the loaded addon. */
export const addonPath = locateAddon();
/** The native functions. */
export const N = createRequire(import.meta.url)(addonPath) as NativeAddon;

// Debian's libtorch 1.13 starts with one intra-op thread on these 2-core machines (measured:
// at::get_num_threads() == 1, in Python too); use every core unless OMP_NUM_THREADS says otherwise.
// Benchmarks set the count explicitly on both sides.
if (process.env.OMP_NUM_THREADS === undefined) N.setNumThreads(os.availableParallelism());
