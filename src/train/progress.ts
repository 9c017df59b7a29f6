// Training progress: a cli-progress bar on a terminal, plain periodic lines otherwise (logs, CI).
import cliProgress from 'cli-progress';

/** What the progress display shows after each step. */
export interface ProgressUpdate {
  step: number;
  phase: number;
  loss: number;
  lr: number;
  imagesPerSec: number;
}

/** Formats seconds as `1h02m`, `3m05s` or `42s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** A progress display; `mode: 'off'` shows no progress but still prints messages (resume, validation, notes). */
export class TrainProgress {
  private bar: cliProgress.SingleBar | null = null;
  private startStep = 0;
  private startTime = 0;
  private lastLine = 0;

  constructor(
    private readonly total: number,
    private readonly mode: 'bar' | 'lines' | 'off' = process.stderr.isTTY ? 'bar' : 'lines',
    /** In 'lines' mode, print every N steps. */
    private readonly every = 20,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  /** Starts at `step` (non-zero when resuming). */
  start(step: number): void {
    this.startStep = step;
    this.startTime = performance.now();
    if (this.mode !== 'bar') return;
    this.bar = new cliProgress.SingleBar(
      {
        format: 'phase {phase} |{bar}| {value}/{total} | loss {loss} | lr {lr} | {ips} img/s | ETA {remaining}',
        barsize: 24,
        hideCursor: true,
        stream: this.stream,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(this.total, step, { phase: '-', loss: '-', lr: '-', ips: '-', remaining: '?' });
  }

  private eta(step: number): string {
    const done = step - this.startStep;
    if (done <= 0) return '?';
    const perStep = (performance.now() - this.startTime) / 1000 / done;
    return formatDuration(perStep * (this.total - step));
  }

  /** Shows the state after a step. */
  update(u: ProgressUpdate): void {
    const fields = {
      phase: u.phase,
      loss: u.loss.toFixed(4),
      lr: u.lr.toExponential(3),
      ips: u.imagesPerSec.toFixed(1),
      remaining: this.eta(u.step),
    };
    if (this.bar) this.bar.update(u.step, fields);
    else if (this.mode === 'lines' && (u.step % this.every === 0 || u.step === this.total) && u.step !== this.lastLine) {
      this.lastLine = u.step;
      this.stream.write(`step ${u.step}/${this.total} phase ${fields.phase} loss ${fields.loss} lr ${fields.lr} ${fields.ips} img/s ETA ${fields.remaining}\n`);
    }
  }

  /** Prints a message line without breaking the bar. */
  log(message: string): void {
    if (this.bar) this.stream.write(`\r\x1b[K${message}\n`);
    else this.stream.write(`${message}\n`);
  }

  /** Stops the bar (leaves the last state on screen). */
  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
