// Poly learning-rate schedule, phase-aware: lr·(1 − t/T)^power after an optional linear warmup
// (torchvision's reference: LinearLR warmup, then PolynomialLR over the remaining steps).

/** The schedule's view of one training phase. */
export interface SchedulePhase {
  steps: number;
  /** Base lr for this phase; defaults to the schedule's lr. */
  lr?: number | undefined;
}

/** Schedule settings (mirrors train.schedule in the run config). */
export interface PolyScheduleOptions {
  lr: number;
  power: number;
  warmupSteps?: number;
  warmupFactor?: number;
  acrossPhases?: 'continue' | 'restart';
  phases: SchedulePhase[];
}

/** Where a global step falls: phase index, the phase's first step and its end (exclusive). */
export interface PhaseSpan {
  index: number;
  start: number;
  end: number;
}

/** Poly lr over phases: one decay across all of them ('continue') or one per phase ('restart'). */
export class PolySchedule {
  readonly totalSteps: number;
  private readonly spans: PhaseSpan[];

  constructor(readonly opts: PolyScheduleOptions) {
    if (opts.phases.length === 0) throw new Error('PolySchedule: at least one phase is required');
    let start = 0;
    this.spans = opts.phases.map((p, index) => {
      if (!Number.isInteger(p.steps) || p.steps <= 0) throw new Error(`PolySchedule: phases[${index}].steps must be a positive integer, got ${p.steps}`);
      const span = { index, start, end: start + p.steps };
      start = span.end;
      return span;
    });
    this.totalSteps = start;
    const warmup = opts.warmupSteps ?? 0;
    const horizon = (opts.acrossPhases ?? 'continue') === 'continue' ? this.totalSteps : opts.phases[0]!.steps;
    if (warmup >= horizon) throw new Error(`PolySchedule: warmupSteps (${warmup}) must be below the ${horizon} steps it decays over`);
  }

  /** The phase a global step (0-based) belongs to; steps past the end belong to the last phase. */
  phaseAt(step: number): PhaseSpan {
    for (const s of this.spans) if (step < s.end) return s;
    return this.spans[this.spans.length - 1]!;
  }

  /** Learning rate for global step `step` (0-based: step 0 uses the full base lr unless warming up). */
  lrAt(step: number): number {
    const span = this.phaseAt(step);
    const base = this.opts.phases[span.index]!.lr ?? this.opts.lr;
    const restart = this.opts.acrossPhases === 'restart';
    const t = restart ? step - span.start : step;
    const total = restart ? span.end - span.start : this.totalSteps;
    // warmup happens once, at the start of training (phase 0 in restart mode)
    const warmup = !restart || span.index === 0 ? (this.opts.warmupSteps ?? 0) : 0;
    return base * this.factor(t, total, warmup);
  }

  private factor(t: number, total: number, warmup: number): number {
    if (t < warmup) {
      const start = this.opts.warmupFactor ?? 0.01;
      return start + ((1 - start) * t) / warmup;
    }
    const frac = Math.min(1, (t - warmup) / (total - warmup));
    return (1 - frac) ** this.opts.power;
  }
}
