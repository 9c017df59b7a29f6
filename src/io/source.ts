// Random access to checkpoint bytes without reading the whole file into one Buffer:
// each tensor's bytes are read straight into their own allocation (no extra copy, no 2 GiB limit).
import * as fs from 'node:fs';
import { CheckpointError, rethrowFsError } from './errors.js';

/** Positional read access to a byte source (a file). */
export interface ByteSource {
  readonly file: string;
  readonly size: number;
  /** `length` bytes at `position`, into a fresh Uint8Array (or `into` when given); throws if past the end. */
  read(position: number, length: number, into?: Uint8Array): Uint8Array;
  close(): void;
}

/** A fresh, unpooled byte array (own ArrayBuffer, byteOffset 0, so typed-array views are aligned). */
export function allocBytes(length: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(length);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function checkRange(file: string, size: number, position: number, length: number): void {
  if (position < 0 || length < 0 || position + length > size) {
    throw new CheckpointError(file, `truncated or corrupt: needs bytes ${position}..${position + length} but the file has ${size} bytes`);
  }
}

class FileSource implements ByteSource {
  constructor(
    readonly file: string,
    private fd: number,
    readonly size: number,
  ) {}

  read(position: number, length: number, into?: Uint8Array): Uint8Array {
    checkRange(this.file, this.size, position, length);
    const out = into ?? allocBytes(length);
    let done = 0;
    while (done < length) {
      // readSync moves at most ~2 GiB per call, so loop.
      const n = fs.readSync(this.fd, out, done, Math.min(length - done, 0x40000000), position + done);
      if (n === 0) throw new CheckpointError(this.file, `unexpected end of file at byte ${position + done}`);
      done += n;
    }
    return out;
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** Opens `file` for positional reads; a missing file throws a CheckpointError naming it. */
export function openFileSource(file: string): ByteSource {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    rethrowFsError(file, err);
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    return new FileSource(file, fd, st.size);
  } catch (err) {
    fs.closeSync(fd);
    rethrowFsError(file, err);
  }
}

/** Runs `fn` with `file` opened as a ByteSource, closing it afterwards. */
export function withFileSource<T>(file: string, fn: (src: ByteSource) => T): T {
  const src = openFileSource(file);
  try {
    return fn(src);
  } finally {
    src.close();
  }
}
