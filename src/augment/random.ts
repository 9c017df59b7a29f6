// Scalar randomness of the augmentations (kernel sizes, mixing weights, permutations, Beta draws).
// Every stream starts from two draws of the torch generator, which train.seed seeds and training
// checkpoints restore, so augmented runs stay reproducible and resume exactly.

import { epochPermutation, Rng } from '../data/rng.js';
import { randint, tidy } from '../tensor/index.js';

/** A JS generator keyed by two fresh draws of the torch (CPU) generator. */
export function drawRng(): Rng {
  const [a, b] = tidy(() => Array.from(randint(0, 0x7fffffff, [2]).toArray(), Number));
  return new Rng(a!, b!);
}

/** Standard normal draw (Box–Muller). */
export function normal(rng: Rng): number {
  const u = 1 - rng.random(); // (0, 1]: log(u) stays finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.random());
}

/** Gamma(shape, 1) draw (Marsaglia & Tsang; shape < 1 through the u^(1/shape) boost). */
export function gamma(rng: Rng, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * (1 - rng.random()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Beta(a, b) draw, as torch.distributions.Beta samples it (ratio of Gammas). */
export function beta(rng: Rng, a: number, b: number): number {
  const x = gamma(rng, a);
  const y = gamma(rng, b);
  const s = x + y;
  // both Gammas can underflow to 0 for tiny shapes: then λ is 0 or 1 with equal odds
  return s > 0 ? x / s : rng.random() < 0.5 ? 0 : 1;
}

/** A uniformly random permutation of 0..n-1, like torch.randperm (the loader's Fisher–Yates, keyed from `rng`). */
export function permutation(rng: Rng, n: number): number[] {
  return Array.from(epochPermutation(rng.nextU32(), rng.nextU32(), n));
}

/** Uniform draw from [lo, hi] given as a tuple. */
export function uniformIn(rng: Rng, [lo, hi]: readonly [number, number]): number {
  return lo === hi ? lo : rng.uniform(lo, hi);
}
