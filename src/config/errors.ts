import type * as z from 'zod';

/** A run-config problem; the message names the field path, the offending value and the file. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    /** Every problem found, one `path: problem` line each. */
    readonly problems: string[] = [message],
  ) {
    super(message);
  }
}

/** Formats a zod path as `train.phases[1].outputStride`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(root)' : out;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v);
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

function orList(values: readonly unknown[]): string {
  const shown = values.map(show);
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

/** Collects the literal options of a union of literals/enums, or null when the union is of anything else. */
function unionOptions(issue: z.core.$ZodIssue): unknown[] | null {
  if (issue.code !== 'invalid_union') return null;
  const opts: unknown[] = [];
  for (const branch of issue.errors) {
    for (const sub of branch) {
      if (sub.code !== 'invalid_value' || sub.path.length !== 0) return null;
      opts.push(...sub.values);
    }
  }
  return opts;
}

/** What was expected, phrased for humans (`expected 8 or 16`). */
function describe(issue: z.core.$ZodIssue): string {
  const opts = unionOptions(issue);
  if (opts) return `expected ${orList(opts)}`;
  switch (issue.code) {
    case 'invalid_value':
      return `expected ${orList(issue.values)}`;
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const cmp = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      if (issue.origin === 'array') return `expected ${cmp} ${String(bound)} items`;
      if (issue.origin === 'string') return `expected length ${cmp} ${String(bound)}`;
      return `expected a number ${cmp} ${String(bound)}`;
    }
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}`;
    default:
      // custom messages (refinements) already read as sentences; strip zod's "Invalid input: " prefix
      return issue.message.replace(/^Invalid input: /, '');
  }
}

/** Turns zod issues into `path: expected X, got Y` lines. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        lines.push(`${formatPath([...issue.path, key])}: unknown field (check the spelling)`);
      }
      continue;
    }
    const value = valueAt(input, issue.path);
    const what = issue.code === 'custom' ? issue.message : describe(issue);
    const got = what.includes(', got ') ? '' : `, got ${show(value)}`;
    lines.push(`${formatPath(issue.path)}: ${what}${got}`);
  }
  return lines;
}
