// Small statistics over timing samples.

/** Median of `xs` (NaN for none). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median of each key over a list of records with the same numeric keys. */
export function medianByKey<K extends string>(rows: ReadonlyArray<Record<K, number>>): Record<K, number> {
  const out = {} as Record<K, number>;
  if (rows.length === 0) return out;
  for (const k of Object.keys(rows[0]!) as K[]) out[k] = median(rows.map((r) => r[k]));
  return out;
}

/** Relative spread (max-min)/median, a quick noise indicator printed next to medians. */
export function spread(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  return (Math.max(...xs) - Math.min(...xs)) / median(xs);
}

/** shapeseg / torchvision over interleaved rounds: the median of the per-round ratios and their range. */
export interface RoundRatio {
  /** Median over rounds of (median shapeseg step / median reference step) within that round. */
  median: number;
  min: number;
  max: number;
  rounds: number;
  /** Each round's ratio, in round order. */
  ratios: number[];
  /** The per-round ratios straddle 1 (or fewer than 3 rounds): the difference is not distinguishable from noise. */
  withinNoise: boolean;
}

/**
 * Ratio statistics from paired rounds (round k of each side ran back to back, so drift and load from other
 * processes hit both alike): each round gives one ratio of medians; their spread is the noise of the ratio.
 */
export function roundRatio(shapeseg: readonly (readonly number[])[], reference: readonly (readonly number[])[]): RoundRatio | null {
  const n = Math.min(shapeseg.length, reference.length);
  const ratios: number[] = [];
  for (let k = 0; k < n; k++) {
    const r = median(shapeseg[k]!) / median(reference[k]!);
    if (Number.isFinite(r)) ratios.push(r);
  }
  if (ratios.length === 0) return null;
  const min = Math.min(...ratios);
  const max = Math.max(...ratios);
  return { median: median(ratios), min, max, rounds: ratios.length, ratios, withinNoise: ratios.length < 3 || (min <= 1 && max >= 1) };
}
