// ReLU as a module (torchvision's ResNet registers `relu` as a child; it has no state).

import type { Tensor } from '../tensor/index.js';
import { F } from '../tensor/index.js';
import { Module } from './module.js';

/** max(x, 0); with inplace it overwrites and returns its input, like nn.ReLU(inplace=True). */
export class ReLU extends Module {
  constructor(readonly inplace = false) {
    super();
  }

  forward(x: Tensor): Tensor {
    return this.inplace ? F.relu_(x) : F.relu(x);
  }
}
