import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostTensor } from '../../src/deploy/backend.js';
import { flipWidth, resizeBilinear } from '../../src/deploy/host-resize.js';
import { F, fromBuffer, manualSeed, randn, tidy } from '../../src/tensor/index.js';

/** A random N,C,H,W host tensor. */
function random(shape: HostTensor['shape']): HostTensor {
  return { data: tidy(() => randn([...shape]).toArray() as Float32Array), shape };
}

/** The same op in libtorch. */
function torchOp(t: HostTensor, op: (x: ReturnType<typeof fromBuffer>) => ReturnType<typeof fromBuffer>): Float32Array {
  return tidy(
    () =>
      op(fromBuffer(new Uint8Array(t.data.buffer), t.shape, 'float32'))
        .contiguous()
        .toArray() as Float32Array,
  );
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('host bilinear resize', () => {
  manualSeed(3);
  const cases: [HostTensor['shape'], number, number][] = [
    [[1, 3, 7, 9], 14, 18], // 2x up
    [[2, 2, 10, 13], 5, 7], // down, non-integer ratio
    [[1, 4, 5, 6], 11, 3], // up one axis, down the other
    [[1, 1, 1, 1], 4, 5], // a single pixel
    [[1, 2, 17, 23], 13, 29], // odd sizes
  ];
  for (const [shape, h, w] of cases) {
    it(`${shape.join('x')} → ${h}x${w} equals F.interpolate(bilinear, align_corners=False)`, () => {
      const x = random(shape);
      const ours = resizeBilinear(x, h, w);
      assert.deepEqual(ours.shape, [shape[0], shape[1], h, w]);
      const ref = torchOp(x, (t) => F.interpolate(t, { size: [h, w] }, 'bilinear', false));
      // same formula in float32; libtorch's kernel rounds in another order (up to ~3e-6 seen on values ~1)
      assert.ok(maxAbsDiff(ours.data, ref) < 1e-5, `max difference ${maxAbsDiff(ours.data, ref)}`);
    });
  }

  it('the same size is the input itself', () => {
    const x = random([1, 2, 3, 4]);
    assert.equal(resizeBilinear(x, 3, 4), x);
    assert.throws(() => resizeBilinear(x, 0, 4), /positive integer size, got 0x4/);
  });

  it('flipWidth equals torch.flip(x, [3])', () => {
    const x = random([2, 3, 4, 5]);
    assert.deepEqual(
      flipWidth(x).data,
      torchOp(x, (t) => F.flip(t, [3])),
    );
  });
});
