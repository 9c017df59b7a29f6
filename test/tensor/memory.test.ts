import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as T from '../../src/tensor/index.js';

const { F } = T;

describe('memory', () => {
  it('1000 tiny training steps inside tidy keep RSS flat and liveTensorCount at baseline', () => {
    T.manualSeed(0);
    const w = T.keep(T.randn([4, 3, 3, 3]).mul(0.1));
    w.requiresGrad = true;
    const g = T.keep(T.ones([4], { requiresGrad: true }));
    const b = T.keep(T.zeros([4], { requiresGrad: true }));
    const rm = T.keep(T.zeros([4]));
    const rv = T.keep(T.ones([4]));
    const params = [w, g, b];
    let bufs: (T.Tensor | null)[] = params.map(() => null);
    const x = T.keep(T.randn([2, 3, 8, 8]));
    const y = T.keep(T.randint(0, 4, [2, 8, 8]));
    const step = () =>
      T.tidy(() => {
        const h = F.relu(F.batchNorm(F.conv2d(x, w, null, { padding: 1 }), rm, rv, g, b, true, 0.1, 1e-5));
        const loss = F.crossEntropy(h, y);
        for (const p of params) p.setGrad(null);
        loss.backward();
        bufs = T.sgdStep(params, bufs, { lr: 0.01, momentum: 0.9, dampening: 0, weightDecay: 1e-4, nesterov: false });
        // a plain add_-based update too (what a hand-written optimizer does)
        T.noGrad(() => {
          for (const p of params) p.add_(p.grad!, -1e-4);
        });
        return loss.item();
      });
    for (let i = 0; i < 300; i++) step(); // warm-up: allocator pools, autograd caches
    global.gc?.();
    const base = T.liveTensorCount();
    const rss0 = process.memoryUsage().rss;
    let first = 0;
    let last = 0;
    for (let i = 0; i < 1000; i++) {
      last = step();
      if (i === 0) first = last;
    }
    global.gc?.();
    const growth = (process.memoryUsage().rss - rss0) / 2 ** 20;
    assert.equal(T.liveTensorCount(), base, 'liveTensorCount back to baseline');
    console.log(`# memory: RSS growth ${growth.toFixed(1)} MB over 1000 steps, loss ${first.toFixed(4)} -> ${last.toFixed(4)}`);
    assert.ok(growth < 20, `RSS grew by ${growth.toFixed(1)} MB over 1000 steps`);
    assert.ok(Number.isFinite(last) && last < first, `loss went down: ${first} -> ${last}`);
    for (const t of [w, g, b, rm, rv, x, y, ...bufs]) t?.dispose();
  });
});
