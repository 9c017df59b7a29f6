// Shared plumbing of the eval / predict commands: device choice, `--data <layout>:<root>`,
// label-space agreement between checkpoint, dataset and flags, and output-stride parsing.
import YAML from 'yaml';
import { formatIssues } from '../config/errors.js';
import type { Dataset, Layout } from '../data/dataset.js';
import { getLabelSpace, type LabelSpace } from '../data/label-spaces.js';
import { openDataset } from '../data/open.js';
import { type DataConfig, DataConfigSchema, LAYOUTS } from '../data/schema.js';
import { checkOutputStride, type OutputStride } from '../models/deeplabv3.js';
import { BATCHNORM_CHOICES, type BatchNormChoice } from '../nn/batchnorm-choice.js';
import { cudaIsAvailable, type Device, parseDevice } from '../tensor/index.js';
import type { ModelCheckpointInfo } from './load-model.js';

/** `--device`: cpu, cuda, cuda:N; default cuda when available, else cpu. */
export function resolveDevice(flag: string | undefined): Device {
  if (flag === undefined || flag === 'auto') return cudaIsAvailable() ? 'cuda' : 'cpu';
  const device = parseDevice(flag, '--device');
  if (device !== 'cpu' && !cudaIsAvailable()) throw new Error(`--device ${flag}: CUDA is not available in this libtorch build or machine`);
  return device;
}

/** `--scales 0.75,1,1.25` → [0.75, 1, 1.25]. */
export function parseScales(text: string): number[] {
  const out = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (out.length === 0 || out.some((s) => !(Number.isFinite(s) && s > 0)))
    throw new Error(`--scales: expected positive numbers separated by commas, got ${JSON.stringify(text)}`);
  return out;
}

/** `--output-stride 8|16`. */
export function parseOutputStride(text: string): OutputStride {
  return checkOutputStride(Number(text));
}

/** `--bn main|aux`: which BatchNorm a model with auxiliary twins normalises with. */
export function parseBatchNorm(text: string): BatchNormChoice {
  const choice = BATCHNORM_CHOICES.find((c) => c === text);
  if (choice === undefined) throw new Error(`--bn: expected ${BATCHNORM_CHOICES.join(' or ')}, got ${JSON.stringify(text)}`);
  return choice;
}

/** `<layout>:<root>` → { layout, root }; the layout is named in the error when unknown. */
export function parseDataSpec(spec: string): { layout: Layout; root: string } {
  const i = spec.indexOf(':');
  const layout = i > 0 ? spec.slice(0, i) : '';
  const root = i > 0 ? spec.slice(i + 1) : '';
  if (!(LAYOUTS as readonly string[]).includes(layout) || root === '') {
    throw new Error(`--data: expected <layout>:<root> with layout ${LAYOUTS.join(', ')} (e.g. kitti:/data/kitti), got ${JSON.stringify(spec)}`);
  }
  return { layout: layout as Layout, root };
}

/** Where the evaluation data comes from. */
export interface DataChoice {
  /** `<layout>:<root>`; when absent the checkpoint's embedded run config provides data.<split>. */
  spec?: string;
  /** Extra dataset fields as YAML/JSON, e.g. `{worlds: ['0002'], variations: [clone]}` or `{frames: {start: 150}}`. */
  filter?: string;
  /** Which split of the embedded run config to use without --data: 'val' (default) or 'train'. */
  split?: string;
  labelSpace: string;
}

/** Builds and validates the dataset config; errors name the flag and field. */
export function dataConfigFor(choice: DataChoice, info: Pick<ModelCheckpointInfo, 'config' | 'path'>): DataConfig {
  let extra: Record<string, unknown> = {};
  if (choice.filter !== undefined) {
    const parsed: unknown = YAML.parse(choice.filter);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error(`--filter: expected a YAML/JSON mapping such as "{frames: {start: 150}}", got ${JSON.stringify(choice.filter)}`);
    extra = parsed as Record<string, unknown>;
  }
  let base: Record<string, unknown>;
  let source: string;
  if (choice.spec !== undefined) {
    base = { ...parseDataSpec(choice.spec) };
    source = '--data';
  } else {
    const split = choice.split ?? 'val';
    const data = (info.config as { data?: Record<string, unknown> } | null)?.data;
    const fromRun = data?.[split];
    if (!fromRun || typeof fromRun !== 'object') {
      throw new Error(`--data <layout>:<root> is required: ${info.path} embeds no run config with data.${split}`);
    }
    base = { ...(fromRun as Record<string, unknown>) };
    source = `${info.path} data.${split}`;
  }
  const input = { ...base, ...extra, labelSpace: choice.labelSpace };
  const r = DataConfigSchema.safeParse(input);
  if (!r.success) throw new Error(`${source}${choice.filter ? ' with --filter' : ''}: ${formatIssues(r.error.issues, input).join('; ')}`);
  return r.data;
}

/** The label space to evaluate in: the flag, else the checkpoint's; they and the class count must agree. */
export function resolveLabelSpace(flag: string | undefined, info: Pick<ModelCheckpointInfo, 'labelSpace' | 'numClasses' | 'path'>): LabelSpace {
  const name = flag ?? info.labelSpace;
  if (!name) throw new Error(`--label-space is required: ${info.path} does not record one (e.g. --label-space vkitti-kitti)`);
  if (flag && info.labelSpace && flag !== info.labelSpace) {
    throw new Error(`--label-space ${flag} differs from the label space ${info.labelSpace} the checkpoint ${info.path} was trained in`);
  }
  const space = getLabelSpace(name);
  if (space.numClasses !== info.numClasses) {
    throw new Error(`${info.path} predicts ${info.numClasses} classes but label space ${space.name} has ${space.numClasses} (${space.classes.join(', ')})`);
  }
  return space;
}

/** Opens the dataset for a data choice. */
export function openEvalDataset(choice: DataChoice, info: Pick<ModelCheckpointInfo, 'config' | 'path'>): Promise<Dataset> {
  return openDataset(dataConfigFor(choice, info));
}

/** Short description of a data config for JSON and messages: `kitti:/data/kitti {"frames":…}`. */
export function describeData(cfg: DataConfig): string {
  const { layout, root, labelSpace: _ls, unknownColor: _u, ...rest } = cfg as DataConfig & Record<string, unknown>;
  const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
  return `${layout}:${root}${extra}`;
}
