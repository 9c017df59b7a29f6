// nn.Conv2d. stride/padding/dilation are mutable so a built model's output stride can be changed in place.

import type { Tensor } from '../tensor/index.js';
import { empty, F } from '../tensor/index.js';
import { defaultLayerInit } from './init.js';
import { Module } from './module.js';

type Pair = [number, number];

/** Options of Conv2d (nn.Conv2d's keyword arguments): F.conv2d's geometry, declared once there, plus bias. */
export interface Conv2dOptions extends F.Conv2dOptions {
  bias?: boolean;
}

const pair = (v: number | Pair): Pair => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** 2-d convolution with PyTorch's default initialisation; `weight` [out, in/groups, kh, kw], optional `bias`. */
export class Conv2d extends Module {
  declare readonly weight: Tensor;
  declare readonly bias: Tensor | null;
  readonly kernelSize: Pair;
  stride: Pair;
  padding: Pair;
  dilation: Pair;
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | Pair,
    opts: Conv2dOptions = {},
  ) {
    super();
    this.kernelSize = pair(kernelSize);
    this.stride = pair(opts.stride ?? 1);
    this.padding = pair(opts.padding ?? 0);
    this.dilation = pair(opts.dilation ?? 1);
    this.groups = opts.groups ?? 1;
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new Error(`Conv2d: channels ${inChannels}->${outChannels} not divisible by groups=${this.groups}`);
    }
    const [kh, kw] = this.kernelSize;
    this.registerParameter('weight', empty([outChannels, inChannels / this.groups, kh, kw], { requiresGrad: true }));
    this.registerParameter('bias', opts.bias === false ? null : empty([outChannels], { requiresGrad: true }));
    this.resetParameters();
  }

  /** PyTorch's default init: kaiming_uniform_(a=√5) weight, U(±1/√fanIn) bias. */
  resetParameters(): void {
    defaultLayerInit(this.weight, this.bias);
  }

  /** Sets dilation and the padding that keeps a 3x3 (or k x k) 'same' geometry: padding = dilation * (k-1)/2. */
  setDilation(dilation: number): void {
    this.dilation = [dilation, dilation];
    this.padding = [(dilation * (this.kernelSize[0] - 1)) / 2, (dilation * (this.kernelSize[1] - 1)) / 2];
  }

  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}
