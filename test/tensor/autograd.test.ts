import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as T from '../../src/tensor/index.js';
import { assertClose, flat, nums, oracleUnavailable, runTorch } from './helpers.js';

const { F } = T;

describe('autograd', () => {
  it('crossEntropy grad w.r.t. logits is (softmax - onehot) / N', () => {
    T.tidy(() => {
      const logits = T.tensor([1, 2, 3, 0.5, -1, 2], [2, 3], { requiresGrad: true });
      const target = T.tensor([2, 0]);
      F.crossEntropy(logits, target).backward();
      const p = nums(F.softmax(logits.detach(), 1).toArray());
      const expected = p.map((v, i) => (v - (i === 2 || i === 3 ? 1 : 0)) / 2);
      assertClose(logits.grad!.toArray(), expected, 1e-6);
    });
  });

  it('backward(gradient) for non-scalars; scalar required otherwise', () => {
    T.tidy(() => {
      const x = T.tensor([1, 2, 3], [3], { dtype: 'float32', requiresGrad: true });
      x.mul(x).backward(T.tensor([1, 0.5, 2], [3]));
      assertClose(x.grad!.toArray(), [2, 2, 12]);
      assert.throws(() => x.mul(2).backward(), /grad can be implicitly created only for scalar outputs/);
      // grads accumulate until set to none
      x.sum().backward();
      assertClose(x.grad!.toArray(), [3, 3, 13]);
      x.setGrad(null);
      assert.equal(x.grad, null);
      x.setGrad(T.ones([3]));
      assertClose(x.grad!.toArray(), [1, 1, 1]);
      assert.throws(() => x.setGrad(T.ones([2])), /shape/);
    });
  });

  it('noGrad stops recording; requiresGrad get/set; detach', () => {
    T.tidy(() => {
      const w = T.ones([2]);
      assert.equal(w.requiresGrad, false);
      w.requiresGrad = true;
      assert.equal(w.requiresGrad, true);
      assert.equal(T.isGradEnabled(), true);
      const y = T.noGrad(() => {
        assert.equal(T.isGradEnabled(), false);
        return w.mul(2);
      });
      assert.equal(T.isGradEnabled(), true);
      assert.equal(y.requiresGrad, false);
      assert.equal(w.mul(2).requiresGrad, true);
      assert.equal(w.mul(2).detach().requiresGrad, false);
      assert.throws(
        () =>
          T.noGrad(() => {
            throw new Error('inner');
          }),
        /inner/,
      );
      assert.equal(T.isGradEnabled(), true);
    });
  });

  it('conv2d -> batchNorm -> relu -> interpolate -> crossEntropy: loss and grads equal torch', (t) => {
    const skip = oracleUnavailable();
    if (skip) return t.skip(skip);
    T.tidy(() => {
      T.manualSeed(3);
      const x = T.randn([2, 3, 6, 6], { requiresGrad: true });
      const w = T.randn([4, 3, 3, 3]).mul(0.3);
      w.requiresGrad = true;
      const b = T.randn([4], { requiresGrad: true });
      const g = T.rand([4]).add(0.5);
      g.requiresGrad = true;
      const beta = T.randn([4], { requiresGrad: true });
      const rm = T.zeros([4]);
      const rv = T.ones([4]);
      const target = T.randint(0, 4, [2, 12, 12]);
      const targetData = nums(target.toArray());
      targetData[5] = 255;
      targetData[77] = 255;
      const tgt = T.tensor(targetData, [2, 12, 12]);
      let h = F.conv2d(x, w, b, { padding: 1, stride: 1 });
      h = F.batchNorm(h, rm, rv, g, beta, true, 0.1, 1e-5);
      h = F.relu(h);
      h = F.interpolate(h, { size: [12, 12] }, 'bilinear', false);
      const loss = F.crossEntropy(h, tgt, { ignoreIndex: 255 });
      loss.backward();
      const ref = runTorch<Record<string, unknown>>(
        `
import torch.nn.functional as F
def T(k, shape, rg=True):
    return torch.tensor(inp[k], dtype=torch.float32).reshape(shape).requires_grad_(rg)
x = T('x', [2,3,6,6]); w = T('w', [4,3,3,3]); b = T('b', [4]); g = T('g', [4]); beta = T('beta', [4])
rm = torch.zeros(4); rv = torch.ones(4)
tgt = torch.tensor(inp['t'], dtype=torch.int64).reshape(2,12,12)
h = F.conv2d(x, w, b, padding=1)
h = F.batch_norm(h, rm, rv, g, beta, True, 0.1, 1e-5)
h = F.relu(h)
h = F.interpolate(h, size=(12,12), mode='bilinear', align_corners=False)
loss = F.cross_entropy(h, tgt, ignore_index=255)
loss.backward()
out = {'loss': loss.item(), 'x': x.grad.flatten().tolist(), 'w': w.grad.flatten().tolist(), 'b': b.grad.flatten().tolist(),
       'g': g.grad.flatten().tolist(), 'beta': beta.grad.flatten().tolist(), 'rm': rm.tolist(), 'rv': rv.tolist()}
`,
        {
          x: nums(x.detach().toArray()),
          w: nums(w.detach().toArray()),
          b: nums(b.detach().toArray()),
          g: nums(g.detach().toArray()),
          beta: nums(beta.detach().toArray()),
          t: targetData,
        },
      );
      assertClose([loss.item()], [ref.loss as number], 1e-5, 1e-5, 'loss');
      for (const [name, tensor] of [
        ['x', x],
        ['w', w],
        ['b', b],
        ['g', g],
        ['beta', beta],
      ] as const) {
        assertClose(tensor.grad!.toArray(), flat(ref[name]), 1e-6, 1e-4, `grad ${name}`);
      }
      assertClose(rm.toArray(), flat(ref.rm), 1e-6, 1e-5, 'running_mean');
      assertClose(rv.toArray(), flat(ref.rv), 1e-6, 1e-5, 'running_var');
    });
  });
});

