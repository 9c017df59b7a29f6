// nn.Sequential and nn.ModuleList: children named '0', '1', ... so state-dict keys match PyTorch's.
import type { Tensor } from '../tensor/index.js';
import { consume } from './intermediate.js';
import { Module } from './module.js';

/** A module mapping one tensor to one tensor: what Sequential can chain. */
export interface Layer extends Module {
  forward(x: Tensor): Tensor;
}

/** Indexed container of modules (children '0', '1', ...); iterate it or use at(i). */
export abstract class IndexedModules<M extends Module> extends Module implements Iterable<M> {
  private count = 0;

  constructor(modules: Iterable<NoInfer<M>> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Adds m as the next child. */
  append(m: M): this {
    this.registerModule(String(this.count++), m);
    return this;
  }

  /** Number of children. */
  get length(): number {
    return this.count;
  }

  /** Child i (negative counts from the end, like Python). */
  at(i: number): M {
    const j = i < 0 ? this.count + i : i;
    const m = j >= 0 && j < this.count ? this._modules.get(String(j)) : undefined;
    if (!m) throw new Error(`${this.constructor.name}: index ${i} out of range (length ${this.count})`);
    return m as M;
  }

  *[Symbol.iterator](): Iterator<M> {
    for (let i = 0; i < this.count; i++) yield this.at(i);
  }
}

/** nn.ModuleList: holds modules for a parent that calls them itself. */
export class ModuleList<M extends Module = Module> extends IndexedModules<M> {
  forward(): never {
    throw new Error(`${this.constructor.name} has no forward(); call its children`);
  }
}

/** Runs its children in order, feeding each one's output to the next (intermediates are freed eagerly). */
export class Sequential<M extends Layer = Layer> extends IndexedModules<M> {
  constructor(...modules: NoInfer<M>[]) {
    super(modules);
  }

  forward(x: Tensor): Tensor {
    let out = x;
    for (const m of this) out = out === x ? m.forward(out) : consume(out, (t) => m.forward(t));
    return out;
  }
}
