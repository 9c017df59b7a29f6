// Where a shapeseg step's time goes: wraps every function of the native addon (and Tensor.dispose) to count
// JS->C++ crossings and the time spent inside each; wall time minus native time is the JS-side overhead
// (module traversal, proxies, tidy bookkeeping, handle wrapping). Used by the bench worker with --profile.
import { performance } from 'node:perf_hooks';

/** Calls and inclusive time (ms) per native function. */
export interface ProfileEntry {
  calls: number;
  ms: number;
}

/** Per-step summary of crossings and native vs JS time. */
export interface CrossingProfile {
  wallMs: number;
  nativeMs: number;
  jsMs: number;
  crossings: number;
  byFunction: Record<string, ProfileEntry>;
}

/** Instruments `target`'s function properties (and extra named methods of prototypes) until restore(). */
export function instrument(
  target: Record<string, unknown>,
  prototypes: Array<{ name: string; proto: Record<string, unknown>; methods: string[] }> = [],
): { reset(): void; report(wallMs: number): CrossingProfile; restore(): void } {
  const stats = new Map<string, ProfileEntry>();
  const restores: Array<() => void> = [];
  let depth = 0; // nested wrapped calls (dispose inside a native call) count once in nativeMs
  let nativeMs = 0;
  const wrap = (owner: Record<string, unknown>, key: string, label: string): void => {
    const fn = owner[key];
    if (typeof fn !== 'function') return;
    const entry: ProfileEntry = { calls: 0, ms: 0 };
    stats.set(label, entry);
    const wrapped = function (this: unknown, ...args: unknown[]): unknown {
      const t0 = performance.now();
      depth++;
      try {
        return (fn as (...a: unknown[]) => unknown).apply(this, args);
      } finally {
        depth--;
        const dt = performance.now() - t0;
        entry.calls++;
        entry.ms += dt;
        if (depth === 0) nativeMs += dt;
      }
    };
    const desc = Object.getOwnPropertyDescriptor(owner, key);
    if (desc && !desc.writable && !desc.configurable) {
      stats.delete(label); // e.g. N-API class methods: read-only, cannot be instrumented
      return;
    }
    Object.defineProperty(owner, key, { value: wrapped, writable: true, configurable: true, enumerable: desc?.enumerable ?? true });
    restores.push(() => {
      if (desc) Object.defineProperty(owner, key, desc);
      else delete owner[key];
    });
  };
  for (const key of Object.keys(target)) wrap(target, key, key);
  for (const p of prototypes) for (const m of p.methods) wrap(p.proto, m, `${p.name}.${m}`);
  return {
    reset() {
      for (const e of stats.values()) e.calls = e.ms = 0;
      nativeMs = 0;
    },
    report(wallMs: number): CrossingProfile {
      const byFunction: Record<string, ProfileEntry> = {};
      let crossings = 0;
      for (const [k, e] of [...stats].sort((a, b) => b[1].ms - a[1].ms)) {
        if (e.calls === 0) continue;
        byFunction[k] = { calls: e.calls, ms: e.ms };
        crossings += e.calls;
      }
      return { wallMs, nativeMs, jsMs: wallMs - nativeMs, crossings, byFunction };
    },
    restore() {
      for (const r of restores.reverse()) r();
    },
  };
}

/** A text table of the top entries for stderr. */
export function formatProfile(p: CrossingProfile, top = 25): string {
  const lines = [`step ${p.wallMs.toFixed(1)} ms: native ${p.nativeMs.toFixed(1)} ms, JS ${p.jsMs.toFixed(1)} ms, ${p.crossings} crossings`];
  for (const [k, e] of Object.entries(p.byFunction).slice(0, top)) {
    lines.push(`  ${k.padEnd(24)} ${String(e.calls).padStart(6)} calls ${e.ms.toFixed(2).padStart(10)} ms`);
  }
  return lines.join('\n');
}
