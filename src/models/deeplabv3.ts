// torchvision/models/segmentation/deeplabv3.py + fcn.FCNHead + _SimpleSegmentationModel, module for module:
// state-dict keys are torchvision's (backbone.*, classifier.0.convs.N.*, classifier.4.*, aux_classifier.*).

import type { Layer } from '../nn/index.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, consume, Dropout, Module, ModuleList, ReLU, Sequential, withBatchNormSplit } from '../nn/index.js';
import type { Tensor } from '../tensor/index.js';
import { F } from '../tensor/index.js';
import type { FeatureAugmentPlan, ResNet, StrideDilationPlan } from './resnet.js';

/** Output strides DeepLabV3 supports. */
export type OutputStride = 8 | 16;

/** ASPP atrous rates per output stride (DeepLabV3 paper; torchvision hard-codes the OS-8 ones). */
export const ATROUS_RATES: Record<OutputStride, [number, number, number]> = { 8: [12, 24, 36], 16: [6, 12, 18] };

/** replace_stride_with_dilation per output stride (torchvision builds OS 8 as [F,T,T]). */
export const DILATION_PLANS: Record<OutputStride, StrideDilationPlan> = {
  8: [false, true, true],
  16: [false, false, true],
};

/** Checks a user-supplied output stride. */
export function checkOutputStride(os: number): OutputStride {
  if (os !== 8 && os !== 16) throw new Error(`outputStride must be 8 or 16, got ${os}`);
  return os;
}

/** Bilinear resize (align_corners=False) of x to size; consumes x. */
function upsampleTo(x: Tensor, size: [number, number]): Tensor {
  return consume(x, (t) => F.interpolate(t, { size }, 'bilinear', false));
}

/** conv(3x3, dilated) -> BN -> ReLU. */
export class ASPPConv extends Sequential<Layer> {
  constructor(inChannels: number, outChannels: number, dilation: number) {
    super(new Conv2d(inChannels, outChannels, 3, { padding: dilation, dilation, bias: false }), new BatchNorm2d(outChannels), new ReLU());
  }

  /** The conv's atrous rate (its dilation). */
  get rate(): number {
    return (this.at(0) as Conv2d).dilation[0];
  }

  /** Changes the atrous rate in place (dilation and padding; the weights do not depend on it). */
  setRate(rate: number): void {
    (this.at(0) as Conv2d).setDilation(rate);
  }
}

/** Image pooling branch: global average pool -> 1x1 conv -> BN -> ReLU, upsampled back to the input size. */
export class ASPPPooling extends Sequential<Layer> {
  constructor(inChannels: number, outChannels: number) {
    super(new AdaptiveAvgPool2d(1), new Conv2d(inChannels, outChannels, 1, { bias: false }), new BatchNorm2d(outChannels), new ReLU());
  }

  override forward(x: Tensor): Tensor {
    const size: [number, number] = [x.shape[2]!, x.shape[3]!];
    return upsampleTo(super.forward(x), size);
  }
}

/** Atrous spatial pyramid pooling: 1x1 branch, one ASPPConv per rate, image pooling; concatenated and projected. */
export class ASPP extends Module {
  readonly convs: ModuleList<Layer>;
  readonly project: Sequential<Layer>;

  constructor(inChannels: number, atrousRates: readonly number[], outChannels = 256) {
    super();
    const branches: Layer[] = [
      new Sequential<Layer>(new Conv2d(inChannels, outChannels, 1, { bias: false }), new BatchNorm2d(outChannels), new ReLU()),
      ...atrousRates.map((r) => new ASPPConv(inChannels, outChannels, r)),
      new ASPPPooling(inChannels, outChannels),
    ];
    this.convs = new ModuleList<Layer>(branches);
    this.project = new Sequential<Layer>(
      new Conv2d(branches.length * outChannels, outChannels, 1, { bias: false }),
      new BatchNorm2d(outChannels),
      new ReLU(),
      new Dropout(0.5),
    );
  }

  private atrousBranches(): ASPPConv[] {
    return [...this.convs].filter((m): m is ASPPConv => m instanceof ASPPConv);
  }

  /** Current atrous rates. */
  get atrousRates(): number[] {
    return this.atrousBranches().map((b) => b.rate);
  }

  /** Changes the atrous rates in place; as many rates as the ASPP was built with. */
  setAtrousRates(rates: readonly number[]): void {
    const branches = this.atrousBranches();
    if (rates.length !== branches.length) {
      throw new Error(`ASPP has ${branches.length} atrous branches, got ${rates.length} rates [${rates.join(',')}]`);
    }
    branches.forEach((b, i) => {
      b.setRate(rates[i]!);
    });
  }

