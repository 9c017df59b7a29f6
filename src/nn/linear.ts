// nn.Linear (the classification head of torchvision's ResNet).

import type { Tensor } from '../tensor/index.js';
import { empty } from '../tensor/index.js';
import { defaultLayerInit } from './init.js';
import { Module } from './module.js';

/** y = x Wᵀ + b with `weight` [out, in] and `bias` [out], PyTorch's default initialisation. */
export class Linear extends Module {
  declare readonly weight: Tensor;
  declare readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: { bias?: boolean } = {},
  ) {
    super();
    this.registerParameter('weight', empty([outFeatures, inFeatures], { requiresGrad: true }));
    this.registerParameter('bias', opts.bias === false ? null : empty([outFeatures], { requiresGrad: true }));
    defaultLayerInit(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    const wt = this.weight.transpose(0, 1);
    try {
      const y = x.matmul(wt);
      if (this.bias === null) return y;
      const out = y.add(this.bias);
      y.dispose();
      return out;
    } finally {
      wt.dispose();
    }
  }
}
