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
