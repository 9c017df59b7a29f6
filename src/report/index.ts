// Reports: run folders → one self-contained HTML page.
import fs from 'node:fs';
import { writeFileAtomicAsync } from '../io/atomic.js';
import { buildReportHtml, type ReportOptions } from './html.js';
import { loadRuns, type RunData } from './run-dir.js';

export { barChart, lineChart } from './charts.js';
export { colorize, errorMap, overlay, type Palette, type Rgb, toRgb } from './colorize.js';
export { composeGrid, type Example, encodePng, exampleRow, type RgbImage, type Tile, writeExampleGrid, writePng } from './figures.js';
export { buildReportHtml, classColumns, flatten, type ReportOptions } from './html.js';
export { loadRun, loadRuns, parseMetricsJsonl, type RunData, type TrainPoint, type ValPoint } from './run-dir.js';

/** Reads the run folders and writes the HTML report atomically; returns the runs read. */
export async function writeReport(runDirs: readonly string[], out: string, opts: ReportOptions = {}): Promise<{ runs: RunData[]; bytes: number }> {
  const runs = await loadRuns(runDirs);
  const html = buildReportHtml(runs, opts);
  await writeFileAtomicAsync(out, html);
  return { runs, bytes: fs.statSync(out).size };
}
