// buildAugmentation(): the validated `augment` config section -> the batch transform the training step
// applies and the feature-level augmentations its forward passes to the backbone.

import type { FeatureAugment, FeatureAugmentPlan, FeatureLayer } from '../models/index.js';
import { type Layer, Sequential } from '../nn/index.js';
import type { Device } from '../tensor/index.js';
import { AdaINStylization, AdaINStylizer } from './adain.js';
import { BatchAugmentation } from './batch-augmentation.js';
import { ShapeTextureDebias } from './debias.js';
import { DSU } from './dsu.js';
import { FourierAmplitudeMix } from './fourier.js';
import type { ImageAugment } from './image-augment.js';
import { MixStyle } from './mixstyle.js';
import { Photometric } from './photometric.js';
import { RandConv } from './randconv.js';
import { RegionRepaint } from './repaint.js';
import type { AugmentConfig } from './schema.js';
import { StyleBank } from './style-bank.js';

/** What buildAugmentation() returns. */
export interface Augmentation {
  /** The image-level batch transform (null: none, and no consistency loss). */
  batch: BatchAugmentation | null;
  /** Feature-level augmentations per backbone layer (DeepLabV3.forward's `featureAugment`). */
  features: FeatureAugmentPlan;
  /** Frees weights and style images. */
  dispose(): void;
}

/** Options of buildAugmentation(). */
export interface BuildAugmentationOptions {
  /** Where style images and AdaIN weights are kept (the training device). */
  device: Device;
  /** Classes of the label space (per-class RandConv draws a filter for each; debias and repaint need it). */
  numClasses?: number;
}

/**
 * Image-level methods in their fixed order: the cue-conflict images first (built from the images as rendered, so
 * their region statistics are the training style's), region repainting, then whole-image style transfers, RandConv, photometric noise.
 */
async function imageMethods(cfg: AugmentConfig, { device, numClasses }: BuildAugmentationOptions, made: ImageAugment[]): Promise<void> {
  const classes = numClasses === undefined ? {} : { numClasses };
  if (cfg.debias) made.push(new ShapeTextureDebias({ ...cfg.debias, ...classes }));
  if (cfg.repaint) made.push(new RegionRepaint({ ...cfg.repaint, ...classes }));
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
  if (cfg.randConv) made.push(new RandConv({ ...cfg.randConv, ...classes }));
  if (cfg.photometric) made.push(new Photometric(cfg.photometric));
}

/** Feature-level modules (MixStyle, DSU) per layer -> one augmentation per layer that runs them in order. */
export function chainFeatureModules(modules: Partial<Record<FeatureLayer, Layer[]>>): FeatureAugmentPlan {
  const plan: FeatureAugmentPlan = {};
  for (const [layer, chain] of Object.entries(modules) as [FeatureLayer, Layer[]][]) {
    if (chain.length === 0) continue;
    const sequence = new Sequential(...chain);
    const run: FeatureAugment = (x) => sequence.forward(x);
    plan[layer] = run;
  }
  return plan;
}

/** The feature-level modules of the config per layer, in the order they run (MixStyle before DSU where both are on). */
export function featureModules(cfg: AugmentConfig): Partial<Record<FeatureLayer, Layer[]>> {
  const modules: Partial<Record<FeatureLayer, Layer[]>> = {};
  const add = (layers: FeatureLayer[], make: () => Layer) => {
    for (const l of layers) {
      modules[l] ??= [];
      modules[l].push(make());
    }
  };
  if (cfg.mixStyle) add(cfg.mixStyle.layers, () => new MixStyle(cfg.mixStyle));
  if (cfg.dsu) add(cfg.dsu.layers, () => new DSU(cfg.dsu));
  return modules;
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
  // auxBatchNorm implies the split: the clean images first, the model's BatchNorm twins normalising the rest
  const batch =
    methods.length > 0 || consistencyWeight !== null
      ? new BatchAugmentation({ methods, consistencyWeight, fraction: cfg.fraction, splitBatchNorm: cfg.splitBatchNorm || cfg.auxBatchNorm })
      : null;
  return { batch, features: chainFeatureModules(featureModules(cfg)), dispose: () => batch?.dispose() };
}
