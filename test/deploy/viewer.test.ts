// `shapeseg viewer`: the page's pixel arithmetic against shapeseg's own (normalize, torch.argmax, overlay), the
// model info it is built from, the static server, and the page itself in headless Chromium: its label map equals
// onnxruntime-node's argmax of the same model on the same image, and the screenshot shows the overlay and legend.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { buildProgram } from '../../src/cli/program.js';
import { readRgb } from '../../src/data/image-io.js';
import { getLabelSpace } from '../../src/data/label-spaces.js';
import { normalize } from '../../src/data/normalize.js';
import { exportOnnx, type OnnxExportInfo } from '../../src/deploy/onnx/index.js';
import { metadataProps } from '../../src/deploy/onnx/metadata.js';
import { onnx } from '../../src/deploy/onnx/proto.js';
import { readModelInfo } from '../../src/deploy/viewer/model-info.js';
import { serveViewer, type ViewerResult } from '../../src/deploy/viewer/serve.js';
import { ASSETS_DIR, ORT_FILES, writeViewer } from '../../src/deploy/viewer/write.js';
import { createDeepLabV3 } from '../../src/models/index.js';
import { overlay } from '../../src/report/colorize.js';
import { fromBuffer, manualSeed, tensor, tidy } from '../../src/tensor/index.js';
import { randomiseBatchNorm } from '../helpers/batchnorm.js';
import { CHROMIUM, skipWithoutChromium } from '../helpers/skip.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-viewer-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The browser module's functions (assets/segment.js, plain JS shipped as is). */
interface SegmentJs {
  toInput(rgba: Uint8Array, width: number, height: number, mean: readonly number[], std: readonly number[]): Float32Array;
  argmax(logits: Float32Array, classes: number, n: number): Uint8Array;
  blend(rgba: Uint8Array, labels: Uint8Array, colors: readonly (readonly number[])[], alpha: number): Uint8ClampedArray;
}
const segmentJs = (): Promise<SegmentJs> => import(pathToFileURL(path.join(ASSETS_DIR, 'segment.js')).href) as Promise<SegmentJs>;

const SPACE = getLabelSpace('vkitti-kitti');
const CLASSES = [...SPACE.classes];
const COLORS = SPACE.colors.map((c): [number, number, number] => [c[0], c[1], c[2]]);
const INFO: OnnxExportInfo = {
  model: 'deeplabv3_resnet18',
  numClasses: CLASSES.length,
  labelSpace: SPACE.name,
  classNames: CLASSES,
  colors: COLORS,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  outputStride: 8,
  batchNorm: 'main',
};
/** The metadata the exporter writes for INFO. */
const META = metadataProps({ ...INFO, shapesegVersion: '0.0.0', batchNormFolded: true });

/** An ONNX file without nodes whose output `logits` is [N, channels, H, W]: enough for the model-info reader. */
function writeStubOnnx(file: string, channels: number, props: Record<string, string>): void {
  const dim = [{ dimParam: 'N' }, { dimValue: channels }, { dimParam: 'H' }, { dimParam: 'W' }];
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ version: 17 }],
    graph: { name: 'stub', output: [{ name: 'logits', type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim } } } }] },
    metadataProps: Object.entries(props).map(([key, value]) => ({ key, value })),
  });
  fs.writeFileSync(file, onnx.ModelProto.encode(model).finish());
}

/**
 * The .onnx model the page is tested with: shapeseg's export of a DeepLabV3-ResNet-18 (OS 8) with random weights and
 * non-trivial BatchNorm statistics, so that its argmax names several classes across the image.
 */
function makeTestModel(file: string): void {
  manualSeed(3);
  const model = createDeepLabV3('deeplabv3_resnet18', { numClasses: CLASSES.length, outputStride: 8 });
  try {
    randomiseBatchNorm(model, [2, 3, 64, 96]);
    model.eval();
    fs.writeFileSync(file, exportOnnx(model, INFO));
  } finally {
    model.dispose();
  }
}

