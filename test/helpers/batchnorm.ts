// Non-trivial eval-mode BatchNorm for parity tests (torchvision, ONNX): the parity then checks the running statistics.
import type { Module } from '../../src/nn/index.js';
import { BatchNorm2d } from '../../src/nn/index.js';
import { noGrad, rand, randn, tidy } from '../../src/tensor/index.js';

/**
 * Random BN affine, running stats from a real batch of `inputShape` (cumulative average, keeps activations O(1)), then
 * perturbed, and num_batches_tracked moved off 0. Leaves the model in train mode.
 */
export function randomiseBatchNorm(model: Module & { forward(x: unknown): unknown }, inputShape: readonly number[]): void {
  const bns = model.modules().filter((m): m is BatchNorm2d => m instanceof BatchNorm2d);
  noGrad(() =>
    tidy(() => {
      for (const bn of bns) {
        bn.weight!.copy_(rand(bn.weight!.shape).mul(0.4).add(0.8));
        bn.bias!.copy_(randn(bn.bias!.shape).mul(0.1));
        bn.runningMean!.zero_();
        bn.runningVar!.fill_(1);
        bn.numBatchesTracked!.zero_();
        bn.momentum = null;
      }
      model.train();
      model.forward(randn([...inputShape]));
      for (const bn of bns) {
        bn.momentum = 0.1;
        bn.runningVar!.mul_(rand(bn.runningVar!.shape).mul(0.2).add(0.9));
        bn.runningMean!.add_(randn(bn.runningMean!.shape).mul(0.02));
        bn.numBatchesTracked!.fill_(7);
      }
    }),
  );
}
