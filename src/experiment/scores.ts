// What an experiment records for one run at one output stride, and the comparisons derived from it: the
// texture-shift summary (comparisonRows) and the per-target tables domain-generalisation papers print
// (targetComparison: rows = runs, columns = targets + their mean, one per-class table per target).
import * as z from 'zod';
import { type AdaptOptions, adaptationLabel } from '../eval/adapt/options.js';

/** What a dataset target was, recorded beside its numbers so a table can be traced to its data. */
export interface TargetRecord {
  layout: string;
  /** Absolute dataset root. */
  root: string;
  labelSpace: string;
  /** `layout:root {filters}` (describeData). */
  spec: string;
  /** The data config as evaluated (split, filters, unknown-label policy; root as written). */
  config: Record<string, unknown>;
  /** Images evaluated. */
  files: number;
  /** SHA-256 of the file list (one `image<TAB>label` line per sample, relative to root): same hash, same files. */
  fileListSha256: string;
}

/**
 * What a set is: a suite style by role ('shifted' = a selection style, 'held-out' = a held-out test style, 'unseen' =
 * an unseen test style), or a dataset ('val', 'target').
 */
export const SET_KINDS = ['in-style', 'shifted', 'held-out', 'unseen', 'texture-free', 'cue-conflict', 'val', 'target'] as const;

/** One of SET_KINDS. */
export type SetKind = (typeof SET_KINDS)[number];

/** Metrics of one evaluation set (one style of the suite, a listed target, or the run's validation set). */
export interface SetScores {
  /** Set name, e.g. "default", "shifted-hue", "heldout-1", "texture-free", "cue-conflict", "val", or a target's name. */
  name: string;
  kind: SetKind;
  mIoU: number;
  pixelAccuracy: number;
  /** Per class, label-space order; null where the class is absent from ground truth and prediction. */
  perClassIoU: Array<number | null>;
  /** Boundary IoU (Cheng et al. 2021) averaged over classes, when measured. */
  boundaryIoU?: number | null;
  /** Per-class Boundary IoU (label-space order) and its band (fraction of the diagonal), when measured on a dataset. */
  boundaryPerClassIoU?: Array<number | null>;
  boundaryBand?: number;
  /** The trimap band's metrics (pixels within `band` × diagonal of a ground-truth class boundary), when measured. */
  trimap?: { band: number; mIoU: number | null; perClassIoU: Array<number | null> };
  /** Mean IoU over class subsets reported beside the full mIoU (e.g. SYNTHIA's 13 classes), by subset name. */
  subsets?: Array<{ name: string; classes: string[]; mIoU: number | null }>;
  /** For a dataset (kind 'val' or 'target'): what it was. */
  data?: TargetRecord;
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
  /** The test-time adaptation these scores used (they used unlabeled target images); absent or null: source-only. */
  adaptation?: AdaptOptions | null;
  /** The same run scored with each of the experiment's adaptations (`eval.adapt`), `run` named `<run> + <label>`. */
  adapted?: RunScores[];
}

/**
 * Every run's scores as comparison rows: the source-only ones first, then each run's adapted ones, which are
 * reported apart (they use target images) and never serve as a baseline.
 */
export function withAdaptedRows(all: readonly RunScores[]): RunScores[] {
  const source = all.map(({ adapted: _, ...s }) => s);
  return [...source, ...all.flatMap((s) => s.adapted ?? [])];
}

/** The summary row of a run in the comparison. */
export interface ComparisonRow {
  run: string;
  outputStride: 8 | 16;
  inStyle: number | null;
  /** Mean mIoU over the selection styles (role shifted: methods and settings are chosen on them). */
  shifted: number | null;
  /** inStyle − shifted. */
  drop: number | null;
  /** 1 − drop / baseline's drop: the share of the baseline's drop this run closes (the baseline is the first source-only run). */
  dropClosed: number | null;
  /** Mean mIoU over the held-out test styles (nothing is tuned on them; null in scores written before they existed). */
  heldOut: number | null;
  /** inStyle − heldOut. */
  heldOutDrop: number | null;
  /** 1 − heldOutDrop / baseline's heldOutDrop, as dropClosed on the held-out styles. */
  heldOutDropClosed: number | null;
  /** Mean mIoU over the unseen test styles (the second test tier; null in scores written before they existed). */
  unseen: number | null;
  /** inStyle − unseen. */
  unseenDrop: number | null;
  /** 1 − unseenDrop / baseline's unseenDrop. */
  unseenDropClosed: number | null;
  textureFree: number | null;
  shapeBias: number | null;
  boundaryIoU: number | null;
  /** IoU of each class on the in-style set. */
  perClassInStyle: Array<number | null>;
  /** The test-time adaptation of this row (`bn-adapt`, `tent`, …): it used target images; null: source-only. */
  adaptation: string | null;
}

