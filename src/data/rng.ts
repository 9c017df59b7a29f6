// Counter-keyed PRNG: a stream is a pure function of its key (seed, epoch, sample index, purpose),
// so a resumed run regenerates exactly the same data order and augmentations.

/** murmur3's 32-bit finaliser. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** sfc32 generator seeded from a key of non-negative integers (each up to 2^53). */
export class Rng {
  private a = 0x9e3779b9;
  private b = 0x243f6a88;
  private c = 0xb7e15162;
  private d = 1;

  constructor(...key: number[]) {
    let h = 0x811c9dc5;
    for (const k of key) {
      if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`Rng key parts must be non-negative safe integers, got ${k}`);
      h = fmix32(h ^ (k >>> 0));
      h = fmix32(h ^ Math.floor(k / 0x100000000));
    }
    this.a ^= h;
    this.b ^= fmix32(h + 1);
    this.c ^= fmix32(h + 2);
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
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
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** The augmentation stream of dataset sample `index` in `epoch`. */
export function sampleRng(seed: number, epoch: number, index: number): Rng {
  return new Rng(seed, epoch, index, AUGMENT);
}
