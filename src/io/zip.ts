// Minimal zip reader/writer for PyTorch checkpoints (torch.save writes stored, 64-byte-aligned entries).
// Reads via positional I/O (see source.ts); supports deflate on read and ZIP64 both ways.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { crc32 } from './crc32.js';
import { CheckpointError } from './errors.js';
import type { ByteSource } from './source.js';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
const EXTRA_ZIP64 = 0x0001;
const EXTRA_PAD = 0x4246; // 'FB', the padding field PyTorch's writer uses

/** One file in a zip's central directory. */
export interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

function u64(view: DataView, at: number, file: string): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CheckpointError(file, `corrupt zip: 64-bit field too large (${v})`);
  return Number(v);
}

function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Reads a zip's central directory; entries are read on demand with read(entry). */
export class ZipReader {
  readonly entries = new Map<string, ZipEntry>();

  constructor(private readonly src: ByteSource) {
    this.readDirectory();
  }

  private fail(detail: string): never {
    throw new CheckpointError(this.src.file, detail);
  }

  private readDirectory(): void {
    const { size } = this.src;
    const tailLen = Math.min(size, 22 + U16_MAX + 20);
    const tail = this.src.read(size - tailLen, tailLen);
    const tv = viewOf(tail);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tv.getUint32(i, true) === SIG_EOCD && i + 22 + tv.getUint16(i + 20, true) <= tailLen) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) {
      this.fail('truncated or not a zip archive: end-of-central-directory record not found');
    }
    let count = tv.getUint16(eocd + 10, true);
    let cdSize = tv.getUint32(eocd + 12, true);
    let cdOffset = tv.getUint32(eocd + 16, true);
    const loc = eocd - 20;
    if (loc >= 0 && tv.getUint32(loc, true) === SIG_EOCD64_LOCATOR) {
      const eocd64At = u64(tv, loc + 8, this.src.file);
      const e64 = viewOf(this.src.read(eocd64At, 56));
      if (e64.getUint32(0, true) !== SIG_EOCD64) this.fail('corrupt ZIP64 end-of-central-directory record');
      count = u64(e64, 32, this.src.file);
      cdSize = u64(e64, 40, this.src.file);
      cdOffset = u64(e64, 48, this.src.file);
    }
    if (cdOffset + cdSize > size) {
      this.fail(`truncated: central directory at ${cdOffset}+${cdSize} lies past the end of the ${size}-byte file`);
    }
    const cd = this.src.read(cdOffset, cdSize);
    const cv = viewOf(cd);
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cdSize || cv.getUint32(p, true) !== SIG_CENTRAL) this.fail(`corrupt central directory entry #${i}`);
      const flags = cv.getUint16(p + 8, true);
      const nameLen = cv.getUint16(p + 28, true);
      const extraLen = cv.getUint16(p + 30, true);
      const commentLen = cv.getUint16(p + 32, true);
      if (p + 46 + nameLen + extraLen > cdSize) this.fail(`corrupt central directory entry #${i}`);
      const entry: ZipEntry = {
        name: Buffer.from(cd.buffer, cd.byteOffset + p + 46, nameLen).toString('utf8'),
        method: cv.getUint16(p + 10, true),
        crc: cv.getUint32(p + 16, true),
        compressedSize: cv.getUint32(p + 20, true),
        size: cv.getUint32(p + 24, true),
        localHeaderOffset: cv.getUint32(p + 42, true),
      };
      if (flags & 1) this.fail(`entry '${entry.name}' is encrypted`);
      this.applyZip64Extra(entry, cv, p + 46 + nameLen, extraLen);
      this.entries.set(entry.name, entry);
      p += 46 + nameLen + extraLen + commentLen;
    }
  }

  // ZIP64 extra field: 64-bit values for exactly those header fields that hold 0xFFFFFFFF, in this order.
  private applyZip64Extra(entry: ZipEntry, cv: DataView, start: number, len: number): void {
    for (let q = start; q + 4 <= start + len; ) {
      const id = cv.getUint16(q, true);
      const sz = cv.getUint16(q + 2, true);
      if (id === EXTRA_ZIP64) {
        let r = q + 4;
        const take = (): number => {
          if (r + 8 > q + 4 + sz) this.fail(`corrupt ZIP64 extra field in entry '${entry.name}'`);
          const v = u64(cv, r, this.src.file);
          r += 8;
          return v;
        };
        if (entry.size === U32_MAX) entry.size = take();
        if (entry.compressedSize === U32_MAX) entry.compressedSize = take();
        if (entry.localHeaderOffset === U32_MAX) entry.localHeaderOffset = take();
      }
      q += 4 + sz;
    }
  }

  /** The entry named `name`, or undefined. */
  get(name: string): ZipEntry | undefined {
    return this.entries.get(name);
  }

  /** Byte offset of an entry's data (after its local header). */
  dataOffset(entry: ZipEntry): number {
    const h = viewOf(this.src.read(entry.localHeaderOffset, 30));
    if (h.getUint32(0, true) !== SIG_LOCAL) this.fail(`corrupt local header for entry '${entry.name}'`);
    return entry.localHeaderOffset + 30 + h.getUint16(26, true) + h.getUint16(28, true);
  }

  /** The uncompressed bytes of `entry`, in a fresh allocation; checks size and (by default) CRC-32. */
  read(entry: ZipEntry, opts: { verifyCrc?: boolean } = {}): Uint8Array {
    const at = this.dataOffset(entry);
    let out: Uint8Array;
    if (entry.method === 0) {
      if (entry.compressedSize !== entry.size) this.fail(`stored entry '${entry.name}' has mismatched sizes`);
      out = this.src.read(at, entry.size);
    } else if (entry.method === 8) {
      const packed = this.src.read(at, entry.compressedSize);
      try {
        const b = zlib.inflateRawSync(packed);
        out = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      } catch (err) {
        this.fail(`entry '${entry.name}' does not inflate: ${(err as Error).message}`);
      }
      if (out.length !== entry.size) this.fail(`entry '${entry.name}' inflates to ${out.length} bytes, expected ${entry.size}`);
    } else {
      this.fail(`entry '${entry.name}' uses unsupported compression method ${entry.method}`);
    }
    if (opts.verifyCrc !== false && crc32(out) !== entry.crc) {
      this.fail(`entry '${entry.name}' is corrupt (CRC-32 mismatch)`);
    }
    return out;
  }
}

