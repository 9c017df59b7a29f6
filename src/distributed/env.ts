// The launch environment of a worker: torchrun's variables, or Slurm's / Open MPI's when those launched it.
import { z } from 'zod';

/** Where this process sits in the job and how to reach the rendezvous store (torchrun's names). */
export interface DistributedEnv {
  rank: number;
  localRank: number;
  worldSize: number;
  localWorldSize: number;
  masterAddr: string;
  masterPort: number;
}

const count = (name: string) => z.coerce.number({ error: `${name} must be a number` }).int(`${name} must be an integer`);

const schema = z
  .object({
    rank: count('RANK').nonnegative(),
    localRank: count('LOCAL_RANK').nonnegative(),
    worldSize: count('WORLD_SIZE').positive(),
    localWorldSize: count('LOCAL_WORLD_SIZE').positive(),
    masterAddr: z.string().min(1, 'MASTER_ADDR must not be empty'),
    masterPort: count('MASTER_PORT').min(1).max(65535),
  })
  .refine((e) => e.rank < e.worldSize, { message: 'RANK must be below WORLD_SIZE', path: ['rank'] })
  .refine((e) => e.localRank < e.localWorldSize, { message: 'LOCAL_RANK must be below LOCAL_WORLD_SIZE', path: ['localRank'] });

/** The first variable of names that is set (launchers name the same thing differently). */
function pick(env: NodeJS.ProcessEnv, ...names: string[]): string | undefined {
  for (const n of names) if (env[n] !== undefined && env[n] !== '') return env[n];
  return undefined;
}

/**
 * Reads the worker's place in a distributed job, or null when nothing says it is one (plain single-process
 * training). torchrun's RANK/WORLD_SIZE/LOCAL_RANK/MASTER_ADDR/MASTER_PORT come first; Slurm's (srun) and Open
 * MPI's (mpirun) rank variables stand in for them, with MASTER_ADDR/MASTER_PORT still required from the user.
 */
export function readDistributedEnv(env: NodeJS.ProcessEnv = process.env): DistributedEnv | null {
  const worldSize = pick(env, 'WORLD_SIZE', 'SLURM_NTASKS', 'OMPI_COMM_WORLD_SIZE');
  if (worldSize === undefined) return null;
  const raw = {
    rank: pick(env, 'RANK', 'SLURM_PROCID', 'OMPI_COMM_WORLD_RANK') ?? '',
    localRank: pick(env, 'LOCAL_RANK', 'SLURM_LOCALID', 'OMPI_COMM_WORLD_LOCAL_RANK') ?? '0',
    worldSize,
    localWorldSize: pick(env, 'LOCAL_WORLD_SIZE', 'SLURM_NTASKS_PER_NODE', 'OMPI_COMM_WORLD_LOCAL_SIZE') ?? worldSize,
    masterAddr: pick(env, 'MASTER_ADDR') ?? '',
    masterPort: pick(env, 'MASTER_PORT') ?? '',
  };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`distributed environment: ${issue.message} (got ${JSON.stringify(raw)})`);
  }
  return parsed.data;
}

/** The variables a launcher sets for one worker (the ones torchrun sets). */
export function workerEnv(e: DistributedEnv): Record<string, string> {
  return {
    RANK: String(e.rank),
    LOCAL_RANK: String(e.localRank),
    WORLD_SIZE: String(e.worldSize),
    LOCAL_WORLD_SIZE: String(e.localWorldSize),
    MASTER_ADDR: e.masterAddr,
    MASTER_PORT: String(e.masterPort),
  };
}
