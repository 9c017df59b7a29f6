// What an experiment records for one run at one output stride, and the comparison rows derived from it.

/** Metrics of one evaluation set (one style of the suite, or a validation set). */
export interface SetScores {
  /** Set name, e.g. "default", "shifted-neon", "texture-free", "cue-conflict", "val". */
  name: string;
  kind: 'in-style' | 'shifted' | 'texture-free' | 'cue-conflict' | 'val';
  mIoU: number;
  pixelAccuracy: number;
  /** Per class, label-space order; null where the class is absent from ground truth and prediction. */
  perClassIoU: Array<number | null>;
  /** Boundary IoU (Cheng et al. 2021) averaged over classes, when measured. */
  boundaryIoU?: number | null;
}

/** One run evaluated at one output stride. */
export interface RunScores {
  run: string;
  outputStride: 8 | 16;
  checkpoint: string;
  classNames: string[];
  sets: SetScores[];
  /** Fraction of cue-conflict pixels (predicted as shape or texture class) predicted as the shape class. */
  shapeBias: number | null;
  shapeBiasPerClass: Array<number | null>;
}

/** The summary row of a run in the comparison. */
export interface ComparisonRow {
  run: string;
  outputStride: 8 | 16;
  inStyle: number | null;
  /** Mean mIoU over the shifted styles. */
  shifted: number | null;
  /** inStyle − shifted. */
  drop: number | null;
  /** 1 − drop / baseline's drop: the share of the baseline's drop this run closes (the baseline is the first run). */
  dropClosed: number | null;
  textureFree: number | null;
  shapeBias: number | null;
  boundaryIoU: number | null;
  /** IoU of each class on the in-style set. */
  perClassInStyle: Array<number | null>;
}

const mean = (xs: readonly number[]): number | null => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Builds the comparison rows; the first run at each output stride is the baseline for `dropClosed`. */
export function comparisonRows(all: readonly RunScores[]): ComparisonRow[] {
  const rows = all.map((s): ComparisonRow => {
    const inStyleSet = s.sets.find((x) => x.kind === 'in-style') ?? s.sets.find((x) => x.kind === 'val');
    const inStyle = inStyleSet?.mIoU ?? null;
    const shifted = mean(s.sets.filter((x) => x.kind === 'shifted').map((x) => x.mIoU));
    return {
      run: s.run,
      outputStride: s.outputStride,
      inStyle,
      shifted,
      drop: inStyle !== null && shifted !== null ? inStyle - shifted : null,
      dropClosed: null,
      textureFree: s.sets.find((x) => x.kind === 'texture-free')?.mIoU ?? null,
      shapeBias: s.shapeBias,
      boundaryIoU: inStyleSet?.boundaryIoU ?? null,
      perClassInStyle: inStyleSet?.perClassIoU ?? [],
    };
  });
  for (const row of rows) {
    const base = rows.find((r) => r.outputStride === row.outputStride);
    if (base && base !== row && base.drop !== null && row.drop !== null && base.drop > 0) row.dropClosed = 1 - row.drop / base.drop;
  }
  return rows;
}

const pct = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : (100 * v).toFixed(1));

/** The comparison as a Markdown table (runs × summary metrics, then the in-style per-class IoU). */
export function comparisonMarkdown(rows: readonly ComparisonRow[], classNames: readonly string[]): string {
  const head = '| run | OS | in-style mIoU | shifted mIoU (mean) | drop | drop closed | texture-free | shape bias | boundary IoU |';
  const lines = [head, `|${'---|'.repeat(9)}`];
  for (const r of rows) {
    lines.push(
      `| ${r.run} | ${r.outputStride} | ${pct(r.inStyle)} | ${pct(r.shifted)} | ${pct(r.drop)} | ${pct(r.dropClosed)} | ${pct(r.textureFree)} | ${pct(r.shapeBias)} | ${pct(r.boundaryIoU)} |`,
    );
  }
  lines.push('', `| run | OS | ${classNames.join(' | ')} |`, `|${'---|'.repeat(classNames.length + 2)}`);
  for (const r of rows) lines.push(`| ${r.run} | ${r.outputStride} | ${classNames.map((_, k) => pct(r.perClassInStyle[k])).join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}
