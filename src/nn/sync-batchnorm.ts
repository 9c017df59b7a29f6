// nn.SyncBatchNorm: BatchNorm2d whose training-mode batch statistics cover the global batch of all data-parallel
// ranks (forward and backward, native/distributed_sync_bn.cc). Alone, frozen or in eval mode it is BatchNorm2d.
import { D } from '../distributed/native.js';
import { ProcessGroup } from '../distributed/process-group.js';
import { noGrad, Tensor } from '../tensor/index.js';
import { BatchNorm2d } from './batchnorm.js';
import type { Module } from './module.js';

/** BatchNorm2d with statistics synchronised over the process group (torch.nn.SyncBatchNorm). */
export class SyncBatchNorm extends BatchNorm2d {
  override forward(x: Tensor): Tensor {
    const group = ProcessGroup.current();
    if (!this.training || group === null || group.worldSize === 1) return super.forward(x);
    if (x.dim() !== 4) throw new Error(`SyncBatchNorm: expected 4-d input (N,C,H,W), got shape [${x.shape.join(',')}]`);
    let factor = this.momentum ?? 0;
    const nbt = this.numBatchesTracked;
    if (nbt !== null) {
      noGrad(() => nbt.add_(1));
      if (this.momentum === null) factor = 1 / nbt.item();
    }
    return Tensor.fromHandle(
      D.distSyncBatchNorm(
        x.handle,
        this.runningMean?.handle ?? null,
        this.runningVar?.handle ?? null,
        this.weight?.handle ?? null,
        this.bias?.handle ?? null,
        factor,
        this.eps,
      ),
    );
  }
}

/**
 * Replaces every BatchNorm2d under root by a SyncBatchNorm with the same settings, weights, statistics and frozen
 * state (torch.nn.SyncBatchNorm.convert_sync_batchnorm); returns how many. Convert before building the optimizer.
 */
export function convertSyncBatchNorm(root: Module): number {
  let n = 0;
  for (const [, m] of root.namedModules()) {
    for (const [name, child] of m.children()) {
      if (!(child instanceof BatchNorm2d) || child instanceof SyncBatchNorm) continue;
      // a twin would normalise its part of the local batch only: refused rather than silently unsynchronised
      if (child.auxBatchNorm !== null) throw new Error(`convertSyncBatchNorm: ${name} has an auxiliary BatchNorm, which SyncBatchNorm does not support`);
      const sync = new SyncBatchNorm(child.numFeatures, {
        eps: child.eps,
        momentum: child.momentum,
        affine: child.affine,
        trackRunningStats: child.trackRunningStats,
      });
      sync.loadStateDict(child.stateDict());
      sync.to(child.runningMean?.device ?? child.weight?.device ?? 'cpu');
      sync.train(child.training || child.frozen);
      sync.freeze(child.frozen);
      m.registerModule(name, sync);
      child.dispose();
      n++;
    }
  }
  return n;
}
