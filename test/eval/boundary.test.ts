// Boundary IoU, the trimap band and the band width on hand-made maps, and Boundary IoU against a literal
// Python transcription of the reference's mask_to_boundary (pad with 0, 3x3 erosions, mask - eroded).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bandWidth, boundaryDistance, parseBandRatio } from '../../src/eval/boundary-band.js';
import { BoundaryIoU } from '../../src/eval/boundary-iou.js';
import { TrimapBand } from '../../src/eval/trimap.js';
import { runPython } from '../helpers/python.js';

/** A w×h map whose columns < split hold a, the rest b. */
function split(w: number, h: number, at: number, a: number, b: number): Uint8Array {
  return Uint8Array.from({ length: w * h }, (_, i) => (i % w < at ? a : b));
}

test('band width is ratio x diagonal, rounded, at least 1', () => {
  assert.equal(bandWidth(0.02, 100, 100), 3);
  assert.equal(bandWidth(0.02, 368, 112), 8);
  assert.equal(bandWidth(0.001, 10, 10), 1);
  assert.equal(parseBandRatio('--boundary', true), 0.02);
  assert.equal(parseBandRatio('--boundary', undefined), undefined);
  assert.equal(parseBandRatio('--trimap', '0.05'), 0.05);
  assert.throws(() => parseBandRatio('--trimap', 'x'), /--trimap/);
});

test('boundary distance: 0 on pixels touching another label (and the border when asked)', () => {
  const d = boundaryDistance(split(6, 6, 3, 0, 1), 6, 6, false);
  assert.deepEqual(Array.from(d.subarray(6, 12)), [2, 1, 0, 0, 1, 2]);
  const b = boundaryDistance(split(6, 6, 3, 0, 1), 6, 6, true);
  assert.deepEqual(Array.from(b.subarray(6, 12)), [0, 1, 0, 0, 1, 0]);
  assert.deepEqual(Array.from(b.subarray(0, 6)), [0, 0, 0, 0, 0, 0]);
});

test('a perfect prediction scores 1 in Boundary IoU and in the trimap band', () => {
  const gt = split(9, 7, 4, 2, 0);
  const b = new BoundaryIoU(3, 0.1);
  b.update(gt, gt, 9, 7);
  const r = b.result();
  assert.equal(r.perClass[0], 1);
  assert.equal(r.perClass[2], 1);
  assert.ok(Number.isNaN(r.perClass[1]), 'absent class is NaN');
  assert.equal(r.mean, 1);
  const t = new TrimapBand(3, 0.1);
  t.update(gt, gt, 9, 7);
  assert.equal(t.result().metrics.mIoU, 1);
});

test('known values: a boundary shifted by one column (band 1 px)', () => {
  const gt = split(6, 6, 3, 0, 1);
  const pred = split(6, 6, 4, 0, 1);
  const b = new BoundaryIoU(2, 0.0001);
  b.update(gt, pred, 6, 6);
  const r = b.result();
  // class 0: G_d 14 px, P_d 16 px, 10 in common; class 1: G_d 14, P_d 12, 8 in common
  assert.deepEqual(Array.from(r.intersection), [10, 8]);
  assert.deepEqual(Array.from(r.union), [20, 18]);
  assert.equal(r.perClass[0], 0.5);
  assert.equal(r.perClass[1], 8 / 18);
  // the trimap band is columns 2 and 3 (touching the other class): col 2 right, col 3 wrong
  const t = new TrimapBand(2, 0.0001);
  t.update(gt, pred, 6, 6);
  const tr = t.result();
  assert.deepEqual(Array.from(tr.confusion), [6, 0, 6, 0]);
  assert.equal(tr.metrics.mIoU, 0.25);
});

test('ground-truth ignore pixels count for neither map', () => {
  const gt = split(6, 6, 3, 0, 255);
  const pred = split(6, 6, 3, 0, 1);
  const b = new BoundaryIoU(2, 0.0001);
  b.update(gt, pred, 6, 6);
  const r = b.result();
  assert.equal(r.perClass[0], 1);
  assert.ok(Number.isNaN(r.perClass[1]));
});

test('Boundary IoU matches the reference algorithm on random blobby maps', () => {
  const w = 23,
    h = 17,
    c = 4,
    ratio = 0.08;
  const maps: Array<{ gt: number[]; pred: number[] }> = [];
  let s = 12345;
  const rnd = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  const blobs = (): number[] => {
    const centres = Array.from({ length: 6 }, () => [rnd() * w, rnd() * h, Math.floor(rnd() * c)] as const);
    return Array.from({ length: w * h }, (_, i) => {
      const x = i % w,
        y = Math.floor(i / w);
      let best = 0,
        bd = Infinity;
      for (const [cx, cy, k] of centres) {
        const dd = (x - cx) ** 2 + (y - cy) ** 2;
        if (dd < bd) {
          bd = dd;
          best = k;
        }
      }
      return best;
    });
  };
  for (let k = 0; k < 3; k++) maps.push({ gt: blobs(), pred: blobs() });
  const b = new BoundaryIoU(c, ratio);
  for (const m of maps) b.update(m.gt, m.pred, w, h);
  const ours = b.result();
  const py = runPython(
    `
import json, math, sys
d = json.load(sys.stdin); w, h, C, ratio = d['w'], d['h'], d['c'], d['ratio']
def mask_to_boundary(mask):
    dil = max(1, int(round(ratio * math.sqrt(h * h + w * w))))
    pad = [[0] * (w + 2)] + [[0] + row + [0] for row in mask] + [[0] * (w + 2)]
    for _ in range(dil):  # cv2.erode, 3x3 ones, outside the padded image never erodes
        pad = [[min(pad[yy][xx] for yy in range(max(0, y - 1), min(h + 2, y + 2)) for xx in range(max(0, x - 1), min(w + 2, x + 2)))
                for x in range(w + 2)] for y in range(h + 2)]
    return [[mask[y][x] - pad[y + 1][x + 1] for x in range(w)] for y in range(h)]
inter = [0] * C; union = [0] * C
for m in d['maps']:
    for k in range(C):
        g = mask_to_boundary([[1 if m['gt'][y * w + x] == k else 0 for x in range(w)] for y in range(h)])
        p = mask_to_boundary([[1 if m['pred'][y * w + x] == k else 0 for x in range(w)] for y in range(h)])
        inter[k] += sum(g[y][x] and p[y][x] for y in range(h) for x in range(w))
        union[k] += sum(1 for y in range(h) for x in range(w) if g[y][x] or p[y][x])
print(json.dumps({'inter': inter, 'union': union}))
`,
    { input: JSON.stringify({ w, h, c, ratio, maps }) },
  );
  const ref = JSON.parse(py) as { inter: number[]; union: number[] };
  assert.deepEqual(Array.from(ours.intersection), ref.inter);
  assert.deepEqual(Array.from(ours.union), ref.union);
});
