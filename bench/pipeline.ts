// Input-pipeline throughput: decode (PNG image + colour label) -> RandomScale -> crop 513 -> flip
// (-> collate + normalise on a device), on KITTI-sized 375x1242 PNGs written to a temp dir.
// Usage: node dist/bench/pipeline.js [--images 16] [--count 96] [--batch 8] [--concurrency N] [--workers N] [--normalize cpu|cuda] [--json]
//        node dist/bench/pipeline.js --sweep [0,1,2,...] [--images N] [--count N] [--batch N]   (rate per worker count)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { configureDecoding, DataLoader, type HostBatch, threadPoolSize } from '../src/data/loader.js';
import { sampleRng } from '../src/data/rng.js';
import { trainTransform } from '../src/data/transforms.js';
import { VKitti1Dataset } from '../src/data/vkitti1.js';
import { DataWorkerPool } from '../src/data/worker-pool.js';

/** What benchPipeline measures. */
export interface PipelineBenchOptions {
  /** Distinct fixture image/label pairs written (default 16). */
  images?: number;
  /** Samples pushed through the pipeline (default 96; files are revisited). */
  count?: number;
  height?: number;
  width?: number;
  crop?: number;
  scale?: [number, number];
  batchSize?: number;
  /** Samples decoding at once (default: the libuv pool size). */
  concurrency?: number;
  prefetch?: number;
  /** Also collate to tensors on this device and normalise (needs the addon). */
  normalize?: 'cpu' | 'cuda' | false;
  /** Data worker threads doing decode + augmentation (0 = on the main thread, the default). */
  workers?: number;
  /** Reuse/keep fixtures here instead of a fresh temp dir. */
  dir?: string;
}

/** Throughputs measured by benchPipeline. */
export interface PipelineBenchResult {
  imagesPerSec: number;
  msPerImage: number;
  /** Decode only (image + label + colour decode), same concurrency. */
  decodeImagesPerSec: number;
  /** Main-thread time of the fused scale+crop+flip per image. */
  transformMsPerImage: number;
  count: number;
  workers: number;
  batchSize: number;
  concurrency: number;
  threadPool: number;
  cores: number;
  height: number;
  width: number;
  crop: number;
  normalize: string | false;
}

const TABLE: [string, [number, number, number]][] = [
  ['Terrain', [210, 0, 200]],
  ['Sky', [90, 200, 255]],
  ['Tree', [0, 199, 0]],
  ['Building', [140, 140, 140]],
  ['Road', [100, 60, 100]],
  ['Pole', [255, 130, 0]],
  ['Car:0', [200, 10, 10]],
  ['Car:1', [201, 10, 10]],
  ['Van:0', [0, 139, 139]],
];

/** Writes `n` photo-like 375x1242 PNGs (smooth colour + grain) and blocky colour labels in the VKITTI 1 layout. */
async function writeFixtures(dir: string, n: number, width: number, height: number): Promise<void> {
  const img = path.join(dir, 'vkitti_1.3.1_rgb', '0001', 'clone');
  const gt = path.join(dir, 'vkitti_1.3.1_scenegt', '0001', 'clone');
  fs.mkdirSync(img, { recursive: true });
  fs.mkdirSync(gt, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'vkitti_1.3.1_scenegt', '0001_clone_scenegt_rgb_encoding.txt'),
    `Category r g b\n${TABLE.map(([c, rgb]) => `${c} ${rgb.join(' ')}`).join('\n')}\n`,
  );
  let s = 12345;
  const rnd = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 24;
  };
  for (let k = 0; k < n; k++) {
    const name = `${String(k).padStart(5, '0')}.png`;
    if (fs.existsSync(path.join(img, name)) && fs.existsSync(path.join(gt, name))) continue;
    const coarse = Buffer.alloc(48 * 16 * 3);
    for (let i = 0; i < coarse.length; i++) coarse[i] = rnd();
    const smooth = await sharp(coarse, { raw: { width: 48, height: 16, channels: 3 } })
      .resize(width, height, { kernel: 'cubic' })
      .raw()
      .toBuffer();
    for (let i = 0; i < smooth.length; i++) smooth[i] = Math.max(0, Math.min(255, smooth[i]! + (rnd() >> 4) - 8));
    await sharp(smooth, { raw: { width, height, channels: 3 } })
      .png()
      .toFile(path.join(img, name));
    const lab = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const c = TABLE[(Math.floor(x / (20 + k)) + Math.floor(y / 23) * 3 + k) % TABLE.length]![1];
        lab.set(c, (y * width + x) * 3);
      }
    }
    await sharp(lab, { raw: { width, height, channels: 3 } })
      .png()
      .toFile(path.join(gt, name));
  }
}

