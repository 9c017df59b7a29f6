// Data-loading worker threads: each opens the dataset itself and decodes + augments samples, so the
// main thread only batches and uploads. Results are a pure function of (seed, epoch, index), exactly
// as with in-process loading.
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Dataset, Sample } from './dataset.js';
import { DataError } from './errors.js';
import type { SampleSource } from './loader.js';
import type { DataConfig } from './schema.js';
import type { TrainTransformOptions } from './transforms.js';

/** What a worker is started with. */
export interface WorkerInit {
  data: DataConfig;
  /** Training augmentation, or null for none (evaluation). */
  transform: TrainTransformOptions | null;
  seed: number;
}

/** Main -> worker. */
export interface WorkerRequest {
  task: number;
  index: number;
  epoch: number;
}

/** Worker -> main. */
export type WorkerReply =
  | { type: 'ready'; length: number; first: string; last: string }
  | { type: 'sample'; task: number; image: Uint8Array; label: Uint8Array; height: number; width: number; id: string }
  | { type: 'error'; task: number; name: string; message: string };

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (s: Sample) => void; reject: (e: Error) => void }>;
}

const WORKER_URL = new URL('./worker-main.js', import.meta.url);

function toError(r: { name: string; message: string }): Error {
  return r.name === 'DataError' ? new DataError(r.message) : Object.assign(new Error(r.message), { name: r.name });
}

/** Data-loading threads when `data.workers` is omitted: one per core (the main thread mostly waits on the device). */
export function defaultWorkers(): number {
  return os.availableParallelism();
}

/** A pool of data workers serving `load(index, epoch)`; close() when done. */
export class DataWorkerPool implements SampleSource {
  private nextTask = 0;
  private closed = false;
  private readonly inFlight = new Set<Promise<Sample>>();

  private constructor(
    private readonly slots: Slot[],
    readonly seed: number,
    readonly augmented: boolean,
  ) {}

  /**
   * Starts `workers` threads (default: defaultWorkers()) on the dataset `data` describes; `dataset`, if given, is
   * checked to list the same samples. Transform options must be plain data (they are sent to the threads).
   */
  static async start(opts: {
    data: DataConfig;
    transform?: TrainTransformOptions | null;
    seed?: number;
    workers?: number;
    dataset?: Dataset;
  }): Promise<DataWorkerPool> {
    const n = Math.max(1, opts.workers ?? defaultWorkers());
    const init: WorkerInit = { data: opts.data, transform: opts.transform ?? null, seed: opts.seed ?? 0 };
    const slots: Slot[] = [];
    const ready: Promise<void>[] = [];
    for (let k = 0; k < n; k++) {
      const worker = new Worker(WORKER_URL, { workerData: init });
      const slot: Slot = { worker, pending: new Map() };
      slots.push(slot);
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.once('error', reject);
          worker.once('message', (m: WorkerReply) => {
            if (m.type === 'error') return reject(toError(m));
            if (m.type !== 'ready') return reject(new Error(`data worker sent ${m.type} before ready`));
            const ds = opts.dataset;
            if (ds && (ds.length !== m.length || ds.list()[0]?.id !== m.first || ds.list()[ds.length - 1]?.id !== m.last)) {
              return reject(
                new Error(`data worker listed ${m.length} samples (${m.first}..${m.last}) but the main thread has ${ds.length}; did the files change?`),
              );
            }
            resolve();
          });
        }),
      );
    }
    const pool = new DataWorkerPool(slots, init.seed, init.transform !== null);
    try {
      await Promise.all(ready);
    } catch (e) {
      await pool.close();
      throw e;
    }
    for (const slot of slots) pool.listen(slot);
    return pool;
  }

  private listen(slot: Slot): void {
    slot.worker.unref();
    slot.worker.on('message', (m: WorkerReply) => {
      if (m.type === 'ready') return;
      const p = slot.pending.get(m.task);
      if (!p) return;
      slot.pending.delete(m.task);
      if (slot.pending.size === 0) slot.worker.unref();
      if (m.type === 'error') p.reject(toError(m));
      else
        p.resolve({
          image: Buffer.from(m.image.buffer, m.image.byteOffset, m.image.byteLength),
          label: Buffer.from(m.label.buffer, m.label.byteOffset, m.label.byteLength),
          height: m.height,
          width: m.width,
          id: m.id,
        });
    });
    const fail = (e: Error) => {
      for (const p of slot.pending.values()) p.reject(e);
      slot.pending.clear();
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => fail(new Error(`data worker exited (code ${code}) with samples pending`)));
  }

  /** Number of worker threads. */
  get size(): number {
    return this.slots.length;
  }

  /** Loads (and augments, if the pool was started with a transform) dataset sample `index` for `epoch`. */
  load(index: number, epoch: number): Promise<Sample> {
    if (this.closed) return Promise.reject(new Error('DataWorkerPool used after close()'));
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const task = this.nextTask++;
    const p = new Promise<Sample>((resolve, reject) => {
      slot.pending.set(task, { resolve, reject });
      slot.worker.ref();
      slot.worker.postMessage({ task, index, epoch } satisfies WorkerRequest);
    });
    this.inFlight.add(p);
    const settled = () => void this.inFlight.delete(p);
    p.then(settled, settled);
    return p;
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    this.closed = true;
    // Let samples in flight (a loader's prefetch) finish first: a worker terminated inside a decode can hang in its
    // teardown without keeping the loop alive, so terminate() never settles and an entry point's top-level await
    // ends the process with exit code 13.
    await Promise.allSettled(this.inFlight);
    for (const s of this.slots) s.worker.ref(); // idle workers are unref'd: keep the loop alive until they exit
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
