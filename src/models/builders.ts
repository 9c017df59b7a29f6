// Named constructors under torchvision's names (resnet18..152, deeplabv3_resnet18..152), ImageNet backbone
// loading and architecture inference from a torchvision DeepLabV3 state dict.
import { loadCheckpoint } from '../io/index.js';
import type { StateValue } from '../nn/index.js';
import type { OutputStride } from './deeplabv3.js';
import { ATROUS_RATES, checkOutputStride, DeepLabHead, DeepLabV3, DILATION_PLANS, FCNHead } from './deeplabv3.js';
import { DEEPLAB_NAMES, type DeepLabName, RESNET_NAMES, type ResNetName } from './names.js';
import type { BlockType, ResNetOptions } from './resnet.js';
import { BasicBlock, Bottleneck, ResNet } from './resnet.js';

type Blocks = [number, number, number, number];

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

/** Options of buildModel(). */
export interface BuildModelOptions extends DeepLabOptions {
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
export interface BuiltModel {
  model: DeepLabV3;
  pretrained: BackboneLoadReport | null;
}

function backboneName(name: string): ResNetName {
  const m = /^deeplabv3_(resnet\d+)$/.exec(name);
  if (!m || !(RESNET_NAMES as readonly string[]).includes(m[1]!)) {
    throw new Error(`unknown model "${name}"; expected one of ${DEEPLAB_NAMES.join(', ')}`);
  }
  return m[1] as ResNetName;
}

/** Builds a randomly initialised DeepLabV3 (torchvision's init) synchronously. */
export function createDeepLabV3(name: DeepLabName, opts: DeepLabOptions): DeepLabV3 {
  const os = checkOutputStride(opts.outputStride ?? 16);
  if (!Number.isInteger(opts.numClasses) || opts.numClasses < 1) {
    throw new Error(`numClasses must be a positive integer, got ${opts.numClasses}`);
  }
  const backbone = resnet(backboneName(name), { numClasses: null, replaceStrideWithDilation: DILATION_PLANS[os] });
  const c4 = backbone.outChannels;
  const classifier = new DeepLabHead(c4, opts.numClasses, ATROUS_RATES[os]);
  const aux = opts.auxLoss ? new FCNHead(c4 / 2, opts.numClasses) : null;
  return new DeepLabV3(backbone, classifier, aux);
}

/** Builds a DeepLabV3, optionally loading an ImageNet ResNet checkpoint into its backbone. */
export function buildModel(name: DeepLabName, opts: BuildModelOptions): BuiltModel {
  if (opts.pretrainedBackbone === undefined) return { model: createDeepLabV3(name, opts), pretrained: null };
  // read first: a missing or corrupt file then leaves no half-built model behind
  const ckpt = loadCheckpoint(opts.pretrainedBackbone);
  const model = createDeepLabV3(name, opts);
  try {
    return { model, pretrained: { path: opts.pretrainedBackbone, ...loadBackbone(model.backbone, ckpt.tensors) } };
  } catch (e) {
    model.dispose();
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`${opts.pretrainedBackbone}: cannot load as a ${backboneName(name)} backbone: ${msg}`);
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

/** What inferArchitecture() reads from a torchvision DeepLabV3 state dict. */
export interface InferredArchitecture {
  name: DeepLabName;
  backbone: ResNetName;
  block: 'basic' | 'bottleneck';
  blocks: Blocks;
  numClasses: number;
  auxLoss: boolean;
}

/** Reads depth, block type, class count and aux presence from a DeepLabV3 state dict's keys and shapes. */
export function inferArchitecture(sd: ReadonlyMap<string, { shape: readonly number[] }>): InferredArchitecture {
  const need = (key: string): readonly number[] => {
    const t = sd.get(key);
    if (!t) throw new Error(`not a torchvision DeepLabV3-ResNet state dict: key "${key}" is missing`);
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
  const head = need('classifier.4.weight');
  return {
    name: `deeplabv3_${found}`,
    backbone: found,
    block,
    blocks: counts,
    numClasses: head[0]!,
    auxLoss: [...sd.keys()].some((k) => k.startsWith('aux_classifier.')),
  };
}
