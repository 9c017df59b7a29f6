// SGD with momentum, exactly torch.optim.SGD (1.13, foreach=False), over named parameter groups,
// stepping through the tensor layer's fused native sgdStep.

import type { RawTensor, Tensor } from '../tensor/index.js';
import * as T from '../tensor/index.js';

/** Hyper-parameters shared by every group unless the group overrides them. */
export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

/** A parameter group: named parameters with their own weight decay (and optionally lr scale). */
export interface ParamGroup {
  params: Array<[string, Tensor]>;
  weightDecay: number;
  /** Multiplies the optimizer's lr for this group (default 1). */
  lrScale?: number;
}

/** Options for the model-level factory: which parameters get weight decay. */
export interface ModelSGDOptions extends SGDOptions {
  /** Parameters that get weight decay; default: conv weights (4-d), not BN params or biases. */
  decays?: (name: string, p: Tensor) => boolean;
}

/** SGD with momentum/dampening/nesterov; momentum buffers keyed by parameter name. */
export class SGD {
  /** Current learning rate (the schedule sets it before each step). */
  lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly groups: ParamGroup[];
  private readonly buffers = new Map<string, Tensor>();

  constructor(groups: ParamGroup[], opts: SGDOptions) {
    this.lr = opts.lr;
    this.momentum = opts.momentum ?? 0;
    this.dampening = opts.dampening ?? 0;
    this.nesterov = opts.nesterov ?? false;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new Error('SGD: nesterov momentum requires a momentum and zero dampening');
    }
    const seen = new Set<string>();
    for (const g of groups) {
      for (const [name] of g.params) {
        if (seen.has(name)) throw new Error(`SGD: parameter ${name} appears in more than one group`);
        seen.add(name);
      }
    }
    this.groups = groups;
  }

  /** Builds the two usual groups from a model's named parameters: decayed (conv weights) and not. */
  static forParameters(named: Iterable<[string, Tensor]>, opts: ModelSGDOptions): SGD {
    const decays = opts.decays ?? ((_n: string, p: Tensor) => p.dim() === 4);
    const decay: Array<[string, Tensor]> = [];
    const rest: Array<[string, Tensor]> = [];
    for (const [name, p] of named) (decays(name, p) ? decay : rest).push([name, p]);
    return new SGD(
      [
        { params: decay, weightDecay: opts.weightDecay ?? 0 },
        { params: rest, weightDecay: 0 },
      ],
      opts,
    );
  }

  /** Clears gradients (set_to_none, as torch's zero_grad default since 2.0). */
  zeroGrad(): void {
    for (const g of this.groups) for (const [, p] of g.params) p.setGrad(null);
  }

  /** One update of every parameter that has a gradient; parameters without one are skipped (like torch). */
  step(): void {
    for (const g of this.groups) {
      if (g.params.length === 0) continue;
      const names = g.params.map(([n]) => n);
      // fused native step: one addon call per group; creates buffers on a parameter's first step
      const bufs = T.sgdStep(
        g.params.map(([, p]) => p),
        names.map((n) => this.buffers.get(n) ?? null),
        {
          lr: this.lr * (g.lrScale ?? 1),
          momentum: this.momentum,
          dampening: this.dampening,
          weightDecay: g.weightDecay,
          nesterov: this.nesterov,
        },
      );
      bufs.forEach((b, i) => {
        if (b !== null && !this.buffers.has(names[i]!)) this.buffers.set(names[i]!, b);
      });
    }
  }

  /** Momentum buffers by parameter name (live tensors: do not dispose). Parameters never stepped have none. */
  stateDict(): Map<string, Tensor> {
    return new Map(this.buffers);
  }

  /** Restores momentum buffers (copies), e.g. from a checkpoint; unknown names throw. */
  loadStateDict(sd: Map<string, Tensor | RawTensor>): void {
    const params = new Map<string, Tensor>();
    for (const g of this.groups) for (const [n, p] of g.params) params.set(n, p);
    for (const [name] of sd) {
      if (!params.has(name)) throw new Error(`SGD.loadStateDict: momentum buffer for unknown parameter ${name}`);
    }
    this.clearBuffers();
    for (const [name, v] of sd) {
      const p = params.get(name)!;
      const t = T.keep(isTensor(v) ? T.tidy(() => v.to(p.device).clone()) : T.fromRaw(v, p.device));
      if (t.shape.join(',') !== p.shape.join(',')) {
        t.dispose();
        throw new Error(`SGD.loadStateDict: ${name} has shape [${t.shape}], parameter is [${p.shape}]`);
      }
      this.buffers.set(name, t);
    }
  }

  private clearBuffers(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }

  /** Frees the momentum buffers. */
  dispose(): void {
    this.clearBuffers();
  }
}

function isTensor(v: Tensor | RawTensor): v is Tensor {
  return typeof (v as Tensor).dispose === 'function';
}
