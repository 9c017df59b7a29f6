// safetensors: u64 LE header length, JSON header {name: {dtype, shape, data_offsets}, __metadata__},
// then the tensor bytes. Spec: https://github.com/huggingface/safetensors#format
import * as fs from 'node:fs';
import type { RawTensor } from '../tensor/dtype.js';
import { numelOf } from '../tensor/dtype.js';
import { writeFileAtomic } from './atomic.js';
import { CheckpointError } from './errors.js';
import { checkRawTensor } from './raw-tensor.js';
import { type ByteSource, openFileSource } from './source.js';
import { type StoredDType, storedSize, toDType } from './torch-types.js';

const TO_ST: Record<StoredDType, string> = {
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  float64: 'F64',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};
const FROM_ST = new Map<string, StoredDType>(Object.entries(TO_ST).map(([d, s]) => [s, d as StoredDType]));
const MAX_HEADER = 100 * 1024 * 1024; // the reference implementation's limit

/** A safetensors file's tensors (in data order) and its `__metadata__`. */
export interface SafetensorsContents {
  tensors: Map<string, RawTensor>;
  metadata: Record<string, string>;
}

interface HeaderEntry {
  name: string;
  dtype: StoredDType;
  shape: number[];
  begin: number;
  end: number;
}

/** Whether `head` (the file's first bytes, >= 9) looks like a safetensors header for a file of `size` bytes. */
export function looksLikeSafetensors(head: Uint8Array, size: number): boolean {
  if (head.length < 9) return false;
  const n = Buffer.from(head.buffer, head.byteOffset, head.byteLength).readBigUInt64LE(0);
  return n >= 2n && n <= BigInt(size - 8) && head[8] === 0x7b; // '{'
}

function parseHeader(src: ByteSource): { entries: HeaderEntry[]; metadata: Record<string, string>; dataStart: number } {
  const { file } = src;
  const fail = (detail: string): never => {
    throw new CheckpointError(file, `invalid safetensors file: ${detail}`);
  };
  if (src.size < 8) fail(`only ${src.size} bytes, too short for the 8-byte header length`);
  const n = Buffer.from(src.read(0, 8)).readBigUInt64LE(0);
  if (n > BigInt(Math.min(MAX_HEADER, src.size - 8))) {
    fail(`header length ${n} exceeds ${src.size - 8 < MAX_HEADER ? `the file (${src.size} bytes)` : `${MAX_HEADER} bytes`}`);
  }
  const headerLen = Number(n);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(src.read(8, headerLen)).toString('utf8'));
  } catch (err) {
    fail(`header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = src.size - dataStart;
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, v] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('__metadata__ is not an object');
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
        if (typeof s !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = s as string;
      }
      continue;
    }
    const bad = (detail: string): never => fail(`tensor '${name}': ${detail}`);
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (typeof e !== 'object' || e === null) bad('entry is not an object');
    const dtype = FROM_ST.get(String(e!.dtype));
    if (!dtype) bad(`unsupported dtype ${JSON.stringify(e!.dtype)}`);
    const shape = e!.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad(`invalid shape ${JSON.stringify(shape)}`);
    }
    const off = e!.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad(`invalid data_offsets ${JSON.stringify(off)}`);
    }
    const [begin, end] = off as [number, number];
    if (begin > end || end > dataLen) bad(`data_offsets [${begin}, ${end}] out of range (data is ${dataLen} bytes)`);
    const need = numelOf(shape as number[]) * storedSize(dtype!);
    if (end - begin !== need) bad(`data_offsets span ${end - begin} bytes but ${dtype} [${shape}] needs ${need}`);
    entries.push({ name, dtype: dtype!, shape: shape as number[], begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < entries.length; i++) {
    const [a, b] = [entries[i - 1]!, entries[i]!];
    if (b.begin < a.end) fail(`tensors '${a.name}' and '${b.name}' overlap`);
  }
  return { entries, metadata, dataStart };
}

/** Reads a safetensors file: every tensor (in data order) as a RawTensor, plus `__metadata__`. */
export function readSafetensors(path: string): SafetensorsContents {
  const src = openFileSource(path);
  try {
    const { entries, metadata, dataStart } = parseHeader(src);
    const tensors = new Map<string, RawTensor>();
    for (const e of entries) {
      const dtype = toDType(path, e.name, e.dtype);
      tensors.set(e.name, { dtype, shape: e.shape, data: src.read(dataStart + e.begin, e.end - e.begin) });
    }
    return { tensors, metadata };
  } finally {
    src.close();
  }
}

/** The header bytes (length prefix + JSON padded with spaces to a multiple of 8) for `sd`. */
function headerBytes(file: string, sd: Map<string, RawTensor>, metadata: Record<string, string> | undefined): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new CheckpointError(file, `metadata '${k}' must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  let at = 0;
  for (const [name, t] of sd) {
    if (name === '__metadata__') throw new CheckpointError(file, `'__metadata__' cannot be a tensor name`);
    checkRawTensor(file, name, t);
    header[name] = { dtype: TO_ST[t.dtype], shape: t.shape, data_offsets: [at, at + t.data.length] };
    at += t.data.length;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  const out = Buffer.alloc(8 + padded, 0x20);
  out.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(out, 8);
  return out;
}

/** Writes `sd` (in Map order) and optional string metadata as a safetensors file, atomically. */
export function writeSafetensors(path: string, sd: Map<string, RawTensor>, metadata?: Record<string, string>): void {
  const head = headerBytes(path, sd, metadata);
  writeFileAtomic(path, (fd) => {
    const put = (b: Uint8Array) => {
      for (let done = 0; done < b.length; ) done += fs.writeSync(fd, b, done, b.length - done);
    };
    put(head);
    for (const t of sd.values()) put(t.data);
  });
}
