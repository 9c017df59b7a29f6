// What a training run reports: the progress display every step, and every `logEvery` steps a metrics.jsonl line
// and TensorBoard scalars averaged over the window since the last one; validations too. Rank 0 writes; the
// other ranks' lines would be copies (the loss logged is the global batch's).
import { MetricsLog } from './metrics-log.js';
import type { TrainProgress } from './progress.js';
import type { RunPaths } from './run-dir.js';
import { TensorBoardWriter } from './tensorboard.js';
import type { ValSummary } from './validate.js';

/** One finished optimizer step, as the log sees it. */
export interface StepRecord {
  step: number;
  phase: number;
  loss: number;
  lr: number;
  /** Images of the global batch in this step. */
  images: number;
  /** Training time of the step alone (validation and checkpoint writing excluded from throughput). */
  seconds: number;
}

/** Progress, metrics.jsonl and TensorBoard of one run; close() when done. */
export class TrainLog {
  private readonly metrics: MetricsLog | null;
  private readonly tb: TensorBoardWriter | null;
  private readonly started = performance.now();
  private window = { loss: 0, steps: 0, images: 0, seconds: 0 };

  constructor(
    paths: RunPaths,
    private readonly progress: TrainProgress,
    private readonly logEvery: number,
    isMain: boolean,
    /** Steps already done (a resumed run). */
    startStep: number,
  ) {
    this.metrics = isMain ? new MetricsLog(paths.metrics) : null;
    this.tb = isMain ? new TensorBoardWriter(paths.tb) : null;
    if (startStep > 0) this.tb?.addSessionStart(startStep + 1);
    progress.start(startStep);
  }

  /** Seconds since this log was opened (the run, or the resumed run, started). */
  get elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }

  /** Updates the progress display; on a logging step (or the last) writes the window's averages. */
  step(r: StepRecord, last: boolean): void {
    const w = this.window;
    w.loss += r.loss;
    w.steps++;
    w.images += r.images;
    w.seconds += r.seconds;
    const imagesPerSec = w.seconds > 0 ? w.images / w.seconds : 0;
    const loss = w.loss / w.steps;
    const { step, phase, lr } = r;
    this.progress.update({ step, phase, loss, lr, imagesPerSec });
    if (step % this.logEvery !== 0 && !last) return;
    this.metrics?.write({ step, phase, loss, lr, imagesPerSec, time: this.elapsed });
    this.tb?.addScalars(step, { 'train/loss': loss, 'train/lr': lr, 'train/images_per_sec': imagesPerSec });
    this.window = { loss: 0, steps: 0, images: 0, seconds: 0 };
  }

  /** Records a validation: metrics line, TensorBoard scalars (per class too) and a progress line. */
  validation(step: number, phase: number, v: ValSummary, classes: readonly string[]): void {
    if (!this.metrics || !this.tb) return;
    this.metrics.write({ step, phase, val: v, time: this.elapsed });
    const perClass = Object.fromEntries(classes.flatMap((name, k) => (v.perClass[k] == null ? [] : [[`val/IoU/${name}`, v.perClass[k]!]])));
    this.tb.addScalars(step, { 'val/mIoU': v.mIoU, 'val/pixelAcc': v.pixelAcc, ...perClass });
    this.progress.log(`step ${step}: val mIoU ${(100 * v.mIoU).toFixed(2)}  pixel acc ${(100 * v.pixelAcc).toFixed(2)}`);
  }

  /** Stops the progress display and closes the files. */
  close(): void {
    this.progress.stop();
    this.metrics?.close();
    this.tb?.close();
  }
}
