// Periodic validation during training, through src/eval's evaluate(); each result lands in eval/step-<N>.json.
import * as path from 'node:path';
import type { EvalConfig } from '../config/index.js';
import type { Dataset } from '../data/dataset.js';
import type { SampleSource } from '../data/loader.js';
import { GlobalBatch, type ProcessGroup } from '../distributed/index.js';
import { type EvaluateResult, evaluate, evaluationToFile, writeEvalResult } from '../eval/evaluate.js';
import { computeMetrics } from '../eval/metrics.js';
import type { DeepLabModel } from '../models/index.js';
import { type Device, tensor } from '../tensor/index.js';

/** The numbers a validation run reports into metrics.jsonl. */
export interface ValSummary {
  mIoU: number;
  pixelAcc: number;
  /** IoU per class in label-space order (null: class absent from ground truth and prediction). */
  perClass: Array<number | null>;
}

/** What one validation needs. */
export interface ValidateOptions {
  model: DeepLabModel;
  dataset: Dataset;
  eval: EvalConfig;
  device: Device;
  /** Results land in `<evalDir>/step-<N>.json`. */
  evalDir: string;
  step: number;
  /** The model's builder name, recorded in the result file. */
  modelName: string;
  /** Loads the samples instead of `dataset` (a DataWorkerPool without augmentation). */
  source?: SampleSource;
  /** Data-parallel: each rank evaluates its share of the images, counts are summed, rank 0 writes the file. */
  world?: GlobalBatch | undefined;
}

/** The ranks' confusion matrices, ignored pixels and image counts summed (exactly: int64) into one result. */
function sumOverRanks(res: EvaluateResult, group: ProcessGroup): EvaluateResult {
  const counts = [...res.confusion, res.ignoredPixels, res.images];
  using t = tensor(counts, [counts.length], { dtype: 'int64' });
  group.allReduce(t);
  const all = Array.from(t.toArray() as BigInt64Array, Number);
  const confusion = Float64Array.from(all.slice(0, res.confusion.length));
  return { ...res, confusion, metrics: computeMetrics(confusion), ignoredPixels: all.at(-2)!, images: all.at(-1)!, perImage: undefined };
}

/** Evaluates the model on the dataset with the eval settings, writes `<evalDir>/step-<N>.json`, returns the summary (on every rank). */
export async function validate(o: ValidateOptions): Promise<ValSummary> {
  const { model, dataset, device, evalDir, step, modelName } = o;
  const cfg = o.eval;
  const space = dataset.labelSpace;
  const world = o.world ?? GlobalBatch.single;
  const group = world.group;
  const indices = world.distributed ? world.shareOf([...Array(dataset.length).keys()]) : undefined;
  const mine = await evaluate(model, dataset, {
    labelSpace: space,
    device,
    outputStride: cfg.outputStride,
    scales: cfg.scales,
    flip: cfg.flip,
    indices,
    source: o.source,
  });
  const res = group ? sumOverRanks(mine, group) : mine;
  const file = evaluationToFile(res, {
    checkpoint: null,
    model: modelName,
    labelSpace: space.name,
    classNames: space.classes,
    data: { spec: `${dataset.layout}:${dataset.root}`, split: 'val', count: res.images },
    outputStride: cfg.outputStride,
    scales: cfg.scales,
    flip: cfg.flip,
  });
  if (world.rank === 0) await writeEvalResult(path.join(evalDir, `step-${String(step).padStart(8, '0')}.json`), { ...file, step });
  const m = res.metrics;
  return { mIoU: m.mIoU, pixelAcc: m.pixelAccuracy, perClass: Array.from(m.perClassIoU, (v) => (Number.isFinite(v) ? v : null)) };
}
