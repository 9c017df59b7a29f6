// ONNX export against shapeseg's own eval-mode forward, run by onnxruntime-node: a DeepLabV3-ResNet18 with non-trivial
// BatchNorm statistics at output stride 16 and 8, batch 2 at a size that is no multiple of 16 (one dynamic-size graph
// for several sizes), BatchNorm folded or not; the metadata round trip; `shapeseg export --format onnx` end to end.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildProgram } from '../../src/cli/program.js';
import { getLabelSpace } from '../../src/data/label-spaces.js';
import type { HostTensor } from '../../src/deploy/backend.js';
import {
  exportOnnx,
  type OnnxExportInfo,
  type OnnxExportOptions,
  readOnnxExportMetadata,
  readOnnxMetadata,
  readOnnxModelInfo,
} from '../../src/deploy/onnx/index.js';
import { onnx } from '../../src/deploy/onnx/proto.js';
import { createOnnxBackend } from '../../src/deploy/onnx-backend.js';
import { writeSafetensors } from '../../src/io/index.js';
import { createDeepLabV3, createDeepLabV3Plus, type DeepLabModel, type DeepLabV3, type OutputStride } from '../../src/models/index.js';
import { manualSeed, noGrad, randn, tensor, tidy } from '../../src/tensor/index.js';
import { randomiseBatchNorm } from '../helpers/batchnorm.js';

const SPACE = getLabelSpace('vkitti-kitti');
const NC = SPACE.numClasses;
const TOL = 1e-4;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-onnx-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const at = (f: string) => path.join(dir, f);

let model: DeepLabV3;

const info = (outputStride: number): OnnxExportInfo => ({
  model: 'deeplabv3_resnet18',
  numClasses: NC,
  labelSpace: SPACE.name,
  classNames: [...SPACE.classes],
  colors: SPACE.colors.map((c) => [c[0], c[1], c[2]]),
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  outputStride,
  batchNorm: 'main',
});

/** A fixed random batch. */
function input(shape: [number, number, number, number]): HostTensor {
  return { data: tidy(() => randn(shape).toArray() as Float32Array), shape };
}

