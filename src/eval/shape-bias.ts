// Shape-bias score (Geirhos et al., ICLR 2019), per pixel: on cue-conflict images, where each class
// region wears another class's texture, count pixels predicted as their shape class (the label) or
// as their texture class (whose texture was painted there); score = shape / (shape + texture).
// Pixels whose shape and texture class coincide, or either is ignored, carry no conflict and are skipped.
import { IGNORE_INDEX } from '../data/label-spaces.js';

/** Counts of one shape class (or all). */
export interface ShapeBiasCounts {
  /** Conflict pixels predicted as their shape class. */
  shape: number;
  /** Conflict pixels predicted as their texture class. */
  texture: number;
  /** Conflict pixels predicted as anything else. */
  other: number;
  /** shape / (shape + texture); NaN when both are 0. */
  score: number;
}

/** Per shape class (index = label-space class) and overall. */
export interface ShapeBiasResult {
  perClass: ShapeBiasCounts[];
  overall: ShapeBiasCounts;
}

const score = (shape: number, texture: number): number => (shape + texture > 0 ? shape / (shape + texture) : NaN);

/** Accumulates shape/texture decisions image by image. */
export class ShapeBias {
  private readonly shape: Float64Array;
  private readonly texture: Float64Array;
  private readonly other: Float64Array;

  constructor(
    readonly numClasses: number,
    readonly ignoreIndex = IGNORE_INDEX,
  ) {
    this.shape = new Float64Array(numClasses);
    this.texture = new Float64Array(numClasses);
    this.other = new Float64Array(numClasses);
  }

  /** Adds one image: shape labels, texture-class labels and the prediction, HW class indices each. */
  update(shapeLabel: ArrayLike<number>, textureLabel: ArrayLike<number>, pred: ArrayLike<number>): void {
    if (shapeLabel.length !== textureLabel.length || shapeLabel.length !== pred.length) {
      throw new Error(`ShapeBias.update: ${shapeLabel.length} shape, ${textureLabel.length} texture and ${pred.length} predicted pixels`);
    }
    const c = this.numClasses;
    for (let i = 0; i < shapeLabel.length; i++) {
      const s = shapeLabel[i]!;
      const t = textureLabel[i]!;
      if (s === this.ignoreIndex || t === this.ignoreIndex || s === t) continue;
      if (s >= c || t >= c) throw new Error(`ShapeBias: pixel ${i} has shape class ${s} / texture class ${t} outside [0, ${c})`);
      const p = pred[i];
      if (p === s) this.shape[s]!++;
      else if (p === t) this.texture[s]!++;
      else this.other[s]!++;
    }
  }

  /** The score per shape class and over all conflict pixels. */
  result(): ShapeBiasResult {
    const perClass = Array.from({ length: this.numClasses }, (_, k) => ({
      shape: this.shape[k]!,
      texture: this.texture[k]!,
      other: this.other[k]!,
      score: score(this.shape[k]!, this.texture[k]!),
    }));
    const sum = (xs: Float64Array): number => xs.reduce((a, b) => a + b, 0);
    const s = sum(this.shape),
      t = sum(this.texture);
    return { perClass, overall: { shape: s, texture: t, other: sum(this.other), score: score(s, t) } };
  }
}
