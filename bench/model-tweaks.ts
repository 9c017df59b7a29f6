// Model transformations the benchmark measures as options: channels-last weights, BatchNorm folding for
// inference, in-place grad zeroing (torch 1.13's zero_grad() default).
import { BatchNorm2d, Conv2d, convertMemoryFormat, Module } from '../src/nn/index.js';
import type { Tensor } from '../src/tensor/index.js';
import { noGrad, tidy } from '../src/tensor/index.js';

/** Zeroes every existing .grad in place instead of dropping it (what optimizer.zero_grad() did in torch < 2.0). */
export function zeroGradInPlace(params: Tensor[]): void {
  for (const p of params) p.grad?.zero_(); // the grad handle belongs to p: nothing to dispose
}

/** Re-lays every conv weight out channels-last (model.to(memory_format=torch.channels_last)). */
export function convertChannelsLast(model: Module): void {
  convertMemoryFormat(model, 'channelsLast');
}

/** Identity stand-in for a folded BatchNorm (returns its input handle, so Sequential does not free it). */
class Folded extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Folds each eval BatchNorm2d into the Conv2d registered right before it in the same parent; returns the count. */
export function foldBatchNorm(model: Module): number {
  let folded = 0;
  for (const [, parent] of [...model.namedModules()]) {
    const kids = [...parent.children()];
    for (let i = 0; i + 1 < kids.length; i++) {
      const [, conv] = kids[i]!;
      const [bnName, bn] = kids[i + 1]!;
      if (!(conv instanceof Conv2d) || !(bn instanceof BatchNorm2d)) continue;
      foldPair(conv, bn);
      parent.registerModule(bnName, new Folded());
      bn.dispose();
      folded++;
    }
  }
  return folded;
}

function foldPair(conv: Conv2d, bn: BatchNorm2d): void {
  const { runningMean: rm, runningVar: rv } = bn;
  if (!rm || !rv) throw new Error('foldBatchNorm: BatchNorm2d without running statistics cannot be folded');
  const [w, b] = noGrad(() =>
    tidy(() => {
      let scale = rv.add(bn.eps).rsqrt();
      if (bn.weight) scale = scale.mul(bn.weight);
      let shift = (conv.bias ? conv.bias.sub(rm) : rm.neg()).mul(scale);
      if (bn.bias) shift = shift.add(bn.bias);
      return [conv.weight.mul(scale.reshape([-1, 1, 1, 1])), shift];
    }),
  );
  const oldW = conv.weight;
  const oldB = conv.bias;
  conv.registerParameter('weight', w);
  conv.registerParameter('bias', b);
  oldW.dispose();
  oldB?.dispose();
}
