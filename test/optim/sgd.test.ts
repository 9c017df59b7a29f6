import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SGD } from '../../src/optim/sgd.js';
import type { Tensor } from '../../src/tensor/index.js';
import * as T from '../../src/tensor/index.js';
import { runPython, skipWithoutTorch } from '../helpers/python.js';

// Small named parameters shaped like a conv weight (decayed), a conv bias and a BN weight (not decayed).
const SHAPES: Array<[string, number[]]> = [
  ['conv.weight', [2, 3, 3, 3]],
  ['conv.bias', [2]],
  ['bn.weight', [2]],
];
const LRS = [0.1, 0.08, 0.05, 0.02];

/** Deterministic pseudo-random floats (no RNG state shared with anything). */
function values(n: number, seed: number): number[] {
  let x = seed >>> 0;
  return Array.from({ length: n }, () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return Math.fround(x / 2 ** 32 - 0.5);
  });
}

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
const init = SHAPES.map(([, s], i) => values(numel(s), 1 + i));
const grads = LRS.map((_, k) => SHAPES.map(([, s], i) => values(numel(s), 100 * (k + 1) + i)));

function makeParams(): Array<[string, Tensor]> {
  return SHAPES.map(([n, s], i) => [n, T.tensor(init[i]!, s, { dtype: 'float32', requiresGrad: true })]);
}

/** Runs steps `from`..`to` (exclusive) on `opt`, setting each step's gradients first. */
function runSteps(opt: SGD, params: Array<[string, Tensor]>, from: number, to: number): void {
  for (let k = from; k < to; k++) {
    T.tidy(() => {
      opt.zeroGrad();
      params.forEach(([, p], i) => {
        p.setGrad(T.tensor(grads[k]![i]!, p.shape, { dtype: 'float32' }));
      });
      opt.lr = LRS[k]!;
      opt.step();
    });
  }
}

interface Case {
  momentum: number;
  dampening: number;
  nesterov: boolean;
}

type Reference = { params: number[][]; bufs: number[][] };

/** torch.optim.SGD on the same tensors, every case in one Python run. */
function references(cases: Case[]): Reference[] {
  const out = runPython(
    `import json, sys, torch
d = json.loads(sys.stdin.read())
res = []
for c in d['cases']:
    ps = [torch.tensor(v, dtype=torch.float32).reshape(s).requires_grad_() for v, s in zip(d['init'], d['shapes'])]
    opt = torch.optim.SGD([{'params': [ps[0]], 'weight_decay': 1e-4}, {'params': ps[1:], 'weight_decay': 0.0}],
                          lr=0.1, momentum=c['momentum'], dampening=c['dampening'], nesterov=c['nesterov'], foreach=False)
    for k, lr in enumerate(d['lrs']):
        for p, g, s in zip(ps, d['grads'][k], d['shapes']):
            p.grad = torch.tensor(g, dtype=torch.float32).reshape(s)
        for grp in opt.param_groups:
            grp['lr'] = lr
        opt.step()
    res.append({'params': [p.detach().flatten().tolist() for p in ps],
                'bufs': [opt.state[p]['momentum_buffer'].flatten().tolist() if opt.state[p].get('momentum_buffer') is not None else [] for p in ps]})
print(json.dumps(res))`,
    { input: JSON.stringify({ cases, init, grads, lrs: LRS, shapes: SHAPES.map(([, s]) => s) }) },
  );
  return JSON.parse(out) as Reference[];
}

function assertExact(actual: Tensor, expected: number[], what: string): void {
  const a = Array.from(actual.toArray() as Float32Array);
  assert.equal(a.length, expected.length, what);
  // float32 results printed by Python as float64: equal after rounding back to float32
  a.forEach((v, i) => {
    assert.equal(v, Math.fround(expected[i]!), `${what}[${i}]: ${v} vs ${expected[i]}`);
  });
}

const CASES: Case[] = [
  { momentum: 0.9, dampening: 0, nesterov: false },
  { momentum: 0.9, dampening: 0, nesterov: true },
  { momentum: 0.5, dampening: 0.1, nesterov: false },
  { momentum: 0, dampening: 0, nesterov: false },
];
const skip = skipWithoutTorch();
const refs = skip ? [] : references(CASES);

CASES.forEach((c, ci) => {
  test(`SGD matches torch.optim.SGD: momentum ${c.momentum}, dampening ${c.dampening}, nesterov ${c.nesterov}`, { skip }, () => {
    const ref = refs[ci]!;
    T.tidy(() => {
      const params = makeParams();
      const opt = SGD.forParameters(params, { lr: 0.1, weightDecay: 1e-4, ...c });
      assert.deepEqual(
        opt.groups.map((g) => g.params.map(([n]) => n)),
        [['conv.weight'], ['conv.bias', 'bn.weight']],
      );
      runSteps(opt, params, 0, LRS.length);
      params.forEach(([n, p], i) => {
        assertExact(p, ref.params[i]!, n);
      });
      const sd = opt.stateDict();
      params.forEach(([n], i) => {
        if (c.momentum === 0) assert.equal(sd.has(n), false);
        else assertExact(sd.get(n)!, ref.bufs[i]!, `${n} momentum`);
      });
      opt.dispose();
    });
  });
});

test('stateDict round trip continues exactly; parameters without grad are skipped', () => {
  T.tidy(() => {
    const a = makeParams();
    const optA = SGD.forParameters(a, { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
    runSteps(optA, a, 0, 4);

    const b = makeParams();
    const optB = SGD.forParameters(b, { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
    runSteps(optB, b, 0, 2);
    const raw = new Map([...optB.stateDict()].map(([k, t]) => [k, t.toRaw()]));
    optB.dispose();
    const optC = SGD.forParameters(b, { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
    optC.loadStateDict(raw);
    runSteps(optC, b, 2, 4);
    a.forEach(([n, p], i) => {
      assert.deepEqual(b[i]![1].toArray(), p.toArray(), n);
    });

    // a parameter whose grad is None is not touched and gets no momentum buffer
    const c = makeParams();
    const optD = SGD.forParameters(c, { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
    optD.zeroGrad();
    c[0]![1].setGrad(T.tensor(grads[0]![0]!, c[0]![1].shape, { dtype: 'float32' }));
    optD.step();
    assert.deepEqual([...optD.stateDict().keys()], ['conv.weight']);
    assert.deepEqual(Array.from(c[1]![1].toArray() as Float32Array), init[1]!.map(Math.fround));
    assert.throws(() => optD.loadStateDict(new Map([['nope', raw.get('conv.bias')!]])), /unknown parameter nope/);
    for (const o of [optA, optC, optD]) o.dispose();
  });
});

test('step keeps the number of live tensors flat', () => {
  T.tidy(() => {
    const params = makeParams();
    const opt = SGD.forParameters(params, { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
    runSteps(opt, params, 0, 1);
    const before = T.liveTensorCount();
    runSteps(opt, params, 1, 4);
    assert.equal(T.liveTensorCount(), before);
    opt.dispose();
  });
});
