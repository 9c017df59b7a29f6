// Distributed training over c10d: environment, process group, launcher.
export { readDistributedEnv, workerEnv, type DistributedEnv } from './env.js';
export { DEFAULT_TIMEOUT_MS, ProcessGroup, type Backend, type ProcessGroupOptions, type ReduceOp } from './process-group.js';