/** shapeseg's eval-mode logits for `x`. */
function reference(m: DeepLabModel, x: HostTensor): Float32Array {
  return noGrad(() => tidy(() => m.forward(tensor(x.data, x.shape)).out.contiguous().toArray() as Float32Array));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * Pixels whose argmax over channels differs between logits `got` and `want` (N,C,H,W) although `want`'s top two
 * classes are more than `margin` apart: where they are closer, logits within margin/2 may rank them either way.
 */
function argmaxMismatches(got: Float32Array, want: Float32Array, [n, c, h, w]: readonly number[], margin: number): number {
  const hw = h! * w!;
  let bad = 0;
  for (let b = 0; b < n!; b++) {
    for (let p = 0; p < hw; p++) {
      const at = (a: Float32Array, k: number) => a[(b * c! + k) * hw + p]!;
      let [g, best, second] = [0, 0, -1];
      for (let k = 1; k < c!; k++) {
        if (at(got, k) > at(got, g)) g = k;
        if (at(want, k) > at(want, best)) [second, best] = [best, k];
        else if (second < 0 || at(want, k) > at(want, second)) second = k;
      }
      if (g !== best && at(want, best) - at(want, second) > margin) bad++;
    }
  }
  return bad;
}

/** How many nodes of type `op` the ONNX file holds. */
function opCount(file: string, op: string): number {
  return onnx.ModelProto.decode(fs.readFileSync(file)).graph!.node!.filter((n) => n.opType === op).length;
}

/** Exports the model at `os`, runs each input through onnxruntime and compares with shapeseg's logits. */
async function checkParity(os: OutputStride, inputs: HostTensor[], opts: OnnxExportOptions = {}, m: DeepLabModel = model): Promise<void> {
  m.setOutputStride(os);
  const file = at(`${m.constructor.name}-os${os}-${opts.foldBatchNorm === false ? 'bn' : 'folded'}.onnx`);
  fs.writeFileSync(file, exportOnnx(m, info(os), opts));
  const backend = await createOnnxBackend(file, { threads: 1 });
  try {
    for (const x of inputs) {
      const got = await backend.run(x);
      assert.deepEqual(got.shape, [x.shape[0], NC, x.shape[2], x.shape[3]]);
      const want = reference(m, x);
      const diff = maxAbsDiff(got.data, want);
      assert.ok(diff < TOL, `OS ${os} [${x.shape}]: max |onnx - shapeseg| = ${diff} (max |logit| ${maxAbsDiff(want, new Float32Array(want.length))})`);
      assert.equal(argmaxMismatches(got.data, want, got.shape, 2 * TOL), 0, `OS ${os} [${x.shape}]: argmax differs`);
    }
  } finally {
    await backend.dispose();
  }
}

before(() => {
  manualSeed(0);
  model = createDeepLabV3('deeplabv3_resnet18', { numClasses: NC, outputStride: 16, auxLoss: true });
  randomiseBatchNorm(model, [2, 3, 67, 93]);
  model.eval();
});

describe('ONNX export runs in onnxruntime-node with shapeseg’s logits', () => {
  it('OS 16, batch 2 at 67×93 and batch 1 at 48×80 through one dynamic-size graph', async () => {
    await checkParity(16, [input([2, 3, 67, 93]), input([1, 3, 48, 80])]);
  });

  it('OS 8, batch 2 at 67×93', async () => {
    await checkParity(8, [input([2, 3, 67, 93])]);
  });

  it('with BatchNormalization nodes instead of folding (foldBatchNorm: false)', async () => {
    await checkParity(16, [input([1, 3, 40, 56])], { foldBatchNorm: false });
    assert.equal(opCount(at('DeepLabV3-os16-bn.onnx'), 'BatchNormalization'), 20 + 6 + 1);
    assert.equal(opCount(at('DeepLabV3-os16-folded.onnx'), 'BatchNormalization'), 0);
    // main path only: no aux head, no Dropout
    assert.equal(opCount(at('DeepLabV3-os16-folded.onnx'), 'Conv'), 20 + 6 + 2);
    assert.equal(opCount(at('DeepLabV3-os16-folded.onnx'), 'Dropout'), 0);
  });
});

describe('DeepLabV3+ exports too', () => {
  it('separable convs, two decoder convs: OS 16 (BatchNorm nodes) and OS 8 (folded), sizes no stride divides', async () => {
    manualSeed(1);
    const plus = createDeepLabV3Plus('deeplabv3plus_resnet18', { numClasses: NC, outputStride: 16, auxLoss: true, separableConv: true });
    try {
      randomiseBatchNorm(plus, [2, 3, 67, 93]);
      // VainF's kaiming init of the separable head gives logits up to ~30 on random input; at a trained model's scale
      // (a few units) the absolute tolerance means what it says
      noGrad(() => plus.classifier.logits.weight.mul_(0.1));
      plus.eval();
      await checkParity(16, [input([1, 3, 40, 56])], { foldBatchNorm: false }, plus);
      await checkParity(8, [input([2, 3, 67, 93])], {}, plus);
      // the depthwise convs are Conv nodes with group = their channels
      const groups = onnx.ModelProto.decode(fs.readFileSync(at('DeepLabV3Plus-os8-folded.onnx')))
        .graph!.node!.filter((n) => n.opType === 'Conv')
        .map((n) => Number(n.attribute!.find((a) => a.name === 'group')?.i ?? 1));
      assert.ok(groups.includes(512) && groups.includes(304), `depthwise groups: ${[...new Set(groups)]}`);
    } finally {
      plus.dispose();
    }
  });
});

describe('ONNX metadata', () => {
  it('round-trips through readOnnxModelInfo and names the producer', () => {
    const bytes = exportOnnx(model.setOutputStride(16), info(16), { size: [64, 96], opset: 18 });
    const got = readOnnxModelInfo(bytes, { source: 'm.onnx' });
    const { batchNorm: _, model: __, numClasses: ___, ...want } = info(16);
    assert.deepEqual(got, want);
    const meta = readOnnxExportMetadata(bytes);
    assert.equal(meta.batchNormFolded, true);
    assert.equal(meta.model, 'deeplabv3_resnet18');
    assert.equal(meta.numClasses, NC);
    assert.match(meta.shapesegVersion, /^\d+\.\d+\.\d+/);
  });

  it('refuses bad metadata by key, and a foreign file without a label space', () => {
    const bytes = exportOnnx(model, { ...info(16), colors: [[1, 2, 3]] });
    assert.throws(() => readOnnxModelInfo(bytes, { source: 'bad.onnx' }), /^Error: bad\.onnx: invalid shapeseg ONNX metadata: colors: expected 10 entries/);
    assert.throws(() => exportOnnx(model, info(16), { opset: 16 }), /ONNX export options: opset: expected a number >= 17, got 16/);
    assert.equal(readOnnxMetadata(bytes).format, 'shapeseg-onnx/1');
    // a foreign file: the same graph without metadata needs its label space, checked against the output channels
    const proto = onnx.ModelProto.decode(bytes);
    proto.metadataProps = [];
    const foreign = onnx.ModelProto.encode(proto).finish();
    assert.throws(() => readOnnxModelInfo(foreign, { source: 'f.onnx' }), /^Error: f\.onnx: has no shapeseg metadata .*name its label space/);
    assert.throws(
      () => readOnnxModelInfo(foreign, { source: 'f.onnx', labelSpace: 'cityscapes19' }),
      /f\.onnx: outputs 10 channels but label space cityscapes19 has 19/,
    );
    const fallback = readOnnxModelInfo(foreign, { labelSpace: SPACE.name });
    assert.deepEqual([fallback.classNames, fallback.mean, fallback.outputStride], [[...SPACE.classes], [0.485, 0.456, 0.406], 8]);
  });
});

describe('shapeseg export --format onnx', () => {
  it('writes an .onnx file from a model file, at the asked output stride, that runs like the model', async () => {
    const ckpt = at('model.safetensors');
    model.setOutputStride(16);
    writeSafetensors(ckpt, new Map([...model.stateDict()].map(([k, t]) => [k, t.toRaw()])), { model: 'deeplabv3_resnet18', labelSpace: SPACE.name });
    const out = at('cli.onnx');
    await buildProgram().parseAsync(['node', 'shapeseg', 'export', '-c', ckpt, '-o', out, '--output-stride', '8']);
    const meta = readOnnxExportMetadata(fs.readFileSync(out), out);
    assert.equal(meta.outputStride, 8);
    assert.equal(meta.labelSpace, SPACE.name);
    const backend = await createOnnxBackend(out, { threads: 1 });
    try {
      model.setOutputStride(8);
      const x = input([1, 3, 33, 47]);
      assert.ok(maxAbsDiff((await backend.run(x)).data, reference(model, x)) < TOL);
    } finally {
      await backend.dispose();
    }
    await assert.rejects(
      buildProgram().parseAsync(['node', 'shapeseg', 'export', '-c', ckpt, '-o', at('x.onnx'), '--opset', '12']),
      /--opset 12: expected an integer from 17 to 21/,
    );
    await assert.rejects(
      buildProgram().parseAsync(['node', 'shapeseg', 'export', '-c', ckpt, '-o', at('x.pth'), '--opset', '18']),
      /--opset: only with --format onnx \(writing pth\)/,
    );
    await assert.rejects(
      buildProgram().parseAsync(['node', 'shapeseg', 'export', '-c', ckpt, '-o', at('x.onnx'), '--output-stride', '32']),
      /--output-stride 32: expected 8 or 16/,
    );
    await assert.rejects(
      buildProgram().parseAsync(['node', 'shapeseg', 'export', '-c', ckpt, '-o', at('x.bin')]),
      /--out .*x\.bin: expected a \.pth, \.safetensors or \.onnx/,
    );
  });
});
