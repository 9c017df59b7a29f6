// `shapeseg train <config> [--resume] [--run-dir DIR] [--device ...]`
import * as path from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type ConfigOverrides } from '../config/index.js';

interface TrainFlags {
  resume?: boolean;
  runDir?: string;
  device?: string;
  threads?: string;
  progress?: boolean;
}

/** Registers `shapeseg train`. */
export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a model as a run config describes (runs/<name>/ holds checkpoints, logs, TensorBoard events)')
    .argument('<config>', 'run config (YAML or JSON)')
    .option('--resume', 'continue the run in the run directory from its latest checkpoint, exactly')
    .option('--run-dir <dir>', 'run directory (default runs/<config name>)')
    .option('--device <device>', 'override train.device: cpu, cuda or cuda:N')
    .option('--threads <n>', 'override train.threads (CPU intra-op threads)')
    .option('--no-progress', 'no progress bar or periodic lines')
    .action(async (configFile: string, flags: TrainFlags) => {
      const overrides: ConfigOverrides = { 'train.device': flags.device };
      if (flags.threads !== undefined) overrides['train.threads'] = Number(flags.threads);
      const config = loadConfig(configFile, overrides);
      const runDir = flags.runDir ?? path.join('runs', config.name ?? path.basename(configFile).replace(/\.[^.]+$/, ''));
      // loaded on use, so `--help` and config errors do not pay for loading libtorch
      const { train } = await import('../train/trainer.js');
      const result = await train({
        config,
        runDir,
        resume: flags.resume ?? false,
        progress: flags.progress === false ? 'off' : undefined,
        handleSignals: true,
      });
      process.stderr.write(`${result.summary}\n`);
      // stopped by a signal (after checkpointing): report it like an interrupted process
      if (result.interrupted) process.exitCode = 130;
    });
}
