// One optimizer step: `accumulate` micro-batches forward/backward (each inside tidy, so no tensor
// outlives it), the non-finite-loss guard, then the SGD update.

import type { BatchAugmentation, PreparedBatch } from '../augment/index.js';
import type { Batch } from '../data/collate.js';
import { IGNORE_INDEX } from '../data/label-spaces.js';
import { normalize } from '../data/normalize.js';
import { GlobalBatch } from '../distributed/global-batch.js';
import type { DeepLabModel, FeatureAugmentPlan } from '../models/index.js';
import type { SGD } from '../optim/index.js';
import type { Device, Tensor } from '../tensor/index.js';
import * as T from '../tensor/index.js';
import type { GradScaler } from './grad-scaler.js';
import { type SegLossOptions, segmentationLoss } from './loss.js';

/** The loss went NaN/inf: training stops before the update, so the last checkpoint stays good. */
export class NonFiniteLossError extends Error {
  override readonly name = 'NonFiniteLossError';
  constructor(
    readonly step: number,
    readonly loss: number,
    readonly ids: string[],
  ) {
    super(`loss is ${loss} at step ${step} (batch ${ids.slice(0, 4).join(', ')}${ids.length > 4 ? ', ...' : ''})`);
  }
}

/** How forward runs: device, memory format, autocast (fixed for a run). */
export interface StepSettings {
  readonly device: Device;
  readonly channelsLast: boolean;
  readonly amp: false | 'bf16' | 'fp16';
}

/** The augmentation a phase trains with (src/train/phase.ts); absent or null: the images as they are. */
export interface StepAugmentation {
  /** Image-level methods (and the consistency loss) applied to the device batch before the model. */
  readonly batch: BatchAugmentation | null;
  /** Feature-level methods after backbone layers. */
  readonly features: FeatureAugmentPlan;
}

/** Cross-process gradient synchronisation (src/distributed's DataParallel); absent in single-process training. */
export interface StepSync {
  /** The factor a micro-batch's mean loss enters the gradients with, given its labelled pixels (a collective). */
  lossWeight(labelledPixels: number): number;
  /** Called before the step's last backward: gradients may be reduced while it runs (overlap). */
  beforeLastBackward?(params: Tensor[]): void;
  /** Sums the gradients over processes; returns localLoss summed over processes. */
  reduceGradients(params: Tensor[], localLoss: number): number;
  /** This rank's share of the global batch, for image-level augmentation drawn as one process would draw it. */
  readonly world: GlobalBatch;
}

/** Pixels whose label is not IGNORE_INDEX. */
function labelledPixels(labels: Tensor): number {
  return labels.ne(IGNORE_INDEX).sum().item();
}

/** Forward + loss + backward of one micro-batch; returns its (unscaled, weighted) loss value. Frees every tensor it made. */
function microStep(o: TrainStepOptions, batch: Batch): number {
  const { model, settings: s, augment, sync } = o;
  return T.tidy(() => {
    // before anything may return early: it is a collective
    const weight = sync ? sync.lossWeight(labelledPixels(batch.labels)) : 1;
    // batches arrive on the device already (uint8 crosses the bus; normalisation happens there)
    const aug = augment?.batch ?? null;
    const prepared: PreparedBatch = aug
      ? aug.prepare(batch.images, batch.labels, sync?.world ?? GlobalBatch.single)
      : { input: normalize(batch.images), labels: batch.labels };
    const x = s.channelsLast ? prepared.input.contiguous('channelsLast') : prepared.input;
    const labels = prepared.labels;
    const run = () => {
      // splitBatchNorm: the clean images (first) and the augmented ones are normalised by their own statistics
      const outputs = model.forward(x, { batchNormSplit: prepared.clean, featureAugment: augment?.features });
      // debias: the cue-conflict pixels' targets mix in their texture classes (prepared.texture)
      const loss = segmentationLoss(outputs, labels, prepared.texture, o.loss);
      return aug ? aug.addConsistency(loss, outputs.out) : loss;
    };
    const loss = s.amp === false ? run() : T.autocast(s.device === 'cpu' ? 'cpu' : 'cuda', s.amp === 'bf16' ? 'bfloat16' : 'float16', run);
    const value = loss.item();
    if (!Number.isFinite(value)) {
      // a crop of nothing but ignore pixels has an undefined (NaN) mean: no signal, not divergence
      if (Number.isNaN(value) && labelledPixels(labels) === 0) return 0;
      throw new NonFiniteLossError(o.step, value, batch.ids);
    }
    const divisor = o.accumulate;
    const weighted = weight === 1 ? (divisor === 1 ? loss : loss.div(divisor)) : loss.mul(weight / divisor);
    o.scaler.scaleLoss(weighted).backward();
    return value * weight;
  });
}

/** What one optimizer step needs. */
export interface TrainStepOptions {
  model: DeepLabModel;
  optimizer: SGD;
  scaler: GradScaler;
  /** Delivers the next micro-batch (on the device). */
  next: () => Promise<Batch>;
  /** Micro-batches per optimizer step. */
  accumulate: number;
  lr: number;
  settings: StepSettings;
  /** The phase's augmentation; absent: none. */
  augment?: StepAugmentation | null | undefined;
  /** train.loss; absent: plain cross-entropy. */
  loss?: SegLossOptions | undefined;
  /** 1-based step number, named in errors. */
  step: number;
  /** Data-parallel synchronisation: the returned loss is then the global batch's. */
  sync?: StepSync | undefined;
}

/**
 * Runs one optimizer step at `lr` over `accumulate` batches from `next()`; returns the mean micro-batch loss
 * and whether the update was applied (false only when fp16 gradients overflowed).
 */
export async function trainStep(o: TrainStepOptions): Promise<{ loss: number; images: number; applied: boolean }> {
  const { optimizer, scaler, accumulate } = o;
  optimizer.zeroGrad();
  optimizer.lr = o.lr;
  let total = 0;
  let images = 0;
  const params = optimizer.groups.flatMap((g) => g.params.map(([, p]) => p));
  for (let i = 0; i < accumulate; i++) {
    const batch = await o.next();
    try {
      if (i === accumulate - 1) o.sync?.beforeLastBackward?.(params);
      images += batch.images.shape[0]!;
      total += microStep(o, batch);
    } finally {
      batch.images.dispose();
      batch.labels.dispose();
    }
  }
  // once per optimizer step, after the last micro-batch: accumulation exchanges nothing in between
  if (o.sync) total = o.sync.reduceGradients(params, total);
  const finite = scaler.unscale(params);
  if (finite) optimizer.step();
  scaler.update(finite);
  return { loss: total / accumulate, images, applied: finite };
}
