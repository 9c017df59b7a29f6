// onnxruntime side of `bench --modes deploy`: the same DeepLabV3 as bench/worker.ts builds (same seed: same weights,
// same input), exported to ONNX in memory and timed through onnxruntime-node. One config per process, like the others.
// Usage: node dist/bench/onnx-worker.js '<RunConfig JSON>'  -> prints one RunResult JSON line on stdout.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { DeepLabName } from '../src/models/index.js';
import type { RunConfig, RunResult } from './config.js';

/** Times cfg's inference through onnxruntime-node; also reports the logits' max difference to libtorch's. */
export async function runOnnxruntime(cfg: RunConfig): Promise<RunResult> {
  const T = await import('../src/tensor/index.js');
  const { createDeepLabV3 } = await import('../src/models/index.js');
  const { exportOnnx } = await import('../src/deploy/onnx/index.js');
  const ort = await import('onnxruntime-node');
  if (cfg.device !== 'cpu') throw new Error(`deploy mode runs on the CPU (onnxruntime-node's CPU provider), not ${cfg.device}`);
  if (cfg.os !== 8 && cfg.os !== 16) throw new Error(`shapeseg builds DeepLabV3 at output stride 8 or 16, not ${cfg.os}`);
  if (cfg.threads > 0) T.setNumThreads(cfg.threads);
  T.manualSeed(cfg.seed ?? 0);
  // the same calls in the same order as bench/worker.ts: same weights, then the same input
  const model = createDeepLabV3(cfg.model as DeepLabName, { numClasses: cfg.numClasses, outputStride: cfg.os, auxLoss: cfg.aux }).eval();
  const [h, w] = cfg.crop;
  const shape = [cfg.batch, 3, h, w];
  const x = T.keep(T.randn(shape));
  const want = T.noGrad(() => T.tidy(() => model.forward(x, { aux: false }).out.contiguous().toArray() as Float32Array));
  const names = Array.from({ length: cfg.numClasses }, (_, k) => `class${k}`);
  const bytes = exportOnnx(model, {
    model: cfg.model,
    numClasses: cfg.numClasses,
    labelSpace: null,
    classNames: names,
    colors: names.map(() => [0, 0, 0]),
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    outputStride: cfg.os,
    batchNorm: 'main',
  });
  const params = model.parameters().reduce((n, p) => n + p.numel(), 0);
  const input = new ort.Tensor('float32', x.toArray() as Float32Array, shape);
  model.dispose();
  x.dispose();
  const session = await ort.InferenceSession.create(bytes, {
    ...(cfg.threads > 0 ? { intraOpNumThreads: cfg.threads, interOpNumThreads: 1 } : {}),
    graphOptimizationLevel: 'all',
  });
  const times: number[] = [];
  let got: Float32Array | null = null;
  for (let i = 0; i < cfg.warmup + cfg.steps; i++) {
    const t0 = performance.now();
    const out = await session.run({ input });
    const t1 = performance.now();
    if (i >= cfg.warmup) times.push(t1 - t0);
    got = out.logits!.data as Float32Array;
  }
  let err = 0;
  let maxLogit = 0;
  for (let i = 0; got !== null && i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    maxLogit = Math.max(maxLogit, Math.abs(want[i]!));
  }
  await session.release();
  return {
    ok: true,
    side: 'onnxruntime',
    timesMs: times,
    maxRssKb: process.resourceUsage().maxRSS,
    params,
    threads: cfg.threads,
    onnxMaxAbsErr: err,
    onnxMaxAbsLogit: maxLogit,
    versions: { onnxruntime: ort.env.versions.node ?? ort.env.versions.common ?? 'unknown', node: process.version },
  };
}

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (!arg) throw new Error("usage: node dist/bench/onnx-worker.js '<RunConfig JSON>'");
  let out: RunResult;
  try {
    out = await runOnnxruntime(JSON.parse(arg) as RunConfig);
  } catch (e) {
    out = { ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exitCode = out.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
