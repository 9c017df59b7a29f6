// Named constructors under torchvision's names (resnet18..152, deeplabv3_resnet18..152) and VainF's
// (deeplabv3plus_resnet18..152), and ImageNet backbone loading.
import { loadCheckpoint } from '../io/index.js';
import type { StateValue } from '../nn/index.js';
import { ATROUS_RATES, checkOutputStride, type DeepLabModel, DILATION_PLANS, type OutputStride } from './deeplab-model.js';
import { DeepLabHead, DeepLabV3, FCNHead } from './deeplabv3.js';
import { DeepLabHeadV3Plus, DeepLabV3Plus } from './deeplabv3plus.js';
import { type DeepLabName, type DeepLabV3PlusName, MODEL_NAMES, type ModelName, RESNET_NAMES, type ResNetName } from './names.js';
import type { BlockType, ResNetOptions } from './resnet.js';
import { BasicBlock, Bottleneck, ResNet } from './resnet.js';

/** Residual blocks per layer (layer1..layer4). */
export type Blocks = [number, number, number, number];

/** Block type and per-layer block counts of each ResNet (torchvision's table). */
export const RESNET_SPECS: Record<ResNetName, { block: BlockType; blocks: Blocks }> = {
  resnet18: { block: BasicBlock, blocks: [2, 2, 2, 2] },
  resnet34: { block: BasicBlock, blocks: [3, 4, 6, 3] },
  resnet50: { block: Bottleneck, blocks: [3, 4, 6, 3] },
  resnet101: { block: Bottleneck, blocks: [3, 4, 23, 3] },
  resnet152: { block: Bottleneck, blocks: [3, 8, 36, 3] },
};

function spec(name: string): { block: BlockType; blocks: Blocks } {
  const s = (RESNET_SPECS as Record<string, { block: BlockType; blocks: Blocks }>)[name];
  if (!s) throw new Error(`unknown backbone "${name}"; expected one of ${RESNET_NAMES.join(', ')}`);
  return s;
}

/** Builds a torchvision ResNet by name. */
export function resnet(name: ResNetName, opts: ResNetOptions = {}): ResNet {
  const s = spec(name);
  return new ResNet(s.block, s.blocks, opts);
}

/** torchvision resnet18. */
export const resnet18 = (opts?: ResNetOptions): ResNet => resnet('resnet18', opts);
/** torchvision resnet34. */
export const resnet34 = (opts?: ResNetOptions): ResNet => resnet('resnet34', opts);
/** torchvision resnet50. */
export const resnet50 = (opts?: ResNetOptions): ResNet => resnet('resnet50', opts);
/** torchvision resnet101. */
export const resnet101 = (opts?: ResNetOptions): ResNet => resnet('resnet101', opts);
/** torchvision resnet152. */
export const resnet152 = (opts?: ResNetOptions): ResNet => resnet('resnet152', opts);

/** Options of createDeepLabV3()/buildModel(). */
export interface DeepLabOptions {
  numClasses: number;
  /** 16 (default; ASPP rates 6,12,18) or 8 (rates 12,24,36, torchvision's build). */
  outputStride?: OutputStride;
  /** Add the FCN aux head on layer3 (torchvision's aux_loss). Default false. */
  auxLoss?: boolean;
}

/** Options of createDeepLabV3Plus(): DeepLabV3's plus the decoder's. */
export interface DeepLabV3PlusOptions extends DeepLabOptions {
  /** 3x3 convs in the decoder: 2 (the paper, default) or 1 (VainF's port). */
  decoderConvs?: 1 | 2;
  /** Depthwise-separable 3x3 convs in the ASPP and decoder (VainF's separable_conv). Default false. */
  separableConv?: boolean;
}

/** Options of createModel(): any model's (the DeepLabV3+ ones are refused for DeepLabV3). */
export type ModelOptions = DeepLabV3PlusOptions;

/** Options of buildModel(). */
export interface BuildModelOptions extends ModelOptions {
  /** ImageNet ResNet checkpoint (.pth or safetensors) for the backbone; its fc.* keys are ignored. */
  pretrainedBackbone?: string;
}

/** What loading a backbone checkpoint did. */
export interface BackboneLoadReport {
  path?: string;
  loadedKeys: number;
  /** Checkpoint keys not used (the ImageNet classifier fc.*). */
  ignoredKeys: string[];
}

