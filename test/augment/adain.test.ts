// AdaIN with random weights in naoto0804/pytorch-AdaIN's file layout (written with src/io's writePth):
// loading, shapes and flow through encoder/decoder, per-image strength, determinism, clear load errors.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { AdaINStylization, AdaINStylizer, adainDecoder, channelStats, restyle, vggEncoder } from '../../src/augment/index.js';
import { writePth } from '../../src/io/index.js';
import type { RawTensor } from '../../src/tensor/index.js';
import * as T from '../../src/tensor/index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-adain-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Random conv weights for the listed Sequential indices, in the reference files' key names. */
function randomStateDict(convs: [index: number, cin: number, cout: number, k: number][]): Map<string, RawTensor> {
  const sd = new Map<string, RawTensor>();
  for (const [i, cin, cout, k] of convs) {
    sd.set(
      `${i}.weight`,
      T.tidy(() =>
        T.randn([cout, cin, k, k])
          .mul(Math.sqrt(2 / (cin * k * k)))
          .toRaw(),
      ),
    );
    sd.set(
      `${i}.bias`,
      T.tidy(() => T.rand([cout]).mul(0.1).toRaw()),
    );
  }
  return sd;
}

T.manualSeed(0);
// the full vgg_normalised.pth goes on past relu4_1 (conv4_2 is index 32): those keys are ignored
const VGG = randomStateDict([
  [0, 3, 3, 1],
  [2, 3, 64, 3],
  [5, 64, 64, 3],
  [9, 64, 128, 3],
  [12, 128, 128, 3],
  [16, 128, 256, 3],
  [19, 256, 256, 3],
  [22, 256, 256, 3],
  [25, 256, 256, 3],
  [29, 256, 512, 3],
  [32, 512, 512, 3],
]);
const DECODER = randomStateDict([
  [1, 512, 256, 3],
  [5, 256, 256, 3],
  [8, 256, 256, 3],
  [11, 256, 256, 3],
  [14, 256, 128, 3],
  [18, 128, 128, 3],
  [21, 128, 64, 3],
  [25, 64, 64, 3],
  [28, 64, 3, 3],
]);
const vggFile = path.join(tmp, 'vgg_normalised.pth');
const decoderFile = path.join(tmp, 'decoder.pth');
await writePth(vggFile, VGG);
await writePth(decoderFile, DECODER);

test("the networks have the reference files' keys (encoder cut after relu4_1)", () => {
  const enc = vggEncoder();
  const dec = adainDecoder();
  assert.deepEqual(
    [...enc.stateDict().keys()],
    [...VGG.keys()].filter((k) => !k.startsWith('32.')),
  );
  assert.deepEqual([...dec.stateDict().keys()], [...DECODER.keys()]);
  enc.dispose();
  dec.dispose();
});

test('AdaIN: features take the style statistics; the stylised batch keeps its size; seeded; p = 0 is the identity', async () => {
  const stylizer = await AdaINStylizer.load({ vgg: vggFile, decoder: decoderFile }, 'cpu');
  T.manualSeed(2);
  // 20×28 is not a multiple of the encoder's stride 8: padded for the encoder, cropped back after
  const content = T.rand([2, 3, 20, 28]);
  const style = T.rand([2, 3, 16, 16]);
  const out = stylizer.stylize(content, style, [1, 0.5]);
  assert.deepEqual(out.shape, [2, 3, 20, 28]);
  assert.ok(out.isfinite().logicalNot().sum().item() === 0);
  // the two strengths give different images; alpha 0 is the autoencoder's reconstruction of the content
  const rec = stylizer.stylize(content, style, [0, 0]);
  assert.ok(
    out
      .narrow(0, 0, 1)
      .sub(rec.narrow(0, 0, 1))
      .abs()
      .amax()
      .item() > 1e-6,
  );
  const rec2 = stylizer.stylize(content, T.rand([2, 3, 16, 16]), [0, 0]);
  assert.deepEqual(rec.toArray(), rec2.toArray(), 'alpha 0 ignores the style');

  const aug = new AdaINStylization({ stylizer, styles: null, alpha: [1, 1], p: 1 });
  T.manualSeed(9);
  const a = aug.apply(content);
  T.manualSeed(9);
  const b = aug.apply(content);
  assert.deepEqual(a.toArray(), b.toArray());
  assert.deepEqual(a.shape, content.shape);
  assert.equal(new AdaINStylization({ stylizer, styles: null, alpha: [1, 1], p: 0 }).apply(content), content);
  for (const t of [content, style, out, rec, rec2, a, b]) t.dispose();
  aug.dispose();
});

test('restyle gives features exactly the target per-channel mean and std', () => {
  const x = T.randn([2, 4, 5, 6]);
  const y = T.randn([2, 4, 7, 3]).mul(3).add(1);
  const ty = channelStats(y, 0);
  const z = restyle(x, channelStats(x, 0), ty);
  const tz = channelStats(z, 0);
  assert.ok(tz.mean.sub(ty.mean).abs().amax().item() < 1e-4);
  assert.ok(tz.std.sub(ty.std).abs().amax().item() < 1e-4);
  for (const t of [x, y, z, ty.mean, ty.std, tz.mean, tz.std]) t.dispose();
});

test('a weight file of the wrong layout is refused naming the file and the key', async () => {
  const bad = path.join(tmp, 'bad-decoder.pth');
  await writePth(bad, new Map([...DECODER].filter(([k]) => k !== '28.bias')));
  await assert.rejects(AdaINStylizer.load({ vgg: vggFile, decoder: bad }, 'cpu'), (e: Error) => {
    assert.match(e.message, /augment\.adain\.decoder: .*bad-decoder\.pth.*28\.bias/s);
    return true;
  });
});
