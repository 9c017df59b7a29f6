// torchvision/models/resnet.py (v1.5: the stride sits on the 3x3 conv), module for module, so state-dict
// keys match torchvision's. Strides/dilations can be re-planned in place (setReplaceStrideWithDilation) because
// replacing a stride by a dilation changes no weight shapes.

import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, constant_, consume, kaimingNormal_, Linear, MaxPool2d, Module, ReLU, Sequential } from '../nn/index.js';
import type { Tensor } from '../tensor/index.js';

/** torchvision's replace_stride_with_dilation for layer2, layer3, layer4. */
export type StrideDilationPlan = [boolean, boolean, boolean];

/** Stride and dilation of one residual block's strided 3x3 conv (and its downsample's stride). */
interface BlockGeometry {
  stride: number;
  dilation: number;
}

/** What a residual block must offer to ResNet. */
export interface ResidualBlock extends Module {
  readonly downsample: Sequential | null;
  forward(x: Tensor): Tensor;
  /** Re-applies stride/dilation in place (weights untouched). */
  setGeometry(g: BlockGeometry): void;
}

/** Block classes ResNet is built from; `expansion` as in torchvision. */
export interface BlockType {
  readonly expansion: number;
  readonly kind: 'basic' | 'bottleneck';
  new (inplanes: number, planes: number, g: BlockGeometry, downsample: Sequential | null): ResidualBlock;
}

function conv3x3(inPlanes: number, outPlanes: number, g: BlockGeometry): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 3, { stride: g.stride, padding: g.dilation, dilation: g.dilation, bias: false });
}

function conv1x1(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });
}

function setConvGeometry(conv: Conv2d, g: BlockGeometry): void {
  conv.stride = [g.stride, g.stride];
  conv.setDilation(g.dilation);
}

/** out = relu(out + identity) where identity is x or downsample(x); `out` is consumed. */
function residual(out: Tensor, x: Tensor, downsample: Sequential | null, relu: ReLU): Tensor {
  const identity = downsample ? downsample.forward(x) : x;
  try {
    out.add_(identity);
  } finally {
    if (identity !== x) identity.dispose();
  }
  return consume(out, (t) => relu.forward(t));
}

/**
 * torchvision's BasicBlock (ResNet-18/34). torchvision refuses dilation > 1 here; shapeseg allows it so
 * DeepLabV3-ResNet18/34 can run at output stride 8/16: both 3x3 convs get the block's dilation.
 */
export class BasicBlock extends Module implements ResidualBlock {
  static readonly expansion = 1;
  static readonly kind = 'basic';
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu: ReLU;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(inplanes: number, planes: number, g: BlockGeometry, downsample: Sequential | null) {
    super();
    this.conv1 = conv3x3(inplanes, planes, g);
    this.bn1 = new BatchNorm2d(planes);
    this.relu = new ReLU(true);
    this.conv2 = conv3x3(planes, planes, { stride: 1, dilation: g.dilation });
    this.bn2 = new BatchNorm2d(planes);
    this.downsample = downsample;
  }

  setGeometry(g: BlockGeometry): void {
    setConvGeometry(this.conv1, g);
    this.conv2.setDilation(g.dilation);
    setDownsampleStride(this.downsample, g.stride);
  }

  forward(x: Tensor): Tensor {
    let out = this.conv1.forward(x);
    for (const f of [this.bn1, this.relu, this.conv2, this.bn2]) out = consume(out, (t) => f.forward(t));
    return residual(out, x, this.downsample, this.relu);
  }
}

/** torchvision's Bottleneck (ResNet-50/101/152): 1x1, strided/dilated 3x3, 1x1 (expansion 4). */
export class Bottleneck extends Module implements ResidualBlock {
  static readonly expansion = 4;
  static readonly kind = 'bottleneck';
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly relu: ReLU;
  readonly downsample: Sequential | null;

  constructor(inplanes: number, planes: number, g: BlockGeometry, downsample: Sequential | null) {
    super();
    const width = planes; // groups=1, base_width=64
    this.conv1 = conv1x1(inplanes, width);
    this.bn1 = new BatchNorm2d(width);
    this.conv2 = conv3x3(width, width, g);
    this.bn2 = new BatchNorm2d(width);
    this.conv3 = conv1x1(width, planes * Bottleneck.expansion);
    this.bn3 = new BatchNorm2d(planes * Bottleneck.expansion);
    this.relu = new ReLU(true);
    this.downsample = downsample;
  }

  setGeometry(g: BlockGeometry): void {
    setConvGeometry(this.conv2, g);
    setDownsampleStride(this.downsample, g.stride);
  }

