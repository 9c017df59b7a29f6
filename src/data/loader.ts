// Batches from a Dataset: seeded epoch order, per-sample seeded augmentation, a bounded number of
// samples decoding at once (sharp runs on libuv's thread pool) and K batches prefetched so the model
// never waits. Positions are {epoch, indexInEpoch}; starting at one regenerates exactly the batches a
// run from the beginning would have produced from there on.
import * as os from 'node:os';
import sharp from 'sharp';
import * as z from 'zod';
import type { GlobalBatch } from '../distributed/global-batch.js';
import type { Dataset, Sample } from './dataset.js';
import { DataError } from './errors.js';
import { epochPermutation, sampleRng } from './rng.js';
import type { SampleTransform } from './transforms.js';

/** Where a run is in its data: the next batch starts at sample `indexInEpoch` of epoch `epoch`'s order. */
export const LoaderPositionSchema = z.strictObject({ epoch: z.number().int().nonnegative(), indexInEpoch: z.number().int().nonnegative() });

/** Where a run is in its data (LoaderPositionSchema; checkpoints store it). */
export type LoaderPosition = z.infer<typeof LoaderPositionSchema>;

/** A batch on the host: images N,H,W,3 (HWC per image) and labels N,H,W, both uint8. */
export interface HostBatch {
  images: Buffer;
  labels: Buffer;
  n: number;
  height: number;
  width: number;
  ids: string[];
  /** Dataset indices of the samples. */
  indices: number[];
}

/** One step of iteration: the collated batch and the position to resume from after it. */
export interface LoaderItem<B> {
  batch: B;
  epoch: number;
  /** Position after this batch: pass as startAt to continue with the next one. */
  next: LoaderPosition;
}

/** Produces the (augmented) sample `index` as it appears in `epoch`. */
export interface SampleSource {
  load(index: number, epoch: number): Promise<Sample>;
  /** Samples it loads at once (worker threads), if it has a fixed number. */
  readonly size?: number;
}

/** How a DataLoader batches, orders, augments and prefetches. */
export interface LoaderOptions<B> {
  batchSize: number;
  /** Seeded reshuffle each epoch (training); otherwise dataset order. */
  shuffle?: boolean;
  /** Drop the last incomplete batch of an epoch (training). */
  dropLast?: boolean;
  seed?: number;
  /** Augmentation; its randomness is keyed by (seed, epoch, dataset index). */
  transform?: SampleTransform;
  /** Samples decoding at once; default the libuv thread-pool size (twice the workers with a worker pool). */
  concurrency?: number;
  /** Batches prepared ahead of the consumer. */
  prefetch?: number;
  /**
   * Where samples come from instead of loading + `transform` on this thread, e.g. a DataWorkerPool
   * (which then owns the augmentation; its seed must equal `seed`).
   */
  source?: SampleSource;
  /** Host batch -> what the consumer gets (e.g. tensors on a device; see collate.ts). */
  collate?: (b: HostBatch) => B;
  /**
   * Data-parallel share: each batch of `batchSize` (the global batch) is planned as usual, and only this rank's
   * contiguous share of it is loaded and delivered, so N ranks together see exactly the batches one process
   * sees. batchSize must divide by the world size.
   */
  share?: GlobalBatch;
}

/** The libuv thread-pool size this process runs with (sharp's async work queues there). */
export function threadPoolSize(): number {
  const n = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(n) && n > 0 ? n : 4;
}

/**
 * Sets sharp up for many small decodes in parallel: one libvips thread per image (parallelism comes
 * from decoding several images at once) and no operation cache (each file is read once per epoch).
 * UV_THREADPOOL_SIZE (default 4) caps how many decodes run at once; it is read when the pool first
 * starts, so it must be set in the environment (or at the top of the entry point) before any file I/O:
 * this sets it to min(cores, 16) when unset, which only helps if called that early.
 */
export function configureDecoding(): { threadPool: number } {
  if (process.env.UV_THREADPOOL_SIZE === undefined) process.env.UV_THREADPOOL_SIZE = String(Math.min(os.availableParallelism(), 16));
  sharp.concurrency(1);
  sharp.cache(false);
  return { threadPool: threadPoolSize() };
}

/** Limits how many async tasks run at once. */
class Semaphore {
  private waiting: (() => void)[] = [];
  private active = 0;

  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** Packs equally sized samples into one host batch; differing sizes are an error naming the samples. */
export function packSamples(samples: readonly Sample[], indices: number[]): HostBatch {
  const first = samples[0];
  if (!first) throw new DataError('cannot batch zero samples');
  const { height, width } = first;
  const odd = samples.find((s) => s.height !== height || s.width !== width);
  if (odd) {
    throw new DataError(
      `cannot batch samples of different sizes: ${first.id} is ${width}x${height} but ${odd.id} is ${odd.width}x${odd.height} ` +
        '(crop to a fixed size, or use batch size 1 for whole images)',
    );
  }
  return {
    images: Buffer.concat(samples.map((s) => s.image)),
    labels: Buffer.concat(samples.map((s) => s.label)),
    n: samples.length,
    height,
    width,
    ids: samples.map((s) => s.id),
    indices,
  };
}

/** Iterates a dataset in batches; see LoaderOptions. */
export class DataLoader<B = HostBatch> {
  readonly batchSize: number;
  private readonly sem: Semaphore;
  private readonly prefetch: number;

