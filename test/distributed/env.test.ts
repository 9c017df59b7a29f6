// The worker environment: torchrun's variables, Slurm's and Open MPI's stand-ins, errors naming the variable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readDistributedEnv, workerEnv } from '../../src/distributed/env.js';

const torchrun = { RANK: '3', LOCAL_RANK: '1', WORLD_SIZE: '4', LOCAL_WORLD_SIZE: '2', MASTER_ADDR: 'node0', MASTER_PORT: '29500' };

test('torchrun variables are read and written back unchanged; none means a single process', () => {
  const env = readDistributedEnv(torchrun);
  assert.deepEqual(env, { rank: 3, localRank: 1, worldSize: 4, localWorldSize: 2, masterAddr: 'node0', masterPort: 29500 });
  assert.deepEqual(workerEnv(env!), torchrun);
  assert.equal(readDistributedEnv({}), null);
});

test("Slurm and Open MPI rank variables stand in for torchrun's", () => {
  const slurm = readDistributedEnv({
    SLURM_PROCID: '5',
    SLURM_NTASKS: '8',
    SLURM_LOCALID: '1',
    SLURM_NTASKS_PER_NODE: '4',
    MASTER_ADDR: 'n0',
    MASTER_PORT: '1234',
  });
  assert.deepEqual(slurm, { rank: 5, localRank: 1, worldSize: 8, localWorldSize: 4, masterAddr: 'n0', masterPort: 1234 });
  const mpi = readDistributedEnv({ OMPI_COMM_WORLD_RANK: '1', OMPI_COMM_WORLD_SIZE: '2', MASTER_ADDR: 'n0', MASTER_PORT: '1234' });
  assert.equal(mpi?.rank, 1);
  assert.equal(mpi?.localRank, 0);
});

test('bad values name the variable', () => {
  assert.throws(() => readDistributedEnv({ ...torchrun, RANK: '4' }), /RANK must be below WORLD_SIZE/);
  assert.throws(() => readDistributedEnv({ ...torchrun, MASTER_PORT: 'x' }), /MASTER_PORT must be a number/);
  assert.throws(() => readDistributedEnv({ ...torchrun, MASTER_ADDR: '' }), /MASTER_ADDR must not be empty/);
});
