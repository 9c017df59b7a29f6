// Module: PyTorch's nn.Module for shapeseg. Parameters, buffers and children live in ordered maps
// so stateDict() reproduces torch's key order; a Proxy makes `this.layer1 = new X()` register a
// child exactly like nn.Module.__setattr__ does, and makes registered tensors readable as fields.

import type { Device, RawTensor } from '../tensor/index.js';
import { fromRaw, keep, noGrad, Tensor } from '../tensor/index.js';

/** What loadStateDict() accepts per key: a live tensor or a host copy read from a checkpoint. */
export type StateValue = Tensor | RawTensor;

/** Options of loadStateDict(). */
export interface LoadStateDictOptions {
  /** Throw when keys are missing or unexpected (shape mismatches always throw, as in PyTorch). Default true. */
  strict?: boolean;
}

/** Result of loadStateDict(): keys the model wanted but the checkpoint lacks, and the reverse. */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** Thrown by loadStateDict(); lists every offending key so the user can fix the checkpoint. */
export class StateDictError extends Error {
  constructor(
    message: string,
    readonly missingKeys: string[],
    readonly unexpectedKeys: string[],
    readonly shapeMismatches: string[],
  ) {
    super(message);
    this.name = 'StateDictError';
  }
}

interface BufferSlot {
  tensor: Tensor | null;
  persistent: boolean;
}

/** How many names an error message lists per category before summarising the rest. */
const MAX_LISTED = 40;

const fmtShape = (s: readonly number[]): string => `[${s.join(',')}]`;

function listNames(names: string[]): string {
  const shown = names.slice(0, MAX_LISTED).join(', ');
  return names.length > MAX_LISTED ? `${shown}, ... (${names.length - MAX_LISTED} more)` : shown;
}

/** Base class of every layer and model; subclasses type forward() precisely. */
export abstract class Module {
  training = true;
  // Plain (non-#private) fields: #private fields do not work through the Proxy `this`.
  protected readonly _parameters = new Map<string, Tensor | null>();
  protected readonly _buffers = new Map<string, BufferSlot>();
  protected readonly _modules = new Map<string, Module | null>();

  constructor() {
    // Returning the proxy from the base constructor makes it `this` in every subclass constructor,
    // so field initialisers and assignments there go through the traps.
    // biome-ignore lint/correctness/noConstructorReturn: the proxy must replace `this` (see above)
    return new Proxy(this, MODULE_TRAPS);
  }

  abstract forward(...args: unknown[]): unknown;

  /** Sets training mode on this module and every descendant (PyTorch's train()). */
  train(mode = true): this {
    this.training = mode;
    for (const [, m] of this.children()) m.train(mode);
    return this;
  }

  /** train(false). */
  eval(): this {
    return this.train(false);
  }

  /** Registers (or replaces, or with null clears) the parameter `name`; the tensor is kept out of tidy(). */
  registerParameter<T extends Tensor | null>(name: string, t: T): T {
    this.checkFreeName(name, this._parameters);
    if (t !== null) keep(t);
    this._parameters.set(name, t);
    return t;
  }

  /** Registers a buffer; non-persistent buffers are not part of stateDict(). */
  registerBuffer<T extends Tensor | null>(name: string, t: T, persistent = true): T {
    this.checkFreeName(name, this._buffers);
    if (t !== null) keep(t);
    this._buffers.set(name, { tensor: t, persistent });
    return t;
  }

  /** Registers a child module under `name` (what `this.name = module` does implicitly). */
  registerModule<T extends Module | null>(name: string, m: T): T {
    this.checkFreeName(name, this._modules);
    this._modules.set(name, m);
    return m;
  }

  private checkFreeName(name: string, own: Map<string, unknown>): void {
    if (name === '' || name.includes('.')) throw new Error(`${this.constructor.name}: invalid member name "${name}"`);
    for (const map of [this._parameters, this._buffers, this._modules] as Map<string, unknown>[]) {
      if (map !== own && map.has(name)) {
        throw new Error(`${this.constructor.name}: "${name}" is already registered as another kind of member`);
      }
    }
  }

  /** The parameter `name` of this module (null if registered as null); throws if unknown. */
  getParameter(name: string): Tensor | null {
    if (!this._parameters.has(name)) throw new Error(`${this.constructor.name} has no parameter "${name}"`);
    return this._parameters.get(name) ?? null;
  }

  /** The buffer `name` of this module (null if registered as null); throws if unknown. */
  getBuffer(name: string): Tensor | null {
    const slot = this._buffers.get(name);
    if (slot === undefined) throw new Error(`${this.constructor.name} has no buffer "${name}"`);
    return slot.tensor;
  }

  /** The child module `name` (null if registered as null); throws if unknown. */
  getModule(name: string): Module | null {
    if (!this._modules.has(name)) throw new Error(`${this.constructor.name} has no child module "${name}"`);
    return this._modules.get(name) ?? null;
  }