interface WrittenEntry {
  name: Buffer;
  crc: number;
  size: number;
  offset: number;
  zip64: boolean;
}

/** Sequential zip writer (stored entries only, data 64-byte aligned like torch.save). */
export class ZipWriter {
  private offset = 0;
  private readonly written: WrittenEntry[] = [];

  constructor(
    private readonly fd: number,
    private readonly opts: { alignment?: number; forceZip64?: boolean } = {},
  ) {}

  private write(b: Uint8Array): void {
    let done = 0;
    while (done < b.length) done += fs.writeSync(this.fd, b, done, b.length - done);
    this.offset += b.length;
  }

  /** Appends a stored entry whose data is the concatenation of `chunks`. */
  add(name: string, chunks: Uint8Array | Uint8Array[]): void {
    const parts = Array.isArray(chunks) ? chunks : [chunks];
    let size = 0;
    let crc = 0;
    for (const c of parts) {
      size += c.length;
      crc = crc32(c, crc);
    }
    const nameBuf = Buffer.from(name, 'utf8');
    const zip64 = !!this.opts.forceZip64 || size >= U32_MAX || this.offset >= U32_MAX;
    const align = this.opts.alignment ?? 64;
    const z64Len = zip64 ? 20 : 0;
    const base = this.offset + 30 + nameBuf.length + z64Len + 4;
    const pad = (align - (base % align)) % align;
    const extraLen = z64Len + 4 + pad;
    const h = Buffer.alloc(30 + nameBuf.length + extraLen);
    h.writeUInt32LE(SIG_LOCAL, 0);
    h.writeUInt16LE(zip64 ? 45 : 20, 4);
    writeDosTime(h, 10);
    h.writeUInt32LE(crc, 14);
    h.writeUInt32LE(zip64 ? U32_MAX : size, 18);
    h.writeUInt32LE(zip64 ? U32_MAX : size, 22);
    h.writeUInt16LE(nameBuf.length, 26);
    h.writeUInt16LE(extraLen, 28);
    nameBuf.copy(h, 30);
    let q = 30 + nameBuf.length;
    if (zip64) {
      h.writeUInt16LE(EXTRA_ZIP64, q);
      h.writeUInt16LE(16, q + 2);
      h.writeBigUInt64LE(BigInt(size), q + 4);
      h.writeBigUInt64LE(BigInt(size), q + 12);
      q += 20;
    }
    h.writeUInt16LE(EXTRA_PAD, q);
    h.writeUInt16LE(pad, q + 2);
    h.fill('Z', q + 4);
    const offset = this.offset;
    this.write(h);
    for (const c of parts) this.write(c);
    this.written.push({ name: nameBuf, crc, size, offset, zip64 });
  }

