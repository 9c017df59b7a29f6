// Writes a state dict the way torch.save does (zip, protocol-2 data.pkl, one storage per tensor),
// so that torch.load (>= 1.6) reads it back as an OrderedDict of tensors.
import * as path from 'node:path';
import type { RawTensor } from '../tensor/dtype.js';
import { numelOf } from '../tensor/dtype.js';
import { writeFileAtomic } from './atomic.js';
import { PickleWriter } from './pickle.js';
import { checkRawTensor } from './raw-tensor.js';
import { contiguousStrides, storageClassName } from './torch-types.js';
import { ZipWriter } from './zip.js';

/** The data.pkl bytes for `sd`: OrderedDict(key -> _rebuild_tensor_v2(storage i, 0, shape, strides, False, OrderedDict())). */
export function pickleStateDict(sd: Map<string, RawTensor>): Buffer {
  const p = new PickleWriter().proto();
  const emptyOrderedDict = () => p.global('collections', 'OrderedDict').emptyTuple().reduce();
  emptyOrderedDict().mark();
  let i = 0;
  for (const [key, t] of sd) {
    p.str(key).global('torch._utils', '_rebuild_tensor_v2').mark();
    // persistent id: ('storage', torch.<X>Storage, '<i>', 'cpu', numel)
    p.mark().str('storage').global('torch', storageClassName(t.dtype)).str(String(i++)).str('cpu').int(numelOf(t.shape));
    p.tuple().binPersId();
    p.int(0).intTuple(t.shape).intTuple(contiguousStrides(t.shape)).bool(false);
    emptyOrderedDict().tuple().reduce();
  }
  return p.setItems().stop().bytes();
}

/** Writes `sd` to `file` as a torch.save-compatible checkpoint (atomically: temp file + rename). */
export function writePth(file: string, sd: Map<string, RawTensor>, opts: { forceZip64?: boolean } = {}): void {
  for (const [key, t] of sd) checkRawTensor(file, key, t);
  // torch names the archive folder after the file's stem; any name loads.
  const archive =
    path
      .basename(file)
      .replace(/\.[^.]*$/, '')
      .replace(/[^A-Za-z0-9_.-]/g, '_') || 'archive';
  const pkl = pickleStateDict(sd);
  writeFileAtomic(file, (fd) => {
    const zip = new ZipWriter(fd, { forceZip64: opts.forceZip64 ?? false });
    zip.add(`${archive}/data.pkl`, pkl);
    zip.add(`${archive}/byteorder`, Buffer.from('little'));
    let i = 0;
    for (const t of sd.values()) zip.add(`${archive}/data/${i++}`, t.data);
    zip.add(`${archive}/version`, Buffer.from('3\n'));
    zip.finish();
  });
}
