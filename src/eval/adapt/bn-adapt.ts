// BN adaptation (Schneider et al., NeurIPS 2020): each batch is predicted with every BatchNorm normalising by its
// source statistics mixed with the batch's (prior N); nothing is learnt and the running statistics stay.
import { withBatchNormPrior } from '../../nn/index.js';
import type { Tensor } from '../../tensor/index.js';
import { type InferenceOptions, predict } from '../inference.js';
import type { AdaptableModel, TestTimeAdapter } from './adapter.js';
import type { BnAdaptOptions } from './options.js';

/** Predicts each batch under BatchNorm statistics mixed with the batch's own. */
export class BnAdapter implements TestTimeAdapter {
  constructor(
    private readonly model: AdaptableModel,
    private readonly options: BnAdaptOptions,
  ) {}

  /** Class indices of the batch, its own statistics mixed into every BatchNorm's. */
  predict(images: Tensor, opts: InferenceOptions): Tensor {
    return withBatchNormPrior(this.model, this.options.prior, () => predict(this.model, images, opts));
  }

  /** Nothing to restore: the statistics were mixed per forward, never stored. */
  close(): void {}
}
