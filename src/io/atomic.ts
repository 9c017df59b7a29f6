// Atomic file writes (temp file beside the target, fsync, rename) for every file shapeseg writes: checkpoints,
// run folders' JSON, metrics logs, results, reports and figures.
import * as fs from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FileWriteError } from './errors.js';

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
    throw new FileWriteError(path, `cannot write: ${(err as Error).message}`);
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
  const tmp = tmpPathFor(path);
  let fh: fs.promises.FileHandle | undefined;
  try {
    await fs.promises.mkdir(dirname(resolve(path)), { recursive: true });
    fh = await fs.promises.open(tmp, 'w');
  } catch (err) {
    // fs's message names the temp file; name the file the caller asked for
    throw new FileWriteError(path, `cannot write: ${(err as Error).message}`);
  }
  try {
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
