// The datasets an experiment scores every run on (`eval.targets`, or the run config's own data.val), resolved
// against each run's config: the label space a target is read in must be the one the run trains in (a model
// predicts its training classes), and class subsets name classes of that space. Pure: no libtorch, so a wrong
// target fails when the experiment file is loaded, before the first run trains.
import { ConfigError, formatIssues, type RunConfig } from '../config/index.js';
import { getLabelSpace, type LabelSpace, reportedSubsets } from '../data/label-spaces.js';
import { type DataConfig, DataConfigSchema } from '../data/schema.js';
import type { AdaptOptions } from '../eval/adapt/options.js';
import type { Experiment, ExperimentTarget } from './schema.js';
import { isSuiteSet, type RunScores, type SetScores } from './scores.js';

/** Classes whose mean IoU is reported beside the full mIoU (e.g. SYNTHIA's 13-class mIoU). */
export interface ClassSubset {
  name: string;
  classes: string[];
}

/** A target as one run evaluates it. */
export interface ResolvedTarget {
  name: string;
  /** 'val': the run config's own data.val (no targets listed, suite off); 'target': listed in eval.targets. */
  kind: 'target' | 'val';
  data: DataConfig;
  subsets: ClassSubset[];
}

/** The subsets reported for every target read in `space` (REPORTED_SUBSETS in src/data/label-spaces.ts). */
export function declaredSubsets(space: LabelSpace): ClassSubset[] {
  return reportedSubsets(space.name).map(({ name, classes }) => ({ name, classes: [...classes] }));
}

function subsetsFor(space: LabelSpace, extra: Record<string, string[]>, where: string): ClassSubset[] {
  const out = declaredSubsets(space).filter((s) => !(s.name in extra));
  for (const [name, classes] of Object.entries(extra)) {
    const unknown = classes.filter((c) => !space.classes.includes(c));
    if (unknown.length > 0) {
      throw new ConfigError(
        `${where}.subsets.${name}: ${unknown.map((c) => JSON.stringify(c)).join(', ')} not in label space ${space.name} (${space.classes.join(', ')})`,
      );
    }
    out.push({ name, classes });
  }
  return out;
}

function resolveListed(t: ExperimentTarget, i: number, config: RunConfig, run: string): ResolvedTarget {
  const where = `eval.targets[${i}]`;
  const trainSpace = config.data.train.labelSpace;
  let data = t.data;
  if (t.inheritLabelSpace && data.labelSpace !== trainSpace) {
    const input = { ...data, labelSpace: trainSpace };
    const r = DataConfigSchema.safeParse(input);
    if (!r.success) {
      const lines = formatIssues(r.error.issues, input).map((l) => `${where}.${l} (the label space run ${run} trains in; set ${where}.labelSpace)`);
      throw new ConfigError(lines.join('\n  '), lines);
    }
    data = r.data;
  }
  if (data.labelSpace !== trainSpace) {
    throw new ConfigError(
      `${where}.labelSpace: ${JSON.stringify(data.labelSpace)} is not the label space run ${run} trains in (${JSON.stringify(trainSpace)}): its model predicts those classes`,
    );
  }
  return { name: t.name, kind: 'target', data, subsets: subsetsFor(getLabelSpace(data.labelSpace), t.subsets, where) };
}

/**
 * The targets one run is scored on: `eval.targets`, each read in the run's training label space unless it names
 * that space itself; with none listed and the suite off, the run config's data.val as a target called "val".
 * Errors name the field (eval.targets[1].labelSpace) and the run.
 */
export function resolveTargets(spec: Experiment['eval'], config: RunConfig, run: string): ResolvedTarget[] {
  if (spec.targets.length > 0) return spec.targets.map((t, i) => resolveListed(t, i, config, run));
  if (spec.shiftSuite) return [];
  const val = config.data.val;
  if (!val) throw new ConfigError(`run ${run}: eval.shiftSuite is false and no eval.targets are listed, but the config has no data.val to evaluate on`);
  return [{ name: 'val', kind: 'val', data: val, subsets: declaredSubsets(getLabelSpace(val.labelSpace)) }];
}

