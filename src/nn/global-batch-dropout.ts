// Dropout for one share of a global batch split over data-parallel ranks: the mask is drawn for the whole
// global batch and sliced, so N ranks with batch b drop exactly what one process with batch N·b drops.
import type { GlobalBatch } from '../distributed/global-batch.js';
import { F, noGrad, ones, type Tensor } from '../tensor/index.js';
import { Dropout } from './dropout.js';
import type { Module } from './module.js';

/** nn.Dropout whose mask is the rank's slice of a mask over the global batch (every rank's generator in step). */
export class GlobalBatchDropout extends Dropout {
  constructor(
    p: number,
    readonly world: GlobalBatch,
  ) {
    super(p);
  }

  override forward(x: Tensor): Tensor {
    if (!this.training || !this.world.distributed || this.p === 0) return super.forward(x);
    // libtorch's CPU dropout is input * (bernoulli(1-p) / (1-p)) over empty_like(input): the mask depends only on
    // the shape and the generator, so dropout(ones) over the global shape reproduces the single-process mask
    const globalShape = [x.shape[0]! * this.world.worldSize, ...x.shape.slice(1)];
    const mask = noGrad(() => this.world.slice(F.dropout(ones(globalShape, { dtype: x.dtype, device: x.device }), this.p, true)));
    return x.mul(mask);
  }
}

/** Replaces every Dropout under root by a GlobalBatchDropout for `world` (torch's convert_sync_batchnorm pattern). */
export function useGlobalBatchDropout(root: Module, world: GlobalBatch): number {
  let replaced = 0;
  for (const [, m] of root.namedModules()) {
    for (const [name, child] of m.children()) {
      if (child instanceof Dropout && !(child instanceof GlobalBatchDropout)) {
        const d = m.registerModule(name, new GlobalBatchDropout(child.p, world));
        d.train(child.training);
        replaced++;
      }
    }
  }
  return replaced;
}
