// buildAugmentation(): the validated `augment` config section -> the batch transform the training step
// applies and the feature-level modules it attaches to the backbone.
import type { AugmentConfig } from '../config/schema.js';
import type { DeepLabV3, FeatureAugment, FeatureLayer } from '../models/index.js';
import { type Layer, Sequential } from '../nn/index.js';
import type { Device } from '../tensor/index.js';
import { AdaINStylization, AdaINStylizer } from './adain.js';
import { BatchAugmentation } from './batch-augmentation.js';
import { DSU } from './dsu.js';
import { FourierAmplitudeMix } from './fourier.js';
import type { ImageAugment } from './image-augment.js';
import { MixStyle } from './mixstyle.js';
import { Photometric } from './photometric.js';
import { RandConv } from './randconv.js';
import { StyleBank } from './style-bank.js';

/** A feature-level module: MixStyle or DSU. */
export type FeatureModule = Layer;

/** Feature-level modules per insertion point, run in order. */
export type FeaturePlan = Partial<Record<FeatureLayer, FeatureModule[]>>;

/** What buildAugmentation() returns. */
export interface Augmentation {
  /** The image-level batch transform (null: none, and no consistency loss). */
  batch: BatchAugmentation | null;
  /** Feature-level modules per backbone layer. */
  features: FeaturePlan;
  /** Frees weights and style images. */
  dispose(): void;
}

/** Options of buildAugmentation(). */
export interface BuildAugmentationOptions {
  /** Where style images and AdaIN weights are kept (the training device). */
  device: Device;
  /** Classes of the label space (per-class RandConv draws a filter for each). */
  numClasses?: number;
}

/** Image-level methods in their fixed order: style transfers first, then RandConv, then photometric noise. */
async function imageMethods(cfg: AugmentConfig, { device, numClasses }: BuildAugmentationOptions, made: ImageAugment[]): Promise<void> {
  if (cfg.fourier) {
    const styles = cfg.fourier.styleDir ? await StyleBank.load(cfg.fourier.styleDir, device, 'augment.fourier.styleDir') : null;
    made.push(new FourierAmplitudeMix({ beta: cfg.fourier.beta, mix: cfg.fourier.mix, p: cfg.fourier.p, styles }));
  }
  if (cfg.adain) {
    const styles = cfg.adain.styleDir ? await StyleBank.load(cfg.adain.styleDir, device, 'augment.adain.styleDir') : null;
    try {
      const stylizer = await AdaINStylizer.load(cfg.adain, device);
      made.push(new AdaINStylization({ stylizer, styles, alpha: cfg.adain.alpha, p: cfg.adain.p }));
    } catch (e) {
      styles?.dispose();
      throw e;
    }
  }
  if (cfg.randConv) made.push(new RandConv({ ...cfg.randConv, ...(numClasses === undefined ? {} : { numClasses }) }));
  if (cfg.photometric) made.push(new Photometric(cfg.photometric));
}

/** The feature-level modules of the config per layer (MixStyle before DSU where both are on). */
function featurePlan(cfg: AugmentConfig): FeaturePlan {
  const plan: FeaturePlan = {};
  const add = (layers: FeatureLayer[], make: () => FeatureModule) => {
    for (const l of layers) {
      plan[l] ??= [];
      plan[l].push(make());
    }
  };
  if (cfg.mixStyle) add(cfg.mixStyle.layers, () => new MixStyle(cfg.mixStyle));
  if (cfg.dsu) add(cfg.dsu.layers, () => new DSU(cfg.dsu));
  return plan;
}

/** Turns the `augment` config section into a batch transform and a feature-level module plan. */
export async function buildAugmentation(cfg: AugmentConfig, opts: BuildAugmentationOptions): Promise<Augmentation> {
  const methods: ImageAugment[] = [];
  try {
    await imageMethods(cfg, opts, methods);
  } catch (e) {
    for (const m of methods) m.dispose();
    throw e;
  }
  const consistencyWeight = cfg.consistency?.weight ?? null;
  const batch =
    methods.length > 0 || consistencyWeight !== null
      ? new BatchAugmentation({ methods, consistencyWeight, fraction: cfg.fraction, splitBatchNorm: cfg.splitBatchNorm })
      : null;
  return { batch, features: featurePlan(cfg), dispose: () => batch?.dispose() };
}

/** Installs a feature plan in the model's backbone (replacing any earlier one); active in training mode only. */
export function attachFeatureAugmentation(model: DeepLabV3, plan: FeaturePlan): void {
  const hooks: Partial<Record<FeatureLayer, FeatureAugment>> = {};
  for (const [layer, modules] of Object.entries(plan) as [FeatureLayer, FeatureModule[]][]) {
    if (modules.length === 0) continue;
    const chain = new Sequential(...modules);
    hooks[layer] = (x) => chain.forward(x);
  }
  model.backbone.featureAugment = hooks;
}
