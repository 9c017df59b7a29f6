// The architecture of a DeepLab state dict from its keys and shapes alone (a torchvision DeepLabV3 .pth, a
// VainF DeepLabV3+ one, or anything shapeseg wrote), so checkpoints load without being told what they hold.
import { type Blocks, RESNET_SPECS } from './builders.js';
import { type ModelName, RESNET_NAMES, type ResNetName } from './names.js';

/** What inferArchitecture() reads from a DeepLabV3 or DeepLabV3+ state dict. */
export interface InferredArchitecture {
  name: ModelName;
  backbone: ResNetName;
  block: 'basic' | 'bottleneck';
  blocks: Blocks;
  numClasses: number;
  auxLoss: boolean;
  /** DeepLabV3+ only: 3x3 convs in the decoder. */
  decoderConvs?: 1 | 2;
  /** DeepLabV3+ only: depthwise-separable head convs (`<conv>.body.0/1`). */
  separableConv?: boolean;
}

/** The key whose presence marks a DeepLabV3+ (VainF's low-level projection). */
const V3PLUS_KEY = 'classifier.project.0.weight';

/**
 * Reads depth, block type, class count and aux presence from a DeepLabV3 state dict's keys and shapes; a DeepLabV3+
 * one (`classifier.project.0.weight` present) also gives its decoder conv count and whether its head is separable.
 */
export function inferArchitecture(sd: ReadonlyMap<string, { shape: readonly number[] }>): InferredArchitecture {
  const plus = sd.has(V3PLUS_KEY);
  const need = (key: string): readonly number[] => {
    const t = sd.get(key);
    if (!t) throw new Error(`not a ${plus ? 'DeepLabV3+' : 'torchvision DeepLabV3'}-ResNet state dict: key "${key}" is missing`);
    return t.shape;
  };
  need('backbone.conv1.weight');
  const counts = [1, 2, 3, 4].map((l) => {
    const re = new RegExp(`^backbone\\.layer${l}\\.(\\d+)\\.`);
    let n = 0;
    for (const k of sd.keys()) {
      const m = re.exec(k);
      if (m) n = Math.max(n, Number(m[1]) + 1);
    }
    return n;
  }) as Blocks;
  const block = sd.has('backbone.layer1.0.conv3.weight') ? 'bottleneck' : 'basic';
  const found = RESNET_NAMES.find((n) => {
    const s = RESNET_SPECS[n];
    return s.block.kind === block && s.blocks.every((b, i) => b === counts[i]);
  });
  if (!found) {
    throw new Error(`state dict has a ${block}-block ResNet with [${counts.join(',')}] blocks per layer, matching no known depth`);
  }
  const auxLoss = [...sd.keys()].some((k) => k.startsWith('aux_classifier.'));
  const common = { backbone: found, block, blocks: counts, auxLoss } as const;
  if (!plus) return { name: `deeplabv3_${found}`, ...common, numClasses: need('classifier.4.weight')[0]! };
  // decoder: conv,bn,relu per 3x3 conv then the 1x1 classifier (VainF: 0..3; the paper's two convs: 0..6)
  const decoderConvs = sd.has('classifier.classifier.6.weight') ? 2 : 1;
  const logits = need(`classifier.classifier.${3 * decoderConvs}.weight`);
  const separableConv = sd.has('classifier.classifier.0.body.0.weight');
  if (!separableConv) need('classifier.classifier.0.weight');
  return { name: `deeplabv3plus_${found}`, ...common, numClasses: logits[0]!, decoderConvs, separableConv };
}
