// torch.nn.functional counterparts; semantics (defaults, checks) follow torch 1.13's Python code.
import { N } from './native.js';
import { type Operand, operand, Tensor } from './tensor.js';

type Pair = number | [number, number];

function pair(v: Pair, name: string): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every(Number.isInteger)) {
    throw new Error(`${name} must be an integer or a pair of integers, got ${JSON.stringify(v)}`);
  }
  return p;
}

function handles(ts: Tensor[]) {
  return ts.map((t) => t.handle);
}

/** Options of conv2d. */
export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

/** 2-d convolution (F.conv2d). */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  return new Tensor(
    N.conv2d(
      x.handle,
      weight.handle,
      bias?.handle ?? null,
      pair(opts.stride ?? 1, 'conv2d stride'),
      pair(opts.padding ?? 0, 'conv2d padding'),
      pair(opts.dilation ?? 1, 'conv2d dilation'),
      opts.groups ?? 1,
    ),
  );
}

/** Batch normalisation (F.batch_norm); in training, updates runningMean/runningVar in place. */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null,
  bias: Tensor | null,
  training: boolean,
  momentum: number,
  eps: number,
): Tensor {
  if (training) {
    // F.batch_norm's _verify_batch_size
    let perChannel = x.shape[0] ?? 0;
    for (let i = 2; i < x.shape.length; i++) perChannel *= x.shape[i]!;
    if (perChannel === 1) {
      throw new Error(`Expected more than 1 value per channel when training, got input size [${x.shape.join(', ')}]`);
    }
  }
  return new Tensor(
    N.batchNorm(x.handle, runningMean?.handle ?? null, runningVar?.handle ?? null, weight?.handle ?? null, bias?.handle ?? null, training, momentum, eps),
  );
}

/** max(x, 0). */
export function relu(x: Tensor): Tensor {
  return new Tensor(N.relu(x.handle));
}

/** In place max(x, 0); returns x. */
export function relu_(x: Tensor): Tensor {
  N.relu_(x.handle);
  return x;
}

/** Logistic sigmoid. */
export function sigmoid(x: Tensor): Tensor {
  return new Tensor(N.sigmoid(x.handle));
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  return new Tensor(N.tanh(x.handle));
}

/** Options of maxPool2d (stride defaults to kernelSize). */
export interface MaxPool2dOptions {
  kernelSize: Pair;
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
}

/** 2-d max pooling (F.max_pool2d). */
export function maxPool2d(x: Tensor, opts: MaxPool2dOptions): Tensor {
  const k = pair(opts.kernelSize, 'maxPool2d kernelSize');
  return new Tensor(
    N.maxPool2d(
      x.handle,
      k,
      opts.stride === undefined ? k : pair(opts.stride, 'maxPool2d stride'),
      pair(opts.padding ?? 0, 'maxPool2d padding'),
      pair(opts.dilation ?? 1, 'maxPool2d dilation'),
      opts.ceilMode ?? false,
    ),
  );
}

/** Adaptive average pooling to outputSize (F.adaptive_avg_pool2d). */
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  return new Tensor(N.adaptiveAvgPool2d(x.handle, pair(outputSize, 'adaptiveAvgPool2d outputSize')));
}

/** Resizes 4-d x to size, or by scaleFactor (F.interpolate; alignCorners only for bilinear, default false). */
export function interpolate(x: Tensor, to: { size: [number, number] } | { scaleFactor: number }, mode: 'bilinear' | 'nearest', alignCorners?: boolean): Tensor {
  if (mode !== 'bilinear' && mode !== 'nearest') throw new Error(`interpolate: unknown mode '${String(mode)}' (expected bilinear or nearest)`);
  if (mode === 'nearest' && alignCorners !== undefined) {
    throw new Error('align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear');
  }
  if (x.dim() !== 4) throw new Error(`interpolate: expected a 4-d (N, C, H, W) input, got shape [${x.shape.join(', ')}]`);
  if ('size' in to) {
    return new Tensor(N.interpolate(x.handle, mode, pair(to.size, 'interpolate size'), null, alignCorners ?? false));
  }
  if (!(to.scaleFactor > 0)) throw new Error(`interpolate: scaleFactor must be positive, got ${to.scaleFactor}`);
  return new Tensor(N.interpolate(x.handle, mode, null, to.scaleFactor, alignCorners ?? false));
}

/** Concatenates along dim. */
export function cat(ts: Tensor[], dim = 0): Tensor {
  return new Tensor(N.cat(handles(ts), dim));
}

/** Stacks along a new dim. */
export function stack(ts: Tensor[], dim = 0): Tensor {
  return new Tensor(N.stack(handles(ts), dim));
}

/** Options of crossEntropy. */
export interface CrossEntropyOptions {
  ignoreIndex?: number;
  weight?: Tensor;
  reduction?: 'mean' | 'sum' | 'none';
  labelSmoothing?: number;
}

const REDUCTION = { none: 0, mean: 1, sum: 2 } as const;

/** Cross entropy of logits (N, C, ...) against int64 class indices (N, ...) (F.cross_entropy). */
export function crossEntropy(logits: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const reduction = REDUCTION[opts.reduction ?? 'mean'];
  if (reduction === undefined) throw new Error(`crossEntropy: unknown reduction '${String(opts.reduction)}' (expected mean, sum or none)`);
  return new Tensor(N.crossEntropy(logits.handle, target.handle, opts.weight?.handle ?? null, reduction, opts.ignoreIndex ?? -100, opts.labelSmoothing ?? 0));
}

/** log(softmax(x, dim)). */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return new Tensor(N.logSoftmax(x.handle, dim));
}

/** Softmax along dim. */
export function softmax(x: Tensor, dim: number): Tensor {
  return new Tensor(N.softmax(x.handle, dim));
}

/** Zeroes elements with probability p and scales by 1/(1-p) when training (global generator). */
export function dropout(x: Tensor, p: number, training: boolean): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout probability has to be between 0 and 1, but got ${p}`);
  return new Tensor(N.dropout(x.handle, p, training));
}

/** Reverses the order along dims. */
export function flip(x: Tensor, dims: number[]): Tensor {
  return new Tensor(N.flip(x.handle, dims));
}

/** Pads the last dims: pads = [left, right, top, bottom, ...] (F.pad). */
export function pad(x: Tensor, pads: number[], mode: 'constant' | 'reflect' | 'replicate' = 'constant', value?: number): Tensor {
  if (mode !== 'constant' && value !== undefined && value !== 0) {
    throw new Error(`Padding mode "${mode}" doesn't take in value argument.`);
  }
  return new Tensor(N.pad(x.handle, pads, mode, mode === 'constant' ? (value ?? null) : null));
}

/** a where cond, else b. */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  return new Tensor(N.where(cond.handle, operand(a), operand(b), typeof a === 'number', typeof b === 'number'));
}

/** Counts of each value of a 1-d non-negative int tensor (weighted sums with weights). */
export function bincount(x: Tensor, minlength = 0, weights?: Tensor): Tensor {
  return new Tensor(N.bincount(x.handle, weights?.handle ?? null, minlength));
}

/** One-hot encoding of int64 x (numClasses -1: max + 1). */
export function oneHot(x: Tensor, numClasses = -1): Tensor {
  return new Tensor(N.oneHot(x.handle, numClasses));
}
