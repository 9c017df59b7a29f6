// Distributed training over c10d: environment, process group, launcher.
export { readDistributedEnv, workerEnv, type DistributedEnv } from './env.js';
export { DEFAULT_TIMEOUT_MS, ProcessGroup, type Backend, type ProcessGroupOptions, type ReduceOp } from './process-group.js';
export { launch, stripLaunchFlags, type LaunchOptions } from './launcher.js';
export { DataParallel, type DataParallelOptions, type LossNormalization } from './data-parallel.js';
