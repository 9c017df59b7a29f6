// Minimal TensorBoard event-file writer: TFRecord framing (length, masked CRC32C, payload, masked CRC32C)
// around hand-encoded `tensorflow.Event` protobufs carrying scalar summaries.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli), as TFRecord uses. */
export function crc32c(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC32C_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15 and add a constant. */
export function maskedCrc32c(buf: Uint8Array): number {
  const c = crc32c(buf);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** Frames one record: u64 length, masked crc of the length, data, masked crc of the data (all little-endian). */
export function tfRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(8 + 4 + data.length + 4);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

// --- protobuf encoding (only the wire types the Event message needs) ---

function varint(v: bigint): number[] {
  const bytes: number[] = [];
  let x = BigInt.asUintN(64, v);
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) b |= 0x80;
    bytes.push(b);
  } while (x !== 0n);
  return bytes;
}

const key = (field: number, wire: number): number[] => varint(BigInt((field << 3) | wire));

function lengthDelimited(field: number, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([...key(field, 2), ...varint(BigInt(payload.length))]), payload]);
}

function double(field: number, v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return Buffer.concat([Buffer.from(key(field, 1)), b]);
}

function float(field: number, v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeFloatLE(v);
  return Buffer.concat([Buffer.from(key(field, 5)), b]);
}

/** One Event proto: wall_time=1 (double), step=2 (int64), file_version=3 (string) | summary=5 | session_log=6. */
export function encodeEvent(ev: {
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars?: Array<[string, number]>;
  /** SessionLog.status (1 = START: TensorBoard drops earlier-written events at steps >= this one). */
  sessionStatus?: number;
}): Buffer {
  const parts: Buffer[] = [double(1, ev.wallTime)];
  if (ev.step !== 0) parts.push(Buffer.from([...key(2, 0), ...varint(BigInt(ev.step))]));
  if (ev.fileVersion !== undefined) parts.push(lengthDelimited(3, Buffer.from(ev.fileVersion, 'utf8')));
  if (ev.scalars && ev.scalars.length > 0) {
    // Summary { repeated Value value = 1 }, Value { string tag = 1; float simple_value = 2 }
    const values = ev.scalars.map(([tag, v]) => lengthDelimited(1, Buffer.concat([lengthDelimited(1, Buffer.from(tag, 'utf8')), float(2, v)])));
    parts.push(lengthDelimited(5, Buffer.concat(values)));
  }
  if (ev.sessionStatus !== undefined) {
    parts.push(lengthDelimited(6, Buffer.from([...key(1, 0), ...varint(BigInt(ev.sessionStatus))])));
  }
  return Buffer.concat(parts);
}

/** Appends scalar events to `<dir>/events.out.tfevents.<time>.<host>`, flushed per write (crash-safe). */
export class TensorBoardWriter {
  readonly file: string;
  private fd: number | null;

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    const now = Date.now() / 1000;
    this.file = path.join(dir, `events.out.tfevents.${Math.floor(now)}.${os.hostname()}`);
    this.fd = fs.openSync(this.file, 'a');
    this.writeRecord(encodeEvent({ wallTime: now, step: 0, fileVersion: 'brain.Event:2' }));
  }

  /** Writes one event holding several scalars at `step`. */
  addScalars(step: number, scalars: Record<string, number>, wallTime = Date.now() / 1000): void {
    const entries = Object.entries(scalars).filter(([, v]) => typeof v === 'number');
    if (entries.length > 0) this.writeRecord(encodeEvent({ wallTime, step, scalars: entries }));
  }

  /**
   * Marks a (re)start at `step`: TensorBoard then discards events at steps >= `step` written before it
   * (the steps a resumed run repeats after its checkpoint).
   */
  addSessionStart(step: number, wallTime = Date.now() / 1000): void {
    this.writeRecord(encodeEvent({ wallTime, step, sessionStatus: 1 }));
  }

  /** Writes one scalar. */
  addScalar(tag: string, value: number, step: number, wallTime?: number): void {
    this.addScalars(step, { [tag]: value }, wallTime);
  }

  private writeRecord(data: Uint8Array): void {
    if (this.fd === null) throw new Error(`TensorBoardWriter: ${this.file} is closed`);
    fs.writeSync(this.fd, tfRecord(data));
  }

  /** Closes the file. */
  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}