describe('sgdStep', () => {
  const variants = [
    { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 1e-2, nesterov: false },
    { lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: true },
    { lr: 0.1, momentum: 0.5, dampening: 0.3, weightDecay: 1e-3, nesterov: false, maximize: true },
    { lr: 0.2, momentum: 0, dampening: 0, weightDecay: 1e-1, nesterov: false },
  ];

  it('matches torch.optim.SGD over 3 steps (momentum, dampening, weight decay, nesterov, maximize; no-grad params skipped)', (t) => {
    const skip = oracleUnavailable();
    if (skip) return t.skip(skip);
    const p0 = [0.5, -1, 2, 3];
    const grads = [
      [0.1, 0.2, -0.3, 0.4],
      [1, -1, 0.5, 0],
      [-0.2, 0.3, 0.1, 0.05],
    ];
    const ref = runTorch<number[][]>(
      `
out = []
for v in inp['variants']:
    p = torch.tensor(inp['p0'], dtype=torch.float32, requires_grad=True)
    q = torch.tensor(inp['p0'], dtype=torch.float32, requires_grad=True)  # never gets a grad
    opt = torch.optim.SGD([p, q], lr=v['lr'], momentum=v['momentum'], dampening=v['dampening'],
                          weight_decay=v['weightDecay'], nesterov=v['nesterov'], maximize=v.get('maximize', False))
    for g in inp['grads']:
        p.grad = torch.tensor(g, dtype=torch.float32)
        opt.step()
    out.append(p.detach().tolist() + q.detach().tolist())
`,
      { variants, p0, grads },
    );
    variants.forEach((opts, vi) => {
      T.tidy(() => {
        const p = T.tensor(p0, [4], { dtype: 'float32', requiresGrad: true });
        const q = T.tensor(p0, [4], { dtype: 'float32', requiresGrad: true });
        let bufs: (T.Tensor | null)[] = [null, null];
        for (const g of grads) {
          p.setGrad(T.tensor(g, [4], { dtype: 'float32' }));
          bufs = T.tidy(() => T.sgdStep([p, q], bufs, opts));
        }
        assert.equal(bufs[1], null, 'no buffer for a param without grad');
        assert.equal(bufs[0] === null, opts.momentum === 0);
        assertClose([...nums(p.toArray()), ...nums(q.toArray())], ref[vi]!, 1e-6, 1e-6, `variant ${vi}`);
        assert.equal(p.requiresGrad, true);
        for (const b of bufs) b?.dispose();
      });
    });
  });

  it('reuses the given buffers in place and checks lengths', () => {
    T.tidy(() => {
      const p = T.ones([2], { requiresGrad: true });
      p.setGrad(T.ones([2]));
      const [buf] = T.sgdStep([p], [null], { lr: 1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false });
      assert.ok(buf);
      const [again] = T.sgdStep([p], [buf!], { lr: 1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false });
      assert.equal(again, buf);
      assertClose(buf!.toArray(), [1.9, 1.9]);
      assert.throws(() => T.sgdStep([p], [], { lr: 1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false }), /1 params but 0/);
      buf!.dispose();
    });
  });
});
