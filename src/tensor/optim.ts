// Fused optimizer steps in native code (one crossing per step instead of several per parameter).
import { N } from './native.js';
import { keep } from './scope.js';
import { Tensor } from './tensor.js';

/** Hyper-parameters of sgdStep (torch.optim.SGD's). */
export interface SgdStepOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize?: boolean;
}

/**
 * One torch.optim.SGD step (single-tensor path) over params using their .grad, under no-grad; params without a
 * grad are skipped. Returns the momentum buffers: the given ones (updated in place) or new ones, which are
 * exempt from tidy (optimizer state; dispose them with the optimizer).
 */
export function sgdStep(params: Tensor[], momentumBuffers: (Tensor | null)[], opts: SgdStepOptions): (Tensor | null)[] {
  if (params.length !== momentumBuffers.length) {
    throw new Error(`sgdStep: ${params.length} params but ${momentumBuffers.length} momentum buffers`);
  }
  const created = N.sgdStep(
    params.map((p) => p.handle),
    momentumBuffers.map((b) => b?.handle ?? null),
    opts.lr,
    opts.momentum,
    opts.dampening,
    opts.weightDecay,
    opts.nesterov,
    opts.maximize ?? false,
  );
  return created.map((h, i) => (h === null ? (momentumBuffers[i] ?? null) : keep(Tensor.fromHandle(h))));
}
