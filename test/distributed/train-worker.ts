// A training worker for data-parallel.test.ts: `node train-worker.js CONFIG.json RUN_DIR [--resume] [--stop-after N]`,
// one process of a data-parallel job when torchrun's variables are set, a plain run otherwise.
import * as fs from 'node:fs';
import { parseConfig } from '../../src/config/index.js';
import { readDistributedEnv } from '../../src/distributed/index.js';
import { train } from '../../src/train/trainer.js';

const [configFile, runDir, ...rest] = process.argv.slice(2);
const stopAt = rest.indexOf('--stop-after');
const result = await train({
  config: parseConfig(JSON.parse(fs.readFileSync(configFile!, 'utf8'))),
  runDir: runDir!,
  resume: rest.includes('--resume'),
  stopAfter: stopAt >= 0 ? Number(rest[stopAt + 1]) : undefined,
  progress: 'off',
  distributed: readDistributedEnv(),
});
process.stdout.write(`${JSON.stringify({ step: result.step, lastCheckpoint: result.lastCheckpoint })}\n`);
