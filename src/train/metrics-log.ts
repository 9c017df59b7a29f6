// metrics.jsonl: one JSON object per line, appended and flushed as training goes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';

/** A training log line. */
export interface TrainLogLine {
  step: number;
  phase: number;
  loss: number;
  lr: number;
  imagesPerSec: number;
  /** Seconds since the run (or resumed run) started. */
  time: number;
  auxLoss?: number;
}

/** A validation log line. */
export interface ValLogLine {
  step: number;
  phase?: number;
  val: { mIoU: number; pixelAcc: number; perClass: Array<number | null> };
  time?: number;
}

/** Any metrics.jsonl line. */
export type MetricsLine = TrainLogLine | ValLogLine;

/** Appends JSON lines to a file (opened in append mode so resumed runs keep their history). */
export class MetricsLog {
  private fd: number | null;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'a');
  }

  /** Appends one line. NaN/Infinity are written as strings so the line stays valid JSON. */
  write(line: MetricsLine): void {
    if (this.fd === null) throw new Error(`MetricsLog: ${this.file} is closed`);
    const json = JSON.stringify(line, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
    fs.writeSync(this.fd, `${json}\n`);
  }

  /** Closes the file. */
  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** Reads metrics.jsonl back (skips a torn last line from a crash). */
export function readMetricsLog(file: string): MetricsLine[] {
  const out: MetricsLine[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as MetricsLine);
    } catch {
      // a partially written final line after a crash
    }
  }
  return out;
}

/** Drops lines after `step` (resuming from a checkpoint at `step` replays, and logs again, the steps after it). */
export function truncateMetricsLog(file: string, step: number): void {
  if (!fs.existsSync(file)) return;
  const kept = readMetricsLog(file).filter((l) => l.step <= step);
  writeFileAtomic(file, (fd) => fs.writeSync(fd, kept.map((l) => `${JSON.stringify(l)}\n`).join('')));
}