  forward(x: Tensor): Tensor {
    const res = [...this.convs].map((c) => c.forward(x));
    let cat: Tensor;
    try {
      cat = F.cat(res, 1);
    } finally {
      for (const r of res) r.dispose();
    }
    return consume(cat, (t) => this.project.forward(t));
  }
}

/** DeepLabHead: ASPP -> 3x3 conv -> BN -> ReLU -> 1x1 classifier (children 0..4). */
export class DeepLabHead extends Sequential<Layer> {
  constructor(inChannels: number, numClasses: number, atrousRates: readonly number[] = ATROUS_RATES[8]) {
    super(
      new ASPP(inChannels, atrousRates),
      new Conv2d(256, 256, 3, { padding: 1, bias: false }),
      new BatchNorm2d(256),
      new ReLU(),
      new Conv2d(256, numClasses, 1),
    );
  }

  /** The ASPP module (child 0). */
  get aspp(): ASPP {
    return this.at(0) as ASPP;
  }
}

/** torchvision's FCNHead, used as DeepLabV3's auxiliary classifier on layer3. */
export class FCNHead extends Sequential<Layer> {
  constructor(inChannels: number, channels: number) {
    const inter = Math.floor(inChannels / 4);
    super(new Conv2d(inChannels, inter, 3, { padding: 1, bias: false }), new BatchNorm2d(inter), new ReLU(), new Dropout(0.1), new Conv2d(inter, channels, 1));
  }
}

/** DeepLabV3 outputs: logits at the input resolution (aux only when the model has an aux head). */
export interface SegmentationOutput {
  out: Tensor;
  aux?: Tensor;
}

/** Options of DeepLabV3.forward(). */
export interface SegmentationForwardOptions {
  /** Compute the aux head's output (default true when the model has one, like torchvision). */
  aux?: boolean;
  /** Training: the first `batchNormSplit` images and the rest are normalised by their own BatchNorm statistics. */
  batchNormSplit?: number | undefined;
  /** Training: feature-level augmentations after backbone layers (MixStyle, DSU). */
  featureAugment?: FeatureAugmentPlan | undefined;
}

/** DeepLabV3 = headless ResNet backbone + DeepLabHead (+ FCNHead aux on layer3). */
export class DeepLabV3 extends Module {
  readonly backbone: ResNet;
  readonly classifier: DeepLabHead;

  constructor(backbone: ResNet, classifier: DeepLabHead, auxClassifier: FCNHead | null = null) {
    super();
    if (backbone.fc !== null) throw new Error('DeepLabV3 needs a headless ResNet backbone (numClasses: null)');
    this.backbone = backbone;
    this.classifier = classifier;
    this.registerModule('aux_classifier', auxClassifier);
  }

  /** The auxiliary FCN head, or null. */
  get auxClassifier(): FCNHead | null {
    return this.getModule('aux_classifier') as FCNHead | null;
  }

  /** Number of classes the classifier predicts. */
  get numClasses(): number {
    return (this.classifier.at(4) as Conv2d).outChannels;
  }

  /** Current output stride (8 or 16). */
  get outputStride(): OutputStride {
    return checkOutputStride(this.backbone.outputStride);
  }

  /**
   * Switches output stride in place: layer3/layer4 strides and dilations as torchvision builds them for
   * replace_stride_with_dilation [F,T,T] (8) / [F,F,T] (16), and ASPP rates 12,24,36 / 6,12,18. Weights untouched.
   */
  setOutputStride(os: OutputStride): this {
    checkOutputStride(os);
    this.backbone.setReplaceStrideWithDilation(DILATION_PLANS[os]);
    this.classifier.aspp.setAtrousRates(ATROUS_RATES[os]);
    return this;
  }

  forward(x: Tensor, opts: SegmentationForwardOptions = {}): SegmentationOutput {
    const split = opts.batchNormSplit;
    if (split !== undefined) return withBatchNormSplit(this, split, () => this.forward(x, { ...opts, batchNormSplit: undefined }));
    const size: [number, number] = [x.shape[2]!, x.shape[3]!];
    const auxHead = opts.aux === false ? null : this.auxClassifier;
    const feats = this.backbone.forwardFeatures(x, auxHead !== null, opts.featureAugment);
    const out = upsampleTo(
      consume(feats.layer4, (t) => this.classifier.forward(t)),
      size,
    );
    if (auxHead === null || feats.layer3 === null) return { out };
    const aux = upsampleTo(
      consume(feats.layer3, (t) => auxHead.forward(t)),
      size,
    );
    return { out, aux };
  }
}
