// A phase of the schedule (the notebook's 30k steps at OS 16 with BN trained, then 30k at OS 8 with BN frozen):
// what it sets on the model, and the augmentation it hands each step as a value.
import type { Augmentation } from '../augment/index.js';
import type { RunConfig } from '../config/index.js';
import type { DeepLabModel } from '../models/index.js';
import { freezeBatchNorm } from '../nn/index.js';
import type { StepAugmentation } from './train-step.js';

/** One entry of `train.phases`. */
export type PhaseConfig = RunConfig['train']['phases'][number];

/** The phase a run is in: its index and what its steps train with. */
export interface Phase {
  readonly index: number;
  /** The augmentation of the run's `augment` section, or null when the phase trains on the images as they are. */
  readonly augment: StepAugmentation | null;
}

/** Puts the model into phase `index` (training mode, output stride, BatchNorm frozen or not) and returns the phase. */
export function enterPhase(model: DeepLabModel, phases: readonly PhaseConfig[], index: number, augmentation: Augmentation): Phase {
  const p = phases[index];
  if (p === undefined) throw new RangeError(`phase ${index} is not in train.phases (${phases.length} phases)`);
  model.train();
  model.setOutputStride(p.outputStride);
  freezeBatchNorm(model, p.freezeBN);
  return { index, augment: p.augment ? augmentation : null };
}
