import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ConfigError, configHash, loadConfig, parseConfig } from '../../src/config/index.js';

const minimal = { data: { train: { layout: 'vkitti1', root: '/data/vkitti', labelSpace: 'vkitti-kitti' } } };

function withTmp(fn: (dir: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-'));
  try {
    fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a ConfigError');
}

test('defaults are the lab notebook', () => {
  const c = parseConfig(minimal);
  assert.equal(c.model.name, 'deeplabv3_resnet101');
  assert.equal(c.train.batchSize, 10);
  assert.deepEqual(c.transforms.scale, [1.4, 2.0]);
  assert.equal(c.transforms.crop, 513);
  assert.equal(c.transforms.flip, true);
  assert.deepEqual(c.train.phases, [
    { steps: 30000, outputStride: 16, freezeBN: false, augment: true },
    { steps: 30000, outputStride: 8, freezeBN: true, augment: true },
  ]);
  assert.deepEqual(c.train.schedule, { lr: 0.01, power: 0.9, warmupSteps: 0, warmupFactor: 0.01, acrossPhases: 'continue' });
  assert.deepEqual(c.train.optimizer, { momentum: 0.9, dampening: 0, weightDecay: 1e-4, nesterov: false });
  assert.equal(c.train.keepLast, 3);
  assert.equal(c.train.amp, false);
});

test('YAML error names field path, value and file', () => {
  withTmp((dir) => {
    const file = path.join(dir, 'x.yaml');
    fs.writeFileSync(
      file,
      ['data: {train: {layout: vkitti1, root: /data/vkitti}}', 'train:', '  phases:', '    - {steps: 10}', '    - {steps: 10, outputStride: 12}'].join('\n'),
    );
    const e = configError(() => loadConfig(file));
    assert.equal(e.message, `train.phases[1].outputStride: expected 8 or 16, got 12 (in ${file})`);
  });
});

test('JSON config, several problems, unknown keys and enums', () => {
  withTmp((dir) => {
    const file = path.join(dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ ...minimal, model: { name: 'deeplabv3_resnet99' }, train: { batchsize: 4, device: 'gpu', amp: 'f16' } }));
    const e = configError(() => loadConfig(file));
    assert.ok(
      e.problems.includes(
        `model.name: expected "deeplabv3_resnet18", "deeplabv3_resnet34", "deeplabv3_resnet50", "deeplabv3_resnet101", "deeplabv3_resnet152", ` +
          `"deeplabv3plus_resnet18", "deeplabv3plus_resnet34", "deeplabv3plus_resnet50", "deeplabv3plus_resnet101" or "deeplabv3plus_resnet152", ` +
          `got "deeplabv3_resnet99" (in ${file})`,
      ),
      e.message,
    );
    assert.ok(e.problems.includes(`train.batchsize: unknown field (check the spelling) (in ${file})`), e.message);
    assert.ok(e.problems.includes(`train.device: expected "cpu", "cuda" or "cuda:N", got "gpu" (in ${file})`), e.message);
    assert.ok(e.problems.includes(`train.amp: expected false, "bf16", "fp16" or "auto", got "f16" (in ${file})`), e.message);
    assert.equal(e.problems.length, 4);
  });
});

test('file and syntax errors', () => {
  withTmp((dir) => {
    assert.match(configError(() => loadConfig(path.join(dir, 'nope.yaml'))).message, /config file not found: .*nope\.yaml/);
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'train:\n  batchSize: [1,\n');
    assert.match(configError(() => loadConfig(bad)).message, /bad\.yaml: invalid YAML at line \d+/);
    const badJson = path.join(dir, 'bad.json');
    fs.writeFileSync(badJson, '{"train": ');
    assert.match(configError(() => loadConfig(badJson)).message, /bad\.json: invalid JSON/);
  });
});

test('cross-field checks and overrides', () => {
  const e = configError(() => parseConfig({ ...minimal, train: { phases: [{ steps: 5 }], schedule: { warmupSteps: 5 } } }, 'c.yaml'));
  assert.match(e.message, /^train\.schedule\.warmupSteps: expected fewer warmup steps than the 5 total steps, got 5/);
  assert.match(
    configError(() => parseConfig({ ...minimal, transforms: { scale: [2, 1] } })).message,
    /^transforms\.scale: expected \[min, max\] with min <= max, got \[2,1\]/,
  );
  const c = parseConfig(minimal, 'configs/run-a.yaml', { 'train.device': 'cuda:1', 'train.batchSize': 2 });
  assert.equal(c.train.device, 'cuda:1');
  assert.equal(c.train.batchSize, 2);
  assert.equal(c.name, 'run-a');
});

test('configHash is stable under key order and changes with values', () => {
  const a = parseConfig(minimal);
  const b = parseConfig({ model: {}, data: { train: { labelSpace: 'vkitti-kitti', root: '/data/vkitti', layout: 'vkitti1' } } });
  assert.equal(configHash(a), configHash(b));
  assert.notEqual(configHash(a), configHash(parseConfig({ ...minimal, train: { seed: 1 } })));
});

test('shipped configs validate', () => {
  const dir = path.resolve(import.meta.dirname, '../../../configs');
  const files = fs.readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));
  assert.ok(files.length >= 2, `configs in ${dir}`);
  for (const f of files) loadConfig(path.join(dir, f));
});

test('label space drives numClasses; train and val must share it', () => {
  assert.equal(parseConfig(minimal).model.numClasses, 10);
  assert.match(
    configError(() => parseConfig({ ...minimal, model: { numClasses: 3 } }, 'c.yaml')).message,
    /^model\.numClasses: expected 10 \(label space "vkitti-kitti" of data\.train\), got 3 \(in c\.yaml\)$/,
  );
  const e = configError(() => parseConfig({ data: { train: minimal.data.train, val: { layout: 'vkitti1', root: '/v', labelSpace: 'vkitti' } } }, 'c.yaml'));
  assert.equal(e.message, 'data.val.labelSpace: expected "vkitti-kitti" (the label space of data.train), got "vkitti" (in c.yaml)');
});
