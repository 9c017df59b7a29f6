// The synthetic-to-real benchmarks against torchvision 0.14.1: a torchvision deeplabv3_resnet50 checkpoint with 19
// classes evaluated on Cityscapes and GTA5 trees, one with 16 classes on SYNTHIA-RAND-CITYSCAPES and on Cityscapes in
// synthia16, give torchvision's confusion matrix and per-class IoU. The trees are written as their publishers describe
// them (test/data/benchmark-fixtures.ts); the reference reads the same files on its own (PIL for 8-bit and palette
// PNGs, a zlib PNG decoder for SYNTHIA's 16-bit labels: /usr/bin/python3 has no cv2 or imageio and PIL drops them to
// 8 bits) and maps the labels with the publishers' tables written out below, not with shapeseg's.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Dataset } from '../../src/data/dataset.js';
import { getLabelSpace, SYNTHIA13_CLASSES } from '../../src/data/label-spaces.js';
import { openDataset } from '../../src/data/open.js';
import { DataConfigSchema } from '../../src/data/schema.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { readModelCheckpoint } from '../../src/eval/load-model.js';
import { subsetMIoU } from '../../src/eval/metrics.js';
import { writePublishedCityscapes, writePublishedGta5, writePublishedSynthia } from '../data/benchmark-fixtures.js';
import { rmTmp, tmpDir } from '../data/fixtures.js';
import { assertOk, runShapeseg } from '../e2e/cli.js';
import { runPython, skipWithoutTorch } from '../helpers/python.js';

// 65x33: odd sizes, so the OS-8 feature map (9x5) is upsampled with a fractional scale; 2145 pixels per image
// cycle through every label id (34 Cityscapes ids, 23 SYNTHIA ids), so every class and every ignored id occurs
const W = 65;
const H = 33;
// writePublishedSynthia's instance ids (256 + 37 * pixel) fit 16 bits up to 1764 pixels
const SYNTHIA_W = 53;

