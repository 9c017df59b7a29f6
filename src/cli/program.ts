// The `shapeseg` program: one subcommand per file in src/cli/, each registering itself.
import { Command } from 'commander';
import { packageVersion } from '../util/package-version.js';
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
