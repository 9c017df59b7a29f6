#!/usr/bin/env node
// The `shapeseg` command: subcommands live in src/cli/<name>.ts and register themselves.
import * as fs from 'node:fs';
import { Command, CommanderError } from 'commander';
import { configureDecoding } from '../data/loader.js';
import { registerInfoCommand } from './info.js';
import { registerTrainCommand } from './train.js';

/** Commands other areas contribute: file (src/cli/<file>.ts) and the register function it exports. */
const OPTIONAL_COMMANDS: Array<[file: string, register: string]> = [
  ['synth', 'registerSynthCommand'],
  ['eval', 'registerEvalCommand'],
  ['predict', 'registerPredictCommand'],
  ['report', 'registerReportCommand'],
  ['demo', 'registerDemoCommand'],
];

function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Registers the optional commands whose files exist; a missing file is skipped, a broken one is an error. */
async function registerOptional(program: Command): Promise<void> {
  for (const [file, fn] of OPTIONAL_COMMANDS) {
    const url = new URL(`./${file}.js`, import.meta.url);
    if (!fs.existsSync(url)) continue;
    const mod = (await import(url.href)) as Record<string, unknown>;
    const register = mod[fn];
    if (typeof register !== 'function') throw new Error(`src/cli/${file}.ts does not export ${fn}(program)`);
    (register as (p: Command) => void)(program);
  }
}

/** Builds the full `shapeseg` program (exported for tests). */
export async function buildProgram(): Promise<Command> {
  const program = new Command('shapeseg')
    .description('Train and evaluate DeepLabV3-ResNet semantic segmentation over libtorch')
    .version(packageVersion())
    .option('--verbose', 'print stack traces with errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerInfoCommand(program);
  registerTrainCommand(program);
  await registerOptional(program);
  return program;
}

/** Runs the CLI; errors print their message only (stack with --verbose) and exit 1. */
export async function main(argv: string[] = process.argv): Promise<number> {
  const verbose = argv.includes('--verbose');
  // sizes libuv's pool for parallel image decoding; must happen before the first file I/O on it
  configureDecoding();
  try {
    const program = await buildProgram();
    await program.parseAsync(argv);
    // a command may set its own status (e.g. train stopped by a signal)
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed the message (or help/version output)
      return e.exitCode;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    process.stderr.write(verbose && err.stack ? `${err.stack}\n` : `shapeseg: ${err.message}\n`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] !== undefined && fs.realpathSync(process.argv[1]) === fs.realpathSync(new URL(import.meta.url));
if (invokedDirectly) process.exitCode = await main();
