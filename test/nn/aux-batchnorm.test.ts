// AdvProp's auxiliary BatchNorm: the clean images' path is the model without it, bit for bit; the augmented images
// go through the twins, whose parameters and running statistics are their own; the state dict's extra keys.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDeepLabV3 } from '../../src/models/index.js';
import { AUX_BATCHNORM, addAuxBatchNorm, BatchNorm2d, batchNormVariant, freezeBatchNorm, hasAuxBatchNorm, withBatchNormSplit } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/index.js';
import type { Tensor } from '../../src/tensor/index.js';
import { F, manualSeed, noGrad, rand, randn, tidy } from '../../src/tensor/index.js';

const maxAbs = (a: Tensor, b: Tensor): number => tidy(() => a.sub(b).abs().amax().item());
const same = (a: Tensor, b: Tensor): boolean => maxAbs(a, b) === 0;

/** A BatchNorm2d with random affine parameters and its twin set to other random values. */
function bnWithTwin(c: number): { bn: BatchNorm2d; aux: BatchNorm2d } {
  const bn = new BatchNorm2d(c);
  tidy(() =>
    noGrad(() => {
      bn.weight!.copy_(randn([c]));
      bn.bias!.copy_(randn([c]));
    }),
  );
  assert.equal(addAuxBatchNorm(bn), 1);
  const aux = bn.auxBatchNorm!;
  tidy(() =>
    noGrad(() => {
      aux.weight!.copy_(randn([c]));
      aux.bias!.copy_(randn([c]));
      aux.runningMean!.copy_(randn([c]));
      aux.runningVar!.copy_(rand([c]).add(0.5));
    }),
  );
  return { bn, aux };
}

/** A plain BatchNorm2d holding `src`'s own values (not its twin's). */
function copyOf(src: BatchNorm2d): BatchNorm2d {
  const bn = new BatchNorm2d(src.numFeatures);
  bn.loadStateDict(batchNormVariant(src.stateDict(), 'main', 'bn'));
  return bn;
}