/** A deterministic test image: colour blocks (so the classes vary) over noise, at a size no stride divides. */
async function writeTestImage(file: string, width: number, height: number): Promise<void> {
  const px = Buffer.alloc(width * height * 3);
  let seed = 7;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const block = ((x / 24) | 0) + 3 * ((y / 20) | 0);
      for (let c = 0; c < 3; c++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        px[3 * (y * width + x) + c] = ((block * (67 + 50 * c)) % 200) + (seed >>> 26);
      }
    }
  }
  await sharp(px, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(file);
}

/** An RGB raster as RGBA bytes (what the page's canvas gives). */
function rgba(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array((rgb.length / 3) * 4);
  for (let i = 0; i < rgb.length / 3; i++) out.set([rgb[3 * i]!, rgb[3 * i + 1]!, rgb[3 * i + 2]!, 255], 4 * i);
  return out;
}

describe('the page arithmetic (assets/segment.js)', () => {
  it('normalises bit for bit as shapeseg normalize(); argmax takes the first maximum; blend is overlay()', async () => {
    const { toInput, argmax, blend } = await segmentJs();
    const [h, w] = [3, 85];
    const rgb = Uint8Array.from({ length: h * w * 3 }, (_, i) => i % 256);
    const ref = tidy(() => normalize(fromBuffer(rgb, [h, w, 3], 'uint8').permute([2, 0, 1]).contiguous()).toArray()) as Float32Array;
    const mine = toInput(rgba(rgb), w, h, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);
    assert.deepEqual(Buffer.from(mine.buffer), Buffer.from(ref.buffer), 'the same float32 bits');

    // 4 pixels, 3 classes: a tie between 0 and 2, a tie between 1 and 2, a NaN, a plain maximum
    const logits = Float32Array.from([1, 0, Number.NaN, 0, /* c1 */ 0, 2, 5, 1, /* c2 */ 1, 2, 9, 3]);
    assert.deepEqual([...argmax(logits, 3, 4)], [0, 1, 0, 2]);
    const torchArgmax = tidy(() => tensor(logits, [1, 3, 4]).argmax(1).toArray());
    assert.deepEqual([...argmax(logits, 3, 4)], [...torchArgmax].map(Number), 'as torch.argmax');

    const labels = Uint8Array.from({ length: h * w }, (_, i) => i % 6); // 5 = no colour: the image shows
    const blended = blend(rgba(rgb), labels, COLORS, 0.35);
    assert.deepEqual(Buffer.from(blended.filter((_, i) => i % 4 !== 3)), overlay(rgb, labels, COLORS, 0.35));
  });
});

describe('readModelInfo', () => {
  it('reads the export metadata; --labels labels a foreign file; refuses a model it cannot label', () => {
    const file = path.join(dir, 'stub.onnx');
    writeStubOnnx(file, CLASSES.length, META);
    assert.deepEqual(readModelInfo(file), {
      name: 'deeplabv3_resnet18',
      labelSpace: 'vkitti-kitti',
      classNames: CLASSES,
      colors: COLORS,
      numClasses: CLASSES.length,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      outputStride: 8,
    });
    const bare = path.join(dir, 'bare.onnx');
    writeStubOnnx(bare, 19, {});
    const info = readModelInfo(bare, 'cityscapes19');
    assert.equal(info.name, 'bare');
    assert.equal(info.labelSpace, 'cityscapes19');
    assert.equal(info.classNames[0], 'road');
    assert.deepEqual(info.colors[0], [128, 64, 128]);
    assert.deepEqual(info.mean, [0.485, 0.456, 0.406]);
    assert.throws(() => readModelInfo(bare), /has no shapeseg metadata .*name its label space/);
    assert.throws(() => readModelInfo(bare, 'vkitti'), /outputs 19 channels but label space vkitti has 14 classes/);
    writeStubOnnx(bare, CLASSES.length, { ...META, colors: '[[1, 2]]' });
    assert.throws(() => readModelInfo(bare), /invalid shapeseg ONNX metadata: colors/);
  });
});

