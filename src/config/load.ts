import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { labelSpaceOf } from '../data/open.js';
import { ConfigError, formatIssues } from './errors.js';
import { type RunConfig, RunConfigSchema } from './schema.js';

/** Dotted-path overrides applied before validation, e.g. `{ 'train.device': 'cuda' }`. */
export type ConfigOverrides = Record<string, unknown>;

/** Parses JSON or YAML text (by extension; YAML is a superset, so unknown extensions parse as YAML). */
function parseText(text: string, file: string): unknown {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new ConfigError(`${file}: invalid JSON: ${(e as Error).message}`);
    }
  }
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const where = first.linePos ? ` at line ${first.linePos[0].line}, column ${first.linePos[0].col}` : '';
    throw new ConfigError(`${file}: invalid YAML${where}: ${first.message.split('\n')[0]}`);
  }
  return doc.toJS();
}

/** Sets `a.b.c` in a plain object tree, creating objects on the way. */
function setPath(root: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let cur = root;
  for (const key of keys.slice(0, -1)) {
    const next = cur[key];
    if (next === undefined || next === null) cur[key] = {};
    else if (typeof next !== 'object' || Array.isArray(next)) {
      throw new ConfigError(`override ${dotted}: ${key} is not an object`);
    }
    cur = cur[key] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]!] = value;
}

/** Validates a raw config object; `source` names where it came from in error messages. */
export function parseConfig(raw: unknown, source = 'config', overrides: ConfigOverrides = {}): RunConfig {
  const obj: unknown = raw ?? {};
  if (typeof obj !== 'object' || Array.isArray(obj)) {
    throw new ConfigError(`(root): expected a mapping of fields, got ${JSON.stringify(obj)} (in ${source})`);
  }
  const input = structuredClone(obj) as Record<string, unknown>;
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) setPath(input, k, v);
  const res = RunConfigSchema.safeParse(input);
  if (!res.success) {
    const lines = formatIssues(res.error.issues, input).map((l) => `${l} (in ${source})`);
    const more = lines.length > 1 ? `\n  ${lines.slice(1).join('\n  ')}` : '';
    throw new ConfigError(`${lines[0]}${more}`, lines);
  }
  const cfg = res.data as RunConfig;
  const space = labelSpaceOf(cfg.data.train);
  if (cfg.model.numClasses === undefined) cfg.model.numClasses = space.numClasses;
  else if (cfg.model.numClasses !== space.numClasses) {
    throw new ConfigError(
      `model.numClasses: expected ${space.numClasses} (label space ${JSON.stringify(space.name)} of data.train), got ${cfg.model.numClasses} (in ${source})`,
    );
  }
  const weights = cfg.train.loss.classWeights;
  if (Array.isArray(weights) && weights.length !== cfg.model.numClasses) {
    throw new ConfigError(
      `train.loss.classWeights: expected ${cfg.model.numClasses} weights (one per class of model.numClasses), got ${weights.length} (in ${source})`,
    );
  }
  if (cfg.name === undefined && source !== 'config') {
    cfg.name = path.basename(source).replace(/\.(ya?ml|json)$/i, '');
  }
  return cfg;
}

/** Reads a JSON or YAML file into plain data (not validated); throws ConfigError naming the file. */
export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? `config file not found: ${file}` : `cannot read config ${file}: ${(e as Error).message}`);
  }
  return parseText(text, file);
}

/** Reads and validates a run config from a JSON or YAML file; throws ConfigError naming the field, value and file. */
export function loadConfig(file: string, overrides: ConfigOverrides = {}): RunConfig {
  return parseConfig(readConfigFile(file), file, overrides);
}

/** Stable JSON (sorted keys) so equal configs hash equal regardless of key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** sha256 (hex, 16 chars) of the config's canonical JSON; stored in checkpoints to spot config drift on resume. */
export function configHash(cfg: unknown): string {
  return createHash('sha256').update(canonical(cfg)).digest('hex').slice(0, 16);
}
