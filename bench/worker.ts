// shapeseg side of the benchmark: one config per process so peak RSS belongs to that config alone.
// Usage: node dist/bench/worker.js '<RunConfig JSON>'  -> prints one RunResult JSON line on stdout.
// Mirrors bench/reference/deeplab_bench.py step for step (same loss, optimizer, phases and timing points).
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { DeepLabName } from '../src/models/index.js';
import type { Phases, RunConfig, RunResult } from './config.js';
import { type CrossingProfile, formatProfile, instrument } from './profile.js';
import { median } from './stats.js';

const PHASES: Array<keyof Phases> = ['forward', 'zeroGrad', 'backward', 'step', 'item'];

const rssKb = (): number => process.resourceUsage().maxRSS;

/** Runs one config and returns its result (exported for in-process use by tests). */
export async function runShapeseg(cfg: RunConfig): Promise<RunResult> {
  // Loaded here, not at the top, so rssAfterImportKb measures libtorch + addon load like the Python side's import.
  const T = await import('../src/tensor/index.js');
  const { createDeepLabV3 } = await import('../src/models/index.js');
  const { SGD } = await import('../src/optim/index.js');
  const { convertChannelsLast, foldBatchNorm, zeroGradInPlace } = await import('./model-tweaks.js');
  const rssImport = rssKb();

  if (cfg.threads > 0) T.setNumThreads(cfg.threads);
  const device = cfg.device as import('../src/tensor/index.js').Device;
  const cuda = device.startsWith('cuda');
  if (cuda) T.setCudnnBenchmark(Boolean(cfg.cudnnBenchmark));
  T.manualSeed(cfg.seed ?? 0);
  const sync = (): void => {
    if (cuda) T.cudaSynchronize();
  };
  const [h, w] = cfg.crop;
  const mf = cfg.channelsLast ? 'channelsLast' : 'contiguous';
  const withAmp = <R>(fn: () => R): R => (cfg.amp ? T.autocast(cuda ? 'cuda' : 'cpu', cfg.amp === 'bf16' ? 'bfloat16' : 'float16', fn) : fn());

  if (cfg.os !== 8 && cfg.os !== 16) throw new Error(`shapeseg builds DeepLabV3 at output stride 8 or 16, not ${cfg.os}`);
  const model = createDeepLabV3(cfg.model as DeepLabName, {
    numClasses: cfg.numClasses,
    outputStride: cfg.os,
    auxLoss: cfg.aux,
  });
  model.to(device);
  if (cfg.channelsLast) convertChannelsLast(model);
  const x = T.keep(T.tidy(() => T.randn([cfg.batch, 3, h, w], { device }).contiguous(mf)));
  const rssModel = rssKb();

  let step: () => number;
  const phases: Phases[] = [];
  let foldBnMaxAbsErr: number | undefined;
  let foldBnMaxAbsLogit: number | undefined;
  if (cfg.mode === 'train') {
    model.train();
    const target = T.keep(
      T.tidy(() => {
        const t = T.randint(0, cfg.numClasses, [cfg.batch, h, w], { device, dtype: 'int64' });
        t.narrow(1, 0, Math.floor(h / 8)).fill_(255); // some ignored pixels, as in real labels
        return t;
      }),
    );
    // torchvision's reference script decays every parameter; shapeseg's default (conv weights only) is a training choice, not a speed one
    const opt = SGD.forParameters(model.namedParameters(), {
      lr: 0.01,
      momentum: 0.9,
      weightDecay: 1e-4,
      decays: () => true,
    });
    const params = model.parameters();
    step = () => {
      const t = [performance.now()];
      const mark = (): void => {
        sync();
        t.push(performance.now());
      };
      const value = T.tidy(() => {
        const loss = withAmp(() => {
          const { out, aux } = model.forward(x);
          const main = T.F.crossEntropy(out, target, { ignoreIndex: 255 });
          return aux && cfg.aux ? main.add(T.F.crossEntropy(aux, target, { ignoreIndex: 255 }), 0.5) : main;
        });
        mark();
        if (cfg.zeroGrad === 'zero') zeroGradInPlace(params);
        else opt.zeroGrad();
        mark();
        loss.backward();
        mark();
        opt.step();
        mark();
        const v = loss.item();
        mark();
        return v;
      });
      phases.push(Object.fromEntries(PHASES.map((k, i) => [k, t[i + 1]! - t[i]!])) as unknown as Phases);
      return value;
    };
  } else {
    model.eval();
    const forward = (): number =>
      T.noGrad(() =>
        T.tidy(() => {
          const { out } = withAmp(() => model.forward(x, { aux: false }));
          sync();
          return out.narrow(2, 0, 1).narrow(3, 0, 1).narrow(1, 0, 1).item();
        }),
      );
    if (cfg.foldBn) {
      const before = T.keep(T.noGrad(() => T.tidy(() => model.forward(x, { aux: false }).out.float())));
      foldBatchNorm(model);
      // relative to the largest logit: a randomly initialised net in eval mode has large activations
      foldBnMaxAbsErr = T.noGrad(() => T.tidy(() => model.forward(x, { aux: false }).out.float().sub(before).abs().amax().item()));
      foldBnMaxAbsLogit = T.noGrad(() => T.tidy(() => before.abs().amax().item()));
      before.dispose();
    }
    step = forward;
  }

  const times: number[] = [];
  const losses: number[] = [];
  let ru0 = process.resourceUsage();
  for (let i = 0; i < cfg.warmup + cfg.steps; i++) {
    if (i === cfg.warmup) ru0 = process.resourceUsage(); // page faults and CPU time (all threads) over the timed steps
    sync();
    const t0 = performance.now();
    losses.push(step());
    sync();
    const t1 = performance.now();
    if (i >= cfg.warmup) times.push(t1 - t0);
    else phases.length = 0;
  }
  const ru1 = process.resourceUsage();
  const perStep = Math.max(cfg.steps, 1);
  let crossingProfile: CrossingProfile | undefined;
  if (cfg.profile) {
    const { N } = await import('../src/tensor/native.js'); // internal to src/tensor: instrumented read-only, here only
    // handle.dispose() is a read-only N-API method: Tensor.dispose (a thin wrapper) stands in for it
    const probe = instrument(N as unknown as Record<string, unknown>, [
      { name: 'Tensor', proto: T.Tensor.prototype as unknown as Record<string, unknown>, methods: ['dispose'] },
    ]);
    const t0 = performance.now();
    step();
    sync();
    crossingProfile = probe.report(performance.now() - t0);
    probe.restore();
    process.stderr.write(`[shapeseg ${cfg.mode} OS${cfg.os}] ${formatProfile(crossingProfile)}\n`);
  }
  const result: RunResult = {
    ok: true,
    side: 'shapeseg',
    timesMs: times,
    losses,
    phasesMs: phases.length > 0 ? (Object.fromEntries(PHASES.map((k) => [k, median(phases.map((p) => p[k]))])) as unknown as Phases) : undefined,
    maxRssKb: rssKb(),
    minorFaultsPerStep: (ru1.minorPageFault - ru0.minorPageFault) / perStep,
    cpuMsPerStep: (ru1.userCPUTime + ru1.systemCPUTime - ru0.userCPUTime - ru0.systemCPUTime) / 1000 / perStep,
    sysMsPerStep: (ru1.systemCPUTime - ru0.systemCPUTime) / 1000 / perStep,
    rssAfterImportKb: rssImport,
    rssAfterModelKb: rssModel,
    params: model.parameters().reduce((n, p) => n + p.numel(), 0),
    threads: T.getNumThreads(),
    versions: { libtorch: T.backendInfo().libtorchVersion, node: process.version },
  };
  if (foldBnMaxAbsErr !== undefined) result.foldBnMaxAbsErr = foldBnMaxAbsErr;
  if (foldBnMaxAbsLogit !== undefined) result.foldBnMaxAbsLogit = foldBnMaxAbsLogit;
  if (crossingProfile) result.crossingProfile = crossingProfile;
  if (cuda) result.cudaMaxMemoryAllocated = T.cudaMaxMemoryAllocated();
  return result;
}

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (!arg) throw new Error("usage: node dist/bench/worker.js '<RunConfig JSON>'");
  let out: RunResult;
  try {
    out = await runShapeseg(JSON.parse(arg) as RunConfig);
  } catch (e) {
    out = { ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exitCode = out.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
