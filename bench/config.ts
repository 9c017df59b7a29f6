// One benchmark configuration, the JSON both sides take (bench/worker.ts and bench/reference/deeplab_bench.py),
// and the JSON they print back.
import type { CrossingProfile } from './profile.js';

/** What one child process measures. Keys are shared verbatim with deeplab_bench.py. */
export interface RunConfig {
  model: string;
  os: 8 | 16 | 32;
  mode: 'train' | 'infer';
  batch: number;
  /** [height, width] of the training crop or the inference image. */
  crop: [number, number];
  steps: number;
  warmup: number;
  threads: number;
  device: string;
  numClasses: number;
  aux: boolean;
  amp?: 'bf16' | 'fp16' | null;
  channelsLast?: boolean;
  cudnnBenchmark?: boolean;
  /** 'zero': grads zeroed in place (torch 1.13's zero_grad()); 'none': set to None. */
  zeroGrad?: 'zero' | 'none';
  /** Fold eval BatchNorm into the preceding conv (inference only). */
  foldBn?: boolean;
  seed?: number;
  /** Print a per-op profile to stderr (reference: torch profiler; shapeseg: phase timings + call counts). */
  profile?: boolean;
  /** Reference only: count conv FLOPs with hooks (cross-checks bench/flops.ts). */
  countFlops?: boolean;
}

/** Per-step phase timings (ms) of a training step, medians over the timed steps. */
export interface Phases {
  forward: number;
  zeroGrad: number;
  backward: number;
  step: number;
  item: number;
}

/** What a child prints as its last stdout line. */
export interface RunResult {
  ok: boolean;
  error?: string;
  side?: 'shapeseg' | 'reference' | 'onnxruntime';
  timesMs?: number[];
  losses?: number[];
  phasesMs?: Phases;
  maxRssKb?: number;
  /** Minor page faults per timed step (allocator returning/refaulting memory). */
  minorFaultsPerStep?: number | null;
  /** Process CPU time (all threads, user + system) per timed step. */
  cpuMsPerStep?: number | null;
  /** Kernel CPU time per timed step (page faults, madvise/munmap): robust to load from other processes. */
  sysMsPerStep?: number | null;
  rssAfterImportKb?: number;
  rssAfterModelKb?: number;
  convFlopsForward?: number | null;
  params?: number;
  threads?: number;
  cudaMaxMemoryAllocated?: number;
  /** shapeseg only: max abs difference of logits with folded BN vs unfolded. */
  foldBnMaxAbsErr?: number;
  /** shapeseg only: max abs logit of the unfolded model (scale for foldBnMaxAbsErr). */
  foldBnMaxAbsLogit?: number;
  /** onnxruntime only: max abs difference of its logits to shapeseg's libtorch forward of the same model and input. */
  onnxMaxAbsErr?: number;
  /** onnxruntime only: max abs logit (scale for onnxMaxAbsErr). */
  onnxMaxAbsLogit?: number;
  versions?: Record<string, string>;
  /** shapeseg with profile: crossings and native vs JS time of one step. */
  crossingProfile?: CrossingProfile;
}
