#!/usr/bin/env node
// The `shapeseg` executable: runs the program of src/cli/program.ts with clean error output.
import * as fs from 'node:fs';
import { CommanderError } from 'commander';
import { configureDecoding } from '../data/loader.js';
import { buildProgram } from './program.js';

/** Runs the CLI; errors print their message only (stack with --verbose) and exit 1. */
export async function main(argv: string[] = process.argv): Promise<number> {
  const verbose = argv.includes('--verbose');
  // sizes libuv's pool for parallel image decoding; must happen before the first file I/O on it
  configureDecoding();
  try {
    const program = buildProgram();
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
