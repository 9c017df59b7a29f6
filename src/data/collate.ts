// Host batch -> tensors on the training device. uint8 crosses the bus (4x less than float32);
// layout change and widening happen on the device.
import { type Device, fromBuffer, type Tensor, tidy } from '../tensor/index.js';
import type { HostBatch } from './loader.js';

/** A batch as the model side sees it: images N,3,H,W uint8, labels N,H,W int64 (255 = ignore). */
export interface Batch {
  images: Tensor;
  labels: Tensor;
  ids: string[];
}

/** Moves a host batch to `device` as a Batch (the caller owns and disposes the tensors). */
export function collate(b: HostBatch, device: Device = 'cpu'): Batch {
  return tidy(() => ({
    images: fromBuffer(b.images, [b.n, b.height, b.width, 3], 'uint8', { device }).permute([0, 3, 1, 2]).contiguous(),
    labels: fromBuffer(b.labels, [b.n, b.height, b.width], 'uint8', { device }).long(),
    ids: b.ids,
  }));
}

/** A DataLoader `collate` option producing Batches on `device`. */
export function collateTo(device: Device): (b: HostBatch) => Batch {
  return (b) => collate(b, device);
}
