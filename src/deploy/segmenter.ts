// The inference API: a model file (shapeseg/torchvision checkpoint, or exported .onnx) → label maps for images of any
// size, whole or by sliding windows, with flip / multi-scale test-time augmentation on the host so every engine
// gets the same treatment.
import { colorize, overlay } from '../report/colorize.js';
import { cudaIsAvailable, type Device, setNumThreads } from '../tensor/index.js';
import type { HostTensor, ModelInfo, SegmentationBackend } from './backend.js';
import { inOrderBatches } from './batching.js';
import { normalizeImages } from './host-normalize.js';
import { argmaxChannels, type LogitsFn, scoreMaps } from './host-tta.js';
import { decodeImage, type ImageInput, type RawImage } from './image-input.js';
import { createLibtorchBackend } from './libtorch-backend.js';
import { withLabelSpace } from './model-info.js';
import {
  type LoadOptions,
  LoadOptionsSchema,
  parseOptions,
  type ResolvedSegmentOptions,
  type SegmentOptions,
  SegmentOptionsSchema,
  slideStride,
} from './options.js';
import { slideLogits } from './sliding-window.js';

/** A segmented image: class ids per pixel, and the class probabilities when asked for. */
export interface SegmentResult {
  /** H×W class indices, row-major. */
  labels: Uint8Array;
  width: number;
  height: number;
  /** C×H×W class probabilities (softmax, averaged over the TTA passes), with `probabilities: true`. */
  probabilities?: Float32Array;
}

/** Options of segmentMany(): segment's, plus a progress callback. */
export interface SegmentManyOptions extends SegmentOptions {
  /** Called after each result, with the number done and the total when the inputs are an array. */
  onProgress?: (done: number, total: number | undefined) => void;
}

/** Segments images with a model file; free it with dispose(). */
export class Segmenter {
  private constructor(
    private readonly backend: SegmentationBackend,
    /** What the model predicts: class names, colours, normalisation. */
    readonly info: ModelInfo,
  ) {}

  /** Loads a model: `.onnx` runs on onnxruntime (CPU), anything else is a checkpoint run by libtorch. */
  static async load(file: string, opts: LoadOptions = {}): Promise<Segmenter> {
    const o = parseOptions(LoadOptionsSchema, opts, 'Segmenter.load');
    let backend: SegmentationBackend;
    if (file.toLowerCase().endsWith('.onnx')) {
      if (o.device !== undefined && o.device !== 'cpu') throw new Error(`Segmenter.load: device: ${file} runs on onnxruntime's CPU engine, got ${o.device}`);
      for (const k of ['outputStride', 'bn'] as const) {
        if (o[k] !== undefined) throw new Error(`Segmenter.load: ${k}: a libtorch checkpoint option; ${file} is a fixed ONNX graph`);
      }
      // loaded on demand: onnxruntime is only needed for .onnx files
      const { createOnnxBackend } = await import('./onnx-backend.js');
      backend = await createOnnxBackend(file, { threads: o.threads, labelSpace: o.labelSpace });
    } else {
      if (o.threads !== undefined) setNumThreads(o.threads);
      const device = (o.device ?? (cudaIsAvailable() ? 'cuda' : 'cpu')) as Device;
      backend = createLibtorchBackend(file, { device, outputStride: o.outputStride, bn: o.bn });
    }
    try {
      return new Segmenter(backend, withLabelSpace(file, backend.info, o.labelSpace));
    } catch (e) {
      await backend.dispose();
      throw e;
    }
  }

  /** Wraps an existing backend (another engine, or a fake one in tests). */
  static fromBackend(backend: SegmentationBackend): Segmenter {
    return new Segmenter(backend, backend.info);
  }

  /** Which engine runs the model. */
  get engine(): SegmentationBackend['engine'] {
    return this.backend.engine;
  }

  /** Segments one image (a path, encoded bytes or raw RGB) of any size. */
  async segment(image: ImageInput, opts: SegmentOptions = {}): Promise<SegmentResult> {
    const o = parseOptions(SegmentOptionsSchema, opts, 'segment');
    const [r] = await this.segmentBatch([await decodeImage(image)], o);
    return r as SegmentResult;
  }

  /** Segments many images, batching those of equal size (up to `batchSize`); yields the results in input order. */
  async *segmentMany(inputs: Iterable<ImageInput> | AsyncIterable<ImageInput>, opts: SegmentManyOptions = {}): AsyncGenerator<SegmentResult> {
    const { onProgress, ...rest } = opts;
    const o = parseOptions(SegmentOptionsSchema, rest, 'segmentMany');
    const total = Array.isArray(inputs) ? inputs.length : undefined;
    // slide mode batches windows instead: whole images of one size go one at a time there
    const perBatch = o.mode === 'whole' ? o.batchSize : 1;
    let done = 0;
    const decoded = mapAsync(inputs, decodeImage);
    for await (const r of inOrderBatches(
      decoded,
      (im) => `${im.width}x${im.height}`,
      perBatch,
      (batch) => this.segmentBatch(batch, o),
    )) {
      yield r;
      onProgress?.(++done, total);
    }
  }

  /** The label map in the model's class colours: H×W×3 RGB bytes. */
  colorize(result: SegmentResult): Buffer {
    return colorize(result.labels, this.info.colors);
  }

  /** The class colours blended over the image (raw RGB of the same size) with opacity `alpha`: H×W×3 RGB bytes. */
  overlay(result: SegmentResult, image: RawImage, alpha = 0.5): Buffer {
    if (image.width !== result.width || image.height !== result.height) {
      throw new Error(`overlay: the image is ${image.width}x${image.height}, the result ${result.width}x${result.height}`);
    }
    return overlay(image.data, result.labels, this.info.colors, alpha);
  }

  /** Frees the model (device memory, onnxruntime session). */
  async dispose(): Promise<void> {
    await this.backend.dispose();
  }

  /** Logits of a normalised batch at its own size, checked against the seam's contract. */
  private readonly run: LogitsFn = async (x: HostTensor) => {
    const out = await this.backend.run(x);
    const [n, , h, w] = x.shape;
    if (out.shape[0] !== n || out.shape[2] !== h || out.shape[3] !== w) {
      throw new Error(`${this.backend.engine} backend returned logits [${out.shape.join(', ')}] for an input [${x.shape.join(', ')}]`);
    }
    return out;
  };

  /** Segments raw images of one size together. */
  private async segmentBatch(images: RawImage[], o: ResolvedSegmentOptions): Promise<SegmentResult[]> {
    const x = normalizeImages(images, this.info.mean, this.info.std);
    const logits: LogitsFn = o.mode === 'whole' ? this.run : (t) => slideLogits(this.run, t, o.crop as [number, number], slideStride(o), o.batchSize);
    const scores = await scoreMaps(logits, x, o);
    const labels = argmaxChannels(scores);
    const [, c, h, w] = scores.shape;
    return images.map((_, i) => ({
      labels: labels.slice(i * h * w, (i + 1) * h * w),
      width: w,
      height: h,
      ...(o.probabilities ? { probabilities: scores.data.slice(i * c * h * w, (i + 1) * c * h * w) } : {}),
    }));
  }
}

/** `fn` over a sync or async iterable, lazily, in order. */
async function* mapAsync<T, R>(items: Iterable<T> | AsyncIterable<T>, fn: (t: T) => Promise<R>): AsyncGenerator<R> {
  for await (const t of items) yield fn(t);
}
