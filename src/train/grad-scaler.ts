// Dynamic loss scaling for float16 autocast (torch.cuda.amp.GradScaler's defaults and update rule).

import * as z from 'zod';
import type { Tensor } from '../tensor/index.js';
import * as T from '../tensor/index.js';

/** Serializable scaler state (saved in checkpoints, so validated when read back). */
export const GradScalerStateSchema = z.strictObject({ scale: z.number().positive(), growthTracker: z.number().int().nonnegative() });

/** Serializable scaler state (saved in checkpoints). */
export type GradScalerState = z.infer<typeof GradScalerStateSchema>;

/** Scales the loss up before backward, unscales gradients, skips steps whose gradients overflowed. */
export class GradScaler {
  scale: number;
  private growthTracker = 0;

  constructor(
    readonly enabled: boolean,
    initScale = 65536,
    private readonly growthFactor = 2,
    private readonly backoffFactor = 0.5,
    private readonly growthInterval = 2000,
  ) {
    this.scale = enabled ? initScale : 1;
  }

  /** loss × scale (the loss itself when disabled). */
  scaleLoss(loss: Tensor): Tensor {
    return this.enabled ? loss.mul(this.scale) : loss;
  }

  /**
   * Divides every gradient by the scale in place; returns false (step must be skipped) if any is inf/NaN.
   * Always true when disabled.
   */
  unscale(params: Iterable<Tensor>): boolean {
    if (!this.enabled) return true;
    const inv = 1 / this.scale;
    return T.tidy(() =>
      T.noGrad(() => {
        let bad: Tensor | null = null;
        for (const p of params) {
          const g = p.grad;
          if (g === null) continue;
          g.mul_(inv);
          const n = g.isfinite().logicalNot().sum();
          bad = bad === null ? n : bad.add(n);
        }
        return bad === null || bad.item() === 0;
      }),
    );
  }

  /** Backs the scale off after an overflow, grows it after `growthInterval` clean steps. */
  update(finite: boolean): void {
    if (!this.enabled) return;
    if (!finite) {
      this.scale *= this.backoffFactor;
      this.growthTracker = 0;
    } else if (++this.growthTracker === this.growthInterval) {
      this.scale *= this.growthFactor;
      this.growthTracker = 0;
    }
  }

  /** State for checkpoints. */
  stateDict(): GradScalerState {
    return { scale: this.scale, growthTracker: this.growthTracker };
  }

  /** Restores state from a checkpoint. */
  loadStateDict(s: GradScalerState): void {
    this.scale = s.scale;
    this.growthTracker = s.growthTracker;
  }
}
