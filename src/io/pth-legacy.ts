// The pre-1.6 torch.save format (still how some published weights ship): five pickles back to back
// (magic number, protocol version, sys_info, the object, the sorted storage keys), then each storage
// as an int64 element count followed by its raw bytes.
import { CheckpointError } from './errors.js';
import type { StorageRef, TorchHooks } from './pth-read.js';
import type { ByteSource } from './source.js';
import { storedSize } from './torch-types.js';
import { PyDict, UnpickleError, type UnpickleHooks, unpickleFrom } from './unpickle.js';

const MAGIC = 0x1950a86a20f9469cfc6cn;
const PROTOCOL_VERSION = 1001;

const plainHooks: UnpickleHooks = {
  findClass(module, name) {
    throw new UnpickleError(`unexpected global ${module}.${name} in the header`, 0);
  },
};

interface Parsed {
  root: unknown;
  keys: string[];
  storages: Map<string, StorageRef>;
  end: number;
}

function parsePickles(file: string, head: Uint8Array, hooks: TorchHooks): Parsed {
  let pos = 0;
  const next = (h: UnpickleHooks): unknown => {
    const r = unpickleFrom(head, pos, h);
    pos = r.end;
    return r.value;
  };
  if (next(plainHooks) !== MAGIC) throw new CheckpointError(file, 'not a PyTorch checkpoint (bad legacy magic number)');
  const version = next(plainHooks);
  if (version !== PROTOCOL_VERSION) throw new CheckpointError(file, `unsupported legacy protocol version ${String(version)}`);
  const sysInfo = next(plainHooks);
  if (sysInfo instanceof PyDict && sysInfo.map.get('little_endian') === false) {
    throw new CheckpointError(file, 'big-endian checkpoints are unsupported');
  }
  const root = next(hooks);
  const keys = next(plainHooks);
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) {
    throw new CheckpointError(file, 'corrupt legacy checkpoint: storage key list is not a list of strings');
  }
  return { root, keys: keys as string[], storages: hooks.storages, end: pos };
}

/** Parses a legacy torch.save file: its object tree and a reader for the storages it references. */
export function readLegacyPth(src: ByteSource, makeHooks: () => TorchHooks): { root: unknown; readStorage: (s: StorageRef) => Uint8Array } {
  const { file } = src;
  // The pickles' total length is unknown up front: parse a prefix, growing it while the parse runs off its end.
  let parsed: Parsed | undefined;
  for (let chunk = Math.min(src.size, 1 << 20); !parsed; chunk = Math.min(src.size, chunk * 4)) {
    try {
      parsed = parsePickles(file, src.read(0, chunk), makeHooks());
    } catch (err) {
      if (!(err instanceof UnpickleError)) throw err;
      if (!err.truncated || chunk >= src.size) {
        throw new CheckpointError(file, `corrupt legacy (pre-1.6) checkpoint: ${err.truncated ? 'truncated: ' : ''}${err.message}`);
      }
    }
  }
  const offsets = new Map<string, number>();
  let pos = parsed.end;
  for (const key of parsed.keys) {
    const s = parsed.storages.get(key);
    if (!s) throw new CheckpointError(file, `corrupt legacy checkpoint: storage '${key}' is listed but never referenced`);
    const numel = Buffer.from(src.read(pos, 8)).readBigInt64LE(0);
    if (numel !== BigInt(s.numel)) {
      throw new CheckpointError(file, `corrupt legacy checkpoint: storage '${key}' holds ${numel} elements, expected ${s.numel}`);
    }
    offsets.set(key, pos + 8);
    pos += 8 + s.numel * storedSize(s.dtype);
  }
  if (pos > src.size) throw new CheckpointError(file, `truncated: storages need ${pos} bytes but the file has ${src.size}`);
  return {
    root: parsed.root,
    readStorage: (s) => {
      const at = offsets.get(s.key);
      if (at === undefined) throw new CheckpointError(file, `storage '${s.key}' is missing from the legacy checkpoint`);
      return src.read(at, s.numel * storedSize(s.dtype));
    },
  };
}