/** Measures the training input pipeline; see PipelineBenchOptions. */
export async function benchPipeline(opts: PipelineBenchOptions = {}): Promise<PipelineBenchResult> {
  const { images = 16, count = 96, height = 375, width = 1242, crop = 513, scale = [1.4, 2.0], batchSize = 8, prefetch = 2 } = opts;
  const normalizeOn = opts.normalize ?? false;
  configureDecoding();
  const concurrency = opts.concurrency ?? threadPoolSize();
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-bench-'));
  try {
    await writeFixtures(dir, images, width, height);
    const frames = { start: 0, end: images, step: 1 };
    const ds = await VKitti1Dataset.open({ root: dir, labelSpace: 'vkitti', frames });
    const augment = { scale, crop, flip: true };
    const transform = trainTransform(augment);
    const workers = opts.workers ?? 0;

    // decode only
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) await ds.load(next++ % ds.length);
      }),
    );
    const decodeImagesPerSec = count / ((performance.now() - t0) / 1000);

    // transform only (main-thread JS)
    const sample = await ds.load(0);
    const t1 = performance.now();
    const reps = 20;
    for (let k = 0; k < reps; k++) transform.apply(sample, sampleRng(0, 0, k));
    const transformMsPerImage = (performance.now() - t1) / reps;

    // full pipeline through the loader (epochs of the fixture set until `count` samples)
    let finish: (b: HostBatch) => void = () => {};
    if (normalizeOn) {
      const T = await import('../src/tensor/index.js');
      const { collate } = await import('../src/data/collate.js');
      const { normalize } = await import('../src/data/normalize.js');
      finish = (b) => {
        T.tidy(() => {
          const batch = collate(b, normalizeOn);
          normalize(batch.images);
        });
        if (normalizeOn === 'cuda') T.cudaSynchronize();
      };
    }
    const inFlight = workers > 0 ? (opts.concurrency ?? 2 * workers) : concurrency;
    const pool =
      workers > 0
        ? await DataWorkerPool.start({
            data: { layout: 'vkitti1', root: dir, labelSpace: 'vkitti', unknownColor: 'error', frames },
            transform: augment,
            workers,
            dataset: ds,
          })
        : undefined;
    const t2 = performance.now();
    let done = 0;
    try {
      const loader = new DataLoader(ds, {
        batchSize,
        shuffle: true,
        dropLast: false,
        seed: 0,
        prefetch,
        ...(pool ? { source: pool } : { transform }),
        concurrency: inFlight,
      });
      for await (const { batch } of loader.iterate()) {
        finish(batch);
        done += batch.n;
        if (done >= count) break;
      }
    } finally {
      await pool?.close();
    }
    const secs = (performance.now() - t2) / 1000;
    return {
      imagesPerSec: done / secs,
      msPerImage: (secs * 1000) / done,
      decodeImagesPerSec,
      transformMsPerImage,
      count: done,
      workers,
      batchSize,
      concurrency: inFlight,
      threadPool: threadPoolSize(),
      cores: os.availableParallelism(),
      height,
      width,
      crop,
      normalize: normalizeOn,
    };
  } finally {
    if (!opts.dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One worker count of a scaling sweep. */
export interface PipelineScalingPoint {
  /** Data worker threads (0: decode on libuv's pool, augment on the main thread). */
  workers: number;
  imagesPerSec: number;
  /** Cores the loading can use: the workers (main thread: the libuv pool), at most the machine's. */
  cores: number;
  imagesPerSecPerCore: number;
  /** Rate over the 1-worker rate (perfect scaling: equal to the workers). */
  speedup: number | null;
}

/** Worker counts a sweep measures by default: 0, 1, then doubling up to the cores, and the cores. */
export function defaultWorkerCounts(cores = os.availableParallelism()): number[] {
  const counts = [0, 1];
  for (let w = 2; w < cores; w *= 2) counts.push(w);
  if (cores > 1) counts.push(cores);
  return counts;
}

/** The pipeline at each worker count on one set of fixtures: images/s, images/s per core and the speedup. */
export async function benchPipelineScaling(
  opts: PipelineBenchOptions & { workerCounts?: number[] } = {},
): Promise<{ points: PipelineScalingPoint[]; runs: PipelineBenchResult[] }> {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-bench-'));
  try {
    const runs: PipelineBenchResult[] = [];
    for (const workers of opts.workerCounts ?? defaultWorkerCounts()) runs.push(await benchPipeline({ ...opts, workers, dir }));
    const one = runs.find((r) => r.workers === 1)?.imagesPerSec;
    const points = runs.map((r) => {
      const cores = Math.min(r.cores, r.workers > 0 ? r.workers : r.threadPool);
      return {
        workers: r.workers,
        imagesPerSec: r.imagesPerSec,
        cores,
        imagesPerSecPerCore: r.imagesPerSec / cores,
        speedup: one ? r.imagesPerSec / one : null,
      };
    });
    return { points, runs };
  } finally {
    if (!opts.dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv.includes('--sweep')) {
  const num = (n: string) => (arg(n) === undefined ? undefined : Number(arg(n)));
  const counts = arg('sweep')
    ?.split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n >= 0);
  const { points } = await benchPipelineScaling({
    images: num('images'),
    count: num('count'),
    batchSize: num('batch'),
    workerCounts: counts?.length ? counts : undefined,
  });
  for (const p of points) {
    console.log(
      `workers ${p.workers}: ${p.imagesPerSec.toFixed(1)} images/s, ${p.imagesPerSecPerCore.toFixed(1)} per core (${p.cores}), speedup ${p.speedup?.toFixed(2) ?? '—'}`,
    );
  }
  console.log(JSON.stringify(points));
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const num = (n: string) => (arg(n) === undefined ? undefined : Number(arg(n)));
  const norm = arg('normalize');
  const r = await benchPipeline({
    images: num('images'),
    count: num('count'),
    batchSize: num('batch'),
    concurrency: num('concurrency'),
    workers: num('workers'),
    normalize: norm === 'cpu' || norm === 'cuda' ? norm : false,
  });
  if (!process.argv.includes('--json')) {
    console.log(
      `pipeline: ${r.imagesPerSec.toFixed(1)} images/s (${r.msPerImage.toFixed(1)} ms/image) — decode-only ${r.decodeImagesPerSec.toFixed(1)} images/s, ` +
        `scale+crop+flip ${r.transformMsPerImage.toFixed(2)} ms/image; ${r.workers ? `${r.workers} worker threads` : 'main thread'}, ${r.concurrency} samples in flight, ` +
        `UV_THREADPOOL_SIZE ${r.threadPool}, ${r.cores} cores, ${r.width}x${r.height} -> ${r.crop}${r.normalize ? `, normalised on ${r.normalize}` : ''}`,
    );
  }
  console.log(JSON.stringify(r));
}
