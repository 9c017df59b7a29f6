// Evaluation of a model over a dataset: one image at a time (KITTI frames differ in size by
// a few pixels, so no batching), counts accumulated on the device, one host sync at the end.
import type { Sample } from '../data/dataset.js';
import type { LabelSpace } from '../data/label-spaces.js';
import type { SampleSource } from '../data/loader.js';
import type { OutputStride } from '../models/deeplabv3.js';
import { type Device, fromBuffer, tidy } from '../tensor/index.js';
import { openAdapter, type TestTimeAdapter } from './adapt/adapter.js';
import type { AdaptOptions } from './adapt/options.js';
import { BoundaryIoU, type BoundaryIoUResult } from './boundary-iou.js';
import { ConfusionMatrix } from './confusion.js';
import { type InferenceOptions, predict, type SegmentationModel } from './inference.js';
import { computeMetrics, type SegMetrics } from './metrics.js';
import { type EvalProvenance, type EvalResultFile, type PerImageMetrics, toEvalResultFile } from './result-file.js';
import { TrimapBand, type TrimapResult } from './trimap.js';

/** What evaluate() reads: the data layer's Dataset satisfies it. */
export interface EvalDataset {
  readonly length: number;
  readonly labelSpace?: LabelSpace;
  load(i: number): Promise<Sample>;
}

/** A segmentation model evaluate() can put into eval mode and switch output stride on (DeepLabV3). */
export interface EvaluableModel extends SegmentationModel {
  eval(): unknown;
  train(mode?: boolean): unknown;
  readonly numClasses?: number;
  readonly outputStride?: OutputStride;
  setOutputStride?(os: OutputStride): unknown;
}

/** Options of evaluate(). */
export interface EvaluateOptions extends InferenceOptions {
  labelSpace: LabelSpace;
  /** Device the model lives on; images and counts go there. */
  device: Device;
  /** Output stride to evaluate at (restored afterwards); default: leave the model's. */
  outputStride?: OutputStride;
  /** Sample indices to evaluate (default all, in order). */
  indices?: readonly number[];
  /** Keep per-image mIoU / pixel accuracy (one small host sync per image). */
  perImage?: boolean;
  /** Called after each image. */
  onProgress?: (done: number, total: number, id: string) => void;
  /** Receives each sample and its prediction (HW uint8 class indices on the host), e.g. for figures. */
  onPrediction?: (sample: Sample, pred: Uint8Array) => void | Promise<void>;
  /** Loads the samples instead of `dataset.load`: a DataWorkerPool started without augmentation (`data.workers`). */
  source?: SampleSource;
  /** Images decoding ahead of the one on the device; default 1, or two per worker with a worker pool. */
  prefetch?: number;
  /** Also Boundary IoU with this band width (fraction of the image diagonal; Cheng et al. use 0.02). */
  boundaryRatio?: number;
  /** Also the confusion matrix of the band within this fraction of the diagonal of a ground-truth boundary. */
  trimapRatio?: number;
  /**
   * Test-time adaptation on the evaluated images, in evaluation order, one image per batch (src/eval/adapt). The
   * model is put back as it was afterwards; the numbers used target images and are reported apart.
   */
  adapt?: AdaptOptions | null;
}

/** What evaluate() returns. */
export interface EvaluateResult {
  /** C×C counts, row = ground truth, column = prediction. */
  confusion: Float64Array;
  ignoredPixels: number;
  metrics: SegMetrics;
  perImage?: PerImageMetrics[];
  images: number;
  seconds: number;
  boundary?: BoundaryIoUResult;
  trimap?: TrimapResult;
}

function checkSample(s: Sample, i: number): void {
  const n = s.width * s.height;
  if (s.image.length !== n * 3 || s.label.length !== n) {
    throw new Error(
      `sample ${i} (${s.id}): image has ${s.image.length} bytes and label ${s.label.length} for ${s.width}x${s.height} (expected ${n * 3} and ${n})`,
    );
  }
}

