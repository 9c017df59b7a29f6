// Against the methods' published reference code under PyTorch/numpy: the AdaIN networks and transfer as in
// naoto0804/pytorch-AdaIN (net.py, test.py's style_transfer), and FDA as in FDA_source_to_target_np.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { AdaINStylizer, adainDecoder, fourierAmplitudeMix, vggEncoder } from '../../src/augment/index.js';
import { writePth } from '../../src/io/index.js';
import * as T from '../../src/tensor/index.js';
import { runPython, skipWithoutTorch } from '../helpers/python.js';

const skip = skipWithoutTorch();

const ADAIN_PY = String.raw`
import sys, json, torch, torch.nn as nn
d = sys.argv[1]
def conv_relu(ci, co, relu=True):
    return [nn.ReflectionPad2d((1, 1, 1, 1)), nn.Conv2d(ci, co, (3, 3))] + ([nn.ReLU()] if relu else [])
pool = lambda: nn.MaxPool2d((2, 2), (2, 2), (0, 0), ceil_mode=True)
up = lambda: nn.Upsample(scale_factor=2, mode='nearest')
vgg = nn.Sequential(nn.Conv2d(3, 3, (1, 1)), *conv_relu(3, 64), *conv_relu(64, 64), pool(), *conv_relu(64, 128), *conv_relu(128, 128), pool(),
    *conv_relu(128, 256), *conv_relu(256, 256), *conv_relu(256, 256), *conv_relu(256, 256), pool(), *conv_relu(256, 512))
decoder = nn.Sequential(*conv_relu(512, 256), up(), *conv_relu(256, 256), *conv_relu(256, 256), *conv_relu(256, 256), *conv_relu(256, 128), up(),
    *conv_relu(128, 128), *conv_relu(128, 64), up(), *conv_relu(64, 64), *conv_relu(64, 3, False))
vgg.load_state_dict(torch.load(d + '/vgg.pth')); decoder.load_state_dict(torch.load(d + '/decoder.pth'))
x = torch.load(d + '/inputs.pth')
def calc_mean_std(feat, eps=1e-5):
    N, C = feat.size()[:2]
    var = feat.view(N, C, -1).var(dim=2) + eps
    return feat.view(N, C, -1).mean(dim=2).view(N, C, 1, 1), var.sqrt().view(N, C, 1, 1)
def adain(c, s):
    size = c.size(); sm, ss = calc_mean_std(s); cm, cs = calc_mean_std(c)
    return (c - cm.expand(size)) / cs.expand(size) * ss.expand(size) + sm.expand(size)
with torch.no_grad():
    fc, fs = vgg(x['content']), vgg(x['style'])
    t = adain(fc, fs)
    t = x['alpha'] * t + (1 - x['alpha']) * fc
    out = decoder(t)
print(json.dumps(out.flatten().tolist()))
`;

test('AdaIN stylisation matches naoto0804/pytorch-AdaIN under PyTorch', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shapeseg-adain-ref-'));
  try {
    T.manualSeed(12);
    const save = async (name: string, net: ReturnType<typeof vggEncoder>) => {
      // small random weights keep activations in a sane range through 10 layers
      for (const [k, t] of net.stateDict())
        T.noGrad(() => t.copy_(T.tidy(() => T.randn(t.shape).mul(k.endsWith('bias') ? 0.05 : Math.sqrt(2 / (t.numel() / t.shape[0]!))))));
      await writePth(path.join(dir, name), new Map([...net.stateDict()].map(([k, t]) => [k, t.toRaw()])));
      net.dispose();
    };
    await save('vgg.pth', vggEncoder());
    await save('decoder.pth', adainDecoder());
    const content = T.rand([2, 3, 16, 24]);
    const style = T.rand([2, 3, 24, 16]);
    await writePth(
      path.join(dir, 'inputs.pth'),
      new Map([
        ['content', content.toRaw()],
        ['style', style.toRaw()],
        ['alpha', T.tidy(() => T.tensor([1, 0.3], [2, 1, 1, 1], { dtype: 'float32' }).toRaw())],
      ]),
    );
    const ref = JSON.parse(runPython(ADAIN_PY, { args: [dir] })) as number[];
    const stylizer = await AdaINStylizer.load({ vgg: path.join(dir, 'vgg.pth'), decoder: path.join(dir, 'decoder.pth') }, 'cpu');
    const out = stylizer.stylize(content, style, [1, 0.3]);
    assert.deepEqual(out.shape, [2, 3, 16, 24]);
    const got = out.toArray() as Float32Array;
    const scale = Math.max(...ref.map(Math.abs));
    let worst = 0;
    ref.forEach((r, i) => {
      worst = Math.max(worst, Math.abs(r - got[i]!));
    });
    assert.ok(worst <= 1e-4 * scale, `max difference ${worst} (scale ${scale})`);
    for (const t of [content, style, out]) t.dispose();
    stylizer.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const FDA_PY = String.raw`
import sys, json, numpy as np
# FDA_source_to_target_np / low_freq_mutate_np from the FDA authors' utils, per image
def low_freq_mutate_np(amp_src, amp_trg, L):
    a_src = np.fft.fftshift(amp_src, axes=(-2, -1)); a_trg = np.fft.fftshift(amp_trg, axes=(-2, -1))
    _, h, w = a_src.shape
    b = (np.floor(np.amin((h, w)) * L)).astype(int)
    c_h = np.floor(h / 2.0).astype(int); c_w = np.floor(w / 2.0).astype(int)
    h1, h2, w1, w2 = c_h - b, c_h + b + 1, c_w - b, c_w + b + 1
    a_src[:, h1:h2, w1:w2] = a_trg[:, h1:h2, w1:w2]
    return np.fft.ifftshift(a_src, axes=(-2, -1))
def fda(src, trg, L):
    fs = np.fft.fft2(src, axes=(-2, -1)); ft = np.fft.fft2(trg, axes=(-2, -1))
    amp = low_freq_mutate_np(np.abs(fs), np.abs(ft), L)
    return np.real(np.fft.ifft2(amp * np.exp(1j * np.angle(fs)), axes=(-2, -1)))
x = json.load(sys.stdin)
shape = x['shape']
src = np.array(x['src'], dtype=np.float64).reshape(shape); trg = np.array(x['trg'], dtype=np.float64).reshape(shape)
print(json.dumps(np.stack([fda(s, t, x['beta']) for s, t in zip(src, trg)]).flatten().tolist()))
`;

test("FDA matches the authors' numpy FDA_source_to_target_np (odd and even sizes)", { skip }, () => {
  for (const [h, w, beta] of [
    [20, 30, 0.1],
    [15, 21, 0.2],
  ] as const) {
    T.manualSeed(h);
    const src = T.rand([2, 3, h, w]);
    const trg = T.rand([2, 3, h, w]).mul(1.5);
    const input = JSON.stringify({ shape: [2, 3, h, w], src: Array.from(src.toArray() as Float32Array), trg: Array.from(trg.toArray() as Float32Array), beta });
    const ref = JSON.parse(runPython(FDA_PY, { input })) as number[];
    const out = fourierAmplitudeMix(src, trg, { beta, lambda: [1, 1] });
    const got = out.toArray() as Float32Array;
    let worst = 0;
    ref.forEach((r, i) => {
      worst = Math.max(worst, Math.abs(r - got[i]!));
    });
    assert.ok(worst < 1e-4, `${h}×${w}: max difference ${worst}`);
    for (const t of [src, trg, out]) t.dispose();
  }
});