/** JSON with object keys sorted, so two configs compare equal whatever order their keys were written in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Whether a recorded set is this target's score: same name and kind, and (when recorded) the same data config. */
export function isScoreOf(set: SetScores, t: ResolvedTarget): boolean {
  return set.name === t.name && set.kind === t.kind && (set.data === undefined || canonical(set.data.config) === canonical(t.data));
}

/** Whether a target's scores carry the band metrics the experiment asks for (a set scored before they were asked is re-scored). */
function hasBands(set: SetScores, spec: Experiment['eval']): boolean {
  return (spec.boundaryBand === 0 || set.boundaryBand === spec.boundaryBand) && (spec.trimapBand === 0 || set.trimap?.band === spec.trimapBand);
}

/** The adapted scores in `scores` made with exactly `adapt` (method and settings), if any. */
export function adaptedScores(scores: RunScores | null, adapt: AdaptOptions): RunScores | null {
  return scores?.adapted?.find((s) => s.adaptation != null && canonical(s.adaptation) === canonical(adapt)) ?? null;
}

/**
 * The suite and targets `scores` (null: none yet) lack: the suite when it is on and the scores lack one of
 * `suiteStyles` (the styles the suite has now), and each target not scored yet.
 */
function missingSets(
  scores: RunScores | null,
  spec: Experiment['eval'],
  targets: readonly ResolvedTarget[],
  suiteStyles: readonly string[],
): { suite: boolean; missingStyles: string[]; targets: ResolvedTarget[] } {
  const sets = scores?.sets ?? [];
  const scored = new Set(sets.filter(isSuiteSet).map((s) => s.name));
  const missingStyles = spec.shiftSuite ? suiteStyles.filter((n) => !scored.has(n)) : [];
  return {
    suite: spec.shiftSuite && (scored.size === 0 || missingStyles.length > 0),
    missingStyles,
    targets: targets.filter((t) => !sets.some((s) => isScoreOf(s, t) && hasBands(s, spec))),
  };
}

/**
 * What a run still needs at one output stride, given the scores it already has (null: none yet): the suite (when
 * it lacks one of `suiteStyles`, the styles the suite has now) and targets without adaptation, and each adaptation
 * of `eval.adapt` whose scores lack one of them (so adapted scores are re-made on new styles too).
 */
export function pendingEvaluation(
  previous: RunScores | null,
  spec: Experiment['eval'],
  targets: readonly ResolvedTarget[],
  suiteStyles: readonly string[],
): { suite: boolean; missingStyles: string[]; targets: ResolvedTarget[]; adapt: AdaptOptions[] } {
  const incomplete = (a: AdaptOptions) => {
    const m = missingSets(adaptedScores(previous, a), spec, targets, suiteStyles);
    return m.suite || m.targets.length > 0;
  };
  return { ...missingSets(previous, spec, targets, suiteStyles), adapt: spec.adapt.filter(incomplete) };
}

/** A run's scores cut to what the experiment asks for now: the suite if on, the current targets in their order, and the current adaptations. */
export function currentScores(scores: RunScores, spec: Experiment['eval'], targets: readonly ResolvedTarget[]): RunScores {
  const cut = ({ adapted: _, ...s }: RunScores): RunScores => {
    const suite = spec.shiftSuite ? s.sets.filter(isSuiteSet) : [];
    const listed = targets.flatMap((t) => s.sets.filter((x) => isScoreOf(x, t)).slice(0, 1));
    return { ...s, sets: [...suite, ...listed] };
  };
  const adapted = spec.adapt.flatMap((a) => {
    const s = adaptedScores(scores, a);
    return s ? [cut(s)] : [];
  });
  return { ...cut(scores), ...(adapted.length > 0 ? { adapted } : {}) };
}