/** A built model and, when a pretrained backbone was given, what was loaded. */
export interface BuiltModel<M extends DeepLabModel = DeepLabModel> {
  model: M;
  pretrained: BackboneLoadReport | null;
}

/** A model name's family and backbone; throws naming the known models. */
function parseModelName(name: string): { plus: boolean; backbone: ResNetName } {
  const m = /^deeplabv3(plus)?_(resnet\d+)$/.exec(name);
  if (!m || !(RESNET_NAMES as readonly string[]).includes(m[2]!)) {
    throw new Error(`unknown model "${name}"; expected one of ${MODEL_NAMES.join(', ')}`);
  }
  return { plus: m[1] !== undefined, backbone: m[2] as ResNetName };
}

/** The dilated headless ResNet a DeepLab model of `opts` sits on (checks numClasses and outputStride too). */
function deeplabBackbone(backbone: ResNetName, opts: DeepLabOptions): { resnet: ResNet; os: OutputStride } {
  const os = checkOutputStride(opts.outputStride ?? 16);
  if (!Number.isInteger(opts.numClasses) || opts.numClasses < 1) {
    throw new Error(`numClasses must be a positive integer, got ${opts.numClasses}`);
  }
  return { resnet: resnet(backbone, { numClasses: null, replaceStrideWithDilation: DILATION_PLANS[os] }), os };
}

/** Builds a randomly initialised DeepLabV3 (torchvision's init) synchronously. */
export function createDeepLabV3(name: DeepLabName, opts: DeepLabOptions): DeepLabV3 {
  const parsed = parseModelName(name);
  if (parsed.plus) throw new Error(`${name} is a DeepLabV3+ model: build it with createDeepLabV3Plus() or createModel()`);
  const { resnet: backbone, os } = deeplabBackbone(parsed.backbone, opts);
  const c4 = backbone.outChannels;
  const classifier = new DeepLabHead(c4, opts.numClasses, ATROUS_RATES[os]);
  const aux = opts.auxLoss ? new FCNHead(c4 / 2, opts.numClasses) : null;
  return new DeepLabV3(backbone, classifier, aux);
}

/** Builds a randomly initialised DeepLabV3+ (VainF's head init, torchvision's backbone init) synchronously. */
export function createDeepLabV3Plus(name: DeepLabV3PlusName, opts: DeepLabV3PlusOptions): DeepLabV3Plus {
  const parsed = parseModelName(name);
  if (!parsed.plus) throw new Error(`${name} is a DeepLabV3 model: build it with createDeepLabV3() or createModel()`);
  const { resnet: backbone, os } = deeplabBackbone(parsed.backbone, opts);
  const c4 = backbone.outChannels;
  // layer1's channels: 64 (BasicBlock) or 256 (Bottleneck), the low-level input
  const classifier = new DeepLabHeadV3Plus(c4, 64 * backbone.block.expansion, opts.numClasses, {
    atrousRates: ATROUS_RATES[os],
    decoderConvs: opts.decoderConvs ?? 2,
    separableConv: opts.separableConv ?? false,
  });
  const aux = opts.auxLoss ? new FCNHead(c4 / 2, opts.numClasses) : null;
  return new DeepLabV3Plus(backbone, classifier, aux);
}

/** Builds any model by name; DeepLabV3+ options given for a DeepLabV3 are refused, naming the option. */
export function createModel(name: ModelName, opts: ModelOptions): DeepLabModel {
  if (parseModelName(name).plus) return createDeepLabV3Plus(name as DeepLabV3PlusName, opts);
  for (const field of ['decoderConvs', 'separableConv'] as const) {
    if (opts[field] !== undefined) throw new Error(`${field} is a DeepLabV3+ option (deeplabv3plus_*); ${name} has no decoder`);
  }
  return createDeepLabV3(name as DeepLabName, opts);
}