const mean = (xs: readonly number[]): number | null => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

/** 1 − drop / base: the share of the baseline's drop a run closes (null without a positive baseline drop). */
function closed(drop: number | null, base: number | null): number | null {
  return drop !== null && base !== null && base > 0 ? 1 - drop / base : null;
}

/**
 * Builds the comparison rows; the first source-only run at each output stride is the baseline for `dropClosed`,
 * `heldOutDropClosed` and `unseenDropClosed` (a row with test-time adaptation never is: it used target images).
 */
export function comparisonRows(all: readonly RunScores[]): ComparisonRow[] {
  const rows = all.map((s): ComparisonRow => {
    const inStyleSet = s.sets.find((x) => x.kind === 'in-style') ?? s.sets.find((x) => x.kind === 'val');
    const inStyle = inStyleSet?.mIoU ?? null;
    const meanOf = (kind: SetKind) => mean(s.sets.filter((x) => x.kind === kind).map((x) => x.mIoU));
    const dropTo = (v: number | null) => (inStyle !== null && v !== null ? inStyle - v : null);
    const shifted = meanOf('shifted');
    const heldOut = meanOf('held-out');
    const unseen = meanOf('unseen');
    return {
      run: s.run,
      outputStride: s.outputStride,
      inStyle,
      shifted,
      drop: dropTo(shifted),
      dropClosed: null,
      heldOut,
      heldOutDrop: dropTo(heldOut),
      heldOutDropClosed: null,
      unseen,
      unseenDrop: dropTo(unseen),
      unseenDropClosed: null,
      textureFree: s.sets.find((x) => x.kind === 'texture-free')?.mIoU ?? null,
      shapeBias: s.shapeBias,
      boundaryIoU: inStyleSet?.boundaryIoU ?? null,
      perClassInStyle: inStyleSet?.perClassIoU ?? [],
      adaptation: s.adaptation ? adaptationLabel(s.adaptation) : null,
    };
  });
  for (const row of rows) {
    const base = rows.find((r) => r.outputStride === row.outputStride && r.adaptation === null);
    if (!base || base === row) continue;
    row.dropClosed = closed(row.drop, base.drop);
    row.heldOutDropClosed = closed(row.heldOutDrop, base.heldOutDrop);
    row.unseenDropClosed = closed(row.unseenDrop, base.unseenDrop);
  }
  return rows;
}

/**
 * How a scores file is checked when read back (it is input: an older or hand-edited file names its problem).
 * JSON has no NaN, so undefined metrics read as null.
 */
const num = z.number().nullable();
const SourceScoresSchema = z.looseObject({
  run: z.string(),
  outputStride: z.literal([8, 16]),
  checkpoint: z.string(),
  classNames: z.array(z.string()),
  sets: z.array(
    z.looseObject({
      name: z.string(),
      kind: z.enum(SET_KINDS),
      mIoU: num,
      pixelAccuracy: num,
      perClassIoU: z.array(num),
      subsets: z.array(z.looseObject({ name: z.string(), classes: z.array(z.string()), mIoU: num })).optional(),
      boundaryPerClassIoU: z.array(num).optional(),
      boundaryBand: z.number().optional(),
      trimap: z.looseObject({ band: z.number(), mIoU: num, perClassIoU: z.array(num) }).optional(),
      data: z.looseObject({ layout: z.string(), root: z.string(), files: z.number(), fileListSha256: z.string() }).optional(),
    }),
  ),
  shapeBias: num,
  shapeBiasPerClass: z.array(num),
  adaptation: z.looseObject({ method: z.string() }).nullable().optional(),
});
const RunScoresSchema = SourceScoresSchema.extend({ adapted: z.array(SourceScoresSchema).optional() });

