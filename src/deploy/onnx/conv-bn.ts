// Conv2d and BatchNorm2d nodes. An eval-mode BatchNorm after a convolution is an affine map per output channel, so by
// default it is folded into the convolution: W' = W·γ/√(var+ε), b' = (b − mean)·γ/√(var+ε) + β (in float64, stored
// as float32), which leaves one Conv node where PyTorch runs two ops.
import type { BatchNorm2d, Conv2d } from '../../nn/index.js';
import { hostFloats } from './host.js';
import type { EmitContext } from './registry.js';

/** An eval-mode BatchNorm2d as y = x·scale + shift per channel. */
interface ChannelAffine {
  scale: Float64Array;
  shift: Float64Array;
}

/** Running statistics and affine parameters of `bn`; refuses a BatchNorm without running statistics. */
function batchNormParams(bn: BatchNorm2d, where: string): { mean: Float32Array; variance: Float32Array; gamma: Float32Array; beta: Float32Array } {
  if (bn.runningMean === null || bn.runningVar === null) {
    throw new Error(`ONNX export: BatchNorm2d at "${where}" has no running statistics (track_running_stats=False): eval mode uses batch statistics`);
  }
  const c = bn.numFeatures;
  return {
    mean: hostFloats(bn.runningMean),
    variance: hostFloats(bn.runningVar),
    gamma: bn.weight ? hostFloats(bn.weight) : new Float32Array(c).fill(1),
    beta: bn.bias ? hostFloats(bn.bias) : new Float32Array(c),
  };
}

function channelAffine(bn: BatchNorm2d, where: string): ChannelAffine {
  const p = batchNormParams(bn, where);
  const c = bn.numFeatures;
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    scale[k] = p.gamma[k]! / Math.sqrt(p.variance[k]! + bn.eps);
    shift[k] = p.beta[k]! - p.mean[k]! * scale[k]!;
  }
  return { scale, shift };
}

/** A Conv node for `conv` (module path `at`), with `bn` folded in when given; returns its output. */
export function emitConv(ctx: EmitContext, conv: Conv2d, x: string, at: string, bn: BatchNorm2d | null = null): string {
  let weight = hostFloats(conv.weight);
  let bias = conv.bias ? hostFloats(conv.bias) : null;
  if (bn !== null) {
    const { scale, shift } = channelAffine(bn, at);
    const per = weight.length / conv.outChannels;
    const w = new Float32Array(weight.length);
    const b = new Float32Array(conv.outChannels);
    for (let o = 0; o < conv.outChannels; o++) {
      for (let j = o * per; j < (o + 1) * per; j++) w[j] = weight[j]! * scale[o]!;
      b[o] = (bias ? bias[o]! : 0) * scale[o]! + shift[o]!;
    }
    [weight, bias] = [w, b];
  }
  const [kh, kw] = conv.kernelSize;
  const g = ctx.graph;
  const inputs = [x, g.float(`${at}.weight`, weight, [conv.outChannels, conv.inChannels / conv.groups, kh, kw])];
  if (bias !== null) inputs.push(g.float(`${at}.bias`, bias, [conv.outChannels]));
  const [ph, pw] = conv.padding;
  return g.node('Conv', at, inputs, {
    kernel_shape: { ints: [kh, kw] },
    strides: { ints: conv.stride },
    pads: { ints: [ph, pw, ph, pw] },
    dilations: { ints: conv.dilation },
    group: { i: conv.groups },
  });
}

/**
 * A convolution and the BatchNorm after it (children `convName`, `bnName` of the current module): one folded Conv, or
 * Conv + BatchNormalization with foldBatchNorm off.
 */
export function emitConvBn(ctx: EmitContext, conv: Conv2d, bn: BatchNorm2d, x: string, convName: string, bnName: string): string {
  if (ctx.foldBatchNorm) return emitConv(ctx, conv, x, ctx.at(convName), bn);
  return emitBatchNorm(ctx, bn, emitConv(ctx, conv, x, ctx.at(convName)), ctx.at(bnName));
}

/** A BatchNormalization node (inference: running statistics) for `bn` at module path `at`. */
export function emitBatchNorm(ctx: EmitContext, bn: BatchNorm2d, x: string, at: string): string {
  const p = batchNormParams(bn, at);
  const g = ctx.graph;
  const c = [bn.numFeatures];
  const inputs = [
    x,
    g.float(`${at}.weight`, p.gamma, c),
    g.float(`${at}.bias`, p.beta, c),
    g.float(`${at}.running_mean`, p.mean, c),
    g.float(`${at}.running_var`, p.variance, c),
  ];
  return g.node('BatchNormalization', at, inputs, { epsilon: { f: bn.eps } });
}
