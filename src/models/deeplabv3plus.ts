// DeepLabV3+ (Chen et al., "Encoder-Decoder with Atrous Separable Convolution for Semantic Image Segmentation",
// ECCV 2018) as VainF/DeepLabV3Plus-Pytorch builds it over a ResNet (network/_deeplab.py DeepLabHeadV3Plus,
// network/modeling.py _segm_resnet), module for module, so its state-dict keys load there:
//   classifier.project.{0,1}   1x1 conv (layer1 channels -> 48, no bias) + BN (+ ReLU)
//   classifier.aspp.*           torchvision's ASPP layout (convs.0..4, project.0..3), dropout 0.1
//   classifier.classifier.*     decoderConvs 1: VainF's 0..3 (3x3 conv 304->256, BN, ReLU, 1x1 conv);
//                               decoderConvs 2 (the paper's two 3x3 convs): 0..6
// ASPP(layer4) is resized to layer1's size (stride 4 at both output strides) and concatenated after the projected
// low-level features (VainF: torch.cat([low_level_feature, output_feature], dim=1)).

import type { Layer } from '../nn/index.js';
import { BatchNorm2d, Conv2d, constant_, consume, kaimingNormal_, Module, ReLU, Sequential } from '../nn/index.js';
import type { Tensor } from '../tensor/index.js';
import { F } from '../tensor/index.js';
import { ATROUS_RATES, DeepLabModel, upsampleTo } from './deeplab-model.js';
import { ASPP } from './deeplabv3.js';
import type { ResNetFeatures } from './resnet.js';
import { atrousConv } from './separable-conv.js';

/** Channels the low-level features are projected to (the paper's 48). */
export const LOW_LEVEL_PROJECTION = 48;
/** Decoder width (256). */
const DECODER_CHANNELS = 256;

/** Head options beyond the class count. */
export interface DeepLabV3PlusHeadOptions {
  /** ASPP rates (default the OS-16 ones, 6,12,18). */
  atrousRates?: readonly number[];
  /** 3x3 convs in the decoder: 2 (the paper, default) or 1 (VainF's port). */
  decoderConvs?: 1 | 2;
  /** Depthwise-separable 3x3 convs in the ASPP and the decoder (VainF's separable_conv). */
  separableConv?: boolean;
}

/** VainF's DeepLabHeadV3Plus: children project, aspp, classifier. */
export class DeepLabHeadV3Plus extends Module {
  readonly project: Sequential<Layer>;
  readonly aspp: ASPP;
  readonly classifier: Sequential<Layer>;

  constructor(inChannels: number, lowLevelChannels: number, numClasses: number, opts: DeepLabV3PlusHeadOptions = {}) {
    super();
    const decoderConvs = opts.decoderConvs ?? 2;
    if (decoderConvs !== 1 && decoderConvs !== 2) throw new Error(`decoderConvs must be 1 or 2, got ${decoderConvs}`);
    const sep = opts.separableConv ?? false;
    this.project = new Sequential<Layer>(
      new Conv2d(lowLevelChannels, LOW_LEVEL_PROJECTION, 1, { bias: false }),
      new BatchNorm2d(LOW_LEVEL_PROJECTION),
      new ReLU(),
    );
    this.aspp = new ASPP(inChannels, opts.atrousRates ?? ATROUS_RATES[16], { outChannels: DECODER_CHANNELS, dropout: 0.1, separable: sep });
    const decoder: Layer[] = [];
    let ch = LOW_LEVEL_PROJECTION + DECODER_CHANNELS;
    for (let i = 0; i < decoderConvs; i++) {
      decoder.push(atrousConv(ch, DECODER_CHANNELS, 3, { bias: false }, sep), new BatchNorm2d(DECODER_CHANNELS), new ReLU());
      ch = DECODER_CHANNELS;
    }
    this.classifier = new Sequential<Layer>(...decoder, new Conv2d(DECODER_CHANNELS, numClasses, 1));
    initHead(this);
  }

  /** The final 1x1 conv (its out channels are the classes). */
  get logits(): Conv2d {
    return this.classifier.at(-1) as Conv2d;
  }

  /** 3x3 convs in the decoder (1 or 2). */
  get decoderConvs(): number {
    return (this.classifier.length - 1) / 3;
  }

  /** Logits at layer1's resolution from the low-level (layer1) and high-level (layer4) features; disposes neither. */
  forward(lowLevel: Tensor, out: Tensor): Tensor {
    const low = this.project.forward(lowLevel);
    let cat: Tensor;
    try {
      const high = upsampleTo(this.aspp.forward(out), [low.shape[2]!, low.shape[3]!]);
      try {
        cat = F.cat([low, high], 1);
      } finally {
        high.dispose();
      }
    } finally {
      low.dispose();
    }
    return consume(cat, (t) => this.classifier.forward(t));
  }
}

/** VainF's _init_weight: kaiming_normal_ (fan_in) conv weights, BN weight 1 / bias 0; conv biases keep nn's init. */
function initHead(head: Module): void {
  for (const m of head.modules()) {
    if (m instanceof Conv2d) kaimingNormal_(m.weight);
    else if (m instanceof BatchNorm2d) {
      if (m.weight) constant_(m.weight, 1);
      if (m.bias) constant_(m.bias, 0);
    }
  }
}

/** DeepLabV3+ = headless ResNet backbone + DeepLabHeadV3Plus on layer1/layer4 (+ FCNHead aux on layer3). */
export class DeepLabV3Plus extends DeepLabModel<DeepLabHeadV3Plus> {
  /** Number of classes the classifier predicts. */
  get numClasses(): number {
    return this.classifier.logits.outChannels;
  }

  /** The classifier's ASPP. */
  get aspp(): ASPP {
    return this.classifier.aspp;
  }

  protected override get usesLowLevelFeatures(): boolean {
    return true;
  }

  protected decode(feats: ResNetFeatures): Tensor {
    const { layer1, layer4 } = feats;
    if (layer1 === null) throw new Error('DeepLabV3+ needs the backbone’s layer1 features');
    try {
      return this.classifier.forward(layer1, layer4);
    } finally {
      layer1.dispose();
      layer4.dispose();
    }
  }
}
