// torchvision/models/segmentation/deeplabv3.py + fcn.FCNHead, module for module (_SimpleSegmentationModel is
// DeepLabModel, deeplab-model.ts): state-dict keys are torchvision's (backbone.*, classifier.0.convs.N.*,
// classifier.4.*, aux_classifier.*). ASPP's separable option serves DeepLabV3+ (deeplabv3plus.ts).

import type { Layer } from '../nn/index.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, consume, Dropout, Module, ModuleList, ReLU, Sequential } from '../nn/index.js';
import type { Tensor } from '../tensor/index.js';
import { F } from '../tensor/index.js';
import { ATROUS_RATES, DeepLabModel, upsampleTo } from './deeplab-model.js';
import type { ResNetFeatures } from './resnet.js';
import { type AtrousConv, atrousConv } from './separable-conv.js';

// what this file exported before DeepLabModel took them over
export {
  ATROUS_RATES,
  checkOutputStride,
  DILATION_PLANS,
  type OutputStride,
  type SegmentationForwardOptions,
  type SegmentationOutput,
} from './deeplab-model.js';

/** conv(3x3, dilated; depthwise-separable when asked) -> BN -> ReLU. */
export class ASPPConv extends Sequential<Layer> {
  constructor(inChannels: number, outChannels: number, dilation: number, separable = false) {
    super(atrousConv(inChannels, outChannels, 3, { dilation, bias: false }, separable), new BatchNorm2d(outChannels), new ReLU());
  }

  /** The conv's atrous rate (its dilation). */
  get rate(): number {
    return (this.at(0) as AtrousConv).dilation[0];
  }

  /** Changes the atrous rate in place (dilation and padding; the weights do not depend on it). */
  setRate(rate: number): void {
    (this.at(0) as AtrousConv).setDilation(rate);
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

/** Options of ASPP. */
export interface ASPPOptions {
  /** Channels of every branch and of the projection (256). */
  outChannels?: number;
  /** Dropout after the projection: torchvision's 0.5 (default), VainF's DeepLabV3+ 0.1. */
  dropout?: number;
  /** Depthwise-separable atrous convs (VainF's convert_to_separable_conv). */
  separable?: boolean;
}

/** Atrous spatial pyramid pooling: 1x1 branch, one ASPPConv per rate, image pooling; concatenated and projected. */
export class ASPP extends Module {
  readonly convs: ModuleList<Layer>;
  readonly project: Sequential<Layer>;

  constructor(inChannels: number, atrousRates: readonly number[], opts: ASPPOptions = {}) {
    super();
    const outChannels = opts.outChannels ?? 256;
    const branches: Layer[] = [
      new Sequential<Layer>(new Conv2d(inChannels, outChannels, 1, { bias: false }), new BatchNorm2d(outChannels), new ReLU()),
      ...atrousRates.map((r) => new ASPPConv(inChannels, outChannels, r, opts.separable)),
      new ASPPPooling(inChannels, outChannels),
    ];
    this.convs = new ModuleList<Layer>(branches);
    this.project = new Sequential<Layer>(
      new Conv2d(branches.length * outChannels, outChannels, 1, { bias: false }),
      new BatchNorm2d(outChannels),
      new ReLU(),
      new Dropout(opts.dropout ?? 0.5),
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

/** DeepLabV3 = headless ResNet backbone + DeepLabHead on layer4 (+ FCNHead aux on layer3). */
export class DeepLabV3 extends DeepLabModel<DeepLabHead> {
  /** Number of classes the classifier predicts. */
  get numClasses(): number {
    return (this.classifier.at(4) as Conv2d).outChannels;
  }

  /** The classifier's ASPP (child 0). */
  get aspp(): ASPP {
    return this.classifier.aspp;
  }

  protected decode(feats: ResNetFeatures): Tensor {
    return consume(feats.layer4, (t) => this.classifier.forward(t));
  }
}
