// Emitters of src/nn's layers: Conv2d, BatchNorm2d, ReLU, MaxPool2d, AdaptiveAvgPool2d(1), Dropout (the identity in
// eval mode: no node) and Sequential (its children in order, each Conv2d → BatchNorm2d pair folded).
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, MaxPool2d, type Module, ReLU, Sequential } from '../../nn/index.js';
import { emitBatchNorm, emitConv, emitConvBn } from './conv-bn.js';
import { type EmitContext, registerEmitter } from './registry.js';

/** Emits children (name, module) in sequence on `x`, folding each Conv2d directly followed by a BatchNorm2d. */
export function emitChain(ctx: EmitContext, children: ReadonlyArray<readonly [string, Module]>, x: string): string {
  let out = x;
  for (let i = 0; i < children.length; i++) {
    const [name, m] = children[i]!;
    const next = children[i + 1];
    if (m instanceof Conv2d && next !== undefined && next[1] instanceof BatchNorm2d) {
      out = emitConvBn(ctx, m, next[1], out, name, next[0]);
      i++;
    } else {
      out = ctx.emit(m, out, name);
    }
  }
  return out;
}

/** Emits a Sequential (or a subclass that keeps Sequential's forward) child by child. */
export function emitSequential(m: Sequential, x: string, ctx: EmitContext): string {
  return emitChain(ctx, [...m.children()], x);
}

const pair = (v: number): [number, number] => [v, v];

registerEmitter(Conv2d, (m, x, ctx) => emitConv(ctx, m, x, ctx.path));
registerEmitter(BatchNorm2d, (m, x, ctx) => emitBatchNorm(ctx, m, x, ctx.path));
registerEmitter(ReLU, (_m, x, ctx) => ctx.graph.node('Relu', ctx.path, [x]));
registerEmitter(Dropout, (_m, x) => x);
registerEmitter(Sequential, emitSequential);
registerEmitter(MaxPool2d, (m, x, ctx) => {
  const { stride = m.kernelSize, padding = 0, dilation = 1, ceilMode = false } = m.opts;
  return ctx.graph.node('MaxPool', ctx.path, [x], {
    kernel_shape: { ints: pair(m.kernelSize) },
    strides: { ints: pair(stride) },
    pads: { ints: [padding, padding, padding, padding] },
    dilations: { ints: pair(dilation) },
    ceil_mode: { i: ceilMode ? 1 : 0 },
  });
});
registerEmitter(AdaptiveAvgPool2d, (m, x, ctx) => {
  const size = typeof m.outputSize === 'number' ? pair(m.outputSize) : m.outputSize;
  if (size[0] !== 1 || size[1] !== 1) throw new Error(`ONNX export: AdaptiveAvgPool2d at "${ctx.path}" has output size [${size}]; only 1×1 is exported`);
  return ctx.graph.node('GlobalAveragePool', ctx.path, [x]);
});
