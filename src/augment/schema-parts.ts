// Zod pieces the methods' option schemas (the `augment` section, beside each method) share.
import * as z from 'zod';

/** A number in [0, 1]: a probability or a mixing weight. */
export const unitInterval = z.number().min(0).max(1);

/** A method's probability of acting; the methods default to one half. */
export const probability = unitInterval.default(0.5);

/** A [min, max] range of `item` that values are drawn from uniformly. */
export function orderedPair(item: z.ZodNumber) {
  return z.tuple([item, item]).refine(([lo, hi]) => lo <= hi, { message: 'expected [min, max] with min <= max' });
}

/** A [min, max] range within [0, 1]. */
export const range01 = orderedPair(unitInterval);

/** The backbone layers a feature-level method follows (MixStyle, DSU). */
export const featureLayers = z
  .array(z.enum(['layer1', 'layer2', 'layer3']))
  .min(1)
  .default(['layer1', 'layer2']);
