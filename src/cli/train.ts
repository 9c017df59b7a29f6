// `shapeseg train <config> [--resume] [--run-dir DIR] [--device ...]`
import * as path from 'node:path';
import type { Command } from 'commander';
import { type ConfigOverrides, loadConfig } from '../config/index.js';
import { readDistributedEnv } from '../distributed/env.js';

interface TrainFlags {
  resume?: boolean;
  runDir?: string;
  device?: string;
  threads?: string;
  progress?: boolean;
  nprocPerNode?: string;
  nnodes?: string;
  nodeRank?: string;
  masterAddr?: string;
  masterPort?: string;
}

/** The command line each worker runs: `train` with this run's options and none of the launcher's. */
function workerArgs(configFile: string, flags: TrainFlags): string[] {
  return [
    process.argv[1] ?? 'shapeseg',
    'train',
    configFile,
    ...(flags.resume ? ['--resume'] : []),
    ...(flags.runDir !== undefined ? ['--run-dir', flags.runDir] : []),
    ...(flags.device !== undefined ? ['--device', flags.device] : []),
    ...(flags.threads !== undefined ? ['--threads', flags.threads] : []),
    ...(flags.progress === false ? ['--no-progress'] : []),
  ];
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
    .option('--nproc-per-node <n>', "start N data-parallel worker processes on this machine (torchrun's launcher)")
    .option('--nnodes <m>', 'machines taking part (with --nproc-per-node)', '1')
    .option('--node-rank <r>', "this machine's index, 0..nnodes-1", '0')
    .option('--master-addr <host>', 'address of node 0, where rank 0 hosts the rendezvous store', '127.0.0.1')
    .option('--master-port <port>', 'free port on node 0 for the rendezvous store', '29500')
    .action(async (configFile: string, flags: TrainFlags) => {
      if (flags.nprocPerNode !== undefined) {
        // the launcher only spawns: the workers run this same command line without the launcher's flags
        const { launch } = await import('../distributed/launcher.js');
        process.exitCode = await launch({
          nprocPerNode: Number(flags.nprocPerNode),
          nnodes: Number(flags.nnodes),
          nodeRank: Number(flags.nodeRank),
          masterAddr: flags.masterAddr,
          masterPort: Number(flags.masterPort),
          // the workers' command line is rebuilt from this command's options, not taken from process.argv:
          // `shapeseg demo` runs `train` in-process, so process.argv is the demo's
          args: workerArgs(configFile, flags),
        });
        return;
      }
      const overrides: ConfigOverrides = { 'train.device': flags.device };
      if (flags.threads !== undefined) overrides['train.threads'] = Number(flags.threads);
      const config = loadConfig(configFile, overrides);
      const runDir = flags.runDir ?? path.join('runs', config.name ?? path.basename(configFile).replace(/\.[^.]+$/, ''));
      // loaded on use, so `--help` and config errors do not pay for loading libtorch
      const { train } = await import('../train/trainer.js');
      // RANK/WORLD_SIZE/... from our launcher, torchrun, srun or mpirun make this process one worker of several
      const distributed = readDistributedEnv();
      const result = await train({
        config,
        runDir,
        resume: flags.resume ?? false,
        progress: flags.progress === false ? 'off' : undefined,
        handleSignals: true,
        distributed,
      });
      // rank 0 speaks for all (the other ranks would repeat its summary)
      if ((distributed?.rank ?? 0) === 0) process.stderr.write(`${result.summary}\n`);
      // stopped by a signal (after checkpointing): report it like an interrupted process
      if (result.interrupted) process.exitCode = 130;
    });
}
