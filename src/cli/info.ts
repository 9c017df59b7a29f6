// `shapeseg info`: where libtorch was found, its version, devices and the addon build.
import * as os from 'node:os';
import type { Command } from 'commander';
import type { BackendInfo } from '../tensor/index.js';

/** Human-readable backend summary lines. */
export function formatBackendInfo(info: BackendInfo): string[] {
  const cpus = os.cpus();
  const cudaCount = info.devices.filter((d) => d.startsWith('cuda')).length;
  return [
    `libtorch  ${info.libtorchVersion} (${info.libtorchPath}, found via ${info.libtorchFoundBy})`,
    `addon     ${info.addon.path} (built ${info.addon.built}, ${info.addon.compiler})`,
    `CPU       ${info.threads} intra-op thread(s), ${cpus.length} core(s)${cpus[0] ? ` (${cpus[0].model.trim()})` : ''}`,
    `CUDA      ${info.cuda ? `${cudaCount} device(s), cuDNN ${info.cudnn ? 'yes' : 'no'}` : 'not available'}`,
    `devices   ${info.devices.join(', ')}`,
  ];
}

/** Registers `shapeseg info`. */
export function registerInfoCommand(program: Command): void {
  program
    .command('info')
    .description('show the libtorch build, where it was found, devices and the addon build')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { backendInfo } = await import('../tensor/index.js');
      const info = backendInfo();
      process.stdout.write(opts.json ? `${JSON.stringify(info, null, 2)}\n` : `${formatBackendInfo(info).join('\n')}\n`);
    });
}
