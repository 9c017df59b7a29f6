// Counter-keyed PRNG: a stream is a pure function of its key (seed, epoch, sample index, purpose),
// so a resumed run regenerates exactly the same data order and augmentations.

import { fmix32 } from '../util/hash.js';
import { Sfc32 } from '../util/sfc32.js';

/** The sfc32 start state of a key: FNV offset basis folded through fmix32 over each part's low and high 32 bits. */
function keyState(key: readonly number[]): [number, number, number, number] {
  let h = 0x811c9dc5;
  for (const k of key) {
    if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`Rng key parts must be non-negative safe integers, got ${k}`);
    h = fmix32(h ^ (k >>> 0));
    h = fmix32(h ^ Math.floor(k / 0x100000000));
  }
  return [0x9e3779b9 ^ h, 0x243f6a88 ^ fmix32(h + 1), 0xb7e15162 ^ fmix32(h + 2), 1];
}

/** sfc32 generator seeded from a key of non-negative integers (each up to 2^53). */
export class Rng extends Sfc32 {
  constructor(...key: number[]) {
    super(...keyState(key));
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  random(): number {
    return this.nextU32() / 0x100000000;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.random() * n);
  }
}

// Purpose tags keep the permutation and the augmentation streams independent.
const PERMUTATION = 1;
const AUGMENT = 2;

/** The sample order of `epoch` (Fisher–Yates over 0..n-1), a pure function of (seed, epoch, n). */
export function epochPermutation(seed: number, epoch: number, n: number): Uint32Array {
  const rng = new Rng(seed, epoch, PERMUTATION);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/** The augmentation stream of dataset sample `index` in `epoch`. */
export function sampleRng(seed: number, epoch: number, index: number): Rng {
  return new Rng(seed, epoch, index, AUGMENT);
}
