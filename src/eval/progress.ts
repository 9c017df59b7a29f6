// Progress over images for eval/predict: a cli-progress bar on a terminal, a line every ~10% otherwise.
import cliProgress from 'cli-progress';

/** Image-count progress; `mode: 'off'` prints nothing. */
export class ImageProgress {
  private bar: cliProgress.SingleBar | null = null;
  private readonly t0 = performance.now();
  private lastPct = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly mode: 'bar' | 'lines' | 'off' = process.stderr.isTTY ? 'bar' : 'lines',
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    if (mode !== 'bar') return;
    this.bar = new cliProgress.SingleBar(
      {
        format: `${label} |{bar}| {value}/{total} images | {ips} img/s | ETA {eta_formatted} | {id}`,
        barsize: 30,
        hideCursor: true,
        stream,
        fps: 5,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, { ips: '-', id: '' });
  }

  /** Records that `done` images are finished, the last being `id`. */
  update(done: number, id: string): void {
    const ips = done / ((performance.now() - this.t0) / 1000);
    if (this.bar) this.bar.update(done, { ips: ips.toFixed(2), id });
    else if (this.mode === 'lines') {
      const pct = Math.floor((10 * done) / Math.max(1, this.total));
      if (pct !== this.lastPct || done === this.total) {
        this.lastPct = pct;
        this.stream.write(`${this.label}: ${done}/${this.total} images (${ips.toFixed(2)} img/s) ${id}\n`);
      }
    }
  }

  /** Ends the bar. */
  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
