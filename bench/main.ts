// `npm run bench`: shapeseg vs torchvision (same libtorch, same shapes, same threads), each config in a fresh
// process per side, medians over timed steps (warm-up excluded), plus the input pipeline's rate.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { type ChildOptions, runChild } from './child.js';
import type { Phases, RunConfig, RunResult } from './config.js';
import { type CpuIsaReport, probeCpuIsa, renderCpuIsa } from './cpu-isa.js';
import { type DeployRow, measureDeploy, renderDeploy } from './deploy.js';
import { type DistBenchResult, measureDistributed } from './dist.js';
import { deeplabConvFlops, depthOf } from './flops.js';
import { benchPipelineScaling, type PipelineBenchResult, type PipelineScalingPoint } from './pipeline.js';
import { makePlan, type Plan, type PlanChoices, runConfig } from './sizes.js';
import { median, type RoundRatio, roundRatio, spread } from './stats.js';
import { fmt, fmtRatio, formatTable } from './table.js';
import { pickVariants, VARIANTS, type Variant } from './variants.js';

/** Command-line options of the bench. */
export interface BenchOptions extends PlanChoices {
  threads?: number;
  os?: Array<8 | 16>;
  modes: string[];
  variants: string;
  reference: boolean;
  python: string;
  out?: string;
  profile: boolean;
  timeout: number;
  verbose: boolean;
  rounds: number;
  /** The device's dense peak in TFLOP/s (e.g. 989 for an H100/H200's bf16): adds model FLOPs utilisation. */
  peakTflops?: number;
  /** Inference image size (--infer-size HxW). */
  inferSize?: [number, number];
  /** Instead of the comparison: data-parallel training with this many processes vs one (CPU). */
  dist?: number;
  masterPort: number;
}

/** One measured cell: a (mode, output stride, variant) run on both sides. */
export interface BenchRow {
  name: string;
  mode: 'train' | 'infer';
  os: number;
  variant: string;
  config: RunConfig;
  input: string;
  flopsPerStep: number;
  /** 1-minute load average when the cell finished (other processes make timings noisy). */
  loadAvg: number;
  shapeseg: RunResult & { medianMs?: number; minMs?: number; spread?: number };
  reference: (RunResult & { medianMs?: number; minMs?: number; spread?: number }) | null;
  /** shapeseg / torchvision per interleaved round (with --rounds > 1): median, range, whether within noise. */
  roundRatio?: RoundRatio | null;
  /**
   * A variant row: the default row of its (mode, stride), i.e. fp32 NCHW, medians per side, and this row's
   * shapeseg against that row's torchvision per interleaved round (with --rounds > 1).
   */
  baseline?: { shapesegMs?: number | undefined; referenceMs?: number | undefined; roundRatio?: RoundRatio | null };
}

/** The JSON written to bench/results/. */
export interface BenchReport {
  date: string;
  host: string;
  machine: { cpu: string; cores: number; memGiB: number; device: string; threads: number; peakTflops?: number; cpuIsa?: CpuIsaReport };
  plan: Plan;
  rows: BenchRow[];
  pipeline: PipelineSummary | null;
  /** With --modes deploy: libtorch vs onnxruntime-node inference per output stride. */
  deploy?: DeployRow[];
  /** With --dist: N processes against one. */
  distributed?: DistBenchResult;
  wallS: number;
}

/** The input pipeline's rate against what training consumes. */
export interface PipelineSummary {
  imagesPerSec: number | null;
  detail: PipelineBenchResult | null;
  /** The rate per data-worker count (what `data.workers` buys). */
  scaling: PipelineScalingPoint[];
  consumes: Array<{ os: number; imagesPerSec: number }>;
  error?: string;
}

