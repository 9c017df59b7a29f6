// `shapeseg report <run> [<run>...] --out report.html`
import type { Command } from 'commander';
import { writeReport } from '../report/index.js';

/** Registers `report`: one self-contained HTML page comparing run folders. */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('build one self-contained HTML report (curves, per-class IoU, figures, configs) from run folders')
    .argument('<runs...>', 'run folders (each with config.json, metrics.jsonl, eval/*.json, figures/)')
    .option('-o, --out <file>', 'HTML file to write', 'report.html')
    .option('--title <text>', 'page title')
    .action(async (runs: string[], opts: { out: string; title?: string }) => {
      const { runs: read, bytes } = await writeReport(runs, opts.out, opts.title ? { title: opts.title } : {});
      for (const r of read) {
        process.stderr.write(
          `${r.name}: ${r.train.length} train lines, ${r.val.length} val lines, ${r.evals.length} eval files, ${r.figures.length} figures${r.warnings.length ? `, ${r.warnings.length} notes` : ''}\n`,
        );
        for (const w of r.warnings) process.stderr.write(`  note: ${w}\n`);
      }
      process.stdout.write(`wrote ${opts.out} (${(bytes / 1024).toFixed(0)} KiB)\n`);
    });
}
