// nn.BatchNorm2d plus freeze(): frozen BNs normalise with running statistics and do not train their
// affine parameters even while the surrounding model is in train() (common when fine-tuning with small batches).

import type { Tensor } from '../tensor/index.js';
import { F, noGrad, ones, tensor, zeros } from '../tensor/index.js';
import { priorBatchNorm } from './batchnorm-prior.js';
import { Module } from './module.js';

/** Options of BatchNorm2d (nn.BatchNorm2d's keyword arguments). */
export interface BatchNorm2dOptions {
  eps?: number;
  /** Running-stat update factor; null = cumulative moving average (PyTorch's momentum=None). */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/** Child name of a BatchNorm2d's auxiliary twin: its state-dict keys are `<bn>.aux_bn.weight` and so on. */
export const AUX_BATCHNORM = 'aux_bn';

/**
 * Whether a batch of `shape` splits at n: both parts non-empty (or the first empty) and each with more than one value
 * per channel. A 1-image part of 1×1 maps (the ASPP pooling branch) has no batch statistics: it is normalised whole.
 */
function splittable(shape: readonly number[], n: number): boolean {
  const [batch, , h, w] = shape as [number, number, number, number];
  if (n >= batch) return false;
  return n === 0 ? batch * h * w > 1 : Math.min(n, batch - n) * h * w > 1;
}

/** Batch normalisation over N,H,W with `weight`, `bias`, `running_mean`, `running_var`, `num_batches_tracked` (int64). */
export class BatchNorm2d extends Module {
  readonly eps: number;
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  private frozenState = false;
  /** The mode train() last asked for; a frozen BN reports training=false regardless. */
  private requestedTraining = true;
  /** Set by withBatchNormSplit() for one forward (training only): where the batch splits into two normalised apart. */
  splitAt: number | null = null;
  /**
   * Set by withBatchNormPrior() for test-time adaptation: in eval mode, normalise with the running statistics mixed
   * with the input's batch statistics, the running ones weighing as this many images (priorBatchNorm); null: off.
   */
  prior: number | null = null;

  constructor(
    readonly numFeatures: number,
    opts: BatchNorm2dOptions = {},
  ) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    const [w, b] = this.affine ? [ones([numFeatures], { requiresGrad: true }), zeros([numFeatures], { requiresGrad: true })] : [null, null];
    this.registerParameter('weight', w);
    this.registerParameter('bias', b);
    const track = this.trackRunningStats;
    this.registerBuffer('running_mean', track ? zeros([numFeatures]) : null);
    this.registerBuffer('running_var', track ? ones([numFeatures]) : null);
    this.registerBuffer('num_batches_tracked', track ? tensor([0], [], { dtype: 'int64' }) : null);
    // an empty slot: only addAuxBatchNorm fills it, so the state dict keeps torchvision's keys otherwise
    this.registerModule(AUX_BATCHNORM, null);
  }

  get weight(): Tensor | null {
    return this.getParameter('weight');
  }
  get bias(): Tensor | null {
    return this.getParameter('bias');
  }
  get runningMean(): Tensor | null {
    return this.getBuffer('running_mean');
  }
  get runningVar(): Tensor | null {
    return this.getBuffer('running_var');
  }
  get numBatchesTracked(): Tensor | null {
    return this.getBuffer('num_batches_tracked');
  }

  /** Whether freeze(true) is in effect. */
  get frozen(): boolean {
    return this.frozenState;
  }

  /**
   * freeze(true): use running statistics (eval-mode BN) and set requiresGrad=false on weight/bias, and keep it so
   * across model.train(). freeze(false) restores requiresGrad and the mode train() last requested.
   */
  freeze(on = true): this {
    this.frozenState = on;
    for (const p of [this.weight, this.bias]) if (p !== null) p.requiresGrad = !on;
    this.training = this.requestedTraining && !on;
    return this;
  }

  protected override optionalStateKey(name: string): boolean {
    return name === 'num_batches_tracked';
  }

  /** The auxiliary BatchNorm (addAuxBatchNorm) that normalises the images after splitAt; null when there is none. */
  get auxBatchNorm(): BatchNorm2d | null {
    return this.getModule(AUX_BATCHNORM) as BatchNorm2d | null;
  }

