// Reads PyTorch checkpoints written by torch.save into RawTensors: the zip format (torch >= 1.6)
// and, via pth-legacy.ts, the older pickle-stream format. Only tensors and plain containers are built.
import { numelOf, type RawTensor } from '../tensor/dtype.js';
import { CheckpointError } from './errors.js';
import { readLegacyPth } from './pth-legacy.js';
import { type ByteSource, openFileSource } from './source.js';
import { gatherStrided } from './strided.js';
import { isContiguous, type StoredDType, storageDType, storedSize, toDType } from './torch-types.js';
import { type PyCallable, PyDict, printable, pyRepr, UnpickleError, type UnpickleHooks, unpickle } from './unpickle.js';
import { ZipReader } from './zip.js';

/** A storage referenced by the pickle (`data/<key>` in the archive). */
export interface StorageRef {
  readonly key: string;
  readonly dtype: StoredDType;
  readonly numel: number;
  readonly location: string;
}

/** A tensor as pickled: a view (offset/shape/stride in elements) of a storage; not yet read. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

/** The unpickled object tree of a torch.save file plus access to its storages. */
export interface PthArchive {
  readonly file: string;
  /** data.pkl, decoded: PyDict / arrays / primitives / TensorRef. */
  readonly root: unknown;
  /** Reads the tensors in `refs` into contiguous RawTensors (shared storages are read once). */
  materialize(refs: Map<string, TensorRef>): Map<string, RawTensor>;
  close(): void;
}

const REFUSAL = 'only tensors and plain containers are loaded';

function callable(qualifiedName: string, call: (args: readonly unknown[]) => unknown): PyCallable {
  return { qualifiedName, call };
}

function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => Number.isSafeInteger(x) && (x as number) >= 0);
}

/** Unpickling hooks for torch checkpoints, plus the storages the pickle referenced. */
export interface TorchHooks extends UnpickleHooks {
  readonly storages: Map<string, StorageRef>;
}

// What data.pkl may reference; everything else is refused before anything is built from it.
function makeHooks(file: string): TorchHooks {
  const storages = new Map<string, StorageRef>();
  const bad = (detail: string): never => {
    throw new CheckpointError(file, `corrupt data.pkl: ${detail}`);
  };
  const rebuildTensor = (name: string) =>
    callable(`torch._utils.${name}`, (args) => {
      const [storage, offset, size, stride] = args;
      const isStorage = typeof storage === 'object' && storage !== null && storages.get((storage as StorageRef).key) === storage;
      if (args.length < 4 || !isStorage) bad(`${name} expects a storage, got ${pyRepr(storage)}`);
      if (!Number.isSafeInteger(offset) || (offset as number) < 0) bad(`${name}: bad storage offset ${pyRepr(offset)}`);
      if (!isIntArray(size) || !isIntArray(stride) || size.length !== stride.length) {
        bad(`${name}: bad size/stride ${pyRepr(size)} / ${pyRepr(stride)}`);
      }
      return new TensorRef(storage as StorageRef, offset as number, [...(size as number[])], [...(stride as number[])]);
    });
  const rebuildParameter = (name: string) =>
    callable(`torch._utils.${name}`, (args) => {
      if (!(args[0] instanceof TensorRef)) bad(`${name} expects a tensor`);
      return args[0];
    });
  const ordered = callable('collections.OrderedDict', (args) => {
    const d = new PyDict(true);
    const items = args[0];
    if (Array.isArray(items)) {
      for (const kv of items) if (Array.isArray(kv) && kv.length === 2) d.map.set(kv[0], kv[1]);
    }
    return d;
  });
  const globals = new Map<string, PyCallable>([
    ['collections.OrderedDict', ordered],
    ['torch._utils._rebuild_tensor', rebuildTensor('_rebuild_tensor')],
    ['torch._utils._rebuild_tensor_v2', rebuildTensor('_rebuild_tensor_v2')],
    ['torch._utils._rebuild_parameter', rebuildParameter('_rebuild_parameter')],
    ['torch._utils._rebuild_parameter_with_state', rebuildParameter('_rebuild_parameter_with_state')],
  ]);
  const storageTypes = new Map<string, { qualifiedName: string; dtype: StoredDType }>();

  return {
    findClass(module: string, name: string): unknown {
      const qualified = `${module}.${name}`;
      const g = globals.get(qualified);
      if (g) return g;
      const dtype = module === 'torch' ? storageDType(name) : undefined;
      if (dtype) {
        let t = storageTypes.get(name);
        if (!t) {
          t = { qualifiedName: `torch.${name}`, dtype };
          storageTypes.set(name, t);
        }
        return t;
      }
      throw new CheckpointError(file, `refusing pickle global '${printable(qualified)}': ${REFUSAL}`);
    },
    storages,
    persistentLoad(pid: unknown): unknown {
      // ('storage', type, key, location, numel) or, in the legacy format, (..., view_metadata)
      if (!Array.isArray(pid) || pid.length < 5 || pid.length > 6 || pid[0] !== 'storage') {
        bad(`unexpected persistent id ${pyRepr(pid)}`);
      }
      if ((pid as unknown[])[5] != null) bad('legacy storage views (view_metadata) are unsupported');
      const [, type, key, location, numel] = pid as unknown[];
      const dtype = (type as { dtype?: StoredDType } | null)?.dtype;
      if (!dtype || typeof key !== 'string' || !Number.isSafeInteger(numel)) {
        bad(`unexpected storage reference ${pyRepr(pid)}`);
      }
      let s = storages.get(key as string);
      if (!s) {
        s = { key: key as string, dtype: dtype!, numel: numel as number, location: String(location) };
        storages.set(s.key, s);
      } else if (s.dtype !== dtype) {
        bad(`storage ${s.key} is referenced as both ${s.dtype} and ${dtype}`);
      }
      return s;
    },
  };
}

