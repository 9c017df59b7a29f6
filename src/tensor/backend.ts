// Devices, threads and build information.
import { addonPath, type CpuCacheStats, N } from './native.js';

export type { CpuCacheStats };

/** What backendInfo() reports. */
export interface BackendInfo {
  libtorchVersion: string;
  libtorchPath: string;
  /** How scripts/find-libtorch.mjs found libtorch: $LIBTORCH, python (...), or system. */
  libtorchFoundBy: string;
  cuda: boolean;
  /** Whether the addon was compiled against a CUDA libtorch. */
  cudaCompiled: boolean;
  cudnn: boolean;
  threads: number;
  devices: string[];
  /** at::get_parallel_info(): thread pools, OpenMP/MKL/oneDNN. */
  parallelInfo: string;
  addon: { path: string; built: string; compiler: string };
}

/** True when a CUDA device can be used. */
export function cudaIsAvailable(): boolean {
  return N.cudaIsAvailable();
}

/** Number of CUDA devices (0 without CUDA). */
export function cudaDeviceCount(): number {
  return N.cudaDeviceCount();
}

/** Sets the intra-op thread count (at::set_num_threads). */
export function setNumThreads(n: number): void {
  N.setNumThreads(n);
}

/** The intra-op thread count. */
export function getNumThreads(): number {
  return N.getNumThreads();
}

/** libtorch version, where it was found, devices and how the addon was built. */
export function backendInfo(): BackendInfo {
  const info = N.backendInfo();
  return { ...info, addon: { path: addonPath, ...info.addon } };
}

/** torch.backends.cudnn.benchmark = on. */
export function setCudnnBenchmark(on: boolean): void {
  N.setCudnnBenchmark(on);
}

/** torch.backends.cuda.matmul.allow_tf32 and torch.backends.cudnn.allow_tf32 (PyTorch's defaults: false, true). */
export function setAllowTF32(opts: { cublas: boolean; cudnn: boolean }): void {
  N.setAllowTF32(opts.cublas, opts.cudnn);
}

/** Waits for all CUDA work (no-op without CUDA). */
export function cudaSynchronize(): void {
  N.cudaSynchronize();
}

/** Peak CUDA memory allocated by tensors, in bytes (0 without CUDA; -1 when built without CUDA headers). */
export function cudaMaxMemoryAllocated(): number {
  return N.cudaMaxMemoryAllocated();
}

/** Resets the peak counted by cudaMaxMemoryAllocated. */
export function cudaResetPeakMemoryStats(): void {
  N.cudaResetPeakMemoryStats();
}

/** Counters of the cache of large CPU blocks; null when it is off (SHAPESEG_CPU_CACHE_MB=0 or SHAPESEG_SYSTEM_MALLOC). */
export function cpuCacheStats(): CpuCacheStats | null {
  return N.cpuCacheStats();
}

/** Returns the cached large CPU blocks to the operating system (like torch.cuda.empty_cache for the CPU cache). */
export function cpuEmptyCache(): void {
  N.cpuEmptyCache();
}
