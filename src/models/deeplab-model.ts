// What DeepLabV3 and DeepLabV3+ share: torchvision's _SimpleSegmentationModel (children backbone, classifier,
// aux_classifier, logits upsampled to the input size), output-stride switching (backbone dilation + ASPP rates),
// and the training-time forward options. Trainer, evaluation and checkpoint loading take a DeepLabModel.

import { consume, Module, withBatchNormSplit } from '../nn/index.js';
import type { Tensor } from '../tensor/index.js';
import { F } from '../tensor/index.js';
import type { ASPP, FCNHead } from './deeplabv3.js';
import type { FeatureAugmentPlan, ResNet, ResNetFeatures, StrideDilationPlan } from './resnet.js';

/** Output strides DeepLab supports. */
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
export function upsampleTo(x: Tensor, size: readonly [number, number]): Tensor {
  return consume(x, (t) => F.interpolate(t, { size: [size[0], size[1]] }, 'bilinear', false));
}

/** DeepLab outputs: logits at the input resolution (aux only when the model has an aux head). */
export interface SegmentationOutput {
  out: Tensor;
  aux?: Tensor;
}

/** Options of DeepLabModel.forward(). */
export interface SegmentationForwardOptions {
  /** Compute the aux head's output (default true when the model has one, like torchvision). */
  aux?: boolean;
  /** Training: the first `batchNormSplit` images and the rest are normalised by their own BatchNorm statistics. */
  batchNormSplit?: number | undefined;
  /** Training: feature-level augmentations after backbone layers (MixStyle, DSU). */
  featureAugment?: FeatureAugmentPlan | undefined;
}

/** A DeepLab segmentation model over a headless ResNet: backbone, classifier (with an ASPP), optional FCN aux head. */
export abstract class DeepLabModel<Head extends Module = Module> extends Module {
  readonly backbone: ResNet;
  readonly classifier: Head;

  constructor(backbone: ResNet, classifier: Head, auxClassifier: FCNHead | null = null) {
    super();
    if (backbone.fc !== null) throw new Error(`${new.target.name} needs a headless ResNet backbone (numClasses: null)`);
    // registration order = torchvision's state-dict order
    this.backbone = backbone;
    this.classifier = classifier;
    this.registerModule('aux_classifier', auxClassifier);
  }

  /** Number of classes the classifier predicts. */
  abstract get numClasses(): number;

  /** The classifier's ASPP, whose rates follow the output stride. */
  abstract get aspp(): ASPP;

  /** Whether the head reads layer1 (DeepLabV3+'s low-level features). */
  protected get usesLowLevelFeatures(): boolean {
    return false;
  }

  /** The head: backbone features to logits at feature resolution; disposes the features it reads (not layer3). */
  protected abstract decode(feats: ResNetFeatures): Tensor;

  /** The auxiliary FCN head, or null. */
  get auxClassifier(): FCNHead | null {
    return this.getModule('aux_classifier') as FCNHead | null;
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
    this.aspp.setAtrousRates(ATROUS_RATES[os]);
    return this;
  }

  forward(x: Tensor, opts: SegmentationForwardOptions = {}): SegmentationOutput {
    const split = opts.batchNormSplit;
    if (split !== undefined) return withBatchNormSplit(this, split, () => this.forward(x, { ...opts, batchNormSplit: undefined }));
    const size: [number, number] = [x.shape[2]!, x.shape[3]!];
    const auxHead = opts.aux === false ? null : this.auxClassifier;
    const feats = this.backbone.forwardFeatures(x, { layer1: this.usesLowLevelFeatures, layer3: auxHead !== null }, opts.featureAugment);
    const out = upsampleTo(this.decode(feats), size);
    if (auxHead === null || feats.layer3 === null) return { out };
    const aux = upsampleTo(
      consume(feats.layer3, (t) => auxHead.forward(t)),
      size,
    );
    return { out, aux };
  }
}