  constructor(
    readonly dataset: Dataset,
    readonly opts: LoaderOptions<B>,
  ) {
    if (!(Number.isInteger(opts.batchSize) && opts.batchSize > 0)) throw new RangeError(`batchSize must be a positive integer, got ${opts.batchSize}`);
    this.batchSize = opts.batchSize;
    if (opts.dropLast && dataset.length < opts.batchSize) {
      throw new DataError(`dataset under ${dataset.root} has ${dataset.length} samples, fewer than one batch of ${opts.batchSize} (dropLast)`);
    }
    const share = opts.share;
    if (share && opts.batchSize % share.worldSize !== 0) {
      throw new RangeError(`a global batch of ${opts.batchSize} does not split into ${share.worldSize} equal shares`);
    }
    const poolSize = opts.source?.size;
    this.sem = new Semaphore(Math.max(1, opts.concurrency ?? (poolSize ? 2 * poolSize : threadPoolSize())));
    this.prefetch = Math.max(1, opts.prefetch ?? 2);
    const src = opts.source as { seed?: number } | undefined;
    if (src && opts.transform) throw new Error('DataLoader: give either `transform` or `source`, not both (a source applies its own augmentation)');
    if (src?.seed !== undefined && src.seed !== (opts.seed ?? 0)) {
      throw new Error(`DataLoader: source seed ${src.seed} differs from loader seed ${opts.seed ?? 0}`);
    }
  }

  /** Samples used per epoch (a multiple of batchSize with dropLast). */
  get samplesPerEpoch(): number {
    const n = this.dataset.length;
    return this.opts.dropLast ? n - (n % this.batchSize) : n;
  }

  /** Batches per epoch. */
  get batchesPerEpoch(): number {
    return Math.ceil(this.samplesPerEpoch / this.batchSize);
  }

  /** The dataset indices of `epoch`, in order. */
  order(epoch: number): Uint32Array {
    const n = this.dataset.length;
    if (this.opts.shuffle) return epochPermutation(this.opts.seed ?? 0, epoch, n);
    const o = new Uint32Array(n);
    for (let i = 0; i < n; i++) o[i] = i;
    return o;
  }

  /** Loads and augments dataset sample `index` as it appears in `epoch`. */
  async loadSample(index: number, epoch: number): Promise<Sample> {
    const src = this.opts.source;
    if (src) return this.sem.run(() => src.load(index, epoch));
    const s = await this.sem.run(() => this.dataset.load(index));
    const t = this.opts.transform;
    return t ? t.apply(s, sampleRng(this.opts.seed ?? 0, epoch, index)) : s;
  }

  /**
   * Batches from `startAt` (default the very beginning) through `epochs` epochs in total (default: forever);
   * each item carries the position to resume from.
   */
  async *iterate(opts: { startAt?: LoaderPosition; epochs?: number } = {}): AsyncGenerator<LoaderItem<B>> {
    const start = opts.startAt ?? { epoch: 0, indexInEpoch: 0 };
    const per = this.samplesPerEpoch;
    if (start.indexInEpoch < 0 || start.indexInEpoch > per || (start.indexInEpoch % this.batchSize !== 0 && start.indexInEpoch !== per)) {
      throw new RangeError(`startAt.indexInEpoch ${start.indexInEpoch} is not a batch boundary in [0, ${per}] (batch size ${this.batchSize})`);
    }
    // A lazily extended schedule of batches: (epoch, first index in epoch, dataset indices).
    type Planned = { epoch: number; end: number; indices: number[] };
    const plans = (function* (self: DataLoader<B>): Generator<Planned> {
      for (let epoch = start.epoch; opts.epochs === undefined || epoch < start.epoch + opts.epochs; epoch++) {
        const order = self.order(epoch);
        for (let i = epoch === start.epoch ? start.indexInEpoch : 0; i < per; i += self.batchSize) {
          const end = Math.min(i + self.batchSize, per);
          yield { epoch, end, indices: Array.from(order.subarray(i, end)) };
        }
      }
    })(this);
    const queue: { plan: Planned; batch: Promise<HostBatch> }[] = [];
    const fill = () => {
      while (queue.length < this.prefetch + 1) {
        const next = plans.next();
        if (next.done) return;
        const plan = next.value;
        const mine = this.shareOf(plan.indices);
        const batch = Promise.all(mine.map((i) => this.loadSample(i, plan.epoch))).then((s) => packSamples(s, mine));
        batch.catch(() => {}); // observed when its turn comes; avoids an unhandled rejection while queued
        queue.push({ plan, batch });
      }
    };
    const collate = this.opts.collate ?? ((b: HostBatch) => b as unknown as B);
    fill();
    while (queue.length > 0) {
      const { plan, batch } = queue.shift()!;
      const host = await batch;
      fill();
      const next = plan.end >= per ? { epoch: plan.epoch + 1, indexInEpoch: 0 } : { epoch: plan.epoch, indexInEpoch: plan.end };
      yield { batch: collate(host), epoch: plan.epoch, next };
    }
  }

  /** The dataset indices of a planned (global) batch that this process loads: all of them without a share. */
  private shareOf(indices: number[]): number[] {
    const share = this.opts.share;
    if (!share) return indices;
    if (indices.length % share.worldSize !== 0) {
      throw new DataError(`a batch of ${indices.length} does not split into ${share.worldSize} equal shares (use dropLast)`);
    }
    return share.shareOf(indices);
  }

  /** One epoch's batches, from `startIndex` within it. */
  epoch(epoch: number, startIndex = 0): AsyncGenerator<LoaderItem<B>> {
    return this.iterate({ startAt: { epoch, indexInEpoch: startIndex }, epochs: 1 });
  }
}

/** Whole images, dataset order, no augmentation, batch 1 (sizes may differ): evaluation loading. */
export function evalLoader<B = HostBatch>(dataset: Dataset, opts: Pick<LoaderOptions<B>, 'collate' | 'concurrency' | 'prefetch'> = {}): DataLoader<B> {
  return new DataLoader<B>(dataset, { ...opts, batchSize: 1 });
}
