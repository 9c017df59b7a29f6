// Dropout for one share of a global batch split over data-parallel ranks: the mask is drawn for the whole
// global batch and sliced, so N ranks with batch b drop exactly what one process with batch N·b drops.
import { F, noGrad, ones, type Tensor } from '../tensor/index.js';
import { Dropout } from './dropout.js';
import type { Module } from './module.js';

/** Which contiguous share of the global batch (dim 0) this process holds. */
export interface BatchShare {
  rank: number;
  worldSize: number;
}

/** nn.Dropout whose mask is the rank's slice of a mask over the global batch (every rank's generator in step). */
export class GlobalBatchDropout extends Dropout {
  constructor(
    p: number,
    readonly share: BatchShare,
  ) {
    super(p);
  }

  override forward(x: Tensor): Tensor {
    const { rank, worldSize } = this.share;
    if (!this.training || worldSize === 1 || this.p === 0) return super.forward(x);
    const n = x.shape[0]!;
    // libtorch's CPU dropout is input * (bernoulli(1-p) / (1-p)) over empty_like(input): the mask depends only on
    // the shape and the generator, so dropout(ones) over the global shape reproduces the single-process mask
    const mask = noGrad(() => F.dropout(ones([n * worldSize, ...x.shape.slice(1)], { dtype: x.dtype, device: x.device }), this.p, true).narrow(0, rank * n, n));
    return x.mul(mask);
  }
}

/** Replaces every Dropout under root by a GlobalBatchDropout for share (torch's convert_sync_batchnorm pattern). */
export function useGlobalBatchDropout(root: Module, share: BatchShare): number {
  let replaced = 0;
  for (const [, m] of root.namedModules()) {
    for (const [name, child] of m.children()) {
      if (child instanceof Dropout && !(child instanceof GlobalBatchDropout)) {
        const d = m.registerModule(name, new GlobalBatchDropout(child.p, share));
        d.train(child.training);
        replaced++;
      }
    }
  }
  return replaced;
}