  /** Writes the central directory and end records; the fd stays open (caller closes). */
  finish(): void {
    const cdStart = this.offset;
    for (const e of this.written) {
      const bigOffset = e.offset >= U32_MAX || !!this.opts.forceZip64;
      const z64Fields = (e.zip64 ? 2 : 0) + (bigOffset ? 1 : 0);
      const extraLen = z64Fields ? 4 + 8 * z64Fields : 0;
      const c = Buffer.alloc(46 + e.name.length + extraLen);
      c.writeUInt32LE(SIG_CENTRAL, 0);
      c.writeUInt16LE(z64Fields ? 45 : 20, 4); // version made by
      c.writeUInt16LE(z64Fields ? 45 : 20, 6); // version needed
      writeDosTime(c, 12);
      c.writeUInt32LE(e.crc, 16);
      c.writeUInt32LE(e.zip64 ? U32_MAX : e.size, 20);
      c.writeUInt32LE(e.zip64 ? U32_MAX : e.size, 24);
      c.writeUInt16LE(e.name.length, 28);
      c.writeUInt16LE(extraLen, 30);
      c.writeUInt32LE(bigOffset ? U32_MAX : e.offset, 42);
      e.name.copy(c, 46);
      let q = 46 + e.name.length;
      if (z64Fields) {
        c.writeUInt16LE(EXTRA_ZIP64, q);
        c.writeUInt16LE(8 * z64Fields, q + 2);
        q += 4;
        if (e.zip64) {
          c.writeBigUInt64LE(BigInt(e.size), q);
          c.writeBigUInt64LE(BigInt(e.size), q + 8);
          q += 16;
        }
        if (bigOffset) c.writeBigUInt64LE(BigInt(e.offset), q);
      }
      this.write(c);
    }
    const cdSize = this.offset - cdStart;
    const n = this.written.length;
    const needZip64 = !!this.opts.forceZip64 || n >= U16_MAX || cdStart >= U32_MAX || cdSize >= U32_MAX;
    if (needZip64) {
      const eocd64At = this.offset;
      const r = Buffer.alloc(56 + 20);
      r.writeUInt32LE(SIG_EOCD64, 0);
      r.writeBigUInt64LE(44n, 4); // size of the rest of this record
      r.writeUInt16LE(45, 12);
      r.writeUInt16LE(45, 14);
      r.writeBigUInt64LE(BigInt(n), 24);
      r.writeBigUInt64LE(BigInt(n), 32);
      r.writeBigUInt64LE(BigInt(cdSize), 40);
      r.writeBigUInt64LE(BigInt(cdStart), 48);
      r.writeUInt32LE(SIG_EOCD64_LOCATOR, 56);
      r.writeBigUInt64LE(BigInt(eocd64At), 64);
      r.writeUInt32LE(1, 72); // total number of disks
      this.write(r);
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(SIG_EOCD, 0);
    end.writeUInt16LE(needZip64 ? U16_MAX : n, 8);
    end.writeUInt16LE(needZip64 ? U16_MAX : n, 10);
    end.writeUInt32LE(needZip64 ? U32_MAX : cdSize, 12);
    end.writeUInt32LE(needZip64 ? U32_MAX : cdStart, 16);
    this.write(end);
  }
}

// A fixed timestamp (1980-01-01 00:00) keeps output byte-identical across runs.
function writeDosTime(b: Buffer, at: number): void {
  b.writeUInt16LE(0, at);
  b.writeUInt16LE((0 << 9) | (1 << 5) | 1, at + 2);
}