/** Reference: argv[1] = job file (JSON). Builds the models, writes their state dicts, evaluates each job. */
const REFERENCE_PY = String.raw`
import sys, os, json, glob, struct, zlib
import numpy as np
import torch
from PIL import Image
from torchvision.models.segmentation import deeplabv3_resnet50
from torchvision.transforms import functional as TF

spec = json.load(open(sys.argv[1]))
out = spec['out']
torch.set_num_threads(2)

# cityscapesScripts helpers/labels.py: label id -> trainId (every other id, 0..6, 9, 10, 14..16, 18, 29, 30: 255)
CS_ID_TO_TRAINID = {7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10, 24: 11, 25: 12,
                    26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18}
# the 16 SYNTHIA classes: the 19 train ids without terrain (9), truck (14) and train (16)
TRAINID_TO_16 = {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 10: 9, 11: 10, 12: 11, 13: 12, 15: 13, 17: 14, 18: 15}
# SYNTHIA-RAND-CITYSCAPES class id -> 16 classes, as the SYNTHIA -> Cityscapes literature maps it
# (3 road, 4 sidewalk, 2 building, 21 wall, 5 fence, 7 pole, 15 traffic light, 9 traffic sign, 6 vegetation, 1 sky,
#  10 pedestrian, 17 rider, 8 car, 19 bus, 12 motorcycle, 11 bicycle; 0, 13, 14, 16, 18, 20, 22 ignored)
SYNTHIA_TO_16 = {3: 0, 4: 1, 2: 2, 21: 3, 5: 4, 7: 5, 15: 6, 9: 7, 6: 8, 1: 9, 10: 10, 17: 11, 8: 12, 19: 13, 12: 14, 11: 15}
CS_ID_TO_16 = {k: TRAINID_TO_16[v] for k, v in CS_ID_TO_TRAINID.items() if v in TRAINID_TO_16}
# mIoU over 13 classes (SYNTHIA papers' mIoU*): the 16 without wall (3), fence (4), pole (5)
SYNTHIA13 = [0, 1, 2, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]

def remap(native, table, domain):
    assert native.min() >= 0 and native.max() < domain, (native.min(), native.max())
    lab = np.full(native.shape, 255, np.uint8)
    for k, v in table.items():
        lab[native == k] = v
    return lab

def read_png(path):
    """Non-interlaced PNG, 8 or 16 bits per sample, grey/RGB/palette (the samples, not colours), from the spec."""
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', path
    pos, idat, ihdr = 8, b'', None
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR': ihdr = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT': idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    assert interlace == 0 and depth in (8, 16), (path, ihdr)
    ch = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    bpp, stride = ch * depth // 8, w * ch * depth // 8
    raw = zlib.decompress(idat)
    rows, prev = [], [0] * stride
    for y in range(h):
        f, line = raw[y * (stride + 1)], list(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            else: assert f == 0, (path, y, f)
        rows.append(line); prev = line
    arr = np.array(rows, np.uint8)
    if depth == 16:  # big-endian samples
        pair = arr.reshape(h, -1, 2).astype(np.uint16)
        arr = pair[:, :, 0] * 256 + pair[:, :, 1]
    return arr.reshape(h, w, ch) if ch > 1 else arr.reshape(h, w)

def pairs(job):
    r = job['root']
    if job['layout'] == 'cityscapes':
        for img in sorted(glob.glob(f"{r}/leftImg8bit/{job['split']}/*/*_leftImg8bit.png")):
            stem = os.path.basename(img)[:-len('_leftImg8bit.png')]
            yield stem, img, img.replace('/leftImg8bit/', '/gtFine/', 1)[:-len('leftImg8bit.png')] + 'gtFine_labelIds.png'
    elif job['layout'] == 'gta5':
        for img in sorted(glob.glob(f'{r}/images/*.png')):
            yield os.path.basename(img)[:-4], img, f'{r}/labels/' + os.path.basename(img)
    else:
        for img in sorted(glob.glob(f'{r}/RGB/*.png')):
            yield os.path.basename(img)[:-4], img, f'{r}/GT/LABELS/' + os.path.basename(img)

def label(job, file):
    if job['layout'] == 'synthia':
        raw = read_png(file)  # 16-bit RGB: class id in the first channel, instance id in the second
        assert raw.dtype == np.uint16 and raw.ndim == 3, (file, raw.dtype, raw.shape)
        return remap(raw[:, :, 0], SYNTHIA_TO_16, 23)
    native = np.array(Image.open(file))  # grey: the values; mode 'P' (GTA5): the palette indices
    assert native.ndim == 2, (file, native.shape)
    assert (read_png(file) == native).all(), file  # the zlib decoder used for SYNTHIA agrees with PIL on 8 bits
    return remap(native, CS_ID_TO_TRAINID if job['numClasses'] == 19 else CS_ID_TO_16, 34)

class ConfusionMatrix:  # torchvision references/segmentation/utils.py
    def __init__(self, num_classes):
        self.num_classes = num_classes
        self.mat = None
    def update(self, a, b):
        n = self.num_classes
        if self.mat is None:
            self.mat = torch.zeros((n, n), dtype=torch.int64, device=a.device)
        with torch.inference_mode():
            k = (a >= 0) & (a < n)
            inds = n * a[k].to(torch.int64) + b[k]
            self.mat += torch.bincount(inds, minlength=n**2).reshape(n, n)
    def compute(self):
        h = self.mat.float()
        acc_global = torch.diag(h).sum() / h.sum()
        acc = torch.diag(h) / h.sum(1)
        iu = torch.diag(h) / (h.sum(1) + h.sum(0) - torch.diag(h))
        return acc_global, acc, iu

mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]

def image(file):
    # torchvision references' eval preset without its resize: PILToTensor, ConvertImageDtype(float), Normalize
    img = Image.open(file).convert('RGB')
    return TF.normalize(TF.convert_image_dtype(TF.pil_to_tensor(img), torch.float), mean, std).unsqueeze(0)

models = {}
for m in spec['models']:
    n = m['numClasses']
    torch.manual_seed(m['seed'])
    net = deeplabv3_resnet50(weights=None, weights_backbone=None, num_classes=n)  # OS 8, no aux head
    bns = [x for x in net.modules() if isinstance(x, torch.nn.BatchNorm2d)]
    with torch.no_grad():
        # running statistics of a real batch (BN at its init would let eval activations grow through 50 layers)
        for x in bns:
            x.weight.uniform_(0.8, 1.2); x.bias.normal_(0, 0.1); x.reset_running_stats(); x.momentum = None
        net.train(); net(torch.randn(2, 3, 65, 65))
        for x in bns: x.momentum = 0.1
        net.eval()
        # a random classifier predicts a few classes everywhere (the head's features vary little between pixels):
        # whiten its input over the feature positions of the images it will see, so every class gets predicted
        feats = []
        hook = net.classifier[4].register_forward_hook(lambda mod, i, o: feats.append(i[0][0].flatten(1)))
        for job in spec['jobs']:
            if job['numClasses'] == n:
                for _, img_file, _ in pairs(job): net(image(img_file))
        hook.remove()
        f = torch.cat(feats, 1)  # 256 x positions
        mu = f.mean(1)
        u, s, _ = torch.linalg.svd(f - mu[:, None], full_matrices=False)
        k = int((s > 0.01 * s[0]).sum())  # small directions left out: they would amplify rounding
        w = torch.randn(n, k) @ (u[:, :k] / s[:k]).T * f.shape[1] ** 0.5
        net.classifier[4].weight.copy_(w[:, :, None, None]); net.classifier[4].bias.copy_(-w @ mu)
    torch.save(net.state_dict(), m['file'])
    models[n] = net

results = {}
for job in spec['jobs']:
    net, n = models[job['numClasses']], job['numClasses']
    cm = ConfusionMatrix(n)
    d = os.path.join(out, job['name'])
    os.makedirs(d, exist_ok=True)
    ids = []
    for sid, img_file, lab_file in pairs(job):
        x = image(img_file)
        target = torch.as_tensor(label(job, lab_file), dtype=torch.int64)
        with torch.no_grad():
            o = net(x)['out'][0]
        pred = o.argmax(0)
        top2 = o.topk(2, 0).values
        cm.update(target.flatten(), pred.flatten())
        target.to(torch.uint8).numpy().tofile(f'{d}/{sid}.label.bin')
        pred.to(torch.uint8).numpy().tofile(f'{d}/{sid}.pred.bin')
        (top2[0] - top2[1]).numpy().astype('<f4').tofile(f'{d}/{sid}.margin.bin')
        ids.append(sid)
    acc_global, acc, iu = cm.compute()
    num = lambda v: None if v != v else float(v)  # NaN (a class absent from labels and predictions): null
    results[job['name']] = {
        'ids': ids, 'confusion': cm.mat.tolist(), 'iou': [num(v) for v in iu.tolist()], 'mIoU': num(iu.mean()),
        'pixelAccuracy': num(acc_global),
        **({'mIoU13': num(iu[SYNTHIA13].mean())} if n == 16 else {}),
    }
json.dump(results, open(os.path.join(out, 'results.json'), 'w'))
`;