function parseArgs(argv: string[]): BenchOptions {
  const list = (v: string): string[] =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const int =
    (name: string) =>
    (v: string): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive integer, got "${v}"`);
      return n;
    };
  const cmd = new Command('bench')
    .description('shapeseg vs torchvision (same libtorch): training step, inference, input pipeline')
    .addOption(new Option('--device <device>', 'cpu or cuda[:N]').default('cpu'))
    .option('--threads <n>', 'intra-op threads on both sides (default: all cores)', int('threads'))
    .option('--quick', 'smaller inference image and fewer steps', false)
    .option('--smoke', 'tiny shapes, ResNet-18, one step (what the test runs)', false)
    .option('--crop <px>', 'training crop (square)', int('crop'))
    .option('--batch <n>', 'training batch', int('batch'))
    .option('--steps <n>', 'timed steps per config', int('steps'))
    .option('--infer-size <HxW>', 'inference image size (default 375x1242, KITTI)', (v: string): [number, number] => {
      const m = /^(\d+)x(\d+)$/.exec(v);
      if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new Error(`--infer-size: expected HEIGHTxWIDTH, e.g. 188x621, got "${v}"`);
      return [Number(m[1]), Number(m[2])];
    })
    .option('--model <name>', 'deeplabv3_resnet{18,34,50,101}')
    .option('--os <list>', 'output strides, e.g. 16,8', (v: string) =>
      list(v).map((s) => {
        if (s !== '8' && s !== '16') throw new Error(`--os: expected 8 and/or 16, got "${s}"`);
        return Number(s) as 8 | 16;
      }),
    )
    .option('--modes <list>', 'any of train,infer,pipeline,deploy (deploy: libtorch vs onnxruntime-node inference, CPU, on request)', list, [
      'train',
      'infer',
      'pipeline',
    ])
    .option('--variants <list>', `extra rows: all, none, or some of ${Object.keys(VARIANTS).join(',')}`, 'default')
    .option('--no-reference', 'skip the torchvision side')
    .option('--python <path>', 'python with torch + torchvision', process.env.SHAPESEG_PYTHON ?? '/usr/bin/python3')
    .option('--out <file>', 'results JSON (default bench/results/<date>-<host>.json)')
    .option('--profile', 'print per-phase/op profiles of each child to stderr', false)
    .option('--timeout <s>', 'per-child time limit in seconds', int('timeout'), 900)
    .option(
      '--rounds <n>',
      'runs per side and config, interleaved, alternating which side goes first; 3+ rounds add the ratio per round and whether a difference is within noise (short rounds: --steps 3)',
      int('rounds'),
      1,
    )
    .option('--verbose', "stream the children's stderr", false)
    .option('--dist <n>', 'instead: training images/s of n data-parallel processes (threads/n each) vs 1 process (CPU)', int('dist'))
    .option('--master-port <port>', 'rendezvous port for --dist', int('master-port'), 29500)
    .option('--peak-tflops <n>', "the device's dense peak TFLOP/s (bf16 for MFU on a GPU): adds an MFU column", (v: string) => {
      const n = Number(v);
      if (!(n > 0)) throw new Error(`--peak-tflops: expected a positive number, got "${v}"`);
      return n;
    });
  cmd.parse(argv, { from: 'user' });
  return cmd.opts<BenchOptions>();
}

const cpuName = (): string => os.cpus()[0]?.model.trim() ?? 'unknown cpu';

function describeInput(c: RunConfig): string {
  return `${c.batch}x3x${c.crop[0]}x${c.crop[1]}`;
}

function withStats(r: RunResult): RunResult & { medianMs?: number; minMs?: number; spread?: number } {
  return r.ok && r.timesMs ? { ...r, medianMs: median(r.timesMs), minMs: Math.min(...r.timesMs), spread: spread(r.timesMs) } : r;
}

/** Pools the timed steps of several runs of one side (phases, faults, CPU time: median over runs; RSS: max). */
function mergeRounds(runs: RunResult[]): RunResult {
  const bad = runs.find((r) => !r.ok);
  if (bad || runs.length === 1) return bad ?? runs[0]!;
  const med = (f: (r: RunResult) => number | null | undefined): number => median(runs.map(f).filter((v): v is number => typeof v === 'number'));
  const first = runs[0]!;
  return {
    ...first,
    timesMs: runs.flatMap((r) => r.timesMs ?? []),
    losses: runs.flatMap((r) => r.losses ?? []),
    maxRssKb: Math.max(...runs.map((r) => r.maxRssKb ?? 0)),
    minorFaultsPerStep: med((r) => r.minorFaultsPerStep),
    cpuMsPerStep: med((r) => r.cpuMsPerStep),
    sysMsPerStep: med((r) => r.sysMsPerStep),
    phasesMs: first.phasesMs
      ? (Object.fromEntries(Object.keys(first.phasesMs).map((k) => [k, med((r) => r.phasesMs?.[k as keyof Phases])])) as unknown as Phases)
      : undefined,
  };
}

/** One (mode, output stride, variant) cell: its config and every round's result per side. */
interface Cell {
  mode: 'train' | 'infer';
  os: 8 | 16;
  variant: Variant | null;
  cfg: RunConfig;
  label: string;
  runs: Record<Side, RunResult[]>;
  /** 1-minute load average when the cell's last run finished. */
  loadAvg: number;
}
type Side = 'shapeseg' | 'reference';

/** The cells in table order: per mode, the default rows at each stride, then each variant at its strides. */
function planCells(opts: BenchOptions, plan: Plan, threads: number): Cell[] {
  const variants = pickVariants(opts.variants, { device: opts.device, quick: opts.quick || opts.smoke });
  const cells: Cell[] = [];
  const add = (mode: 'train' | 'infer', os_: 8 | 16, variant: Variant | null): void => {
    const base = runConfig(plan, mode, os_, { threads, device: opts.device });
    const cfg: RunConfig = { ...base, ...(variant?.config ?? {}), profile: opts.profile, countFlops: opts.smoke };
    const label = `${mode} OS${os_}${variant ? ` [${variant.name}]` : ''}`;
    cells.push({ mode, os: os_, variant, cfg, label, runs: { shapeseg: [], reference: [] }, loadAvg: NaN });
  };
  for (const mode of (['train', 'infer'] as const).filter((m) => opts.modes.includes(m))) {
    for (const os_ of plan.outputStrides) add(mode, os_, null);
    for (const v of variants) {
      if (!v.modes.includes(mode)) continue;
      for (const os_ of v.allStrides ? plan.outputStrides : plan.outputStrides.slice(0, 1)) add(mode, os_, v);
    }
  }
  return cells;
}

/**
 * Runs every cell on both sides; with --rounds N the rounds are interleaved over all cells of one (mode, stride),
 * alternating which side and which end of the list goes first, so a variant's round k and the default row's
 * round k ran minutes apart at most and load or drift hit them alike (their per-round ratio is then meaningful).
 */
async function measure(opts: BenchOptions, plan: Plan, threads: number, child: ChildOptions): Promise<BenchRow[]> {
  const cells = planCells(opts, plan, threads);
  const groups = new Map<string, Cell[]>();
  for (const c of cells) groups.set(`${c.mode}/${c.os}`, [...(groups.get(`${c.mode}/${c.os}`) ?? []), c]);
  for (const group of groups.values()) {
    for (let round = 0; round < opts.rounds; round++) {
      const order: Side[] = round % 2 === 0 ? ['reference', 'shapeseg'] : ['shapeseg', 'reference'];
      for (const cell of round % 2 === 0 ? group : [...group].reverse()) {
        process.stderr.write(`[bench] ${cell.label} ${describeInput(cell.cfg)}${opts.rounds > 1 ? ` round ${round + 1}/${opts.rounds}` : ''} ...`);
        const t0 = Date.now();
        const env = { ...child.env, ...cell.variant?.env };
        const got: Partial<Record<Side, RunResult>> = {};
        for (const side of order) {
          if (side === 'reference' && !opts.reference) continue;
          const r = await runChild(side, cell.cfg, { ...child, env });
          cell.runs[side].push(r);
          got[side] = r;
        }
        cell.loadAvg = os.loadavg()[0]!;
        const ms = (r?: RunResult): string => (r ? (r.ok ? `${fmt(median(r.timesMs ?? []), 0)} ms` : 'FAILED') : '—');
        const err = [got.shapeseg, got.reference].find((r) => r && !r.ok)?.error;
        process.stderr.write(
          ` ${((Date.now() - t0) / 1000).toFixed(0)} s, load ${os.loadavg()[0]!.toFixed(1)}: shapeseg ${ms(got.shapeseg)}, reference ${ms(got.reference)}` +
            (err ? `\n  error: ${err.split('\n')[0]}` : '') +
            '\n',
        );
      }
    }
  }
  const rows = cells.map((c) => toRow(c, opts));
  // each variant against its (mode, stride)'s default row: above all mixed precision against fp32
  for (const [i, cell] of cells.entries()) {
    if (!cell.variant) continue;
    const k = cells.findIndex((c) => c.variant === null && c.mode === cell.mode && c.os === cell.os);
    const base = rows[k];
    if (!base) continue;
    rows[i]!.baseline = {
      shapesegMs: base.shapeseg.medianMs,
      referenceMs: base.reference?.medianMs,
      ...(opts.reference && opts.rounds > 1 ? { roundRatio: roundRatio(cell.runs.shapeseg.map(times), cells[k]!.runs.reference.map(times)) } : {}),
    };
  }
  return rows;
}

const times = (r: RunResult): number[] => r.timesMs ?? [];

/** A cell's row: pooled rounds per side, FLOPs, the per-round ratio. */
function toRow(cell: Cell, opts: BenchOptions): BenchRow {
  const cfg = cell.cfg;
  const reference = opts.reference ? withStats(mergeRounds(cell.runs.reference)) : null;
  const shapeseg = withStats(mergeRounds(cell.runs.shapeseg));
  const flops = deeplabConvFlops({
    depth: depthOf(cfg.model),
    outputStride: cfg.os,
    numClasses: cfg.numClasses,
    auxLoss: cfg.aux,
    batch: cfg.batch,
    height: cfg.crop[0],
    width: cfg.crop[1],
  });
  return {
    name: cell.label,
    mode: cell.mode,
    os: cell.os,
    variant: cell.variant?.name ?? 'default',
    config: cfg,
    input: describeInput(cfg),
    flopsPerStep: cell.mode === 'train' ? 3 * flops : flops,
    loadAvg: cell.loadAvg,
    shapeseg,
    reference,
    ...(opts.reference && opts.rounds > 1 ? { roundRatio: roundRatio(cell.runs.shapeseg.map(times), cell.runs.reference.map(times)) } : {}),
  };
}

async function measurePipeline(opts: BenchOptions, plan: Plan, rows: BenchRow[]): Promise<PipelineSummary> {
  const consumes = rows
    .filter((r) => r.mode === 'train' && r.variant === 'default' && r.shapeseg.medianMs)
    .map((r) => ({ os: r.os, imagesPerSec: (r.config.batch * 1000) / r.shapeseg.medianMs! }));
  try {
    process.stderr.write('[bench] input pipeline ...');
    const p = plan.pipeline;
    const device = opts.device.startsWith('cuda') ? 'cuda' : 'cpu';
    const { points, runs } = await benchPipelineScaling({ images: p.images, count: p.count, crop: p.crop, batchSize: p.batch, normalize: device });
    // the headline is the best worker count (what a run with data.workers set that way gets)
    const detail = runs.reduce((a, b) => (b.imagesPerSec > a.imagesPerSec ? b : a));
    process.stderr.write(` ${points.map((x) => `${x.workers} workers ${fmt(x.imagesPerSec, 1)}/s`).join(', ')}\n`);
    return { imagesPerSec: detail.imagesPerSec, detail, scaling: points, consumes };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    process.stderr.write(`[bench] input pipeline: ${error}\n`);
    return { imagesPerSec: null, detail: null, scaling: [], consumes, error };
  }
}

/** "1.043 [1.021, 1.066] over 7 rounds", with "within noise" when the rounds' ratios straddle 1. */
function describeRoundRatio(r: RoundRatio | null | undefined): string {
  if (!r) return '—';
  const range = `${fmt(r.median, 3)} [${fmt(r.min, 3)}, ${fmt(r.max, 3)}] over ${r.rounds} rounds`;
  return r.withinNoise ? `${range}: within noise` : `${range}: ${r.median > 1 ? 'slower' : 'faster'} beyond noise`;
}

/** Model FLOPs utilisation in percent: the step's (analytic conv) FLOPs per second over the device's peak. */
function mfu(gflopPerStep: number, ms: number | undefined, peakTflops: number): string {
  return ms ? `${fmt((100 * gflopPerStep) / (ms / 1000) / (peakTflops * 1000), 1)}%` : '—';
}

/** Issue #16's goal for bf16 training on the CPU: shapeseg's step at most these fractions of torchvision's fp32 and bf16 steps. */
export const BF16_GOAL = { vsTorchvisionFp32: 0.5, vsTorchvisionBf16: 0.9 } as const;

/** "0.46x [0.44, 0.49]": a ratio of medians and, with --rounds, the range of the per-round ratios. */
function ratioWithRange(a: number | undefined, b: number | undefined, r: RoundRatio | null | undefined): string {
  const ratio = fmtRatio(a, b);
  return r && ratio !== '—' ? `${ratio} [${fmt(r.min, 2)}, ${fmt(r.max, 2)}]` : ratio;
}

/** Whether a CPU bf16 training row meets BF16_GOAL on the medians, and in how many rounds it does. */
function goalVerdict(r: BenchRow): string {
  const s = r.shapeseg.medianMs;
  const vsFp32 = s && r.baseline?.referenceMs ? s / r.baseline.referenceMs : NaN;
  const vsSame = s && r.reference?.medianMs ? s / r.reference.medianMs : NaN;
  if (!Number.isFinite(vsFp32) || !Number.isFinite(vsSame)) return '—';
  const met = vsFp32 <= BF16_GOAL.vsTorchvisionFp32 && vsSame <= BF16_GOAL.vsTorchvisionBf16;
  const a = r.baseline?.roundRatio?.ratios;
  const b = r.roundRatio?.ratios;
  if (!a || !b) return met ? 'met' : 'not met';
  const n = Math.min(a.length, b.length);
  const ok = a.slice(0, n).filter((x, k) => x <= BF16_GOAL.vsTorchvisionFp32 && b[k]! <= BF16_GOAL.vsTorchvisionBf16).length;
  return `${met ? 'met' : 'not met'} (${ok}/${n} rounds)`;
}

/** Mixed-precision rows against fp32: both ratios of issue #16's goal, and what each side gains over its own fp32. */
function renderMixedPrecision(rep: BenchReport): string[] {
  const amp = rep.rows.filter((r) => r.config.amp && r.baseline);
  if (amp.length === 0) return [];
  const cpu = rep.machine.device === 'cpu';
  const rounds = amp.some((r) => r.roundRatio);
  const header = [
    'config',
    'shapeseg ms',
    'tv fp32 ms',
    'tv same ms',
    `s / tv fp32${rounds ? ' [rounds]' : ''}`,
    `s / tv same${rounds ? ' [rounds]' : ''}`,
    's / s fp32',
    'tv / tv fp32',
    ...(cpu ? [`goal: train <= ${BF16_GOAL.vsTorchvisionFp32}x tv fp32 and <= ${BF16_GOAL.vsTorchvisionBf16}x tv same`] : []),
  ];
  const rows = amp.map((r) => {
    const s = r.shapeseg.medianMs;
    const t = r.reference?.medianMs;
    return [
      r.name,
      fmt(s, 0),
      fmt(r.baseline?.referenceMs, 0),
      fmt(t, 0),
      ratioWithRange(s, r.baseline?.referenceMs, r.baseline?.roundRatio),
      ratioWithRange(s, t, r.roundRatio),
      fmtRatio(s, r.baseline?.shapesegMs),
      fmtRatio(t, r.baseline?.referenceMs),
      ...(cpu ? [r.mode === 'train' ? goalVerdict(r) : '—'] : []),
    ];
  });
  return [
    '',
    'mixed precision against fp32 (fp32 = the default row of the same mode and OS; tv same = torchvision with the same setting' +
      `${rounds ? '; [min, max] of the per-round ratios, rounds interleaved over the rows of one mode and OS' : ''}):`,
    '',
    formatTable(header, rows),
  ];
}

/** The results table (also what docs/benchmarks.md shows). */
export function renderReport(rep: BenchReport): string {
  const header = [
    'config',
    'input',
    'GFLOP/step',
    'shapeseg ms (min)',
    'torchvision ms (min)',
    'ratio',
    'ratio of mins',
    'GFLOP/s s / tv',
    'peak RSS MB s / tv',
    'RSS ratio',
    ...(rep.machine.peakTflops ? [`MFU s / tv (of ${rep.machine.peakTflops} TFLOP/s)`] : []),
    ...(rep.machine.device.startsWith('cuda') ? ['peak CUDA MB s / tv'] : []),
    ...(rep.rows.some((r) => r.roundRatio) ? ['ratio per round: median [min, max]'] : []),
  ];
  const cell = (r: BenchRow['shapeseg'] | null): string => (r === null ? '—' : r.ok ? `${fmt(r.medianMs, 0)} (${fmt(r.minMs, 0)})` : 'FAILED');
  const rows = rep.rows.map((r) => {
    const s = r.shapeseg.medianMs;
    const t = r.reference?.medianMs;
    const gf = r.flopsPerStep / 1e9;
    const mb = (kb?: number): string => fmt(kb ? kb / 1024 : NaN, 0);
    return [
      r.name,
      r.input,
      fmt(gf, 1),
      cell(r.shapeseg),
      cell(r.reference),
      fmtRatio(s, t),
      fmtRatio(r.shapeseg.minMs, r.reference?.minMs),
      `${fmt(s ? gf / (s / 1000) : NaN, 1)} / ${fmt(t ? gf / (t / 1000) : NaN, 1)}`,
      `${mb(r.shapeseg.maxRssKb)} / ${mb(r.reference?.maxRssKb)}`,
      fmtRatio(r.shapeseg.maxRssKb, r.reference?.maxRssKb),
      ...(rep.machine.peakTflops ? [`${mfu(gf, s, rep.machine.peakTflops)} / ${mfu(gf, t, rep.machine.peakTflops)}`] : []),
      ...(rep.machine.device.startsWith('cuda')
        ? [`${fmt((r.shapeseg.cudaMaxMemoryAllocated ?? NaN) / 2 ** 20, 0)} / ${fmt((r.reference?.cudaMaxMemoryAllocated ?? NaN) / 2 ** 20, 0)}`]
        : []),
      ...(rep.rows.some((x) => x.roundRatio) ? [describeRoundRatio(r.roundRatio)] : []),
    ];
  });
  if (rep.distributed) return renderDistributed(rep, rep.distributed);
  const lines = [
    `shapeseg bench — ${rep.date} on ${rep.host}: ${rep.machine.cpu}, ${rep.machine.cores} cores, ` +
      `${rep.machine.memGiB} GiB; device ${rep.machine.device}; ${rep.machine.threads} threads on both sides`,
    `model ${rep.plan.model}, ${rep.plan.numClasses} classes, aux loss ${rep.plan.aux ? 'on (0.5)' : 'off'} in training, ` +
      'no aux head in inference; median (min) over timed steps, warm-up excluded; ratio = shapeseg / torchvision',
    ...(rep.machine.cpuIsa ? renderCpuIsa(rep.machine.cpuIsa) : []),
    ...(rows.length > 0 ? ['', formatTable(header, rows)] : []),
    ...renderMixedPrecision(rep),
    ...renderDeploy(rep.deploy ?? []),
  ];
  const phaseRows = rep.rows
    .filter((r) => r.mode === 'train' && r.shapeseg.phasesMs)
    .flatMap((r) =>
      (['shapeseg', 'reference'] as const).flatMap((side) => {
        const p = r[side]?.phasesMs;
        return p ? [[`${r.name} ${side}`, fmt(p.forward), fmt(p.zeroGrad, 1), fmt(p.backward), fmt(p.step, 1), fmt(p.item, 1)]] : [];
      }),
    );
  if (phaseRows.length > 0) {
    lines.push('', 'training step phases (median ms):', '');
    lines.push(formatTable(['config', 'forward+loss', 'zero_grad', 'backward', 'SGD step', 'loss.item'], phaseRows));
  }
  const foldErr = rep.rows.filter((r) => r.shapeseg.foldBnMaxAbsErr !== undefined);
  for (const r of foldErr) {
    const rel = r.shapeseg.foldBnMaxAbsLogit ? r.shapeseg.foldBnMaxAbsErr! / r.shapeseg.foldBnMaxAbsLogit : NaN;
    lines.push(
      `${r.name}: folding BN changes logits by at most ${r.shapeseg.foldBnMaxAbsErr!.toExponential(2)} ` +
        `(max |logit| ${fmt(r.shapeseg.foldBnMaxAbsLogit, 1)}, relative ${rel.toExponential(1)})`,
    );
  }
  if (rep.pipeline) {
    const p = rep.pipeline;
    lines.push('');
    if (p.imagesPerSec === null) lines.push(`input pipeline: not measured (${p.error ?? 'no rate reported'})`);
    else {
      const c = p.consumes.map((x) => `OS${x.os} trains on ${fmt(x.imagesPerSec, 1)}/s (${fmtRatio(p.imagesPerSec, x.imagesPerSec)} headroom)`);
      lines.push(
        `input pipeline (decode 375x1242 PNG + RandomScale + crop ${rep.plan.pipeline.crop} + flip + normalise on ` +
          `${p.detail?.normalize}, ${p.detail?.concurrency} concurrent decodes): ${fmt(p.imagesPerSec, 1)} images/s ` +
          `(decode alone ${fmt(p.detail?.decodeImagesPerSec, 1)}/s, scale+crop+flip ${fmt(p.detail?.transformMsPerImage, 1)} ms/image); ` +
          `${c.join('; ') || 'no training rows to compare with'}`,
      );
      if (p.scaling.length > 0) {
        lines.push('', 'input pipeline per data-worker count (0: main thread + libuv decodes):', '');
        lines.push(
          formatTable(
            ['workers', 'images/s', 'cores', 'images/s per core', 'speedup over 1 worker'],
            p.scaling.map((x) => [
              String(x.workers),
              fmt(x.imagesPerSec, 1),
              String(x.cores),
              fmt(x.imagesPerSecPerCore, 1),
              x.speedup === null ? '—' : `${fmt(x.speedup, 2)}x`,
            ]),
          ),
        );
      }
    }
  }
  return lines.join('\n');
}

/** The --dist report: images/s of one process and of N, speedup and scaling efficiency. */
function renderDistributed(rep: BenchReport, d: DistBenchResult): string {
  const row = (r: DistBenchResult['single']) => [
    String(r.procs),
    String(r.threadsPerProcess),
    `${r.procs}×${d.config.batch}`,
    fmt(r.medianMs, 0),
    fmt(r.imagesPerSec, 2),
  ];
  return [
    `shapeseg bench --dist — ${rep.date} on ${rep.host}: ${rep.machine.cpu}, ${rep.machine.cores} cores; ` +
      `${d.config.model} OS${d.config.os} training, ${d.config.batch}x3x${d.config.crop[0]}x${d.config.crop[1]} per process, Gloo`,
    '',
    formatTable(['processes', 'threads each', 'global batch', 'step ms (median)', 'images/s'], [row(d.single), row(d.multi)]),
    '',
    `speedup ${fmt(d.speedup, 2)}x with ${d.multi.procs} processes; scaling efficiency ${fmt(100 * d.efficiency, 0)}%`,
  ].join('\n');
}

function defaultOut(date: string): string {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench/results');
  return path.join(root, `${date.slice(0, 19).replace(/[:T]/g, '-')}-${os.hostname()}.json`);
}

/** Runs the whole bench with command-line `argv` (without node and script); returns the report. */
export async function runBench(argv: string[]): Promise<BenchReport> {
  const opts = parseArgs(argv);
  if (opts.modes.includes('deploy') && opts.device !== 'cpu') throw new Error(`--modes deploy runs on the CPU only, not --device ${opts.device}`);
  const started = Date.now();
  const cores = os.availableParallelism();
  const threads = opts.threads ?? cores;
  const plan = makePlan({
    device: opts.device,
    cores,
    quick: opts.quick,
    smoke: opts.smoke,
    crop: opts.crop,
    batch: opts.batch,
    steps: opts.steps,
    model: opts.model,
    outputStrides: opts.os,
    inferSize: opts.inferSize,
  });
  const child: ChildOptions = {
    python: opts.python,
    timeoutS: opts.timeout,
    verbose: opts.verbose || opts.profile,
    // both sides also call set_num_threads(threads); the variables make OpenMP/oneDNN start with the same pool
    env: { OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) },
  };
  const distributed =
    opts.dist === undefined
      ? undefined
      : await measureDistributed(runConfig(plan, 'train', plan.outputStrides[0]!, { threads, device: opts.device }), opts.dist, opts.masterPort);
  // what the CPU offers bf16 (flags, oneDNN's ISA and kernels on both sides), before the timed children
  const cpuIsa = distributed || opts.device !== 'cpu' ? undefined : await probeCpuIsa({ python: opts.reference ? opts.python : null, env: child.env ?? {} });
  const rows = distributed ? [] : await measure(opts, plan, threads, child);
  const pipeline = !distributed && opts.modes.includes('pipeline') ? await measurePipeline(opts, plan, rows) : null;
  const deploy = !distributed && opts.modes.includes('deploy') ? await measureDeploy(plan, threads, opts.rounds, child) : undefined;
  const date = new Date().toISOString();
  const report: BenchReport = {
    date,
    host: os.hostname(),
    machine: {
      cpu: cpuName(),
      cores,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      device: opts.device,
      threads,
      ...(opts.peakTflops ? { peakTflops: opts.peakTflops } : {}),
      ...(cpuIsa ? { cpuIsa } : {}),
    },
    plan,
    rows,
    pipeline,
    ...(deploy ? { deploy } : {}),
    ...(distributed ? { distributed } : {}),
    wallS: (Date.now() - started) / 1000,
  };
  console.log(renderReport(report));
  const out = opts.out ?? defaultOut(date);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nresults: ${out} (${report.wallS.toFixed(0)} s)`);
  return report;
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  runBench(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