  /** Direct children, in registration order (null slots skipped). */
  *children(): Iterable<[string, Module]> {
    for (const [name, m] of this._modules) if (m !== null) yield [name, m];
  }

  /** This module and all descendants, pre-order, with dotted names ('' for this one); each module once. */
  *namedModules(prefix = '', seen: Set<Module> = new Set()): Iterable<[string, Module]> {
    if (seen.has(this)) return;
    seen.add(this);
    yield [prefix, this];
    for (const [name, m] of this.children()) yield* m.namedModules(prefix ? `${prefix}.${name}` : name, seen);
  }

  /** Every module (this one included), pre-order. */
  modules(): Module[] {
    return [...this.namedModules()].map(([, m]) => m);
  }

  /** Calls fn on every module, children first then this (PyTorch's apply()). */
  apply(fn: (m: Module) => void): this {
    for (const [, m] of this.children()) m.apply(fn);
    fn(this);
    return this;
  }

  private *namedTensors(kind: 'parameters' | 'buffers', persistentOnly: boolean): Iterable<[string, Tensor]> {
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      const own: Iterable<[string, Tensor | null]> = kind === 'parameters' ? m._parameters : m.ownBuffers(persistentOnly);
      for (const [name, t] of own) {
        if (t === null || seen.has(t)) continue;
        seen.add(t);
        yield [prefix ? `${prefix}.${name}` : name, t];
      }
    }
  }

  private *ownBuffers(persistentOnly: boolean): Iterable<[string, Tensor | null]> {
    for (const [name, slot] of this._buffers) if (!persistentOnly || slot.persistent) yield [name, slot.tensor];
  }

  /** All parameters with dotted names, in PyTorch's named_parameters() order. */
  namedParameters(): Iterable<[string, Tensor]> {
    return this.namedTensors('parameters', false);
  }

  /** All parameters (shared ones once). */
  parameters(): Tensor[] {
    return [...this.namedParameters()].map(([, t]) => t);
  }

  /** All buffers (persistent or not) with dotted names, in PyTorch's named_buffers() order. */
  namedBuffers(): Iterable<[string, Tensor]> {
    return this.namedTensors('buffers', false);
  }

  /** All buffers. */
  buffers(): Tensor[] {
    return [...this.namedBuffers()].map(([, t]) => t);
  }

  /** Live parameters and persistent buffers, keyed and ordered exactly like torch's state_dict(). Do not dispose them. */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    this.collectState('', out);
    return out;
  }

  private collectState(prefix: string, out: Map<string, Tensor>): void {
    for (const [name, t] of this._parameters) if (t !== null) out.set(prefix + name, t);
    for (const [name, t] of this.ownBuffers(true)) if (t !== null) out.set(prefix + name, t);
    for (const [name, m] of this.children()) m.collectState(`${prefix}${name}.`, out);
  }

  /**
   * Whether a state key of this module may be absent from a checkpoint without counting as missing.
   * BatchNorm2d tolerates `num_batches_tracked`, which pre-0.4.1 PyTorch checkpoints (e.g. torchvision's
   * original ImageNet ResNets) lack; PyTorch's loader fills it in the same way.
   */
  protected optionalStateKey(_name: string): boolean {
    return false;
  }

  private optionalKeys(): Set<string> {
    const keys = new Set<string>();
    for (const [prefix, m] of this.namedModules()) {
      const p = prefix ? `${prefix}.` : '';
      for (const [name] of m.ownBuffers(true)) if (m.optionalStateKey(name)) keys.add(p + name);
      for (const [name] of m._parameters) if (m.optionalStateKey(name)) keys.add(p + name);
    }
    return keys;
  }

  /**
   * Copies checkpoint values into this model's tensors (no autograd; dtype and device converted).
   * Shape mismatches always throw; missing/unexpected keys throw when strict (the default).
   */
  loadStateDict(sd: Map<string, StateValue>, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    const optional = this.optionalKeys();
    const missingKeys = [...own.keys()].filter((k) => !sd.has(k) && !optional.has(k));
    const unexpectedKeys = [...sd.keys()].filter((k) => !own.has(k));
    const shapeMismatches: string[] = [];
    for (const [k, v] of sd) {
      const dst = own.get(k);
      if (dst !== undefined && !sameShape(v.shape, dst.shape)) {
        shapeMismatches.push(`${k}: checkpoint ${fmtShape(v.shape)} vs model ${fmtShape(dst.shape)}`);
      }
    }
    const problems: string[] = [];
    if (shapeMismatches.length > 0) problems.push(`shape mismatch:\n    ${shapeMismatches.join('\n    ')}`);
    if (strict && missingKeys.length > 0) problems.push(`missing keys (${missingKeys.length}): ${listNames(missingKeys)}`);
    if (strict && unexpectedKeys.length > 0) {
      problems.push(`unexpected keys (${unexpectedKeys.length}): ${listNames(unexpectedKeys)}`);
    }
    if (problems.length > 0) {
      throw new StateDictError(
        `Error(s) loading state dict into ${this.constructor.name}:\n  ${problems.join('\n  ')}`,
        missingKeys,
        unexpectedKeys,
        shapeMismatches,
      );
    }
    noGrad(() => {
      for (const [k, v] of sd) {
        const dst = own.get(k);
        if (dst === undefined) continue;
        if (v instanceof Tensor) {
          dst.copy_(v); // copy_ converts dtype and device itself
        } else {
          const src = fromRaw(v);
          try {
            dst.copy_(src);
          } finally {
            src.dispose();
          }
        }
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /** Moves every parameter and buffer to `device` (tensors are replaced: build optimizers afterwards). */
  to(device: Device): this {
    for (const [, m] of this.namedModules()) m.moveOwnTensors(device);
    return this;
  }

  private moveOwnTensors(device: Device): void {
    const move = (t: Tensor): Tensor => {
      if (t.device === device) return t;
      const moved = noGrad(() => t.to(device));
      moved.requiresGrad = t.requiresGrad;
      keep(moved);
      t.dispose();
      return moved;
    };
    for (const [name, t] of this._parameters) if (t !== null) this._parameters.set(name, move(t));
    for (const slot of this._buffers.values()) if (slot.tensor !== null) slot.tensor = move(slot.tensor);
  }

  /** Drops every parameter's gradient (zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.setGrad(null);
  }

  /** Frees every parameter and buffer of this module and its descendants; the module is unusable afterwards. */
  dispose(): void {
    for (const [, m] of this.namedModules()) {
      for (const t of m._parameters.values()) t?.dispose();
      for (const slot of m._buffers.values()) slot.tensor?.dispose();
    }
  }

  /** Disposes the module at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

// Bracket access reaches Module's protected maps from these module-level trap helpers (dot access would not compile).
// biome-ignore-start lint/complexity/useLiteralKeys: protected members
/** Routes an assignment `name = value` on a module; returns false when it is an ordinary property. */
function assignMember(target: Module, name: string, value: unknown): boolean {
  const params = target['_parameters'];
  const bufs = target['_buffers'];
  const mods = target['_modules'];
  if (value instanceof Module) {
    if (params.has(name) || bufs.has(name)) {
      throw new Error(`${target.constructor.name}: cannot assign a module to tensor member "${name}"`);
    }
    Reflect.deleteProperty(target, name);
    mods.set(name, value);
    return true;
  }
  if (mods.has(name)) {
    if (value !== null) throw new Error(`${target.constructor.name}.${name} must be a Module or null`);
    mods.set(name, null);
    return true;
  }
  const isTensorOrNull = value === null || value instanceof Tensor;
  if (params.has(name)) {
    if (!isTensorOrNull) throw new Error(`${target.constructor.name}.${name} is a parameter: assign a Tensor or null`);
    if (value !== null) keep(value);
    params.set(name, value);
    return true;
  }
  const slot = bufs.get(name);
  if (slot !== undefined) {
    if (!isTensorOrNull) throw new Error(`${target.constructor.name}.${name} is a buffer: assign a Tensor or null`);
    if (value !== null) keep(value);
    slot.tensor = value;
    return true;
  }
  return false;
}

function lookupMember(target: Module, name: string): { found: boolean; value?: unknown } {
  const mods = target['_modules'];
  if (mods.has(name)) return { found: true, value: mods.get(name) };
  const params = target['_parameters'];
  if (params.has(name)) return { found: true, value: params.get(name) };
  const slot = target['_buffers'].get(name);
  if (slot !== undefined) return { found: true, value: slot.tensor };
  return { found: false };
}
// biome-ignore-end lint/complexity/useLiteralKeys: protected members

const MODULE_TRAPS: ProxyHandler<Module> = {
  get(target, prop, receiver) {
    if (typeof prop === 'string') {
      const hit = lookupMember(target, prop);
      if (hit.found) return hit.value;
    }
    return Reflect.get(target, prop, receiver);
  },
  set(target, prop, value, receiver) {
    if (typeof prop === 'string' && assignMember(target, prop, value)) return true;
    return Reflect.set(target, prop, value, receiver);
  },
  defineProperty(target, prop, desc) {
    // Class-field initialisers define rather than assign; treat a defined value like an assignment.
    if (typeof prop === 'string' && 'value' in desc && assignMember(target, prop, desc.value)) return true;
    return Reflect.defineProperty(target, prop, desc);
  },
  has(target, prop) {
    return (typeof prop === 'string' && lookupMember(target, prop).found) || Reflect.has(target, prop);
  },
};