interface RefJob {
  ids: string[];
  confusion: number[][];
  iou: (number | null)[];
  mIoU: number | null;
  pixelAccuracy: number | null;
  mIoU13?: number | null;
}

/** torchvision's top-1 minus top-2 logit below which a float reassociation may flip the argmax. */
const TIE = 1e-4;

describe("synthetic-to-real benchmarks: shapeseg eval = torchvision's per-class IoU (oracle)", { skip: skipWithoutTorch(true) }, () => {
  const dir = { root: '' };
  const p = (...s: string[]) => path.join(dir.root, ...s);
  let ref: Record<string, RefJob> = {};
  /** Near-tie argmax flips found per job. */
  const flipped = new Map<string, number>();

  before(async () => {
    dir.root = tmpDir();
    await writePublishedCityscapes(p('cityscapes'), { width: W, height: H });
    // frames 1 and 2 are among the release's size-mismatched frames, which the reader leaves out by default
    await writePublishedGta5(p('gta5'), { frames: [3, 4, 5], width: W, height: H });
    await writePublishedSynthia(p('synthia'), { frames: 3, width: SYNTHIA_W, height: H });
    const spec = {
      out: p('ref'),
      models: [
        { file: p('m19.pth'), numClasses: 19, seed: 0 },
        { file: p('m16.pth'), numClasses: 16, seed: 1 },
      ],
      jobs: [
        { name: 'cityscapes', layout: 'cityscapes', root: p('cityscapes'), split: 'train', numClasses: 19 },
        { name: 'gta5', layout: 'gta5', root: p('gta5'), numClasses: 19 },
        { name: 'synthia', layout: 'synthia', root: p('synthia'), numClasses: 16 },
        { name: 'cityscapes-val16', layout: 'cityscapes', root: p('cityscapes'), split: 'val', numClasses: 16 },
      ],
    };
    fs.writeFileSync(p('spec.json'), JSON.stringify(spec));
    runPython(REFERENCE_PY, { args: [p('spec.json')], timeoutMs: 300_000 });
    ref = JSON.parse(fs.readFileSync(p('ref', 'results.json'), 'utf8')) as Record<string, RefJob>;
  });
  after(() => rmTmp(dir.root));

  /** Evaluates `pth` on `ds` in shapeseg and checks labels, predictions, confusion and IoU against job `name`. */
  async function check(name: string, pth: string, ds: Dataset, space: string): Promise<void> {
    const r = ref[name]!;
    const labelSpace = getLabelSpace(space);
    const c = labelSpace.numClasses;
    const { model, info } = readModelCheckpoint(pth, { outputStride: 8 });
    try {
      assert.equal(info.name, 'deeplabv3_resnet50');
      assert.equal(info.numClasses, c);
      assert.deepEqual(
        ds
          .list()
          .map((s) => s.id)
          .sort(),
        [...r.ids].sort(),
        `${name}: the same images as the reference lists`,
      );
      const flips: string[] = [];
      const res = await evaluate(model, ds, {
        labelSpace,
        device: 'cpu',
        onPrediction: (s, pred) => {
          const f = (ext: string) => fs.readFileSync(p('ref', name, `${s.id}.${ext}.bin`));
          // the label the reader maps = the one the reference maps from the publisher's table
          assert.ok(Buffer.from(s.label).equals(f('label')), `${name}/${s.id}: labels differ from the reference's`);
          const theirs = f('pred');
          const margin = new Float32Array(f('margin').buffer.slice(0));
          for (let i = 0; i < pred.length; i++) {
            if (pred[i] === theirs[i]) continue;
            assert.ok(margin[i]! < TIE, `${name}/${s.id} pixel ${i}: ours ${pred[i]} vs torchvision ${theirs[i]}, top-2 margin ${margin[i]}`);
            flips.push(`${s.id}:${i}`);
          }
        },
      });
      assert.equal(res.images, r.ids.length);
      // the calibrated classifier predicts most classes, so most IoUs are neither 0 nor undefined
      const predicted = Array.from(res.metrics.predPixels).filter((v) => v > 0).length;
      assert.ok(predicted >= c - 4, `${name}: only ${predicted} of ${c} classes predicted`);
      const ours = Array.from({ length: c }, (_, t) => Array.from(res.confusion.subarray(t * c, (t + 1) * c)));
      const iou = Array.from(res.metrics.perClassIoU, (v) => (Number.isNaN(v) ? null : v));
      if (flips.length === 0) {
        // argmax agrees on every pixel: the confusion matrices are equal, count for count
        assert.deepEqual(ours, r.confusion, `${name}: confusion matrix`);
      } else {
        // near-tied logits flipped (asserted above): the matrices differ by exactly those pixels
        const diff = ours.flat().reduce((a, v, k) => a + Math.abs(v - r.confusion.flat()[k]!), 0);
        assert.ok(diff <= 2 * flips.length, `${name}: ${diff} confusion entries differ for ${flips.length} flipped pixels`);
      }
      // every class occurs in the ground truth, so no IoU is undefined; torchvision computes it in float32
      assert.ok(
        r.iou.every((v) => v !== null),
        `${name}: every class present`,
      );
      const tol = flips.length === 0 ? 1e-6 : 1e-6 + (2 * flips.length) / res.metrics.totalPixels;
      for (let k = 0; k < c; k++) assert.ok(Math.abs(iou[k]! - r.iou[k]!) <= tol, `${name} ${labelSpace.classes[k]}: IoU ${iou[k]} vs torchvision ${r.iou[k]}`);
      assert.ok(Math.abs(res.metrics.mIoU - r.mIoU!) <= tol, `${name}: mIoU ${res.metrics.mIoU} vs ${r.mIoU}`);
      assert.ok(Math.abs(res.metrics.pixelAccuracy - r.pixelAccuracy!) <= tol, `${name}: pixel accuracy`);
      if (r.mIoU13 !== undefined) {
        const m13 = subsetMIoU(res.metrics.perClassIoU, labelSpace.classes, SYNTHIA13_CLASSES);
        assert.ok(m13 !== null && Math.abs(m13 - r.mIoU13!) <= tol, `${name}: mIoU13 ${m13} vs ${r.mIoU13}`);
      }
      flipped.set(name, flips.length);
      if (flips.length > 0) console.log(`# ${name}: ${flips.length} near-tie argmax flips (${flips.slice(0, 5).join(', ')})`);
    } finally {
      model.dispose();
    }
  }

  const open = (cfg: Record<string, unknown>) => openDataset(DataConfigSchema.parse(cfg));

  it('GTA5 -> Cityscapes: a 19-class checkpoint on Cityscapes (labelIds -> train ids)', async () => {
    await check('cityscapes', p('m19.pth'), await open({ layout: 'cityscapes', root: p('cityscapes'), split: 'train' }), 'cityscapes19');
  });

  it('the same checkpoint on GTA5 (palette indices, pole and polegroup sharing a colour)', async () => {
    await check('gta5', p('m19.pth'), await open({ layout: 'gta5', root: p('gta5') }), 'cityscapes19');
  });

  it('a 16-class checkpoint on SYNTHIA (16-bit labels, class id in the first channel)', async () => {
    await check('synthia', p('m16.pth'), await open({ layout: 'synthia', root: p('synthia') }), 'synthia16');
  });

  it('SYNTHIA -> Cityscapes: `shapeseg eval` of the 16-class checkpoint on Cityscapes val in synthia16, with mIoU13', async () => {
    await check(
      'cityscapes-val16',
      p('m16.pth'),
      await open({ layout: 'cityscapes', root: p('cityscapes'), split: 'val', labelSpace: 'synthia16' }),
      'synthia16',
    );
    // the CLI a user runs gives the same numbers in its results file and prints the 13-class mIoU
    const out = p('cs-val16.json');
    const r = runShapeseg(
      [
        'eval',
        '-c',
        p('m16.pth'),
        '--data',
        `cityscapes:${p('cityscapes')}`,
        '--filter',
        '{split: val}',
        '-l',
        'synthia16',
        '--device',
        'cpu',
        '--output-stride',
        '8',
        '-o',
        out,
        '--no-progress',
      ],
      { timeoutMs: 120_000 },
    );
    assertOk(r, 'shapeseg eval');
    const file = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      perClassIoU: Record<string, number | null>;
      confusionMatrix: number[][];
      data: { count: number };
    };
    const want = ref['cityscapes-val16']!;
    assert.equal(file.data.count, 1);
    if (flipped.get('cityscapes-val16') === 0) assert.deepEqual(file.confusionMatrix, want.confusion, 'CLI confusion matrix');
    const classes = getLabelSpace('synthia16').classes;
    assert.deepEqual(Object.keys(file.perClassIoU), [...classes]);
    classes.forEach((name, k) => {
      assert.ok(Math.abs(file.perClassIoU[name]! - want.iou[k]!) <= 1e-6, `CLI ${name}: ${file.perClassIoU[name]} vs torchvision ${want.iou[k]}`);
    });
    const line = r.stdout.split('\n').find((l) => l.startsWith('mIoU13'));
    assert.ok(line, `no mIoU13 line in:\n${r.stdout}`);
    // printed with 2 decimals
    assert.ok(Math.abs(Number(line.split(/\s+/)[1]) - 100 * want.mIoU13!) <= 0.005 + 1e-6, line);
  });
});