/** Builds a model, optionally loading an ImageNet ResNet checkpoint into its backbone. */
export function buildModel(name: DeepLabName, opts: BuildModelOptions): BuiltModel<DeepLabV3>;
export function buildModel(name: DeepLabV3PlusName, opts: BuildModelOptions): BuiltModel<DeepLabV3Plus>;
export function buildModel(name: ModelName, opts: BuildModelOptions): BuiltModel;
export function buildModel(name: ModelName, opts: BuildModelOptions): BuiltModel {
  const { pretrainedBackbone, ...modelOpts } = opts;
  if (pretrainedBackbone === undefined) return { model: createModel(name, modelOpts), pretrained: null };
  // read first: a missing or corrupt file then leaves no half-built model behind
  const ckpt = loadCheckpoint(pretrainedBackbone);
  const model = createModel(name, modelOpts);
  try {
    return { model, pretrained: { path: pretrainedBackbone, ...loadBackbone(model.backbone, ckpt.tensors) } };
  } catch (e) {
    model.dispose();
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`${pretrainedBackbone}: cannot load as a ${parseModelName(name).backbone} backbone: ${msg}`);
  }
}

/** torchvision deeplabv3_resnet18-style builder (torchvision ships 50/101; 18/34/152 follow the same recipe). */
export const deeplabv3_resnet18 = (opts: BuildModelOptions): DeepLabV3 => buildModel('deeplabv3_resnet18', opts).model;
/** deeplabv3_resnet34: DeepLabV3 over a dilated ResNet-34 (BasicBlock, 512-channel layer4). */
export const deeplabv3_resnet34 = (opts: BuildModelOptions): DeepLabV3 => buildModel('deeplabv3_resnet34', opts).model;
/** torchvision deeplabv3_resnet50. */
export const deeplabv3_resnet50 = (opts: BuildModelOptions): DeepLabV3 => buildModel('deeplabv3_resnet50', opts).model;
/** torchvision deeplabv3_resnet101. */
export const deeplabv3_resnet101 = (opts: BuildModelOptions): DeepLabV3 => buildModel('deeplabv3_resnet101', opts).model;
/** deeplabv3_resnet152: DeepLabV3 over a dilated ResNet-152. */
export const deeplabv3_resnet152 = (opts: BuildModelOptions): DeepLabV3 => buildModel('deeplabv3_resnet152', opts).model;

/** deeplabv3plus_resnet18: DeepLabV3+ over a dilated ResNet-18 (64-channel low-level features). */
export const deeplabv3plus_resnet18 = (opts: BuildModelOptions): DeepLabV3Plus => buildModel('deeplabv3plus_resnet18', opts).model;
/** deeplabv3plus_resnet34: DeepLabV3+ over a dilated ResNet-34. */
export const deeplabv3plus_resnet34 = (opts: BuildModelOptions): DeepLabV3Plus => buildModel('deeplabv3plus_resnet34', opts).model;
/** VainF deeplabv3plus_resnet50. */
export const deeplabv3plus_resnet50 = (opts: BuildModelOptions): DeepLabV3Plus => buildModel('deeplabv3plus_resnet50', opts).model;
/** VainF deeplabv3plus_resnet101. */
export const deeplabv3plus_resnet101 = (opts: BuildModelOptions): DeepLabV3Plus => buildModel('deeplabv3plus_resnet101', opts).model;
/** deeplabv3plus_resnet152: DeepLabV3+ over a dilated ResNet-152. */
export const deeplabv3plus_resnet152 = (opts: BuildModelOptions): DeepLabV3Plus => buildModel('deeplabv3plus_resnet152', opts).model;

/**
 * Loads an ImageNet ResNet state dict (torchvision's resnetNN keys, optionally with DataParallel's `module.`
 * prefix) into a headless backbone. fc.* is ignored and reported; anything else missing/unexpected throws.
 */
export function loadBackbone(backbone: ResNet, sd: Map<string, StateValue>): BackboneLoadReport {
  const prefixed = [...sd.keys()].every((k) => k.startsWith('module.'));
  const kept = new Map<string, StateValue>();
  const ignoredKeys: string[] = [];
  for (const [k0, v] of sd) {
    const k = prefixed ? k0.slice('module.'.length) : k0;
    if (backbone.fc === null && (k.startsWith('fc.') || k.startsWith('avgpool.'))) ignoredKeys.push(k0);
    else kept.set(k, v);
  }
  backbone.loadStateDict(kept, { strict: true });
  return { loadedKeys: kept.size, ignoredKeys };
}
