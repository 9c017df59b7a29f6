// Typed access to the addon's process-group functions (native/distributed.cc).
import { N, type NativeHandle } from '../tensor/native.js';

/** The dist* functions native/distributed.cc registers. */
export interface DistributedAddon {
  distInit(rank: number, worldSize: number, masterAddr: string, masterPort: number, timeoutMs: number, backend: string): void;
  distDestroy(): void;
  distIsInitialized(): boolean;
  distBackends(): string[];
  distAllReduce(tensors: NativeHandle[], op: string): void;
  distBroadcast(tensors: NativeHandle[], src: number): void;
  distAllGather(tensor: NativeHandle): NativeHandle[];
  distBarrier(): void;
  /** Hooks params (leaves requiring grad) so that the next armed backward all-reduces them in buckets as it goes. */
  distReducerAttach(params: NativeHandle[], bucketSizes: number[]): void;
  /** The next backward reduces (the last micro-batch of a step). */
  distReducerArm(): void;
  /** Launches the rest, waits, and writes the summed gradients into .grad; says how many buckets backward launched. */
  distReducerFinish(): { buckets: number; launchedDuringBackward: number };
  distReducerDetach(): void;
  /** Training-mode SyncBatchNorm over the group: (x, runningMean, runningVar, weight, bias, momentum, eps). */
  distSyncBatchNorm(
    x: NativeHandle,
    runningMean: NativeHandle | null,
    runningVar: NativeHandle | null,
    weight: NativeHandle | null,
    bias: NativeHandle | null,
    momentum: number,
    eps: number,
  ): NativeHandle;
}

// The addon object is one; this view only adds the types src/tensor does not declare (they are not tensor ops).
/** The native process-group functions. */
export const D = N as unknown as DistributedAddon;
