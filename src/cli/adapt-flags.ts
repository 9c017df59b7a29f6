// The test-time adaptation flags of `shapeseg eval` and `shapeseg shift-eval`, registered and validated in one
// place: an error names the flag and the value.
import type { Command } from 'commander';
import { ADAPT_METHODS, type AdaptOptions, AdaptOptionsSchema, DEFAULT_PRIOR, DEFAULT_TENT_LR } from '../eval/adapt/options.js';

/** The flags as commander hands them over. */
export interface AdaptFlags {
  adapt?: string;
  adaptPrior?: string;
  adaptLr?: string;
  adaptSteps?: string;
  adaptEpisodic?: boolean;
}

/** The flag of each setting, for errors. */
const FLAG: Record<string, string> = { method: '--adapt', prior: '--adapt-prior', lr: '--adapt-lr', steps: '--adapt-steps', episodic: '--adapt-episodic' };

/** Which method each setting belongs to. */
const OWNER: Record<string, AdaptOptions['method']> = { prior: 'bn', lr: 'tent', steps: 'tent', episodic: 'tent' };

/** Adds --adapt and its settings to a command. */
export function addAdaptOptions(cmd: Command): Command {
  return cmd
    .option(
      '--adapt <method>',
      `test-time adaptation on the evaluated (unlabeled) images, reported apart: ${ADAPT_METHODS.join(' or ')} (BN statistics, Schneider et al. 2020; TENT, Wang et al. 2021)`,
    )
    .option('--adapt-prior <N>', `bn: the source statistics weigh as N images against each image's (default ${DEFAULT_PRIOR}; 0: the image's alone)`)
    .option('--adapt-lr <x>', `tent: SGD learning rate of the BatchNorm affine parameters (default ${DEFAULT_TENT_LR}, momentum 0.9)`)
    .option('--adapt-steps <k>', 'tent: updates per image (default 1)')
    .option('--adapt-episodic', 'tent: reset the weights before every image (default: adapt on through the images in order)');
}

function number(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`${flag}: expected a number, got ${JSON.stringify(text)}`);
  return n;
}

/** The adaptation the flags ask for (null without --adapt); errors name the flag and the value. */
export function adaptFromFlags(flags: AdaptFlags): AdaptOptions | null {
  const given: Record<string, number | boolean> = {};
  if (flags.adaptPrior !== undefined) given.prior = number('--adapt-prior', flags.adaptPrior);
  if (flags.adaptLr !== undefined) given.lr = number('--adapt-lr', flags.adaptLr);
  if (flags.adaptSteps !== undefined) given.steps = number('--adapt-steps', flags.adaptSteps);
  if (flags.adaptEpisodic) given.episodic = true;
  const method = flags.adapt;
  if (method === undefined) {
    const stray = Object.keys(given)[0];
    if (stray !== undefined) throw new Error(`${FLAG[stray]} needs --adapt ${OWNER[stray]}`);
    return null;
  }
  if (!(ADAPT_METHODS as readonly string[]).includes(method)) throw new Error(`--adapt: expected ${ADAPT_METHODS.join(' or ')}, got ${JSON.stringify(method)}`);
  for (const key of Object.keys(given))
    if (OWNER[key] !== method) throw new Error(`${FLAG[key]} is a setting of --adapt ${OWNER[key]}, not of --adapt ${method}`);
  const r = AdaptOptionsSchema.safeParse({ method, ...given });
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const key = String(issue.path[0] ?? 'method');
    throw new Error(`${FLAG[key] ?? `--adapt ${key}`} ${JSON.stringify(given[key])}: ${issue.message}`);
  }
  return r.data;
}

/** The line the commands log when adapting: what, on which images, and that the numbers are reported apart. */
export function adaptationNote(adapt: AdaptOptions, images: string): string {
  return `test-time adaptation ${JSON.stringify(adapt)} on ${images} (unlabeled, in order): these numbers use target images and are reported apart`;
}
