// Dropout as a module; uses the global generator, so manualSeed() makes it reproducible.

import type { Tensor } from '../tensor/index.js';
import { F } from '../tensor/index.js';
import { Module } from './module.js';

/** Zeroes elements with probability p in training mode and scales the rest by 1/(1-p); identity in eval. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: p must be in [0, 1], got ${p}`);
  }

  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }
}