describe('auxiliary BatchNorm', () => {
  it('a batch of clean images only (split = N) trains exactly as the model without twins: outputs, gradients, weights', () => {
    manualSeed(3);
    const plain = createDeepLabV3('deeplabv3_resnet18', { numClasses: 3, auxLoss: true });
    const twin = createDeepLabV3('deeplabv3_resnet18', { numClasses: 3, auxLoss: true });
    twin.loadStateDict(plain.stateDict());
    const added = addAuxBatchNorm(twin);
    assert.equal(added, [...plain.modules()].filter((m) => m instanceof BatchNorm2d).length, 'every BatchNorm (backbone, ASPP, heads) gets a twin');
    const auxBefore = [...twin.stateDict()].filter(([k]) => k.includes(`.${AUX_BATCHNORM}.`)).map(([k, t]) => [k, t.clone()] as const);
    const x = randn([2, 3, 33, 33]);
    const step = (model: typeof plain) => {
      const opt = SGD.forParameters(model.namedParameters(), { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
      manualSeed(7); // the same dropout masks
      const out = tidy(() => {
        const o = model.forward(x, { batchNormSplit: 2 });
        o.out.pow(2).mean().add(o.aux!.pow(2).mean()).backward();
        return o.out.detach();
      });
      const grads = new Map([...model.namedParameters()].map(([k, p]) => [k, p.grad]));
      opt.step();
      opt.dispose();
      return { out, grads };
    };
    const a = step(plain);
    const b = step(twin);
    assert.ok(same(a.out, b.out), 'outputs differ');
    for (const [k, g] of a.grads) assert.ok(g !== null && same(g, b.grads.get(k)!), `gradient of ${k} differs`);
    for (const [k, g] of b.grads) if (k.includes(`.${AUX_BATCHNORM}.`)) assert.equal(g, null, `${k} got a gradient from clean images`);
    const sd = twin.stateDict();
    for (const [k, t] of plain.stateDict()) assert.ok(same(t, sd.get(k)!), `${k} differs after the step`);
    for (const [k, t] of auxBefore) assert.ok(same(t, sd.get(k)!), `${k} changed without augmented images`);
    for (const t of [x, a.out, b.out, ...a.grads.values(), ...b.grads.values(), ...auxBefore.map(([, t]) => t)]) t?.dispose();
    plain.dispose();
    twin.dispose();
  });

  it('split at n: the first n through the BatchNorm, the rest through its twin, each updating its own statistics', () => {
    const { bn, aux } = bnWithTwin(3);
    const [refMain, refAux] = [copyOf(bn), copyOf(aux)];
    const x = F.cat([randn([2, 3, 4, 5]), randn([3, 3, 4, 5]).mul(4).add(2)], 0);
    const y = withBatchNormSplit(bn, 2, () => bn.forward(x));
    const [first, rest] = [refMain.forward(x.narrow(0, 0, 2)), refAux.forward(x.narrow(0, 2, 3))];
    assert.ok(maxAbs(y.narrow(0, 0, 2), first) < 1e-5, 'the clean part is the BatchNorm over it');
    assert.ok(maxAbs(y.narrow(0, 2, 3), rest) < 1e-5, 'the augmented part is a BatchNorm with the twin parameters over it');
    for (const [m, ref] of [
      [bn, refMain],
      [aux, refAux],
    ] as const) {
      assert.ok(same(m.runningMean!, ref.runningMean!) && same(m.runningVar!, ref.runningVar!), 'running statistics follow their own part');
      assert.equal(m.numBatchesTracked!.item(), 1);
    }
    // gradients: the twin's parameters from the augmented images only, the BatchNorm's from the clean ones
    tidy(() => y.mul(x).sum().backward());
    tidy(() =>
      first
        .mul(x.narrow(0, 0, 2))
        .sum()
        .backward(),
    );
    tidy(() =>
      rest
        .mul(x.narrow(0, 2, 3))
        .sum()
        .backward(),
    );
    assert.ok(maxAbs(bn.weight!.grad!, refMain.weight!.grad!) < 1e-4 && maxAbs(aux.weight!.grad!, refAux.weight!.grad!) < 1e-4);
    // split at 0 (no clean image): the twin alone, the BatchNorm's statistics untouched
    const before = bn.runningMean!.clone();
    const all = withBatchNormSplit(bn, 0, () => bn.forward(x));
    assert.ok(maxAbs(all, refAux.forward(x)) < 1e-5);
    assert.ok(same(bn.runningMean!, before) && bn.numBatchesTracked!.item() === 1 && aux.numBatchesTracked!.item() === 2);
    // eval mode: the BatchNorm's running statistics, the twin unused
    bn.eval();
    refMain.eval();
    assert.equal(aux.training, false, 'eval() reaches the twin');
    assert.ok(same(bn.forward(x), refMain.forward(x)));
    for (const t of [x, y, first, rest, before, all]) t.dispose();
    for (const m of [bn, refMain, refAux]) m.dispose();
  });

  it('freezing freezes both: running statistics for the whole batch, nothing trained or updated', () => {
    const { bn, aux } = bnWithTwin(3);
    const ref = copyOf(bn).eval();
    assert.equal(freezeBatchNorm(bn), 2);
    bn.train();
    assert.equal(aux.frozen, true);
    assert.equal(aux.weight!.requiresGrad, false);
    const x = randn([4, 3, 4, 5]);
    assert.ok(
      same(
        withBatchNormSplit(bn, 2, () => bn.forward(x)),
        ref.forward(x),
      ),
    );
    assert.equal(aux.numBatchesTracked!.item(), 0);
    freezeBatchNorm(bn, false);
    assert.equal(aux.training, true);
    assert.equal(aux.weight!.requiresGrad, true);
    x.dispose();
    bn.dispose();
    ref.dispose();
  });

  it("state dict: torchvision's keys without twins, <bn>.aux_bn.* with them; round trip; the main and aux variants", () => {
    const plain = new BatchNorm2d(2);
    assert.deepEqual([...plain.stateDict().keys()], ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    manualSeed(1);
    const model = createDeepLabV3('deeplabv3_resnet18', { numClasses: 2, auxLoss: false });
    const keys = [...model.stateDict().keys()];
    addAuxBatchNorm(model);
    const { aux } = bnWithTwin(2);
    const sd = model.stateDict();
    assert.ok(sd.has('backbone.bn1.aux_bn.weight') && sd.has('classifier.0.convs.4.2.aux_bn.running_var') && sd.has('classifier.2.aux_bn.num_batches_tracked'));
    assert.deepEqual([...batchNormVariant(sd, 'main', 'm').keys()], keys, "the main variant is torchvision's keys, in order");
    assert.equal(hasAuxBatchNorm(sd.keys()), true);
    assert.equal(hasAuxBatchNorm(keys), false);
    tidy(() => noGrad(() => sd.get('backbone.bn1.aux_bn.running_mean')!.copy_(randn([64]))));
    const auxVariant = batchNormVariant(sd, 'aux', 'm');
    assert.deepEqual([...auxVariant.keys()], keys);
    assert.equal(auxVariant.get('backbone.bn1.running_mean'), sd.get('backbone.bn1.aux_bn.running_mean'));
    assert.equal(auxVariant.get('backbone.conv1.weight'), sd.get('backbone.conv1.weight'));
    assert.throws(() => batchNormVariant(new Map(keys.map((k) => [k, 0])), 'aux', 'plain.pth'), /plain\.pth: has no auxiliary BatchNorm/);
    // round trip into a fresh model with twins; a model without twins refuses the aux keys
    const again = createDeepLabV3('deeplabv3_resnet18', { numClasses: 2, auxLoss: false });
    assert.throws(() => again.loadStateDict(sd), /unexpected keys.*aux_bn/s);
    addAuxBatchNorm(again);
    again.loadStateDict(sd);
    const back = again.stateDict();
    for (const [k, t] of sd) assert.ok(same(t, back.get(k)!), `${k} differs after the round trip`);
    assert.equal(addAuxBatchNorm(again), 0, 'adding twins twice adds none');
    for (const m of [plain, model, again, aux]) m.dispose();
  });
});
