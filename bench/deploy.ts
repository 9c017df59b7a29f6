// `bench --modes deploy`: the same model on the same input through libtorch (shapeseg's inference path on the CPU:
// eval, fp32, no grad, channels-last weights) and through onnxruntime-node (shapeseg's ONNX export, BatchNorm folded),
// each in a fresh process per round, rounds interleaved with alternating order; ratio = onnxruntime / libtorch.
import os from 'node:os';
import { type ChildOptions, runChild } from './child.js';
import type { RunConfig, RunResult } from './config.js';
import { type Plan, runConfig } from './sizes.js';
import { median, type RoundRatio, roundRatio } from './stats.js';
import { fmt, fmtRatio, formatTable } from './table.js';

/** One output stride's comparison. */
export interface DeployRow {
  name: string;
  os: 8 | 16;
  input: string;
  config: RunConfig;
  libtorch: RunResult & { medianMs?: number; minMs?: number };
  onnxruntime: RunResult & { medianMs?: number; minMs?: number };
  /** onnxruntime / libtorch per round (median of each round's steps). */
  roundRatio: RoundRatio | null;
  loadAvg: number;
}

const times = (r: RunResult): number[] => r.timesMs ?? [];

/** All rounds of one side pooled (the first failure, if any). */
function pooled(runs: RunResult[]): RunResult & { medianMs?: number; minMs?: number } {
  const bad = runs.find((r) => !r.ok);
  if (bad) return bad;
  const all = runs.flatMap(times);
  return { ...runs[0]!, timesMs: all, maxRssKb: Math.max(...runs.map((r) => r.maxRssKb ?? 0)), medianMs: median(all), minMs: Math.min(...all) };
}

/** Measures each output stride of the plan; CPU only. */
export async function measureDeploy(plan: Plan, threads: number, rounds: number, child: ChildOptions): Promise<DeployRow[]> {
  const rows: DeployRow[] = [];
  for (const os_ of plan.outputStrides) {
    const cfg: RunConfig = { ...runConfig(plan, 'infer', os_, { threads, device: 'cpu' }), channelsLast: true };
    const runs: Record<'shapeseg' | 'onnxruntime', RunResult[]> = { shapeseg: [], onnxruntime: [] };
    const input = `${cfg.batch}x3x${cfg.crop[0]}x${cfg.crop[1]}`;
    for (let round = 0; round < rounds; round++) {
      process.stderr.write(`[bench] deploy OS${os_} ${input}${rounds > 1 ? ` round ${round + 1}/${rounds}` : ''} ...`);
      const order = round % 2 === 0 ? (['shapeseg', 'onnxruntime'] as const) : (['onnxruntime', 'shapeseg'] as const);
      for (const side of order) runs[side].push(await runChild(side, cfg, child));
      const ms = (r: RunResult): string => (r.ok ? `${fmt(median(times(r)), 0)} ms` : `FAILED (${r.error?.split('\n')[0]})`);
      process.stderr.write(` libtorch ${ms(runs.shapeseg.at(-1)!)}, onnxruntime ${ms(runs.onnxruntime.at(-1)!)}\n`);
    }
    rows.push({
      name: `deploy OS${os_}`,
      os: os_,
      input,
      config: cfg,
      libtorch: pooled(runs.shapeseg),
      onnxruntime: pooled(runs.onnxruntime),
      roundRatio: roundRatio(runs.onnxruntime.map(times), runs.shapeseg.map(times)),
      loadAvg: os.loadavg()[0]!,
    });
  }
  return rows;
}

/** The deploy table's lines. */
export function renderDeploy(rows: DeployRow[]): string[] {
  if (rows.length === 0) return [];
  const cell = (r: DeployRow['libtorch']): string => (r.ok ? `${fmt(r.medianMs, 0)} (${fmt(r.minMs, 0)})` : 'FAILED');
  const body = rows.map((r) => [
    r.name,
    r.input,
    cell(r.libtorch),
    cell(r.onnxruntime),
    fmtRatio(r.onnxruntime.medianMs, r.libtorch.medianMs),
    r.roundRatio ? `${fmt(r.roundRatio.median, 2)} [${fmt(r.roundRatio.min, 2)}, ${fmt(r.roundRatio.max, 2)}] / ${r.roundRatio.rounds}` : '—',
    r.onnxruntime.onnxMaxAbsErr === undefined ? '—' : `${r.onnxruntime.onnxMaxAbsErr.toExponential(1)} of ${fmt(r.onnxruntime.onnxMaxAbsLogit, 1)}`,
  ]);
  return [
    '',
    'deployment engines on the CPU (same model and input; libtorch: eval fp32 no-grad channels-last, as shapeseg infers; ' +
      'onnxruntime-node: the ONNX export, BatchNorm folded, graph optimisation all; ratio = onnxruntime / libtorch):',
    '',
    formatTable(
      ['config', 'input', 'libtorch ms (min)', 'onnxruntime ms (min)', 'ratio', 'ratio per round: median [min, max] / rounds', 'logits max abs diff'],
      body,
    ),
  ];
}
