// Optional settings measured as extra rows (same setting on both sides unless the side lacks it).
import type { RunConfig } from './config.js';

/** A named tweak applied to both sides' RunConfig. */
export interface Variant {
  name: string;
  modes: Array<'train' | 'infer'>;
  config: Partial<RunConfig>;
  /** Extra environment for both children (e.g. glibc malloc tunables). */
  env?: Record<string, string>;
  /** Devices it makes sense on. */
  devices: Array<'cpu' | 'cuda'>;
  /** Measured at every output stride of the plan (the others: at the first only, OS 16 by default). */
  allStrides?: boolean;
}

/** Every variant the bench knows, by name. */
export const VARIANTS: Record<string, Variant> = {
  'grads-none': { name: 'zero_grad set_to_none', modes: ['train'], config: { zeroGrad: 'none' }, devices: ['cpu', 'cuda'] },
  'grads-zero': { name: 'zero_grad in place', modes: ['train'], config: { zeroGrad: 'zero' }, devices: ['cpu', 'cuda'] },
  'channels-last': { name: 'channels-last', modes: ['train', 'infer'], config: { channelsLast: true }, devices: ['cpu', 'cuda'] },
  // glibc returns freed heap tops to the OS and mmaps big blocks afresh: every step re-faults ~200 MB of pages.
  // These keep them (what mallopt() at addon load would do); RSS stays at the peak either way.
  malloc: {
    name: 'malloc keeps freed memory',
    modes: ['train', 'infer'],
    config: {},
    env: { MALLOC_MMAP_THRESHOLD_: String(32 << 20), MALLOC_TRIM_THRESHOLD_: String(2 ** 31 - 1), MALLOC_TOP_PAD_: String(256 << 20) },
    devices: ['cpu'],
  },
  // shapeseg's own allocator settings off (no mallopt tuning, no cache of large blocks): what they gain.
  'system-malloc': {
    name: 'shapeseg on plain malloc',
    modes: ['train', 'infer'],
    config: {},
    env: { SHAPESEG_SYSTEM_MALLOC: '1' },
    devices: ['cpu'],
  },
  'fold-bn': { name: 'BN folded', modes: ['infer'], config: { foldBn: true }, devices: ['cpu', 'cuda'] },
  // bf16 changes the cost of every conv, and OS 8 has 3x the FLOPs of OS 16 in dilated 3x3 convs: both strides
  bf16: { name: 'bf16 autocast', modes: ['train', 'infer'], config: { amp: 'bf16' }, devices: ['cpu', 'cuda'], allStrides: true },
  // oneDNN's bf16 convs on NHWC take brgemm kernels and skip the reorders to its blocked layout (bench/cpu-isa.ts shows which)
  'bf16-channels-last': {
    name: 'bf16 + channels-last',
    modes: ['train', 'infer'],
    config: { amp: 'bf16', channelsLast: true },
    devices: ['cpu'],
    allStrides: true,
  },
  // torch 1.13 dispatches ATen's own kernels (BN, ReLU, adds, upsampling, the bf16<->fp32 casts) at AVX2 unless
  // told otherwise (pytorch#80252 made AVX512 opt-in); oneDNN's convs pick their ISA themselves either way
  'bf16-avx512': {
    name: 'bf16, ATen AVX512 kernels',
    modes: ['train', 'infer'],
    config: { amp: 'bf16' },
    env: { ATEN_CPU_CAPABILITY: 'avx512' },
    devices: ['cpu'],
    allStrides: true,
  },
  'cudnn-benchmark': { name: 'cudnn.benchmark', modes: ['train', 'infer'], config: { cudnnBenchmark: true }, devices: ['cuda'] },
  'gpu-fast': {
    name: 'bf16 + channels-last + cudnn.benchmark',
    modes: ['train', 'infer'],
    config: { amp: 'bf16', channelsLast: true, cudnnBenchmark: true },
    devices: ['cuda'],
  },
};

const DEFAULTS: Record<'cpu' | 'cuda', string[]> = {
  cpu: ['malloc', 'system-malloc', 'grads-none', 'grads-zero', 'channels-last', 'fold-bn', 'bf16', 'bf16-channels-last'],
  cuda: ['channels-last', 'bf16', 'cudnn-benchmark', 'gpu-fast'],
};

/** Resolves --variants ('default' | 'all' | 'none' | comma list) for a device; quick/smoke runs default to none. */
export function pickVariants(spec: string, ctx: { device: string; quick: boolean }): Variant[] {
  const dev = ctx.device.startsWith('cuda') ? 'cuda' : 'cpu';
  if (spec === 'none' || (spec === 'default' && ctx.quick)) return [];
  const names = spec === 'default' ? DEFAULTS[dev] : spec === 'all' ? Object.keys(VARIANTS) : spec.split(',').map((s) => s.trim());
  return names
    .map((n) => {
      const v = VARIANTS[n];
      if (!v) throw new Error(`--variants: unknown variant "${n}"; known: ${Object.keys(VARIANTS).join(', ')}`);
      return v;
    })
    .filter((v) => v.devices.includes(dev));
}
