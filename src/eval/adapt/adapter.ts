// A test-time adapter stands in for predict() during one evaluation pass: it sees the images in evaluation order,
// adapts on them (they are unlabeled target images) and predicts; close() puts the model back as it was.
import { BatchNorm2d, Module } from '../../nn/index.js';
import type { Tensor } from '../../tensor/index.js';
import type { InferenceOptions, SegmentationModel } from '../inference.js';
import { BnAdapter } from './bn-adapt.js';
import type { AdaptOptions } from './options.js';
import { Tent } from './tent.js';

/** What evaluate() calls instead of predict() while adapting. */
export interface TestTimeAdapter {
  /** Class indices N,H,W (int64) of a uint8 N,3,H,W batch, after adapting on it as the method does. */
  predict(images: Tensor, opts: InferenceOptions): Tensor;
  /** Restores the model's weights and parameter flags and frees the adapter's state. */
  close(): void;
}

/** A model test-time adaptation can work on: an nn Module with BatchNorm layers. */
export type AdaptableModel = Module & SegmentationModel;

/** The BatchNorm layers of `model` with their dotted names; throws when it has none. */
export function batchNormsOf(model: SegmentationModel): Array<[string, BatchNorm2d]> {
  const norms = model instanceof Module ? [...model.namedModules()].filter((e): e is [string, BatchNorm2d] => e[1] instanceof BatchNorm2d) : [];
  if (norms.length === 0) throw new Error('test-time adaptation (--adapt) needs a model with BatchNorm layers');
  return norms;
}

/** Starts adapting `model` as `adapt` says, after evaluate() has put it in eval mode. */
export function openAdapter(model: SegmentationModel, adapt: AdaptOptions): TestTimeAdapter {
  batchNormsOf(model);
  const m = model as AdaptableModel;
  return adapt.method === 'bn' ? new BnAdapter(m, adapt) : new Tent(m, adapt);
}
