// Entry point of a data worker thread: opens the dataset from its config and serves
// "load sample i of epoch e (augmented)" requests, so decoding and augmentation leave the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { openDataset } from './open.js';
import { sampleRng } from './rng.js';
import { trainTransform } from './transforms.js';
import type { WorkerInit, WorkerReply, WorkerRequest } from './worker-pool.js';

const init = workerData as WorkerInit;
const port = parentPort!;
sharp.concurrency(1);
sharp.cache(false);

/** A buffer whose ArrayBuffer can be transferred (not a view into a shared pool). */
function own(b: Buffer): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : new Uint8Array(b);
}

try {
  const ds = await openDataset(init.data);
  const transform = init.transform ? trainTransform(init.transform) : null;
  const refs = ds.list();
  // openDataset throws on an empty split, so there is a first and a last sample
  port.postMessage({ type: 'ready', length: ds.length, first: refs[0]!.id, last: refs[refs.length - 1]!.id } satisfies WorkerReply);
  port.on('message', async (m: WorkerRequest) => {
    try {
      let s = await ds.load(m.index);
      if (transform) s = transform.apply(s, sampleRng(init.seed, m.epoch, m.index));
      const image = own(s.image);
      const label = own(s.label);
      const reply: WorkerReply = { type: 'sample', task: m.task, image, label, height: s.height, width: s.width, id: s.id };
      port.postMessage(reply, [image.buffer as ArrayBuffer, label.buffer as ArrayBuffer]);
    } catch (e) {
      port.postMessage({ type: 'error', task: m.task, name: (e as Error).name, message: (e as Error).message } satisfies WorkerReply);
    }
  });
} catch (e) {
  port.postMessage({ type: 'error', task: -1, name: (e as Error).name, message: (e as Error).message } satisfies WorkerReply);
}
