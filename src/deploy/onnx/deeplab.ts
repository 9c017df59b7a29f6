// Emitters of DeepLabV3 (src/models/deeplabv3.ts), main path only: backbone → ASPP (1×1 branch, atrous branches,
// image pooling resized back) → Concat → projection (Dropout: eval identity) → 3×3 conv → classifier → bilinear
// resize to the input size. The aux head (training only) is not exported.
import { ASPP, ASPPConv, ASPPPooling, DeepLabHead, DeepLabV3, FCNHead } from '../../models/deeplabv3.js';
import { emitChain, emitSequential } from './layers.js';
import { resizeLike } from './ops.js';
import { registerEmitter } from './registry.js';

// Sequential subclasses whose forward() is Sequential's.
registerEmitter(ASPPConv, emitSequential);
registerEmitter(DeepLabHead, emitSequential);
registerEmitter(FCNHead, emitSequential);

registerEmitter(ASPPPooling, (m, x, ctx) => resizeLike(ctx, emitChain(ctx, [...m.children()], x), x, ctx.at('resize')));

registerEmitter(ASPP, (m, x, ctx) => {
  const convs = ctx.child('convs');
  const branches = [...m.convs].map((b, i) => convs.emit(b, x, String(i)));
  const cat = ctx.graph.node('Concat', ctx.at('cat'), branches, { axis: { i: 1 } });
  return ctx.emit(m.project, cat, 'project');
});

registerEmitter(DeepLabV3, (m, x, ctx) => {
  const features = ctx.emit(m.backbone, x, 'backbone');
  return resizeLike(ctx, ctx.emit(m.classifier, features, 'classifier'), x, ctx.at('upsample'));
});
