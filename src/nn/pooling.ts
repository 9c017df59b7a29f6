// Stateless pooling modules; they exist as children so module trees match torchvision's.

import type { Tensor } from '../tensor/index.js';
import { F } from '../tensor/index.js';
import { Module } from './module.js';

/** Options of MaxPool2d (nn.MaxPool2d's arguments). */
export interface MaxPool2dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  ceilMode?: boolean;
}

/** nn.MaxPool2d. */
export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: number,
    readonly opts: MaxPool2dOptions = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return F.maxPool2d(x, { kernelSize: this.kernelSize, ...this.opts });
  }
}

/** nn.AdaptiveAvgPool2d. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | [number, number]) {
    super();
  }

  forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool2d(x, this.outputSize);
  }
}
