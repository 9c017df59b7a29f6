import * as fs from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { RawTensor } from '../tensor/dtype.js';
import { dtypeSize, isDType, numelOf } from '../tensor/dtype.js';
import { CheckpointError } from './errors.js';

let tmpSeq = 0;

/** A fresh temp name beside `path` (same folder, so the final rename stays on one filesystem). */
function tmpPathFor(path: string): string {
  return `${path}.tmp-${process.pid}-${++tmpSeq}`;
}

/** Writes `path` through `write(fd)` into a temp file beside it, fsyncs, then renames: readers never see a partial file. */
export function writeFileAtomic(path: string, write: (fd: number) => void): void {
  const tmp = tmpPathFor(path);
  let fd: number;
  try {
    fd = fs.openSync(tmp, 'w');
  } catch (err) {
    throw new CheckpointError(path, `cannot write: ${(err as Error).message}`);
  }
  try {
    write(fd);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = -1;
    fs.renameSync(tmp, path);
  } catch (err) {
    if (fd >= 0) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Async sibling of writeFileAtomic for whole contents: creates the folder, writes a temp file, fsyncs, renames. */
export async function writeFileAtomicAsync(path: string, content: string | Uint8Array): Promise<void> {
  await fs.promises.mkdir(dirname(resolve(path)), { recursive: true });
  const tmp = tmpPathFor(path);
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await fs.promises.open(tmp, 'w');
    await fh.writeFile(content);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await fs.promises.rename(tmp, path);
  } catch (err) {
    await fh?.close();
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}

/** Throws naming `file` and `key` unless `t` is a well-formed RawTensor (known dtype, sane shape, byte length). */
export function checkRawTensor(file: string, key: string, t: RawTensor): void {
  if (!t || !isDType(t.dtype)) throw new CheckpointError(file, `tensor '${key}' has unsupported dtype '${t?.dtype}'`);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new CheckpointError(file, `tensor '${key}' has invalid shape ${JSON.stringify(t.shape)}`);
  }
  const need = numelOf(t.shape) * dtypeSize(t.dtype);
  if (!(t.data instanceof Uint8Array) || t.data.length !== need) {
    throw new CheckpointError(
      file,
      `tensor '${key}' has ${t.data?.length} bytes of data, expected ${need} for ${t.dtype} [${t.shape}]`,
    );
  }
}
