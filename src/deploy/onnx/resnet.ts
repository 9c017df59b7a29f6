// Emitters of torchvision's ResNet pieces (src/models/resnet.ts): residual blocks with their downsample, and the
// headless backbone's stem and layer1..layer4.
import { BasicBlock, Bottleneck, type ResNet, ResNet as ResNetClass } from '../../models/resnet.js';
import type { Sequential } from '../../nn/index.js';
import { emitConvBn } from './conv-bn.js';
import { emitChain } from './layers.js';
import { addRelu } from './ops.js';
import { type EmitContext, registerEmitter } from './registry.js';

/** The identity branch: x, or the block's downsample (1×1 conv + BN) on x. */
function identity(ctx: EmitContext, downsample: Sequential | null, x: string): string {
  return downsample === null ? x : ctx.emit(downsample, x, 'downsample');
}

registerEmitter(BasicBlock, (m, x, ctx) => {
  let out = emitConvBn(ctx, m.conv1, m.bn1, x, 'conv1', 'bn1');
  out = ctx.graph.node('Relu', ctx.at('relu'), [out]);
  out = emitConvBn(ctx, m.conv2, m.bn2, out, 'conv2', 'bn2');
  return addRelu(ctx, out, identity(ctx, m.downsample, x), ctx.path);
});

registerEmitter(Bottleneck, (m, x, ctx) => {
  let out = emitConvBn(ctx, m.conv1, m.bn1, x, 'conv1', 'bn1');
  out = ctx.graph.node('Relu', ctx.at('relu'), [out]);
  out = emitConvBn(ctx, m.conv2, m.bn2, out, 'conv2', 'bn2');
  out = ctx.graph.node('Relu', ctx.at('relu'), [out]);
  out = emitConvBn(ctx, m.conv3, m.bn3, out, 'conv3', 'bn3');
  return addRelu(ctx, out, identity(ctx, m.downsample, x), ctx.path);
});

/** Values of a ResNet's feature maps (what DeepLabV3 and DeepLabV3+ heads read). */
export interface ResNetFeatureValues {
  layer1: string;
  layer2: string;
  layer3: string;
  layer4: string;
}

/** Emits the stem and layer1..layer4 of `m` (whose context is `ctx`) on `x`; returns every layer's output. */
export function emitResNetFeatures(m: ResNet, x: string, ctx: EmitContext): ResNetFeatureValues {
  const stem = emitChain(
    ctx,
    [
      ['conv1', m.conv1],
      ['bn1', m.bn1],
      ['relu', m.relu],
      ['maxpool', m.maxpool],
    ],
    x,
  );
  const layer1 = ctx.emit(m.layer1, stem, 'layer1');
  const layer2 = ctx.emit(m.layer2, layer1, 'layer2');
  const layer3 = ctx.emit(m.layer3, layer2, 'layer3');
  return { layer1, layer2, layer3, layer4: ctx.emit(m.layer4, layer3, 'layer4') };
}

// A headless ResNet (a segmentation backbone) emits layer4's features; the ImageNet classifier is not exported.
registerEmitter(ResNetClass, (m, x, ctx) => {
  if (m.fc !== null) throw new Error(`ONNX export: ResNet at "${ctx.path || '<root>'}" has a classification head; only headless backbones are exported`);
  return emitResNetFeatures(m, x, ctx).layer4;
});
