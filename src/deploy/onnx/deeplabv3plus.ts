// Emitters of DeepLabV3+ (src/models/deeplabv3plus.ts), main path only: backbone layer1 and layer4 → the 48-channel
// projection of layer1, ASPP(layer4) resized to layer1's size, Concat [projection, ASPP] (the model's order) →
// decoder convs → classifier → bilinear resize to the input size. Separable convs are Conv nodes with `group`.
import { DeepLabHeadV3Plus, DeepLabV3Plus } from '../../models/deeplabv3plus.js';
import { AtrousSeparableConvolution } from '../../models/separable-conv.js';
import { resizeLike } from './ops.js';
import { type EmitContext, registerEmitter } from './registry.js';
import { emitResNetFeatures } from './resnet.js';

registerEmitter(AtrousSeparableConvolution, (m, x, ctx) => ctx.emit(m.body, x, 'body'));

/** The head on (layer1, layer4): emitted from DeepLabV3Plus's emitter, which has both values. */
function emitHead(m: DeepLabHeadV3Plus, lowLevel: string, high: string, ctx: EmitContext): string {
  const low = ctx.emit(m.project, lowLevel, 'project');
  const aspp = resizeLike(ctx, ctx.emit(m.aspp, high, 'aspp'), low, ctx.at('aspp_upsample'));
  const cat = ctx.graph.node('Concat', ctx.at('cat'), [low, aspp], { axis: { i: 1 } });
  return ctx.emit(m.classifier, cat, 'classifier');
}

registerEmitter(DeepLabV3Plus, (m, x, ctx) => {
  const features = emitResNetFeatures(m.backbone, x, ctx.child('backbone'));
  const logits = emitHead(m.classifier, features.layer1, features.layer4, ctx.child('classifier'));
  return resizeLike(ctx, logits, x, ctx.at('upsample'));
});

// the head takes two inputs: it is only exported through DeepLabV3Plus
registerEmitter(DeepLabHeadV3Plus, (_m, _x, ctx) => {
  throw new Error(`ONNX export: DeepLabHeadV3Plus at "${ctx.path}" needs layer1 and layer4; export the whole DeepLabV3Plus`);
});
