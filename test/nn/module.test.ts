import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchNorm2d, Conv2d, Module, ReLU, Sequential, StateDictError } from '../../src/nn/index.js';
import type { RawTensor } from '../../src/tensor/index.js';
import { liveTensorCount, noGrad, ones, randn, Tensor, tidy, zeros } from '../../src/tensor/index.js';

/** A small module tree exercising params, persistent and non-persistent buffers, null slots and nesting. */
class Toy extends Module {
  readonly conv: Conv2d;
  readonly body: Sequential;
  declare readonly scale: Tensor;
  empty: Module | null = null;

  constructor() {
    super();
    this.registerParameter('scale', ones([2], { requiresGrad: true }));
    this.registerBuffer('counter', zeros([1]));
    this.registerBuffer('scratch', zeros([3]), false);
    this.registerParameter('nothing', null);
    this.conv = new Conv2d(3, 2, 3, { padding: 1 });
    this.body = new Sequential(new BatchNorm2d(2), new ReLU());
  }

  forward(x: Tensor): Tensor {
    const y = this.conv.forward(x);
    const z = this.body.forward(y);
    y.dispose();
    return z;
  }
}

function raw(shape: number[], values: number[]): RawTensor {
  return { dtype: 'float32', shape, data: new Uint8Array(new Float32Array(values).buffer) };
}

/** float16 [3, 4] as little-endian bytes (0x4200, 0x4400). */
const HALF_3_4: RawTensor = { dtype: 'float16', shape: [2], data: new Uint8Array([0x00, 0x42, 0x00, 0x44]) };

