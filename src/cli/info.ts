// `shapeseg info`: where libtorch was found, its version, devices and the addon build.
import * as os from 'node:os';
import type { Command } from 'commander';
import { backendInfo } from '../tensor/index.js';

/** Human-readable backend summary lines. */
export function formatBackendInfo(info: ReturnType<typeof backendInfo>): string[] {
  const cuda = info.cuda ? `${info.devices.filter((d) => d.startsWith('cuda')).length} device(s)` : 'not available';
  return [
    `libtorch  ${info.libtorchVersion}  (${info.libtorchPath})`,
    `addon     ${info.addon.path}`,
    `          built ${info.addon.built} with ${info.addon.compiler}`,
    `CPU       ${info.threads} threads (${os.cpus().length} cores, ${os.cpus()[0]?.model.trim() ?? 'unknown'})`,
    `CUDA      ${cuda}${info.cuda ? `, cuDNN ${info.cudnn ? 'yes' : 'no'}` : ''}`,
    ...info.devices.map((d) => `          ${d}`),
  ];
}

/** Registers `shapeseg info`. */
export function registerInfoCommand(program: Command): void {
  program
    .command('info')
    .description('show the libtorch build, where it was found, devices and the addon build')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => {
      const info = backendInfo();
      process.stdout.write(opts.json ? `${JSON.stringify(info, null, 2)}\n` : `${formatBackendInfo(info).join('\n')}\n`);
    });
}
