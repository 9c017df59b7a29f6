// Distributed training over c10d: environment, process group, launcher.

export { planBuckets } from './buckets.js';
export { DataParallel, type DataParallelOptions, type LossNormalization } from './data-parallel.js';
export { type DistributedEnv, readDistributedEnv, workerEnv } from './env.js';
export { GlobalBatch } from './global-batch.js';
export { type LaunchOptions, launch } from './launcher.js';
export { type Backend, DEFAULT_TIMEOUT_MS, ProcessGroup, type ProcessGroupOptions, type ReduceOp } from './process-group.js';