describe('shapeseg viewer (the writer and the server)', () => {
  it('writes the page, the models, model-info.json and the WASM backend; serves them with their MIME types', async () => {
    const model = path.join(dir, 'stub.onnx');
    writeStubOnnx(model, 5, META);
    const out = path.join(dir, 'cli');
    await buildProgram().parseAsync(['node', 'shapeseg', 'viewer', '--model', model, '--model', model, '--out', out]);
    for (const f of ['index.html', 'viewer.js', 'segment.js', 'viewer.css', 'models/stub.onnx', 'models/1-stub.onnx', ...ORT_FILES.map((f) => `ort/${f}`)]) {
      assert.ok(fs.existsSync(path.join(out, f)), f);
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'model-info.json'), 'utf8'));
    assert.deepEqual(
      manifest.models.map((m: { file: string; name: string }) => [m.file, m.name]),
      [
        ['models/stub.onnx', 'deeplabv3_resnet18'],
        ['models/1-stub.onnx', 'deeplabv3_resnet18'],
      ],
    );
    await assert.rejects(
      buildProgram().parseAsync(['node', 'shapeseg', 'viewer', '--model', model, '--port', 'x', '--out', out]),
      /--port: expected an integer/,
    );

    const { server, url } = await serveViewer(out, { port: 0 });
    try {
      const type = async (p: string) => (await fetch(new URL(p, url))).headers.get('content-type');
      assert.equal(await type('ort/ort-wasm-simd-threaded.wasm'), 'application/wasm');
      assert.equal(await type('ort/ort.wasm.min.mjs'), 'text/javascript; charset=utf-8');
      assert.equal(await type(''), 'text/html; charset=utf-8');
      assert.equal((await fetch(new URL('..%2f..%2f..%2fetc%2fpasswd', url))).status, 404, 'nothing outside the folder');
      assert.equal((await fetch(new URL('__result', url), { method: 'POST', body: 'x' })).status, 405, 'no test hook unless asked');
      assert.equal((await fetch(new URL('__hold', url))).status, 404, 'no held request unless asked');
    } finally {
      server.close();
    }
  });
});

describe("the test hook's held request", () => {
  it('GET /__hold is answered at POST /__done, and at once when /__done came first', async () => {
    const { server, url } = await serveViewer(dir, { port: 0, onResult: () => {} });
    try {
      let answered = false;
      const hold = fetch(new URL('__hold', url)).then((r) => {
        answered = true;
        return r.status;
      });
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(answered, false, 'held until /__done');
      assert.equal((await fetch(new URL('__done', url), { method: 'POST' })).status, 204);
      assert.equal(await hold, 204);
      assert.equal((await fetch(new URL('__hold', url), { signal: AbortSignal.timeout(10_000) })).status, 204, 'after /__done: answered at once');
    } finally {
      server.close();
    }
  });
});