  forward(x: Tensor): Tensor {
    let out = this.conv1.forward(x);
    const rest = [this.bn1, this.relu, this.conv2, this.bn2, this.relu, this.conv3, this.bn3];
    for (const f of rest) out = consume(out, (t) => f.forward(t));
    return residual(out, x, this.downsample, this.relu);
  }
}

function setDownsampleStride(downsample: Sequential | null, stride: number): void {
  if (downsample === null) {
    if (stride !== 1) throw new Error('cannot give stride 2 to a residual block built without a downsample branch');
    return;
  }
  const conv = downsample.at(0);
  if (!(conv instanceof Conv2d)) throw new Error('downsample.0 is not a Conv2d');
  conv.stride = [stride, stride];
}

/** Per-block geometry of layer1..layer4, following ResNet._make_layer's dilation/previous_dilation logic. */
export function layerGeometries(blocks: readonly number[], plan: StrideDilationPlan): BlockGeometry[][] {
  let dilation = 1;
  return blocks.map((n, i) => {
    let stride = i === 0 ? 1 : 2;
    const previousDilation = dilation;
    if (i > 0 && plan[i - 1]) {
      dilation *= stride;
      stride = 1;
    }
    return Array.from({ length: n }, (_, b) => (b === 0 ? { stride, dilation: previousDilation } : { stride: 1, dilation }));
  });
}

/** Options of ResNet. */
export interface ResNetOptions {
  /** Size of the fc head; null builds a headless backbone (no avgpool/fc, as IntermediateLayerGetter keeps). Default 1000. */
  numClasses?: number | null;
  /** Zero-init the last BN of each residual branch (torchvision's zero_init_residual). */
  zeroInitResidual?: boolean;
  replaceStrideWithDilation?: StrideDilationPlan;
}

/** Outputs of ResNet.forwardFeatures(): layer4 always, layer1/layer3 when asked (else null). */
export interface ResNetFeatures {
  layer1: Tensor | null;
  layer3: Tensor | null;
  layer4: Tensor;
}

/** Which intermediate outputs forwardFeatures() keeps besides layer4 (IntermediateLayerGetter's return_layers). */
export interface FeatureRequest {
  /** Stride-4 features (DeepLabV3+'s low-level input). */
  layer1?: boolean;
  /** Input of layer4 (the FCN aux head's input). */
  layer3?: boolean;
}

/** Layers after which a feature-level augmentation may run. */
export type FeatureLayer = 'layer1' | 'layer2' | 'layer3';

/** A feature-level augmentation (MixStyle, DSU): a layer's output in, the same shape out. */
export type FeatureAugment = (x: Tensor) => Tensor;

/** Feature-level augmentations by the layer they follow; forwardFeatures() runs them in training mode only. */
export type FeatureAugmentPlan = Partial<Record<FeatureLayer, FeatureAugment>>;