/** Runs the model over the dataset and returns the confusion matrix and its metrics; the model's mode and output stride are restored. */
export async function evaluate(model: EvaluableModel, dataset: EvalDataset, opts: EvaluateOptions): Promise<EvaluateResult> {
  const space = opts.labelSpace;
  const c = space.numClasses;
  if (dataset.labelSpace && dataset.labelSpace.name !== space.name) {
    throw new Error(`dataset labels are in label space ${dataset.labelSpace.name} but evaluation asked for ${space.name}`);
  }
  if (model.numClasses !== undefined && model.numClasses !== c) {
    throw new Error(`model predicts ${model.numClasses} classes but label space ${space.name} has ${c} (${space.classes.join(', ')})`);
  }
  const indices = opts.indices ?? Array.from({ length: dataset.length }, (_, i) => i);
  for (const i of indices)
    if (!Number.isInteger(i) || i < 0 || i >= dataset.length) throw new RangeError(`sample index ${i} out of range [0, ${dataset.length})`);
  const wasTraining = model.training;
  const previousStride = model.outputStride;
  if (opts.outputStride !== undefined) {
    if (!model.setOutputStride) throw new Error(`model cannot switch output stride (asked for ${opts.outputStride})`);
    model.setOutputStride(opts.outputStride);
  }
  model.eval();
  let adapter: TestTimeAdapter | null = null;
  const total = new ConfusionMatrix(c, opts.device);
  const perImage: PerImageMetrics[] | undefined = opts.perImage ? [] : undefined;
  // band metrics run on the host over the label maps: each image's prediction comes back once
  const boundary = opts.boundaryRatio !== undefined ? new BoundaryIoU(c, opts.boundaryRatio) : null;
  const trimap = opts.trimapRatio !== undefined ? new TrimapBand(c, opts.trimapRatio) : null;
  const needHost = opts.onPrediction !== undefined || boundary !== null || trimap !== null;
  const t0 = performance.now();
  // decode the next images (sharp on libuv threads, or data workers) while this one runs on the device
  const source = opts.source;
  const ahead = Math.max(1, opts.prefetch ?? (source?.size ? 2 * source.size : 1));
  const queued: Promise<Sample>[] = [];
  const load = (k: number): void => {
    if (k >= indices.length) return;
    const p = source ? source.load(indices[k]!, 0) : dataset.load(indices[k]!);
    p.catch(() => undefined); // a failure surfaces when awaited, not as an unhandled rejection
    queued.push(p);
  };
  try {
    adapter = opts.adapt ? openAdapter(model, opts.adapt) : null;
    for (let k = 0; k < ahead; k++) load(k);
    for (let k = 0; queued.length > 0; k++) {
      const sample = await queued.shift()!;
      load(k + ahead);
      checkSample(sample, indices[k]!);
      const { width: w, height: h } = sample;
      const predHost = tidy(() => {
        const image = fromBuffer(sample.image, [h, w, 3], 'uint8', { device: opts.device }).permute([2, 0, 1]).unsqueeze(0);
        const label = fromBuffer(sample.label, [h, w], 'uint8', { device: opts.device });
        const pred = adapter ? adapter.predict(image, opts) : predict(model, image, opts);
        if (perImage) {
          const one = new ConfusionMatrix(c, opts.device);
          try {
            one.update(label, pred);
            const m = computeMetrics(one.compute());
            perImage.push({ id: sample.id, mIoU: m.mIoU, pixelAccuracy: m.pixelAccuracy });
            total.merge(one);
          } finally {
            one.dispose();
          }
        } else total.update(label, pred);
        return needHost ? (pred.to('uint8').toArray() as Uint8Array) : null;
      });
      if (predHost) {
        boundary?.update(sample.label, predHost, w, h);
        trimap?.update(sample.label, predHost, w, h);
        if (opts.onPrediction) await opts.onPrediction(sample, predHost);
      }
      opts.onProgress?.(k + 1, indices.length, sample.id);
    }
    const { matrix, ignored } = total.toHost();
    return {
      confusion: matrix,
      ignoredPixels: ignored,
      metrics: computeMetrics(matrix),
      ...(perImage ? { perImage } : {}),
      images: indices.length,
      seconds: (performance.now() - t0) / 1000,
      ...(boundary ? { boundary: boundary.result() } : {}),
      ...(trimap ? { trimap: trimap.result() } : {}),
    };
  } finally {
    adapter?.close();
    total.dispose();
    if (opts.outputStride !== undefined && previousStride !== undefined && model.setOutputStride) model.setOutputStride(previousStride);
    model.train(wasTraining);
  }
}

/** The result file of an evaluation (see result-file.ts), with where it came from. */
export function evaluationToFile(result: EvaluateResult, prov: Omit<EvalProvenance, 'seconds'>): EvalResultFile {
  return toEvalResultFile(result.metrics, result.confusion, result.ignoredPixels, { ...prov, seconds: result.seconds }, result.perImage, {
    ...(result.boundary ? { boundary: result.boundary } : {}),
    ...(result.trimap ? { trimap: result.trimap } : {}),
  });
}

export { writeEvalResult } from './result-file.js';
