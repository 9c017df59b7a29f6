// What the bench header says about bf16 on this CPU: the /proc/cpuinfo flags, and what oneDNN (libtorch's
// convolution library) detects and picks, seen through ONEDNN_VERBOSE=1 on both sides.
// As a script (`node dist/bench/cpu-isa.js --probe`): the shapeseg side of the probe, the same convs as
// bench/reference/onednn_probe.py (fp32, bf16 autocast, bf16 autocast channels-last; forward + backward).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BF16_FLAGS, cpuBf16Support, cpuFlags } from '../src/util/cpu-features.js';
import { REFERENCE_SCRIPT } from './child.js';

/** The probe's sections, in the order both sides run them. */
const SECTIONS = ['fp32', 'bf16', 'bf16-nhwc'] as const;
type Section = (typeof SECTIONS)[number];

/** What one side's libtorch did under ONEDNN_VERBOSE=1. */
export interface OneDnnProbe {
  /** "v2.6.3", from oneDNN's first verbose line (null: oneDNN printed nothing, e.g. a build without it). */
  version: string | null;
  /** The ISA oneDNN dispatches to, e.g. "Intel AVX-512 with Intel DL Boost and bfloat16 support". */
  isa: string | null;
  /** Per section: oneDNN convolution implementation per pass ("forward_training": "jit_bf16:avx512_core_bf16"), empty when ATen ran the conv itself. */
  convs: Record<Section, Record<string, string>>;
  /** Per section: oneDNN reorders (layout conversions around the convs). */
  reorders: Record<Section, number>;
  /** Reference side: torch.backends.mkldnn.is_available(). */
  mkldnnAvailable?: boolean;
  /** Reference side: ATen's own vectorised kernels ("AVX2"; torch 1.13 takes AVX512 only with ATEN_CPU_CAPABILITY=avx512). */
  atenCapability?: string | null;
  torch?: string;
}

/** The header's facts: flags, shapeseg's verdict, each side's oneDNN probe (or why it failed). */
export interface CpuIsaReport {
  flags: Record<string, boolean>;
  bf16: { bf16: boolean; source: string };
  shapeseg: OneDnnProbe | { error: string };
  reference: OneDnnProbe | { error: string } | null;
}

/** Parses a probe's stdout (oneDNN verbose lines between "probe <section>" markers, JSON last). */
export function parseOneDnnVerbose(stdout: string): OneDnnProbe {
  const out: OneDnnProbe = {
    version: null,
    isa: null,
    convs: { fp32: {}, bf16: {}, 'bf16-nhwc': {} },
    reorders: { fp32: 0, bf16: 0, 'bf16-nhwc': 0 },
  };
  let section: Section | null = null;
  for (const line of stdout.split('\n')) {
    const marker = /^probe (\S+)$/.exec(line.trim());
    if (marker) {
      section = SECTIONS.find((s) => s === marker[1]) ?? null;
      continue;
    }
    const f = line.split(',');
    if (f[0] !== 'onednn_verbose' && f[0] !== 'dnnl_verbose') continue;
    if (f[1] === 'info') {
      out.version ??= /oneDNN (v\S+)/.exec(line)?.[1] ?? null;
      if (f[2] === 'cpu' && f[3]?.startsWith('isa:')) out.isa = line.slice(line.indexOf('isa:') + 4).trim();
    } else if (f[1] === 'exec' && f[2] === 'cpu' && section) {
      // exec,cpu,<primitive>,<implementation>,<prop_kind>,...
      if (f[3] === 'convolution' && f[4] && f[5]) out.convs[section][f[5]] = f[4];
      else if (f[3] === 'reorder') out.reorders[section]++;
    }
  }
  const last = stdout.trim().split('\n').pop() ?? '';
  if (last.startsWith('{')) {
    const j = JSON.parse(last) as { mkldnnAvailable?: boolean; atenCapability?: string | null; torch?: string };
    if (j.mkldnnAvailable !== undefined) out.mkldnnAvailable = j.mkldnnAvailable;
    if (j.atenCapability !== undefined) out.atenCapability = j.atenCapability;
    if (j.torch !== undefined) out.torch = j.torch;
  }
  return out;
}

