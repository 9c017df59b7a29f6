// The `shapeseg` program: one subcommand per file in src/cli/, each registering itself.
import * as fs from 'node:fs';
import { Command } from 'commander';
import { registerDemoCommand } from './demo.js';
import { registerEvalCommand } from './eval.js';
import { registerExperimentCommand } from './experiment.js';
import { registerExportCommand } from './export.js';
import { registerInfoCommand } from './info.js';
import { registerPredictCommand } from './predict.js';
import { registerPretrainCommand } from './pretrain.js';
import { registerReportCommand } from './report.js';
import { registerShiftEvalCommand } from './shift-eval.js';
import { registerSynthCommand } from './synth.js';
import { registerTrainCommand } from './train.js';
import { registerViewerCommand } from './viewer.js';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Builds the full `shapeseg` program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('shapeseg')
    .description('Train and evaluate DeepLabV3-ResNet semantic segmentation over libtorch')
    .version(packageVersion())
    .option('--verbose', 'print stack traces with errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of [
    registerInfoCommand,
    registerSynthCommand,
    registerTrainCommand,
    registerPretrainCommand,
    registerEvalCommand,
    registerShiftEvalCommand,
    registerPredictCommand,
    registerExportCommand,
    registerViewerCommand,
    registerReportCommand,
    registerExperimentCommand,
    registerDemoCommand,
  ]) {
    register(program);
  }
  return program;
}