function findArchivePrefix(zip: ZipReader, file: string): string {
  for (const name of zip.entries.keys()) {
    if (name === 'data.pkl') return '';
    if (name.endsWith('/data.pkl') && name.indexOf('/') === name.length - '/data.pkl'.length) {
      return name.slice(0, -'data.pkl'.length);
    }
  }
  const names = [...zip.entries.keys()];
  if (names.some((n) => /(^|\/)constants\.pkl$/.test(n) || /(^|\/)code\//.test(n))) {
    throw new CheckpointError(file, 'is a TorchScript archive (torch.jit.save), not a state dict: save model.state_dict() with torch.save');
  }
  throw new CheckpointError(file, `zip archive has no data.pkl: not a torch.save checkpoint (entries: ${names.slice(0, 5).join(', ')})`);
}

/** Options for reading torch.save checkpoints. */
export interface ReadPthOptions {
  /** Check each record's CRC-32 (default true; costs ~0.5 ms per MB). */
  verifyCrc?: boolean;
}

/** Opens a torch.save zip checkpoint and unpickles data.pkl (no tensor data is read yet). */
export function openPth(file: string, opts: ReadPthOptions = {}): PthArchive {
  const src = openFileSource(file);
  try {
    return openPthSource(src, opts);
  } catch (err) {
    src.close();
    throw err;
  }
}

function openPthSource(src: ByteSource, opts: ReadPthOptions): PthArchive {
  const { file } = src;
  const magic = src.read(0, Math.min(2, src.size));
  if (magic[0] === 0x80) {
    const { root, readStorage } = readLegacyPth(src, () => makeHooks(file));
    return { file, root, materialize: (refs) => materializeAll(file, refs, readStorage), close: () => src.close() };
  }
  if (magic[0] !== 0x50 || magic[1] !== 0x4b) throw new CheckpointError(file, 'not a PyTorch checkpoint (no zip signature)');
  const zip = new ZipReader(src);
  const prefix = findArchivePrefix(zip, file);
  const record = (name: string) => zip.get(prefix + name);
  const byteorder = record('byteorder');
  if (byteorder) {
    const order = Buffer.from(zip.read(byteorder)).toString('latin1').trim();
    if (order !== 'little') throw new CheckpointError(file, `byteorder '${order}' is unsupported (only little-endian)`);
  }
  const pkl = zip.read(record('data.pkl')!);
  let root: unknown;
  try {
    root = unpickle(pkl, makeHooks(file));
  } catch (err) {
    if (err instanceof UnpickleError) throw new CheckpointError(file, `corrupt data.pkl: ${err.message}`);
    throw err;
  }
  const readStorage = (s: StorageRef): Uint8Array => {
    const entry = record(`data/${s.key}`);
    if (!entry) throw new CheckpointError(file, `storage data/${printable(s.key)} is missing from the archive`);
    const need = s.numel * storedSize(s.dtype);
    if (entry.size < need) {
      throw new CheckpointError(file, `storage data/${s.key} has ${entry.size} bytes, expected ${need} (${s.numel} x ${s.dtype})`);
    }
    return zip.read(entry, opts);
  };
  return {
    file,
    root,
    materialize: (refs) => materializeAll(file, refs, readStorage),
    close: () => src.close(),
  };
}

function materializeAll(file: string, refs: Map<string, TensorRef>, readStorage: (s: StorageRef) => Uint8Array): Map<string, RawTensor> {
  const total = new Map<string, number>();
  for (const r of refs.values()) total.set(r.storage.key, (total.get(r.storage.key) ?? 0) + 1);
  const remaining = new Map(total);
  const cache = new Map<string, Uint8Array>(); // storages still needed by later tensors
  const out = new Map<string, RawTensor>();
  for (const [name, r] of refs) {
    const { storage, shape, stride, offset } = r;
    const dtype = toDType(file, name, storage.dtype);
    const es = storedSize(storage.dtype);
    const numel = numelOf(shape);
    let extent = numel === 0 ? 0 : offset + 1;
    if (numel > 0) for (let i = 0; i < shape.length; i++) extent += (shape[i]! - 1) * stride[i]!;
    if (extent > storage.numel) {
      throw new CheckpointError(
        file,
        `tensor '${name}' (shape [${shape}], stride [${stride}], offset ${offset}) overruns its storage data/${storage.key} of ${storage.numel} elements`,
      );
    }
    const bytes = cache.get(storage.key) ?? readStorage(storage);
    const left = remaining.get(storage.key)! - 1;
    remaining.set(storage.key, left);
    if (left > 0) cache.set(storage.key, bytes);
    else cache.delete(storage.key);
    let data: Uint8Array;
    if (!isContiguous(shape, stride)) data = gatherStrided(bytes, es, shape, stride, offset);
    else if (total.get(storage.key) === 1 && offset === 0 && bytes.length === numel * es)
      data = bytes; // sole owner: no copy
    else data = bytes.slice(offset * es, (offset + numel) * es);
    out.set(name, { dtype, shape: [...shape], data });
  }
  return out;
}

/**
 * Picks the state dict out of an unpickled checkpoint: the dict itself, or its 'state_dict' / 'model' / 'model_state'
 * entry (the last: VainF/DeepLabV3Plus-Pytorch's training checkpoints).
 */
export function extractStateDict(root: unknown, file: string): Map<string, TensorRef> {
  const asStateDict = (v: unknown): Map<string, TensorRef> | undefined => {
    if (!(v instanceof PyDict)) return undefined;
    const m = new Map<string, TensorRef>();
    for (const [k, t] of v.map) {
      if (typeof k !== 'string' || !(t instanceof TensorRef)) return undefined;
      m.set(k, t);
    }
    return m;
  };
  const direct = asStateDict(root);
  if (direct) return direct;
  if (root instanceof PyDict) {
    for (const key of ['state_dict', 'model', 'model_state']) {
      const inner = asStateDict(root.map.get(key));
      if (inner) return inner;
    }
    const keys = [...root.map.keys()].map(String);
    const bad = [...root.map].find(([, v]) => !(v instanceof TensorRef));
    throw new CheckpointError(
      file,
      `no state dict found: expected a dict of tensors or a dict whose 'state_dict'/'model'/'model_state' entry is one; ` +
        `top-level keys are [${keys.slice(0, 10).join(', ')}${keys.length > 10 ? ', ...' : ''}]` +
        (bad ? ` and '${String(bad[0])}' is not a tensor` : ''),
    );
  }
  throw new CheckpointError(file, `no state dict found: the checkpoint holds ${pyRepr(root)}, not a dict`);
}

/** Reads a torch.save checkpoint's state dict (see extractStateDict) as contiguous RawTensors, in file order. */
export function readPth(path: string, opts: ReadPthOptions = {}): Map<string, RawTensor> {
  const archive = openPth(path, opts);
  try {
    return archive.materialize(extractStateDict(archive.root, path));
  } finally {
    archive.close();
  }
}