function runProbe(cmd: string, args: string[], env: Record<string, string>, timeoutS: number): Promise<OneDnnProbe | { error: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { env: { ...process.env, ...env, ONEDNN_VERBOSE: '1', DNNL_VERBOSE: '1' }, timeout: timeoutS * 1000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err) resolve({ error: `${path.basename(cmd)}: ${err.message.split('\n')[0]}; ${stderr.trim().split('\n').slice(-2).join(' | ')}` });
        else {
          try {
            resolve(parseOneDnnVerbose(stdout));
          } catch (e) {
            resolve({ error: `${path.basename(cmd)}: unreadable probe output: ${e instanceof Error ? e.message : String(e)}` });
          }
        }
      },
    );
  });
}

/** Reads the CPU flags and runs the oneDNN probe on both sides (`python`: null skips the torchvision side). */
export async function probeCpuIsa(o: { python: string | null; env: Record<string, string>; timeoutS?: number }): Promise<CpuIsaReport> {
  const flags = cpuFlags();
  const timeoutS = o.timeoutS ?? 60;
  const here = fileURLToPath(import.meta.url);
  const [shapeseg, reference] = [
    await runProbe(process.execPath, [here, '--probe'], o.env, timeoutS),
    o.python === null ? null : await runProbe(o.python, [path.join(path.dirname(REFERENCE_SCRIPT), 'onednn_probe.py')], o.env, timeoutS),
  ];
  return {
    flags: Object.fromEntries([...BF16_FLAGS, 'avx512f', 'avx512bw', 'amx_tile'].map((f) => [f, flags.has(f)])),
    bf16: cpuBf16Support(),
    shapeseg,
    reference,
  };
}

const yesNo = (b: boolean | undefined): string => (b ? 'yes' : 'no');

function describeProbe(p: OneDnnProbe): string {
  const convs = SECTIONS.map((s) => {
    const impls = [...new Set(Object.values(p.convs[s]))];
    return `${s} ${impls.length > 0 ? impls.join('/') : 'not oneDNN'} (${p.reorders[s]} reorders)`;
  });
  return `oneDNN ${p.version ?? '(no verbose output)'}, isa "${p.isa ?? '?'}"; convs fwd+bwd: ${convs.join(', ')}`;
}

/** The header lines: flags, cpuBf16Support, each side's oneDNN. */
export function renderCpuIsa(r: CpuIsaReport): string[] {
  const flags = Object.entries(r.flags)
    .map(([f, on]) => `${f} ${yesNo(on)}`)
    .join(', ');
  const lines = [`CPU bf16: ${flags} (/proc/cpuinfo); cpuBf16Support: ${yesNo(r.bf16.bf16)} (${r.bf16.source})`];
  const ref = r.reference;
  if (ref && !('error' in ref)) {
    lines.push(
      `torchvision side: ${describeProbe(ref)}; mkldnn available ${yesNo(ref.mkldnnAvailable)}; ` +
        `ATen CPU kernels ${ref.atenCapability ?? '?'}${ref.atenCapability === 'AVX2' ? ' (torch 1.13: AVX512 only with ATEN_CPU_CAPABILITY=avx512)' : ''}`,
    );
  } else if (ref) lines.push(`torchvision side: oneDNN probe failed: ${ref.error}`);
  const s = r.shapeseg;
  if ('error' in s) lines.push(`shapeseg side: oneDNN probe failed: ${s.error}`);
  else if (ref && !('error' in ref) && describeProbe(s) === describeProbe(ref)) lines.push('shapeseg side: the same oneDNN, isa and conv kernels');
  else lines.push(`shapeseg side: ${describeProbe(s)}`);
  return lines;
}

/** The shapeseg side of the probe: prints section markers (oneDNN prints its lines in between), then JSON. */
async function probeShapeseg(): Promise<void> {
  const T = await import('../src/tensor/index.js');
  T.manualSeed(0);
  const w = T.randn([64, 64, 3, 3], { requiresGrad: true });
  const b = T.randn([64], { requiresGrad: true });
  const x = T.randn([2, 64, 33, 33], { requiresGrad: true });
  const pass = (name: Section, amp: boolean, format: 'contiguous' | 'channelsLast'): void => {
    process.stdout.write(`probe ${name}\n`);
    T.tidy(() => {
      const xs = x.contiguous(format);
      const ws = w.contiguous(format);
      const y = amp ? T.autocast('cpu', 'bfloat16', () => T.F.conv2d(xs, ws, b, { padding: 1 })) : T.F.conv2d(xs, ws, b, { padding: 1 });
      y.float().sum().backward();
    });
  };
  pass('fp32', false, 'contiguous');
  pass('bf16', true, 'contiguous');
  pass('bf16-nhwc', true, 'channelsLast');
  process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === '--probe') await probeShapeseg();
