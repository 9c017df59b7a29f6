// `shapeseg experiment FILE [--out DIR] [--only a,b]`: trains and evaluates a list of runs side by side.
import * as path from 'node:path';
import type { Command } from 'commander';

interface ExperimentFlags {
  out?: string;
  only?: string;
  trainOnly?: boolean;
  progress?: boolean;
}

/** Registers `shapeseg experiment`. */
export function registerExperimentCommand(program: Command): void {
  program
    .command('experiment')
    .description('train and evaluate a list of runs with the same data, seed and budget, and write one comparison (resumable)')
    .argument('<file>', 'experiment file (YAML or JSON): base config, runs with overrides, data to synthesise, evaluation')
    .option('-o, --out <dir>', 'experiment folder (default runs/experiments/<name>)')
    .option('--only <runs>', 'comma-separated run names to do now (the comparison covers what is finished)')
    .option('--train-only', 'train the runs, evaluate none (a later call evaluates them without retraining)')
    .option('--no-progress', 'no progress bars')
    .action(async (file: string, flags: ExperimentFlags) => {
      const { loadExperiment } = await import('../experiment/load.js');
      const experiment = loadExperiment(file);
      // loaded on use, so config errors do not pay for loading libtorch
      const { runExperiment } = await import('../experiment/runner.js');
      const { defaultEvaluator } = await import('../experiment/evaluators.js');
      const out = flags.out ?? path.join('runs', 'experiments', experiment.name);
      const result = await runExperiment({
        experiment,
        out,
        evaluator: defaultEvaluator(experiment.spec.eval),
        progress: flags.progress === false ? 'off' : undefined,
        trainOnly: flags.trainOnly ?? false,
        ...(flags.only ? { only: flags.only.split(',').map((s) => s.trim()) } : {}),
      });
      process.stdout.write(
        `\n${result.markdown}\ncomparison: ${result.files.markdown} (${[result.files.json, result.files.html, result.files.tradeoff].filter(Boolean).join(', ')})\n`,
      );
    });
}