describe('Module', () => {
  it('registers children by assignment and orders state keys like PyTorch (params, buffers, children)', () => {
    const m = new Toy();
    assert.deepEqual(
      [...m.stateDict().keys()],
      [
        'scale',
        'counter',
        'conv.weight',
        'conv.bias',
        'body.0.weight',
        'body.0.bias',
        'body.0.running_mean',
        'body.0.running_var',
        'body.0.num_batches_tracked',
      ],
    );
    assert.deepEqual(
      [...m.children()].map(([n]) => n),
      ['conv', 'body'],
    );
    assert.deepEqual(
      [...m.namedModules()].map(([n]) => n),
      ['', 'conv', 'body', 'body.0', 'body.1'],
    );
    assert.deepEqual(
      [...m.namedParameters()].map(([n]) => n),
      ['scale', 'conv.weight', 'conv.bias', 'body.0.weight', 'body.0.bias'],
    );
    assert.deepEqual(
      [...m.namedBuffers()].map(([n]) => n),
      ['counter', 'scratch', 'body.0.running_mean', 'body.0.running_var', 'body.0.num_batches_tracked'],
    );
    assert.equal(m.stateDict().get('body.0.num_batches_tracked')!.dtype, 'int64');
    assert.equal(m.scale, m.getParameter('scale'));
    assert.equal(m.empty, null);
    m.dispose();
  });

  it('replaces a child when reassigned and clears it with null', () => {
    const m = new Toy();
    const old = m.body;
    (m as { body: Sequential }).body = new Sequential(new ReLU());
    assert.deepEqual(
      [...m.stateDict().keys()].filter((k) => k.startsWith('body')),
      [],
    );
    (m as unknown as { conv: Conv2d | null }).conv = null;
    assert.deepEqual(
      [...m.children()].map(([n]) => n),
      ['body'],
    );
    old.dispose();
    m.dispose();
  });

  it('train()/eval() reach every descendant', () => {
    const m = new Toy();
    m.eval();
    assert.ok(m.modules().every((x) => !x.training));
    m.train();
    assert.ok(m.modules().every((x) => x.training));
    m.dispose();
  });

  it('loadStateDict copies values (raw and tensor, converting dtype) without touching requiresGrad', () => {
    const m = new Toy();
    const sd = new Map<string, RawTensor | Tensor>(
      [...m.stateDict()].map(([k, t]) => [
        k,
        noGrad(() =>
          t
            .detach()
            .clone()
            .fill_(k === 'counter' ? 5 : 0.5),
        ),
      ]),
    );
    sd.set('scale', HALF_3_4);
    const res = m.loadStateDict(sd);
    assert.deepEqual(res, { missingKeys: [], unexpectedKeys: [] });
    assert.deepEqual([...m.scale.toArray()], [3, 4]);
    assert.equal(m.scale.dtype, 'float32');
    assert.equal(m.scale.requiresGrad, true);
    assert.equal(m.getBuffer('counter')!.item(), 5);
    assert.equal(m.stateDict().get('body.0.num_batches_tracked')!.item(), 0);
    for (const v of sd.values()) if (v instanceof Tensor) v.dispose();
    m.dispose();
  });

  it('strict loadStateDict names missing, unexpected and mis-shaped keys', () => {
    const m = new Toy();
    const sd = new Map<string, RawTensor>([...m.stateDict()].map(([k, t]) => [k, t.toRaw()]));
    sd.delete('conv.bias');
    sd.set('conv.extra', raw([1], [0]));
    sd.set('conv.weight', raw([2, 3, 1, 1], [1, 2, 3, 4, 5, 6]));
    const err = (() => {
      try {
        m.loadStateDict(sd);
      } catch (e) {
        return e;
      }
      return null;
    })();
    assert.ok(err instanceof StateDictError, 'expected a StateDictError');
    assert.match(err.message, /conv\.weight: checkpoint \[2,3,1,1\] vs model \[2,3,3,3\]/);
    assert.match(err.message, /missing keys \(1\): conv\.bias/);
    assert.match(err.message, /unexpected keys \(1\): conv\.extra/);
    assert.deepEqual(err.missingKeys, ['conv.bias']);
    assert.deepEqual(err.unexpectedKeys, ['conv.extra']);

    // non-strict: reports instead of throwing, but shape mismatches still throw (as in PyTorch)
    assert.throws(() => m.loadStateDict(sd, { strict: false }), /conv\.weight: checkpoint/);
    sd.delete('conv.weight');
    const res = m.loadStateDict(sd, { strict: false });
    assert.deepEqual(res, { missingKeys: ['conv.weight', 'conv.bias'], unexpectedKeys: ['conv.extra'] });
    m.dispose();
  });

  it('tolerates checkpoints without num_batches_tracked (pre-0.4.1 PyTorch)', () => {
    const m = new Toy();
    const sd = new Map<string, RawTensor>([...m.stateDict()].map(([k, t]) => [k, t.toRaw()]));
    sd.delete('body.0.num_batches_tracked');
    assert.deepEqual(m.loadStateDict(sd), { missingKeys: [], unexpectedKeys: [] });
    m.dispose();
  });

  it('zeroGrad drops gradients; to(cpu) keeps tensors; forward leaks no handles', () => {
    const m = new Toy();
    const x = randn([2, 3, 5, 5]);
    tidy(() => m.forward(x).sum().backward());
    const g = m.conv.weight.grad;
    assert.ok(g !== null);
    g.dispose();
    m.zeroGrad();
    assert.equal(m.conv.weight.grad, null);
    const w = m.conv.weight;
    m.to('cpu');
    assert.equal(m.conv.weight, w);

    const before = liveTensorCount();
    const y = m.forward(x);
    y.dispose();
    noGrad(() => m.eval().forward(x)).dispose();
    assert.equal(liveTensorCount(), before, 'forward must free its intermediates');
    x.dispose();
    m.dispose();
  });

  it('keeps registered tensors alive past an enclosing tidy()', () => {
    const m = tidy(() => new Toy());
    assert.equal(m.conv.weight.isDisposed, false);
    m.dispose();
    assert.equal(m.conv.weight.isDisposed, true);
  });

  it('rejects the same name for two kinds of member', () => {
    const m = new Toy();
    assert.throws(() => m.registerBuffer('scale', zeros([1])), /already registered/);
    assert.throws(() => m.registerParameter('a.b', zeros([1])), /invalid member name "a\.b"/);
    m.dispose();
  });
});
