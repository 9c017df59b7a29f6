// The `augment` section, composed from the schemas beside each method in src/augment, and train.device.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig, type RunConfig } from '../../src/config/index.js';
import type { Device } from '../../src/tensor/index.js';

const minimal = { data: { train: { layout: 'kitti', root: '/data/kitti' } } };

function problems(augment: unknown): string[] {
  try {
    parseConfig({ ...minimal, augment });
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail('expected a ConfigError');
}

test('each method given as {} takes its defaults; none is on by default', () => {
  assert.deepEqual(parseConfig(minimal).augment, { fraction: 1, splitBatchNorm: false, auxBatchNorm: false });
  const a = parseConfig({
    ...minimal,
    augment: { randConv: {}, fourier: {}, photometric: {}, adain: { vgg: 'v', decoder: 'd' }, mixStyle: {}, dsu: {}, consistency: {} },
  }).augment;
  assert.deepEqual(a.randConv, { kernelSizes: [1, 3, 5, 7], mix: [0, 1], p: 0.5, perImage: false, perClass: false });
  assert.deepEqual(a.fourier, { beta: 0.01, mix: [1, 1], p: 0.5 });
  assert.deepEqual(a.photometric, { grayscale: 0, blur: 0, blurSigma: [0.1, 2], noise: 0, noiseStd: [0, 0.05], invert: 0, channelShuffle: 0 });
  assert.deepEqual(a.adain, { vgg: 'v', decoder: 'd', alpha: [1, 1], p: 0.5 });
  assert.deepEqual(a.mixStyle, { layers: ['layer1', 'layer2'], alpha: 0.1, p: 0.5, eps: 1e-6 });
  assert.deepEqual(a.dsu, { layers: ['layer1', 'layer2'], p: 0.5, eps: 1e-6 });
  assert.deepEqual(a.consistency, { weight: 1 });
});

test('errors in a method name the field under augment', () => {
  const at = ' (in config)';
  assert.deepEqual(problems({ randConv: { kernelSizes: [2], mix: [0.8, 0.2], extra: 1 } }), [
    `augment.randConv.kernelSizes[0]: expected an odd kernel size, got 2${at}`,
    `augment.randConv.mix: expected [min, max] with min <= max, got [0.8,0.2]${at}`,
    `augment.randConv.extra: unknown field (check the spelling)${at}`,
  ]);
  assert.deepEqual(problems({ photometric: { blurSigma: [2, 1], noiseStd: [0, 2] } }), [
    `augment.photometric.blurSigma: expected [min, max] with min <= max, got [2,1]${at}`,
    `augment.photometric.noiseStd[1]: expected a number <= 1, got 2${at}`,
  ]);
  assert.deepEqual(problems({ fourier: { beta: 0.6 }, adain: { decoder: 'd' } }), [
    `augment.fourier.beta: expected a number <= 0.5, got 0.6${at}`,
    `augment.adain.vgg: expected string, got nothing${at}`,
  ]);
  assert.deepEqual(problems({ mixStyle: { layers: ['layer4'] }, dsu: { alpha: 1 }, consistency: { weight: 0 } }), [
    `augment.mixStyle.layers[0]: expected "layer1", "layer2" or "layer3", got "layer4"${at}`,
    `augment.dsu.alpha: unknown field (check the spelling)${at}`,
    `augment.consistency.weight: expected a number > 0, got 0${at}`,
  ]);
});

test('auxBatchNorm needs clean images and an image-level method, and is refused with syncBN, naming the field', () => {
  const at = ' (in config)';
  const randConv = { p: 1 };
  const clean = 'needs clean images in the batch: set augment.fraction below 1 or augment.consistency';
  const method = 'needs an image-level method (augment.randConv, fourier, photometric, adain, debias or repaint) for the auxiliary BatchNorm to normalise';
  assert.deepEqual(problems({ randConv, auxBatchNorm: true }), [`augment.auxBatchNorm: ${clean}, got true${at}`]);
  assert.deepEqual(problems({ mixStyle: {}, fraction: 0.5, auxBatchNorm: true }), [`augment.auxBatchNorm: ${method}, got true${at}`]);
  assert.deepEqual(problems({ consistency: {}, auxBatchNorm: true }), [`augment.auxBatchNorm: ${method}, got true${at}`]);
  try {
    parseConfig({ ...minimal, train: { syncBN: true }, augment: { randConv, fraction: 0.5, auxBatchNorm: true, splitBatchNorm: true } });
    assert.fail('expected a ConfigError');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    const sync = 'is not supported with train.syncBN (SyncBatchNorm normalises the whole global batch)';
    assert.deepEqual(e.problems, [`augment.splitBatchNorm: ${sync}, got true${at}`, `augment.auxBatchNorm: ${sync}, got true${at}`]);
  }
  // the split is implied, so splitBatchNorm beside it is accepted (and changes nothing)
  for (const augment of [
    { randConv, fraction: 0.5, auxBatchNorm: true },
    { photometric: {}, consistency: {}, auxBatchNorm: true, splitBatchNorm: true },
  ]) {
    assert.equal(parseConfig({ ...minimal, augment }).augment.auxBatchNorm, true);
  }
});

test('train.device is a Device: cpu by default, cuda:N kept, anything else named', () => {
  const device: Device = parseConfig(minimal).train.device;
  assert.equal(device, 'cpu');
  const typed: RunConfig['train']['device'] = parseConfig({ ...minimal, train: { device: 'cuda:3' } }).train.device;
  assert.equal(typed, 'cuda:3');
  for (const bad of ['gpu', 'cuda:', 'cuda:x']) {
    assert.throws(() => parseConfig({ ...minimal, train: { device: bad } }), {
      message: `train.device: expected "cpu", "cuda" or "cuda:N", got ${JSON.stringify(bad)} (in config)`,
    });
  }
});
