// The tensor API (docs/tensor-api.md): everything above src/tensor imports from here.
export type { CreateOptions, DType, Device, MemoryFormat, RawTensor, TypedArrayFor } from './dtype.js';
export { DTYPES, dtypeSize, isDType, isFloatingDType, numelOf } from './dtype.js';
export { Tensor, type Operand } from './tensor.js';
export {
  arange, empty, fromBuffer, fromRaw, full, getRngState, manualSeed, ones, onesLike, rand, randint, randn, setRngState,
  tensor, zeros, zerosLike,
} from './creation.js';
export { autocast, enableGrad, isGradEnabled, keep, liveTensorCount, noGrad, tidy } from './scope.js';
// torch.nn.functional's ops only as `F` (F.conv2d, F.cat), like `import torch.nn.functional as F`; creation stays flat.
export * as F from './functional.js';
export {
  backendInfo, cudaDeviceCount, cudaIsAvailable, cudaMaxMemoryAllocated, cudaResetPeakMemoryStats, cudaSynchronize,
  getNumThreads, setAllowTF32, setCudnnBenchmark, setNumThreads, type BackendInfo,
} from './backend.js';
export { sgdStep, type SgdStepOptions } from './optim.js';
