// The training run's data pipeline: worker threads (decode + augmentation), the loader over the global batch
// (this rank's share of it), batches collated onto the device, and the position to resume from.
import type { GlobalBatch } from '../distributed/global-batch.js';
import type { Device } from '../tensor/index.js';
import { type Batch, collateTo } from './collate.js';
import type { Dataset } from './dataset.js';
import { DataLoader, type LoaderPosition, type SampleSource } from './loader.js';
import type { DataConfig } from './schema.js';
import { type TrainTransformOptions, trainTransform } from './transforms.js';
import { DataWorkerPool, defaultWorkers } from './worker-pool.js';

/** What openTrainData() needs. */
export interface TrainDataOptions {
  train: { config: DataConfig; dataset: Dataset };
  /** Validation images, loaded by their own workers (no augmentation); null: no validation. */
  val: { config: DataConfig; dataset: Dataset } | null;
  transforms: TrainTransformOptions;
  /** Images per rank and step (the global batch is batchSize × world size). */
  batchSize: number;
  seed: number;
  /** Data worker threads (0: decode on this thread); default one per core. */
  workers?: number | undefined;
  device: Device;
  world: GlobalBatch;
  /** Where the run is in its data (a resumed run's checkpoint says). */
  startAt: LoaderPosition;
}

/** The batches of a training run, one after another, and where to resume after the last one taken. */
export interface TrainData {
  /** The next batch of this rank on the device (the caller disposes its tensors). */
  next(): Promise<Batch>;
  /** The position after the last batch next() returned. */
  readonly position: LoaderPosition;
  /** Validation samples through worker threads (undefined: load on this thread). */
  readonly valSource: SampleSource | undefined;
  /** Stops prefetching and closes the worker threads. */
  close(): Promise<void>;
}

/**
 * Starts the workers and the loader: every rank plans the global batch (the single-process order) and loads only
 * its share; the samples are a pure function of (seed, epoch, index), with or without workers, so resume is exact.
 */
export async function openTrainData(o: TrainDataOptions): Promise<TrainData> {
  const workers = o.workers ?? defaultWorkers();
  const pools: DataWorkerPool[] = [];
  // a failure while starting (e.g. a dataset smaller than one batch) still closes the threads started so far,
  // which would otherwise keep the process alive
  const closePools = () => Promise.all(pools.map((p) => p.close())).then(() => undefined);
  try {
    const pool =
      workers > 0 ? await DataWorkerPool.start({ data: o.train.config, transform: o.transforms, seed: o.seed, workers, dataset: o.train.dataset }) : null;
    if (pool) pools.push(pool);
    const valPool = workers > 0 && o.val ? await DataWorkerPool.start({ data: o.val.config, transform: null, workers, dataset: o.val.dataset }) : null;
    if (valPool) pools.push(valPool);
    const loader = new DataLoader<Batch>(o.train.dataset, {
      batchSize: o.batchSize * o.world.worldSize,
      shuffle: true,
      dropLast: true,
      seed: o.seed,
      ...(pool ? { source: pool } : { transform: trainTransform(o.transforms) }),
      collate: collateTo(o.device),
      share: o.world,
    });
    // the loader regenerates exactly the batches an uninterrupted run would see from startAt on
    const batches = loader.iterate({ startAt: o.startAt });
    let position = o.startAt;
    return {
      async next() {
        const r = await batches.next();
        if (r.done) throw new Error('the training loader ended unexpectedly');
        position = r.value.next;
        return r.value.batch;
      },
      get position() {
        return position;
      },
      valSource: valPool ?? undefined,
      async close() {
        await batches.return(undefined);
        await closePools();
      },
    };
  } catch (e) {
    await closePools();
    throw e;
  }
}
