// Tensor lifetimes (tidy/keep), grad mode and autocast. JS is single-threaded, so a plain stack of
// scopes and the global grad/autocast flags of libtorch's TLS are enough.
import { N } from './native.js';

/** What a scope tracks: tensors. */
export interface Scoped {
  dispose(): void;
}

const scopes: Set<Scoped>[] = [];
let live = 0;

/** Called by Tensor's constructor: counts it and adds it to the innermost tidy scope. */
export function track(t: Scoped): void {
  live++;
  if (scopes.length > 0) scopes[scopes.length - 1]!.add(t);
}

/** Called by Tensor.dispose(). */
export function untrackDisposed(): void {
  live--;
}

function isThenable(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** Collects tracked values reachable from v through arrays, Sets, Map values and plain objects. */
function collectReachable(v: unknown, scope: Set<Scoped>, out: Set<Scoped>, seen: Set<object>): void {
  if (typeof v !== 'object' || v === null || seen.has(v)) return;
  seen.add(v);
  if (scope.has(v as Scoped)) {
    out.add(v as Scoped);
    return;
  }
  if (Array.isArray(v) || v instanceof Set) {
    for (const x of v) collectReachable(x, scope, out, seen);
  } else if (v instanceof Map) {
    for (const x of v.values()) collectReachable(x, scope, out, seen);
  } else {
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      for (const x of Object.values(v)) collectReachable(x, scope, out, seen);
    }
  }
}

/** Runs fn and disposes every tensor created inside except those reachable from its result (Tensor, arrays, plain objects, Map values). */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Scoped>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (isThenable(result)) {
    for (const t of scope) t.dispose();
    throw new Error('tidy(): the function returned a Promise; tidy only works with synchronous functions');
  }
  const kept = new Set<Scoped>();
  collectReachable(result, scope, kept, new Set());
  const parent = scopes.length > 0 ? scopes[scopes.length - 1] : undefined;
  for (const t of scope) {
    if (!kept.has(t)) t.dispose();
    else parent?.add(t); // results belong to the enclosing scope, as if created there
  }
  return result;
}

/** Exempts t from every enclosing tidy (it must then be disposed by hand). */
export function keep<T extends Scoped>(t: T): T {
  for (let i = scopes.length - 1; i >= 0; i--) {
    if (scopes[i]!.delete(t)) break;
  }
  return t;
}

/** Number of tensors created and not yet disposed (to find leaks in tests). */
export function liveTensorCount(): number {
  return live;
}

/** Runs fn with autograd recording off, like `with torch.no_grad():`. */
export function noGrad<T>(fn: () => T): T {
  const prev = N.isGradEnabled();
  N.setGradEnabled(false);
  try {
    const r = fn();
    if (isThenable(r)) throw new Error('noGrad(): the function returned a Promise; noGrad only works with synchronous functions');
    return r;
  } finally {
    N.setGradEnabled(prev);
  }
}

/** Runs fn with autograd recording on (inside a noGrad), like `with torch.enable_grad():`. */
export function enableGrad<T>(fn: () => T): T {
  const prev = N.isGradEnabled();
  N.setGradEnabled(true);
  try {
    return fn();
  } finally {
    N.setGradEnabled(prev);
  }
}

/** True unless inside noGrad (torch.is_grad_enabled()). */
export function isGradEnabled(): boolean {
  return N.isGradEnabled();
}

/** Runs fn under mixed precision, like `with torch.autocast(device, dtype):` (CPU supports bfloat16 only). */
export function autocast<T>(device: 'cpu' | 'cuda', dtype: 'bfloat16' | 'float16', fn: () => T): T {
  const [prevEnabled, prevDtype, prevCache] = N.autocastEnter(device, dtype);
  try {
    const r = fn();
    if (isThenable(r)) throw new Error('autocast(): the function returned a Promise; autocast only works with synchronous functions');
    return r;
  } finally {
    N.autocastExit(device, prevEnabled, prevDtype, prevCache);
  }
}
