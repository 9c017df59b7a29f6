// `shapeseg info`: where libtorch was found, its version, devices, CPU bf16 support and the addon build.
import * as os from 'node:os';
import type { Command } from 'commander';
import type { BackendInfo } from '../tensor/index.js';
import { cpuBf16Support } from '../util/cpu-features.js';

/** Human-readable backend summary lines (`bf16`: whether the CPU runs bfloat16 natively, cpuBf16Support()). */
export function formatBackendInfo(info: BackendInfo, bf16: { bf16: boolean; source: string } = cpuBf16Support()): string[] {
  const cpus = os.cpus();
  const cudaCount = info.devices.filter((d) => d.startsWith('cuda')).length;
  return [
    `libtorch  ${info.libtorchVersion} (${info.libtorchPath}, found via ${info.libtorchFoundBy})`,
    `addon     ${info.addon.path} (built ${info.addon.built}, ${info.addon.compiler})`,
    `CPU       ${info.threads} intra-op thread(s), ${cpus.length} core(s)${cpus[0] ? ` (${cpus[0].model.trim()})` : ''}`,
    `CPU bf16  ${bf16.bf16 ? 'yes' : 'no'} (${bf16.source})${bf16.bf16 ? '' : ': train.amp bf16 still runs, often slower than fp32'}`,
    `CUDA      ${info.cuda ? `${cudaCount} device(s), cuDNN ${info.cudnn ? 'yes' : 'no'}` : 'not available'}`,
    `devices   ${info.devices.join(', ')}`,
  ];
}

/** Registers `shapeseg info`. */
export function registerInfoCommand(program: Command): void {
  program
    .command('info')
    .description('show the libtorch build, where it was found, devices, CPU bf16 support and the addon build')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { backendInfo } = await import('../tensor/index.js');
      const info = backendInfo();
      const cpuBf16 = cpuBf16Support();
      process.stdout.write(opts.json ? `${JSON.stringify({ ...info, cpuBf16 }, null, 2)}\n` : `${formatBackendInfo(info, cpuBf16).join('\n')}\n`);
    });
}
