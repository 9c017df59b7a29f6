// CPU instruction-set features that change which training settings pay off (bf16 autocast on the CPU).
import * as fs from 'node:fs';

/** The /proc/cpuinfo flags that give bfloat16 dot products: AVX512_BF16 (Zen 4, Cooper Lake) and AMX-BF16 (Sapphire Rapids). */
export const BF16_FLAGS = ['avx512_bf16', 'amx_bf16'] as const;

/** Where the flags come from: the platform and /proc/cpuinfo's text (injectable for tests). */
export interface CpuFeatureSource {
  platform?: NodeJS.Platform;
  /** /proc/cpuinfo's text; read from the file when absent. */
  cpuinfo?: string;
  env?: NodeJS.ProcessEnv;
}

/** The first CPU's flags from /proc/cpuinfo (Linux; an empty set elsewhere or when it cannot be read). */
export function cpuFlags(src: CpuFeatureSource = {}): Set<string> {
  if ((src.platform ?? process.platform) !== 'linux') return new Set();
  let text = src.cpuinfo;
  if (text === undefined) {
    try {
      text = fs.readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return new Set();
    }
  }
  // x86 says "flags", arm64 "Features" (where bf16 is a different story: not counted below)
  const line = text.split('\n').find((l) => /^(flags|Features)\s*:/.test(l));
  const flags = line ? line.slice(line.indexOf(':') + 1) : '';
  return new Set(flags.split(/\s+/).filter(Boolean));
}

/** Whether the CPU runs bfloat16 natively (AVX512_BF16 or AMX-BF16 in /proc/cpuinfo; SHAPESEG_CPU_BF16=0|1 overrides), and why. */
export function cpuBf16Support(src: CpuFeatureSource = {}): { bf16: boolean; source: string } {
  const override = (src.env ?? process.env).SHAPESEG_CPU_BF16;
  if (override !== undefined && override !== '') {
    if (override !== '0' && override !== '1') throw new Error(`SHAPESEG_CPU_BF16: expected 0 or 1, got "${override}"`);
    return { bf16: override === '1', source: `SHAPESEG_CPU_BF16=${override}` };
  }
  const platform = src.platform ?? process.platform;
  if (platform !== 'linux') return { bf16: false, source: `not detected on ${platform} (only Linux's /proc/cpuinfo is read)` };
  const flags = cpuFlags(src);
  if (flags.size === 0) return { bf16: false, source: '/proc/cpuinfo: no flags line readable' };
  const found = BF16_FLAGS.filter((f) => flags.has(f));
  return found.length > 0
    ? { bf16: true, source: `/proc/cpuinfo: ${found.join(', ')}` }
    : { bf16: false, source: `/proc/cpuinfo: neither ${BF16_FLAGS.join(' nor ')}` };
}
