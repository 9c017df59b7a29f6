// metrics.jsonl: one JSON object per line, appended and flushed as training goes; its one writer and one parser.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';

/** A training log line (the trainer stops before it would log a non-finite loss). */
export interface TrainLogLine {
  step: number;
  phase: number;
  loss: number;
  lr: number;
  imagesPerSec: number;
  /** Seconds since the run (or resumed run) started. */
  time: number;
}

/** A validation log line. null: undefined (NaN), e.g. no labelled pixel in the validation set. */
export interface ValLogLine {
  step: number;
  phase?: number;
  val: {
    mIoU: number | null;
    pixelAcc: number | null;
    /** IoU per class in label-space order (null: class absent); a file from another writer may key it by class name. */
    perClass: Array<number | null> | Record<string, number | null>;
  };
  time?: number;
}

/** Any metrics.jsonl line. */
export type MetricsLine = TrainLogLine | ValLogLine;

/** Appends JSON lines to a file (opened in append mode so resumed runs keep their history); `L`: the line type. */
export class MetricsLog<L extends object = MetricsLine> {
  private fd: number | null;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'a');
  }

  /** Appends one line. NaN/Infinity are written as null (JSON.stringify's rule; JSON has no such numbers), as the line types say. */
  write(line: L): void {
    if (this.fd === null) throw new Error(`MetricsLog: ${this.file} is closed`);
    fs.writeSync(this.fd, `${JSON.stringify(line)}\n`);
  }

  /** Closes the file. */
  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** Files written before non-finite numbers became null hold them as these strings. */
const NON_FINITE_STRINGS: ReadonlySet<unknown> = new Set(['NaN', 'Infinity', '-Infinity']);

const isNumOrNull = (v: unknown): v is number | null => v === null || (typeof v === 'number' && Number.isFinite(v));

/**
 * Parses metrics.jsonl text into its lines; a bad line (not JSON, no numeric step, a val without a numeric or
 * null mIoU) is skipped with a warning naming `file`:line, so a torn last line of a run still writing is tolerated.
 * The strings "NaN"/"Infinity" of older files read as null.
 */
export function parseMetricsLog(text: string, file: string): { lines: MetricsLine[]; warnings: string[] } {
  const lines: MetricsLine[] = [];
  const warnings: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let rec: { step?: unknown; val?: { mIoU?: unknown } } | null;
    try {
      rec = JSON.parse(line, (_k, v: unknown) => (NON_FINITE_STRINGS.has(v) ? null : v));
    } catch {
      warnings.push(`${file}:${i + 1}: not JSON, skipped`);
      return;
    }
    if (!rec || typeof rec !== 'object' || typeof rec.step !== 'number' || !Number.isFinite(rec.step)) {
      warnings.push(`${file}:${i + 1}: no numeric "step", skipped`);
      return;
    }
    if (rec.val && typeof rec.val === 'object' && !isNumOrNull(rec.val.mIoU)) {
      warnings.push(`${file}:${i + 1}: "val" without a numeric mIoU, skipped`);
      return;
    }
    lines.push(rec as unknown as MetricsLine);
  });
  return { lines, warnings };
}

/** Reads metrics.jsonl back; bad lines (a torn last line from a crash) are skipped, as parseMetricsLog says. */
export function readMetricsLog(file: string): MetricsLine[] {
  return parseMetricsLog(fs.readFileSync(file, 'utf8'), file).lines;
}

/** Drops lines after `step` (resuming from a checkpoint at `step` replays, and logs again, the steps after it). */
export function truncateMetricsLog(file: string, step: number): void {
  if (!fs.existsSync(file)) return;
  const kept = readMetricsLog(file).filter((l) => l.step <= step);
  writeFileAtomic(file, (fd) => fs.writeSync(fd, kept.map((l) => `${JSON.stringify(l)}\n`).join('')));
}
