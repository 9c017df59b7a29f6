// A clean stop on SIGINT/SIGTERM: the run finishes its step and checkpoints; a second signal exits at once.
// Under data parallelism every rank stops after the same step, whichever of them saw the signal.
import type { GlobalBatch } from '../distributed/index.js';
import * as T from '../tensor/index.js';

/** Whether the run was asked to stop, agreed over the ranks. */
export class StopRequest {
  private requested = false;
  private readonly onSignal = (sig: NodeJS.Signals) => {
    if (this.requested) process.exit(130);
    this.requested = true;
    this.log(`${sig}: stopping after this step (checkpointing first); press again to abort`);
  };

  constructor(
    private readonly world: GlobalBatch,
    private readonly log: (message: string) => void,
  ) {}

  /** Starts listening for SIGINT and SIGTERM (until dispose()). */
  listen(): this {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    return this;
  }

  /** True when any rank was asked to stop (a collective when data-parallel: every rank calls it each step). */
  agreed(): boolean {
    const group = this.world.group;
    if (group === null) return this.requested;
    using flag = T.tensor([this.requested ? 1 : 0], [1], { dtype: 'float32' });
    group.allReduce(flag, 'max');
    return flag.item() > 0;
  }

  /** Stops listening. */
  [Symbol.dispose](): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}
