// AdvProp's auxiliary BatchNorm (Xie et al., CVPR 2020): every BatchNorm2d gets a twin with its own weight, bias and
// running statistics for the augmented images, so the clean images' BatchNorm sees what it would see without them.
import { AUX_BATCHNORM, BatchNorm2d } from './batchnorm.js';
import type { BatchNormChoice } from './batchnorm-choice.js';
import type { Module } from './module.js';

/**
 * Gives every BatchNorm2d under root an auxiliary twin (a copy of its settings, weights, statistics, mode and frozen
 * state: a pretrained BN starts its twin from the same values, as timm's split-BN conversion does); returns how many.
 * A BN that has a twin, and the twins themselves, are left alone. Add before `to(device)`'s optimizer is built.
 */
export function addAuxBatchNorm(root: Module): number {
  const norms = root.modules().filter((m): m is BatchNorm2d => m instanceof BatchNorm2d);
  const twins = new Set(norms.map((m) => m.auxBatchNorm).filter((m) => m !== null));
  let n = 0;
  for (const bn of norms) {
    if (bn.auxBatchNorm !== null || twins.has(bn)) continue;
    const twin = new BatchNorm2d(bn.numFeatures, { eps: bn.eps, momentum: bn.momentum, affine: bn.affine, trackRunningStats: bn.trackRunningStats });
    twin.loadStateDict(bn.stateDict());
    twin.to(bn.runningMean?.device ?? bn.weight?.device ?? 'cpu');
    twin.train(bn.training || bn.frozen);
    twin.freeze(bn.frozen);
    bn.registerModule(AUX_BATCHNORM, twin);
    n++;
  }
  return n;
}

/** The key an auxiliary BatchNorm tensor replaces (`backbone.bn1.aux_bn.weight` -> `backbone.bn1.weight`); null for other keys. */
function mainKeyOf(key: string): string | null {
  const parts = key.split('.');
  const i = parts.indexOf(AUX_BATCHNORM);
  if (i < 0) return null;
  parts.splice(i, 1);
  return parts.join('.');
}

/** Whether a state dict holds auxiliary BatchNorm tensors (`<bn>.aux_bn.*` keys). */
export function hasAuxBatchNorm(keys: Iterable<string>): boolean {
  for (const k of keys) if (mainKeyOf(k) !== null) return true;
  return false;
}

/**
 * The state dict with torchvision's keys only: `main` drops the auxiliary BatchNorm tensors, `aux` puts each twin's
 * tensors under its BatchNorm's keys (`backbone.bn1.aux_bn.weight` -> `backbone.bn1.weight`), so a plain model
 * normalises with the auxiliary statistics. `source` names the state dict in the error when `aux` finds no twins.
 */
export function batchNormVariant<V>(sd: ReadonlyMap<string, V>, choice: BatchNormChoice, source: string): Map<string, V> {
  const out = new Map<string, V>();
  for (const [k, v] of sd) if (mainKeyOf(k) === null) out.set(k, v);
  if (choice === 'main') return out;
  if (!hasAuxBatchNorm(sd.keys())) {
    throw new Error(`${source}: has no auxiliary BatchNorm (no ${AUX_BATCHNORM}.* keys; train with augment.auxBatchNorm to get one)`);
  }
  for (const [k, v] of sd) {
    const main = mainKeyOf(k);
    if (main === null) continue;
    if (!out.has(main)) throw new Error(`${source}: ${k} has no BatchNorm tensor ${main} to replace`);
    out.set(main, v);
  }
  return out;
}