/** Parses the text of a scores file (scores-os<N>.json); errors name the file and the field. */
export function parseRunScores(text: string, file: string): RunScores {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not readable JSON (${(e as Error).message})`);
  }
  const r = RunScoresSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new Error(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  // null metrics stay null at run time; every reader formats them as "–"
  return r.data as unknown as RunScores;
}

/** Said under a table that has adapted rows. */
export const ADAPTED_ROWS_NOTE =
  'Rows named `<run> + bn-adapt` or `+ tent` adapt at test time on the evaluated (unlabeled, target) images: a different setting, reported apart, never the baseline of "drop closed", left off the trade-off chart, and not counted toward the goal.';

const pct = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : (100 * v).toFixed(1));

/** What the selection, held-out and unseen columns mean, under every suite comparison table (Markdown and HTML). */
export const SUITE_ROLES_NOTE =
  'Selection styles (shifted): methods and settings are chosen on them. Held-out styles: every label region repainted per image in texture families and colours the generator never draws; nothing is tuned on them, and the goal is judged there. Unseen styles: the same with other families and colours, added after advice had been read off the held-out styles; nothing has been chosen or read on them.';

/** The comparison as a Markdown table (runs × summary metrics: selection, held-out and unseen blocks, then the in-style per-class IoU). */
export function comparisonMarkdown(rows: readonly ComparisonRow[], classNames: readonly string[]): string {
  const cols: Array<[string, (r: ComparisonRow) => number | null]> = [
    ['in-style mIoU', (r) => r.inStyle],
    ['selection mIoU (mean)', (r) => r.shifted],
    ['selection drop', (r) => r.drop],
    ['selection drop closed', (r) => r.dropClosed],
    ['held-out mIoU (mean)', (r) => r.heldOut],
    ['held-out drop', (r) => r.heldOutDrop],
    ['held-out drop closed', (r) => r.heldOutDropClosed],
    ['unseen mIoU (mean)', (r) => r.unseen],
    ['unseen drop closed', (r) => r.unseenDropClosed],
    ['texture-free', (r) => r.textureFree],
    ['shape bias', (r) => r.shapeBias],
    ['boundary IoU', (r) => r.boundaryIoU],
  ];
  const lines = [`| run | OS | ${cols.map(([h]) => h).join(' | ')} |`, `|${'---|'.repeat(cols.length + 2)}`];
  for (const r of rows) lines.push(`| ${r.run} | ${r.outputStride} | ${cols.map(([, f]) => pct(f(r))).join(' | ')} |`);
  lines.push('', SUITE_ROLES_NOTE);
  if (rows.some((r) => r.adaptation !== null)) lines.push('', ADAPTED_ROWS_NOTE);
  lines.push('', `| run | OS | ${classNames.join(' | ')} |`, `|${'---|'.repeat(classNames.length + 2)}`);
  for (const r of rows) lines.push(`| ${r.run} | ${r.outputStride} | ${classNames.map((_, k) => pct(r.perClassInStyle[k])).join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}

/** One column of the per-target comparison. */
export interface TargetColumn {
  name: string;
  kind: 'target' | 'val';
  /** Classes of the per-class table (the first run's that has the target). */
  classNames: string[];
  /** Subsets every run reports for this target. */
  subsets: string[];
  /** What the target was (the first run's record; null in files written before records were kept). */
  data: TargetRecord | null;
  /** Runs (`run @ OS n`) whose record of the target differs from `data` (other files, root or filters). */
  differs: string[];
}

/** One run at one output stride in the per-target comparison. */
export interface TargetRow {
  run: string;
  outputStride: 8 | 16;
  /** mIoU per target name (null: not evaluated, or undefined). */
  mIoU: Record<string, number | null>;
  /** Mean of the targets' mIoU (null unless every target has one). */
  mean: number | null;
  /** Subset mIoU per target name and subset name. */
  subsetMIoU: Record<string, Record<string, number | null>>;
  /** Mean over targets of each subset that every target reports. */
  subsetMean: Record<string, number | null>;
  /** The test-time adaptation of this row (it used target images); null: source-only. */
  adaptation: string | null;
  /** IoU per class name, per target name. */
  perClass: Record<string, Record<string, number | null>>;
  /** Band metrics per target name, where measured: Boundary IoU and trimap-band IoU per class name, and their means. */
  bands: Record<string, TargetBands>;
}

/** The band metrics of one run on one target (Boundary IoU, trimap band), null where not measured. */
export interface TargetBands {
  boundary: { band: number; mean: number | null; perClass: Record<string, number | null> } | null;
  trimap: { band: number; mean: number | null; perClass: Record<string, number | null> } | null;
}

/** The per-target comparison: DG papers' table (rows = runs, columns = targets + mean) and per-class tables. */
export interface TargetComparison {
  targets: TargetColumn[];
  /** Subset names every target reports (a mean column each). */
  meanSubsets: string[];
  rows: TargetRow[];
}

const isTarget = (s: SetScores): s is SetScores & { kind: 'target' | 'val' } => s.kind === 'target' || s.kind === 'val';
/** Whether a set comes from the texture-shift suite (not a dataset target). */
export const isSuiteSet = (s: SetScores): boolean => !isTarget(s);
const finite = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const byClass = (names: readonly string[], values: ReadonlyArray<number | null>) => Object.fromEntries(names.map((c, k) => [c, finite(values[k])]));

/** The band metrics a target's scores carry (none for a set scored before they were measured). */
function targetBands(set: SetScores | undefined, classNames: readonly string[]): TargetBands {
  const boundary =
    set?.boundaryPerClassIoU && set.boundaryBand !== undefined
      ? { band: set.boundaryBand, mean: finite(set.boundaryIoU), perClass: byClass(classNames, set.boundaryPerClassIoU) }
      : null;
  const trimap = set?.trimap ? { band: set.trimap.band, mean: finite(set.trimap.mIoU), perClass: byClass(classNames, set.trimap.perClassIoU) } : null;
  return { boundary, trimap };
}

/** Builds the per-target comparison from every run's scores (targets in order of first appearance). */
export function targetComparison(all: readonly RunScores[]): TargetComparison {
  const targets: TargetColumn[] = [];
  for (const s of all) {
    for (const set of s.sets.filter(isTarget)) {
      const col = targets.find((t) => t.name === set.name);
      if (!col) {
        targets.push({ name: set.name, kind: set.kind, classNames: [...s.classNames], subsets: [], data: set.data ?? null, differs: [] });
      } else if (col.data && set.data && (col.data.fileListSha256 !== set.data.fileListSha256 || col.data.spec !== set.data.spec)) {
        col.differs.push(`${s.run} @ OS ${s.outputStride}`);
      }
    }
  }
  const setOf = (s: RunScores, name: string) => s.sets.find((x) => isTarget(x) && x.name === name);
  for (const t of targets) {
    const having = all.map((s) => setOf(s, t.name)).filter((x) => x !== undefined);
    const names = having[0]?.subsets?.map((x) => x.name) ?? [];
    t.subsets = names.filter((n) => having.every((x) => x.subsets?.some((y) => y.name === n)));
  }
  const meanSubsets = targets.length === 0 ? [] : targets[0]!.subsets.filter((n) => targets.every((t) => t.subsets.includes(n)));
  const rows = all
    .filter((s) => s.sets.some(isTarget))
    .map((s): TargetRow => {
      const mIoU: TargetRow['mIoU'] = {};
      const subsetMIoU: TargetRow['subsetMIoU'] = {};
      const perClass: TargetRow['perClass'] = {};
      const bands: TargetRow['bands'] = {};
      for (const t of targets) {
        const set = setOf(s, t.name);
        mIoU[t.name] = finite(set?.mIoU);
        subsetMIoU[t.name] = Object.fromEntries(t.subsets.map((n) => [n, finite(set?.subsets?.find((x) => x.name === n)?.mIoU)]));
        perClass[t.name] = Object.fromEntries(s.classNames.map((c, k) => [c, set ? finite(set.perClassIoU[k]) : null]));
        bands[t.name] = targetBands(set, s.classNames);
      }
      const meanOf = (xs: Array<number | null>) => (xs.every((x) => x !== null) ? mean(xs as number[]) : null);
      return {
        run: s.run,
        outputStride: s.outputStride,
        mIoU,
        mean: meanOf(targets.map((t) => mIoU[t.name]!)),
        subsetMIoU,
        subsetMean: Object.fromEntries(meanSubsets.map((n) => [n, meanOf(targets.map((t) => subsetMIoU[t.name]![n]!))])),
        perClass,
        bands,
        adaptation: s.adaptation ? adaptationLabel(s.adaptation) : null,
      };
    });
  return { targets, meanSubsets, rows };
}

/** A target as one line: what it was read from, how many files, in which label space. */
export function describeTarget(t: TargetColumn): string {
  if (!t.data) return `${t.name}: (not recorded)`;
  const d = t.data;
  const differs = t.differs.length ? `; **other data for ${t.differs.join(', ')}**` : '';
  return `${t.name}: \`${d.spec}\` (${d.files} files, file list sha256 ${d.fileListSha256.slice(0, 12)}, label space ${d.labelSpace})${differs}`;
}

/** The per-target comparison as Markdown: the mIoU table (targets, subsets, mean), the targets' data, per-class tables. */
export function targetsMarkdown(c: TargetComparison): string {
  if (c.rows.length === 0) return '';
  const cols = [
    ...c.targets.flatMap((t) => [t.name, ...t.subsets.map((n) => `${t.name} ${n}`)]),
    ...(c.targets.length > 1 ? ['mean', ...c.meanSubsets.map((n) => `mean ${n}`)] : []),
  ];
  const lines = [`mIoU per target (%)${c.targets.length > 1 ? ' and the mean over targets:' : ':'}`, ''];
  lines.push(`| run | OS | ${cols.join(' | ')} |`, `|---|---|${'---:|'.repeat(cols.length)}`);
  for (const r of c.rows) {
    const cells = [
      ...c.targets.flatMap((t) => [r.mIoU[t.name], ...t.subsets.map((n) => r.subsetMIoU[t.name]?.[n])]),
      ...(c.targets.length > 1 ? [r.mean, ...c.meanSubsets.map((n) => r.subsetMean[n])] : []),
    ];
    lines.push(`| ${r.run} | ${r.outputStride} | ${cells.map(pct).join(' | ')} |`);
  }
  if (c.rows.some((r) => r.adaptation !== null)) lines.push('', ADAPTED_ROWS_NOTE);
  lines.push('', 'Targets:', '', ...c.targets.map((t) => `- ${describeTarget(t)}`));
  for (const t of c.targets) {
    lines.push(
      '',
      `IoU per class on ${t.name} (%):`,
      '',
      `| run | OS | ${t.classNames.join(' | ')} | mIoU |`,
      `|---|---|${'---:|'.repeat(t.classNames.length + 1)}`,
    );
    for (const r of c.rows) {
      lines.push(`| ${r.run} | ${r.outputStride} | ${t.classNames.map((k) => pct(r.perClass[t.name]?.[k])).join(' | ')} | ${pct(r.mIoU[t.name])} |`);
    }
    for (const b of bandTables(c, t)) {
      lines.push('', `${b.title} (%):`, '', `| run | OS | ${t.classNames.join(' | ')} | mean |`, `|---|---|${'---:|'.repeat(t.classNames.length + 1)}`);
      for (const r of b.rows) lines.push(`| ${r.run} | ${r.outputStride} | ${r.values.map(pct).join(' | ')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A per-class table of one band metric on one target: title and rows (per-class values, then the mean). */
export interface BandTable {
  title: string;
  rows: Array<{ run: string; outputStride: 8 | 16; values: Array<number | null> }>;
}

/** The Boundary IoU and trimap-band per-class tables of target `t`, for the metrics some row measured. */
export function bandTables(c: TargetComparison, t: TargetColumn): BandTable[] {
  const kinds = [
    ['boundary', 'Boundary IoU per class'],
    ['trimap', 'Trimap-band IoU per class'],
  ] as const;
  return kinds.flatMap(([kind, name]) => {
    const measured = c.rows.map((r) => r.bands[t.name]?.[kind]).filter((b) => b != null);
    if (measured.length === 0) return [];
    const rows = c.rows.map((r) => {
      const b = r.bands[t.name]?.[kind] ?? null;
      return { run: r.run, outputStride: r.outputStride, values: [...t.classNames.map((k) => b?.perClass[k] ?? null), b?.mean ?? null] };
    });
    return [{ title: `${name} on ${t.name}, band ${measured[0]!.band} of the diagonal`, rows }];
  });
}

/** The whole comparison in Markdown: the texture-shift summary when a run has suite scores, then the targets. */
export function experimentMarkdown(all: readonly RunScores[]): string {
  const parts: string[] = [];
  const suite = all.filter((s) => s.sets.some(isSuiteSet));
  if (suite.length > 0) parts.push(comparisonMarkdown(comparisonRows(suite), suite[0]!.classNames));
  const targets = targetsMarkdown(targetComparison(all));
  if (targets) parts.push(targets);
  return parts.join('\n');
}
