// The tensor API (docs/tensor-api.md): everything above src/tensor imports from here.

export {
  type BackendInfo,
  backendInfo,
  type CpuCacheStats,
  cpuCacheStats,
  cpuEmptyCache,
  cudaDeviceCount,
  cudaIsAvailable,
  cudaMaxMemoryAllocated,
  cudaResetPeakMemoryStats,
  cudaSynchronize,
  getNumThreads,
  setAllowTF32,
  setCudnnBenchmark,
  setNumThreads,
} from './backend.js';
export {
  arange,
  empty,
  fromBuffer,
  fromRaw,
  full,
  getRngState,
  manualSeed,
  ones,
  onesLike,
  rand,
  randint,
  randn,
  setRngState,
  tensor,
  zeros,
  zerosLike,
} from './creation.js';
export { DEVICE_PATTERN, parseDevice } from './device.js';
export type { CreateOptions, Device, DType, MemoryFormat, RawTensor, TypedArrayFor } from './dtype.js';
export { DTYPES, dtypeSize, isDType, isFloatingDType, numelOf } from './dtype.js';
// torch.nn.functional's ops only as `F` (F.conv2d, F.cat), like `import torch.nn.functional as F`; creation stays flat.
export * as F from './functional.js';
export { type SgdStepOptions, sgdStep } from './optim.js';
export { autocast, enableGrad, isGradEnabled, keep, liveTensorCount, noGrad, tidy } from './scope.js';
export { type Operand, Tensor } from './tensor.js';
