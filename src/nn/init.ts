// torch.nn.init for the initialisers shapeseg's models use. All write in place without autograd and
// draw from the global generator (manualSeed() makes them reproducible).

import type { Tensor } from '../tensor/index.js';
import { noGrad, rand, randn } from '../tensor/index.js';

/** Nonlinearities calculate_gain() knows that matter here. */
export type Nonlinearity = 'linear' | 'conv2d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu';

/** Options of the kaiming initialisers (torch.nn.init's arguments). */
export interface KaimingOptions {
  a?: number;
  mode?: 'fan_in' | 'fan_out';
  nonlinearity?: Nonlinearity;
}

/** torch.nn.init.calculate_gain. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv2d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
  }
}

/** torch.nn.init._calculate_fan_in_and_fan_out: [fanIn, fanOut] of a weight of this shape. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new Error(`fan in/out needs a tensor with at least 2 dims, got shape [${shape.join(',')}]`);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

function fill(t: Tensor, sample: (shape: readonly number[]) => Tensor): Tensor {
  noGrad(() => {
    const s = sample(t.shape);
    try {
      t.copy_(s);
    } finally {
      s.dispose();
    }
  });
  return t;
}

/** Fills t with U(low, high). */
export function uniform_(t: Tensor, low = 0, high = 1): Tensor {
  return fill(t, (shape) =>
    rand(shape, { device: t.device })
      .mul_(high - low)
      .add_(low),
  );
}

/** Fills t with N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  return fill(t, (shape) => randn(shape, { device: t.device }).mul_(std).add_(mean));
}

/** Fills t with a constant. */
export function constant_(t: Tensor, value: number): Tensor {
  noGrad(() => t.fill_(value));
  return t;
}

function kaimingStd(t: Tensor, opts: KaimingOptions): number {
  const { a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu' } = opts;
  const f = fans(t.shape);
  return calculateGain(nonlinearity, a) / Math.sqrt(mode === 'fan_in' ? f.fanIn : f.fanOut);
}

/** torch.nn.init.kaiming_normal_. */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, opts));
}

/** torch.nn.init.kaiming_uniform_. */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, opts);
  return uniform_(t, -bound, bound);
}

/** PyTorch's default Conv2d/Linear reset_parameters(): kaiming_uniform_(a=√5) weight, U(±1/√fanIn) bias. */
export function defaultLayerInit(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias !== null) {
    const { fanIn } = fans(weight.shape);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}