  override train(mode = true): this {
    this.requestedTraining = mode;
    this.training = mode && !this.frozenState;
    this.auxBatchNorm?.train(mode);
    return this;
  }

  forward(x: Tensor): Tensor {
    if (x.dim() !== 4) throw new Error(`BatchNorm2d: expected 4-d input (N,C,H,W), got shape [${x.shape.join(',')}]`);
    if (!this.training && this.prior !== null && this.runningMean !== null && this.runningVar !== null)
      return priorBatchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, this.prior, this.eps);
    const n = x.shape[0]!;
    const splitAt = this.splitAt;
    const split = this.training && splitAt !== null && splittable(x.shape, splitAt) ? splitAt : null;
    if (split === null) return this.normalize(x);
    // the images after the split: the auxiliary BN (its own parameters and running statistics) or this one's
    // parameters with batch statistics only; the running statistics follow the first part
    const tail = x.narrow(0, split, n - split);
    const aux = this.auxBatchNorm;
    const rest = aux !== null ? aux.normalize(tail) : F.batchNorm(tail, null, null, this.weight, this.bias, true, 0, this.eps);
    if (split === 0) return rest;
    return F.cat([this.normalize(x.narrow(0, 0, split)), rest], 0);
  }

  /** nn.BatchNorm2d's forward: batch statistics updating the running ones while training, running statistics in eval. */
  private normalize(x: Tensor): Tensor {
    const useBatchStats = this.training || this.runningMean === null;
    let factor = this.momentum ?? 0;
    const nbt = this.numBatchesTracked;
    if (this.training && nbt !== null) {
      noGrad(() => nbt.add_(1));
      if (this.momentum === null) factor = 1 / nbt.item();
    }
    // In eval mode pass running stats; in training pass them too so libtorch updates them in place.
    return F.batchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, useBatchStats, factor, this.eps);
  }
}

/** Freezes (or unfreezes) every BatchNorm2d under `root`; returns how many were changed. */
export function freezeBatchNorm(root: Module, on = true): number {
  let n = 0;
  for (const [, m] of root.namedModules()) {
    if (m instanceof BatchNorm2d) {
      m.freeze(on);
      n++;
    }
  }
  return n;
}

/**
 * Runs fn with split batch statistics in `root`: every training-mode BatchNorm2d under it normalises images [0, n)
 * and [n, N) of its input by their own batch statistics (shared weight and bias) and updates its running statistics
 * from the first part only; a BatchNorm2d with an auxiliary twin (addAuxBatchNorm) hands [n, N) to the twin. The
 * augmentation's `splitBatchNorm` (and `auxBatchNorm`) use it so the clean images are normalised as without
 * augmentation; DeepLabV3.forward's `batchNormSplit` option calls it.
 */
export function withBatchNormSplit<T>(root: Module, n: number, fn: () => T): T {
  if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`withBatchNormSplit: expected a non-negative integer, got ${n}`);
  return withEachBatchNorm(root, 'splitAt', n, fn);
}

/**
 * Runs fn with test-time BatchNorm statistics in `root`: every BatchNorm2d under it normalises eval-mode inputs with
 * its running statistics mixed with the batch's, the running ones weighing as `prior` images (0: the batch's alone);
 * the running statistics are left as they are. Used by test-time adaptation (src/eval/adapt).
 */
export function withBatchNormPrior<T>(root: Module, prior: number, fn: () => T): T {
  if (!(Number.isFinite(prior) && prior >= 0)) throw new RangeError(`withBatchNormPrior: expected a finite prior >= 0, got ${prior}`);
  return withEachBatchNorm(root, 'prior', prior, fn);
}

/** Sets `key` to `value` on every BatchNorm2d under `root` while fn runs, then puts each one's own value back. */
function withEachBatchNorm<K extends 'splitAt' | 'prior', T>(root: Module, key: K, value: BatchNorm2d[K], fn: () => T): T {
  const norms = [...root.modules()].filter((m): m is BatchNorm2d => m instanceof BatchNorm2d);
  const before = norms.map((m) => m[key]);
  for (const m of norms) m[key] = value;
  try {
    return fn();
  } finally {
    norms.forEach((m, i) => {
      m[key] = before[i]!;
    });
  }
}
