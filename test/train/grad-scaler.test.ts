import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as T from '../../src/tensor/index.js';
import { GradScaler } from '../../src/train/grad-scaler.js';

test('GradScaler scales the loss, unscales gradients, backs off on overflow and grows after clean steps', () => {
  T.tidy(() => {
    const p = T.tensor([1, 2, 3], [3], { dtype: 'float32', requiresGrad: true });
    const s = new GradScaler(true, 1024, 2, 0.5, 2);
    s.scaleLoss(p.mul(p).sum()).backward(); // d/dp sum(p²)·1024 = 2p·1024
    assert.equal(s.unscale([p]), true);
    assert.deepEqual(Array.from(p.grad!.toArray() as Float32Array), [2, 4, 6]);
    s.update(true);
    s.update(true);
    assert.equal(s.scale, 2048);
    p.setGrad(T.tensor([1, Infinity, 0], [3], { dtype: 'float32' }));
    assert.equal(s.unscale([p]), false);
    s.update(false);
    assert.deepEqual(s.stateDict(), { scale: 1024, growthTracker: 0 });

    const off = new GradScaler(false);
    const loss = p.sum();
    assert.equal(off.scaleLoss(loss), loss);
    assert.equal(off.unscale([p]), true);
  });
});
