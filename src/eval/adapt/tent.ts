// TENT (Wang et al., ICLR 2021): BatchNorm normalises by the test batch's statistics, and only the BatchNorm affine
// parameters are trained, by SGD on the mean entropy of the prediction. As TENT's forward_and_adapt, an image's
// prediction is the output of the forward its (last) update was computed from. Episodic: weights and optimizer reset
// before every batch; online: adaptation carries on through the images in order. Dropout stays off (the model stays
// in eval mode; TENT's classifiers have none): only BatchNorm changes behaviour.

import { normalize } from '../../data/normalize.js';
import { type BatchNorm2d, withBatchNormPrior } from '../../nn/index.js';
import { SGD } from '../../optim/index.js';
import { enableGrad, F, noGrad, type Tensor, tidy } from '../../tensor/index.js';
import { type InferenceOptions, isPlainInference, meanProbabilities, type SegmentationModel } from '../inference.js';
import { type AdaptableModel, batchNormsOf, type TestTimeAdapter } from './adapter.js';
import { meanEntropy } from './entropy.js';
import type { TentOptions } from './options.js';

/** Below float32's smallest normal only by a margin: log(p) of a vanishing averaged probability stays finite. */
const MIN_PROBABILITY = 1e-30;

/** Log-probabilities N,C,H,W of a uint8 batch (averaged over scales and flips when asked), differentiable. */
function logProbabilities(model: SegmentationModel, images: Tensor, opts: InferenceOptions): Tensor {
  const x = normalize(images);
  if (isPlainInference(opts)) return F.logSoftmax(model.forward(x, { aux: false }).out.float(), 1);
  return meanProbabilities(model, x, opts).clamp(MIN_PROBABILITY).log();
}

/** The BatchNorm affine parameters, named as in the state dict. */
function affineParameters(norms: ReadonlyArray<[string, BatchNorm2d]>): Array<[string, Tensor]> {
  return norms.flatMap(([name, m]) => [
    ...(m.weight ? [[`${name}.weight`, m.weight] as [string, Tensor]] : []),
    ...(m.bias ? [[`${name}.bias`, m.bias] as [string, Tensor]] : []),
  ]);
}

/** TENT over one pass of evaluation; close() restores the model exactly. */
export class Tent implements TestTimeAdapter {
  private readonly params: Array<[string, Tensor]>;
  private readonly original: Tensor[];
  private readonly requiresGrad: Array<[Tensor, boolean]>;
  private optimizer: SGD;

  constructor(
    private readonly model: AdaptableModel,
    private readonly options: TentOptions,
  ) {
    this.params = affineParameters(batchNormsOf(model));
    // everything else frozen: no gradients computed for convolutions and classifiers
    this.requiresGrad = model.parameters().map((p) => [p, p.requiresGrad]);
    for (const [p] of this.requiresGrad) p.requiresGrad = false;
    for (const [, p] of this.params) p.requiresGrad = true;
    this.original = noGrad(() => tidy(() => this.params.map(([, p]) => p.detach().clone())));
    this.optimizer = this.newOptimizer();
  }

  private newOptimizer(): SGD {
    return new SGD([{ params: this.params, weightDecay: 0 }], { lr: this.options.lr, momentum: this.options.momentum });
  }

  /** Back to the weights before adaptation, with fresh optimizer state (TENT's reset). */
  private reset(): void {
    noGrad(() => {
      for (const [i, [, p]] of this.params.entries()) p.copy_(this.original[i]!);
    });
    this.optimizer.dispose();
    this.optimizer = this.newOptimizer();
  }

  /** Adapts on the batch (`steps` updates) and returns the prediction of the last update's forward. */
  predict(images: Tensor, opts: InferenceOptions): Tensor {
    if (this.options.episodic) this.reset();
    let pred: Tensor | null = null;
    for (let s = 0; s < this.options.steps; s++) {
      pred?.dispose();
      pred = enableGrad(() =>
        tidy(() => {
          const logProbs = withBatchNormPrior(this.model, 0, () => logProbabilities(this.model, images, opts));
          const loss = meanEntropy(logProbs);
          this.optimizer.zeroGrad();
          loss.backward();
          this.optimizer.step();
          return logProbs.argmax(1);
        }),
      );
    }
    this.optimizer.zeroGrad();
    return pred as Tensor;
  }

  /** Restores the weights and every parameter's requiresGrad; frees the copies and the optimizer state. */
  close(): void {
    this.reset();
    this.optimizer.dispose();
    for (const [p, on] of this.requiresGrad) p.requiresGrad = on;
    for (const t of this.original) t.dispose();
  }
}
