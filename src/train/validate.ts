// Periodic validation during training, through src/eval's evaluate(); each result lands in eval/step-<N>.json.
import * as path from 'node:path';
import type { EvalConfig } from '../config/index.js';
import type { Dataset } from '../data/dataset.js';
import type { SampleSource } from '../data/loader.js';
import { evaluate, evaluationToFile, writeEvalResult } from '../eval/evaluate.js';
import type { DeepLabV3 } from '../models/index.js';
import type { Device } from '../tensor/index.js';

/** The numbers a validation run reports into metrics.jsonl. */
export interface ValSummary {
  mIoU: number;
  pixelAcc: number;
  /** IoU per class in label-space order (null: class absent from ground truth and prediction). */
  perClass: Array<number | null>;
}

/** What one validation needs. */
export interface ValidateOptions {
  model: DeepLabV3;
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
}

/** Evaluates the model on the dataset with the eval settings, writes `<evalDir>/step-<N>.json`, returns the summary. */
export async function validate(o: ValidateOptions): Promise<ValSummary> {
  const { model, dataset, device, evalDir, step, modelName } = o;
  const cfg = o.eval;
  const space = dataset.labelSpace;
  const res = await evaluate(model, dataset, { labelSpace: space, device, outputStride: cfg.outputStride, scales: cfg.scales, flip: cfg.flip, source: o.source });
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
  await writeEvalResult(path.join(evalDir, `step-${String(step).padStart(8, '0')}.json`), { ...file, step });
  const m = res.metrics;
  return { mIoU: m.mIoU, pixelAcc: m.pixelAccuracy, perClass: Array.from(m.perClassIoU, (v) => (Number.isFinite(v) ? v : null)) };
}