describe('the page in headless Chromium', () => {
  it('gives the label map onnxruntime-node gives, and shows the overlay and the legend', async (t) => {
    const skip = skipWithoutChromium();
    if (skip) {
      t.skip(skip);
      return;
    }
    const model = path.join(dir, 'tiny.onnx');
    makeTestModel(model);
    const out = path.join(dir, 'page');
    // the same model twice: two panels side by side, both run on the image
    writeViewer({ models: [model, model], out });
    const [width, height] = [101, 67];
    await writeTestImage(path.join(out, 'image.png'), width, height);

    // the reference: shapeseg's reader and normalize(), onnxruntime-node, torch's argmax
    const img = await readRgb(path.join(out, 'image.png'), 'image');
    const input = tidy(() => normalize(fromBuffer(img.data, [height, width, 3], 'uint8').permute([2, 0, 1]).contiguous()).toArray()) as Float32Array;
    const session = await ort.InferenceSession.create(model);
    const { logits } = await session.run({ input: new ort.Tensor('float32', input, [1, 3, height, width]) });
    await session.release();
    const data = logits!.data as Float32Array;
    const ref = Uint8Array.from(
      tidy(() =>
        fromBuffer(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), logits!.dims, 'float32')
          .argmax(1)
          .toArray(),
      ),
      Number,
    );
    const counts = CLASSES.map((_, k) => ref.filter((v) => v === k).length);
    assert.ok(counts.filter((n) => n > 0).length >= 3, `the test model names several classes: ${counts}`);

    const results: ViewerResult[] = [];
    const { server, url } = await serveViewer(out, { port: 0, onResult: (r) => results.push(r) });
    let dom = '';
    const shot = path.join(dir, 'viewer.png');
    try {
      const profile = fs.mkdtempSync(path.join(dir, 'chromium-'));
      const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', `--user-data-dir=${profile}`];
      // virtual time runs the page until it is idle (model fetched, inference done, result posted) before the dump
      const page = ['--dump-dom', `--screenshot=${shot}`, '--window-size=1000,700', '--hide-scrollbars', '--virtual-time-budget=30000'];
      ({ stdout: dom } = await promisify(execFile)(CHROMIUM, [...flags, ...page, `${url}?image=image.png`], { timeout: 120_000, maxBuffer: 64 << 20 }));
    } finally {
      server.close();
    }
    assert.match(dom, /<body data-state="done">/, `the page finished: ${/id="status"[^>]*>([^<]*)/.exec(dom)?.[1]}`);
    assert.deepEqual(
      results.map((r) => [r.model, r.width, r.height]),
      [
        [0, width, height],
        [1, width, height],
      ],
      'a label map per panel',
    );
    for (const r of results) {
      const differ = r.labels.reduce((n, v, i) => n + (v === ref[i] ? 0 : 1), 0);
      t.diagnostic(`panel ${r.model}: browser vs onnxruntime-node argmax: ${differ} of ${ref.length} pixels differ; classes ${counts}`);
      assert.ok(differ <= ref.length * 0.001, `${differ} of ${ref.length} pixels differ (at most 0.1 % allowed)`);
    }
    const [a, b] = [results[0]!.canvas!, results[1]!.canvas!];
    assert.ok(b.x >= a.x + width && b.y === a.y, 'side by side');
    // each panel's legend names every class with its share of the image
    const legend = [...dom.matchAll(/<li data-class="(\d+)">.*?class="name">([^<]*)<.*?class="share">([^<]*)</g)].map((m) => [Number(m[1]), m[2], m[3]]);
    const share = (labels: Uint8Array, k: number) => `${((100 * labels.filter((v) => v === k).length) / ref.length).toFixed(1)} %`;
    assert.deepEqual(
      legend,
      results.flatMap((r) => CLASSES.map((name, k) => [k, name, share(r.labels, k)])),
    );

    // the screenshot's canvases: the label colours blended over the image at the default opacity, as predict's overlay
    const { data: px, info } = await sharp(shot).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    for (const { model, labels, canvas } of results) {
      const expected = overlay(img.data, labels, COLORS, 0.5);
      const [x0, y0] = [Math.round(canvas!.x), Math.round(canvas!.y)];
      let same = 0;
      let changed = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const s = 3 * ((y0 + y) * info.width + x0 + x);
          const e = 3 * (y * width + x);
          let near = true;
          for (let c = 0; c < 3; c++) near &&= Math.abs(px[s + c]! - expected[e + c]!) <= 2;
          if (near) same++;
          if (px[s] !== img.data[e] || px[s + 1] !== img.data[e + 1] || px[s + 2] !== img.data[e + 2]) changed++;
        }
      }
      t.diagnostic(`screenshot, panel ${model}: ${same} of ${ref.length} canvas pixels are the expected overlay (±2), ${changed} differ from the image`);
      assert.ok(same >= ref.length * 0.99, `panel ${model}: ${same} of ${ref.length} screenshot pixels match the overlay`);
      assert.ok(changed >= ref.length * 0.9, `panel ${model}: ${changed} of ${ref.length} screenshot pixels differ from the raw image`);
    }
  });
});