/** torchvision's ResNet; children conv1, bn1, relu, maxpool, layer1..4[, avgpool, fc]. */
export class ResNet extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu: ReLU;
  readonly maxpool: MaxPool2d;
  readonly layer1: Sequential<ResidualBlock>;
  readonly layer2: Sequential<ResidualBlock>;
  readonly layer3: Sequential<ResidualBlock>;
  readonly layer4: Sequential<ResidualBlock>;
  readonly avgpool: AdaptiveAvgPool2d | null = null;
  readonly fc: Linear | null = null;
  private planState: StrideDilationPlan;

  constructor(
    readonly block: BlockType,
    readonly blocks: readonly [number, number, number, number],
    opts: ResNetOptions = {},
  ) {
    super();
    this.planState = [...(opts.replaceStrideWithDilation ?? [false, false, false])] as StrideDilationPlan;
    if (this.planState.length !== 3) {
      throw new Error(`replaceStrideWithDilation must have 3 entries, got ${JSON.stringify(opts.replaceStrideWithDilation)}`);
    }
    this.conv1 = new Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new BatchNorm2d(64);
    this.relu = new ReLU(true);
    this.maxpool = new MaxPool2d(3, { stride: 2, padding: 1 });
    const geoms = layerGeometries(blocks, this.planState);
    let inplanes = 64;
    const makeLayer = (planes: number, i: number): Sequential<ResidualBlock> => {
      const g = geoms[i]!;
      const out = planes * block.expansion;
      const downsample =
        g[0]!.stride !== 1 || inplanes !== out ? new Sequential<Conv2d | BatchNorm2d>(conv1x1(inplanes, out, g[0]!.stride), new BatchNorm2d(out)) : null;
      const layer = new Sequential<ResidualBlock>(new block(inplanes, planes, g[0]!, downsample));
      inplanes = out;
      for (const gb of g.slice(1)) layer.append(new block(inplanes, planes, gb, null));
      return layer;
    };
    this.layer1 = makeLayer(64, 0);
    this.layer2 = makeLayer(128, 1);
    this.layer3 = makeLayer(256, 2);
    this.layer4 = makeLayer(512, 3);
    const numClasses = opts.numClasses === undefined ? 1000 : opts.numClasses;
    if (numClasses !== null) {
      this.avgpool = new AdaptiveAvgPool2d([1, 1]);
      this.fc = new Linear(512 * block.expansion, numClasses);
    }
    initResNet(this, opts.zeroInitResidual ?? false);
  }

  /** Channels of layer4's output (2048 for Bottleneck nets, 512 for BasicBlock nets). */
  get outChannels(): number {
    return 512 * this.block.expansion;
  }

  /** The current replace_stride_with_dilation plan. */
  get replaceStrideWithDilation(): StrideDilationPlan {
    return [...this.planState] as StrideDilationPlan;
  }

  /** Output stride of layer4 under the current plan (32, 16 or 8). */
  get outputStride(): number {
    return this.planState.reduce((os, dilate) => (dilate ? os / 2 : os), 32);
  }

  /** Re-plans strides/dilations in place, exactly as a ResNet built with this plan would have them. */
  setReplaceStrideWithDilation(plan: StrideDilationPlan): this {
    const geoms = layerGeometries(this.blocks, plan);
    [this.layer1, this.layer2, this.layer3, this.layer4].forEach((layer, i) => {
      let b = 0;
      for (const blk of layer) blk.setGeometry(geoms[i]![b++]!);
    });
    this.planState = [...plan] as StrideDilationPlan;
    return this;
  }

  /**
   * Stem and layer1..layer4; returns layer4's output and the intermediate ones `keep` asks for (true: layer3, as
   * IntermediateLayerGetter for an aux head). In training mode the plan's augmentations run after their layers
   * (plain functions passed in: no state-dict keys); a kept layer1 is the augmented one, the input of layer2.
   */
  forwardFeatures(x: Tensor, keep: boolean | FeatureRequest = false, augment: FeatureAugmentPlan = {}): ResNetFeatures {
    const want: FeatureRequest = typeof keep === 'boolean' ? { layer3: keep } : keep;
    const after = (layer: FeatureLayer, t: Tensor): Tensor => {
      const f = this.training ? augment[layer] : undefined;
      return f ? consume(t, f) : t;
    };
    let out = this.conv1.forward(x);
    for (const f of [this.bn1, this.relu, this.maxpool]) out = consume(out, (t) => f.forward(t));
    const layer1 = after(
      'layer1',
      consume(out, (t) => this.layer1.forward(t)),
    );
    // a kept layer1 must outlive layer2's forward; otherwise it is freed as soon as layer2 has read it
    const layer2 = after('layer2', want.layer1 ? this.layer2.forward(layer1) : consume(layer1, (t) => this.layer2.forward(t)));
    const layer3 = after(
      'layer3',
      consume(layer2, (t) => this.layer3.forward(t)),
    );
    const layer4 = this.layer4.forward(layer3);
    if (!want.layer3) layer3.dispose();
    return { layer1: want.layer1 ? layer1 : null, layer3: want.layer3 ? layer3 : null, layer4 };
  }

  /** Classification forward (logits N x numClasses); needs the fc head. */
  forward(x: Tensor): Tensor {
    const { avgpool, fc } = this;
    if (avgpool === null || fc === null) {
      throw new Error('ResNet built without a classification head (numClasses: null); use forwardFeatures()');
    }
    const { layer4 } = this.forwardFeatures(x);
    const pooled = consume(layer4, (t) => avgpool.forward(t));
    return consume(
      consume(pooled, (t) => t.flatten(1)),
      (t) => fc.forward(t),
    );
  }
}

/** torchvision ResNet init: kaiming_normal_(fan_out, relu) convs, BN weight 1 / bias 0, optional zero-init residual. */
export function initResNet(model: Module, zeroInitResidual = false): void {
  for (const m of model.modules()) {
    if (m instanceof Conv2d) kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
    else if (m instanceof BatchNorm2d) {
      if (m.weight) constant_(m.weight, 1);
      if (m.bias) constant_(m.bias, 0);
    }
  }
  if (!zeroInitResidual) return;
  for (const m of model.modules()) {
    const last = m instanceof Bottleneck ? m.bn3 : m instanceof BasicBlock ? m.bn2 : null;
    if (last?.weight) constant_(last.weight, 0);
  }
}
