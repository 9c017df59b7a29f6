// A restricted unpickler: it builds plain containers and never imports or calls anything itself.
// Every GLOBAL/STACK_GLOBAL/INST goes through `findClass`, which decides what may be referenced;
// REDUCE/NEWOBJ/OBJ only call the PyCallable objects that hook hands out, and BUILD only sets attributes on a
// PyDict (anything else must get empty state).

/** A Python dict (or OrderedDict); `attrs` holds instance attributes set by BUILD (e.g. `_metadata`). */
export class PyDict {
  readonly map = new Map<unknown, unknown>();
  readonly attrs = new Map<string, unknown>();
  constructor(readonly ordered = false) {}
}

/** Something the pickle may call via REDUCE/NEWOBJ (handed out by `findClass`). */
export interface PyCallable {
  readonly qualifiedName: string;
  call(args: readonly unknown[]): unknown;
}

/** Hooks that decide what a pickle may reference. */
export interface UnpickleHooks {
  /** Resolve `module.name`; throw to refuse. The result is what GLOBAL pushes. */
  findClass(module: string, name: string): unknown;
  /** Resolve a persistent id (BINPERSID); throw to refuse. */
  persistentLoad?(pid: unknown): unknown;
}

/** Raised for malformed pickles; `offset` is the byte position of the failing opcode. */
export class UnpickleError extends Error {
  override name = 'UnpickleError';
  constructor(
    message: string,
    readonly offset: number,
    /** True when the data simply ended too early (more bytes might parse). */
    readonly truncated = false,
  ) {
    super(message);
  }
}

function isCallable(v: unknown): v is PyCallable {
  return typeof v === 'object' && v !== null && typeof (v as PyCallable).call === 'function' && 'qualifiedName' in v;
}

function describe(v: unknown): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'tuple/list';
  if (v instanceof PyDict) return 'dict';
  if (isCallable(v)) return v.qualifiedName;
  return typeof v;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Unpickles `data` (protocols 2-5, binary opcodes) with the given hooks; tuples and lists become arrays. */
export function unpickle(data: Uint8Array, hooks: UnpickleHooks): unknown {
  return unpickleFrom(data, 0, hooks).value;
}

/** Unpickles the pickle starting at byte `start` of `data`; `end` is the byte after its STOP. */
export function unpickleFrom(data: Uint8Array, start: number, hooks: UnpickleHooks): { value: unknown; end: number } {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = start;
  let opStart = 0;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const fail = (msg: string, truncated = false): never => {
    throw new UnpickleError(`${msg} at byte ${opStart}`, opStart, truncated);
  };
  const need = (n: number): void => {
    if (n < 0 || pos + n > data.length) fail(`pickle truncated: needs ${n} more bytes`, n >= 0);
  };
  const u8 = (): number => {
    need(1);
    return data[pos++]!;
  };
  const u16 = (): number => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(data.length)) fail(`length ${v} exceeds the pickle size`);
    return Number(v);
  };
  const bytes = (n: number): Uint8Array => {
    need(n);
    const b = data.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const str = (n: number): string => {
    const b = bytes(n);
    try {
      return utf8.decode(b);
    } catch {
      return fail('invalid UTF-8 in string');
    }
  };
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) fail('pickle truncated: unterminated line', true);
    const s = latin1.decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) fail('MARK missing');
    stack = prev!;
    return items;
  };
  const copyBytes = (n: number): Uint8Array => bytes(n).slice();
  const long = (n: number): number | bigint => {
    if (n === 0) return 0;
    const b = bytes(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const callOn = (fn: unknown, args: unknown): unknown => {
    if (!isCallable(fn)) fail(`cannot call ${describe(fn)}`);
    if (!Array.isArray(args)) fail(`call arguments must be a tuple, got ${describe(args)}`);
    return (fn as PyCallable).call(args as unknown[]);
  };
  const setItems = (target: unknown, items: unknown[]): void => {
    if (!(target instanceof PyDict)) fail(`SETITEM(S) on ${describe(target)}`);
    if (items.length % 2) fail('odd number of items for SETITEMS');
    for (let i = 0; i < items.length; i += 2) (target as PyDict).map.set(items[i], items[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]): void => {
    if (!Array.isArray(target)) fail(`APPEND(S) on ${describe(target)}`);
    for (const it of items) (target as unknown[]).push(it);
  };
  const addItems = (target: unknown, items: unknown[]): void => {
    if (!(target instanceof Set)) fail(`ADDITEMS on ${describe(target)}`);
    for (const it of items) (target as Set<unknown>).add(it);
  };

  for (;;) {
    opStart = pos;
    if (pos >= data.length) fail('pickle ended without STOP', true);
    const op = data[pos++]!;
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('unsupported pickle protocol');
        break;
      case 0x95: // FRAME: framing is only a read-ahead hint
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(long(u8()));
        break;
      case 0x8b: {
        // LONG4
        const n = u32();
        if (n > 64) fail(`LONG4 of ${n} bytes is too large`);
        stack.push(long(n));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(str(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(str(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(str(u64()));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        stack.push(latin1.decode(bytes(u32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(bytes(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(copyBytes(u32()));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(copyBytes(u8()));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(copyBytes(u64()));
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: {
        // LIST (popMark swaps `stack`, so take the items before pushing)
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        addItems(top(), items);
        break;
      }
      case 0x91: {
        // FROZENSET
        const items = popMark();
        stack.push(new Set(items));
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const i = op === 0x68 ? u8() : u32();
        if (!memo.has(i)) fail(`memo key ${i} missing`);
        stack.push(memo.get(i));
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(hooks.findClass(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(hooks.findClass(module as string, name as string));
        break;
      }
      case 0x69: {
        // INST: like GLOBAL + call, so it goes through findClass too
        const module = line();
        const cls = hooks.findClass(module, line());
        const args = popMark();
        stack.push(callOn(cls, args));
        break;
      }
      case 0x6f: {
        // OBJ
        const items = popMark();
        if (items.length === 0) fail('OBJ without a class');
        stack.push(callOn(items[0], items.slice(1)));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(callOn(pop(), args));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args); our callables build the object directly
        const args = pop();
        stack.push(callOn(pop(), args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        if (!(kwargs instanceof PyDict) || kwargs.map.size) fail('NEWOBJ_EX with keyword arguments is not supported');
        stack.push(callOn(pop(), args));
        break;
      }
      case 0x62: {
        // BUILD: only dict-like objects take state (attributes), e.g. OrderedDict._metadata
        const state = pop();
        const obj = top();
        if (obj instanceof PyDict) {
          const attrs = Array.isArray(state) && state.length === 2 ? state[0] : state; // (dict, slotstate)
          if (attrs instanceof PyDict) for (const [k, v] of attrs.map) obj.attrs.set(String(k), v);
          else if (attrs !== null) fail(`BUILD state for a dict must be a dict, got ${describe(attrs)}`);
        } else if (state !== null && !(state instanceof PyDict && state.map.size === 0)) {
          fail(`BUILD on ${describe(obj)} is not supported`);
        }
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!hooks.persistentLoad) fail('persistent ids are not supported here');
        stack.push(hooks.persistentLoad!(pid));
        break;
      }
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}

/** A short Python-like rendering of an unpickled value, for error messages (never throws). */
export function pyRepr(v: unknown, depth = 0): string {
  const s = reprInner(v, depth);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function reprInner(v: unknown, depth: number): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}...` : v}'`;
  if (depth > 2) return '...';
  if (Array.isArray(v))
    return `(${v
      .slice(0, 8)
      .map((x) => reprInner(x, depth + 1))
      .join(', ')}${v.length > 8 ? ', ...' : ''})`;
  if (v instanceof PyDict)
    return `{${[...v.map.keys()]
      .slice(0, 8)
      .map((k) => reprInner(k, depth + 1))
      .join(', ')}: ...}`;
  if (v instanceof Uint8Array) return `bytes[${v.length}]`;
  if (typeof v === 'object' && typeof (v as { qualifiedName?: unknown }).qualifiedName === 'string') {
    return (v as { qualifiedName: string }).qualifiedName;
  }
  if (v instanceof Set) return `set[${v.size}]`;
  return typeof v;
}

/** `s` with control and non-ASCII characters escaped (names from untrusted files, for messages). */
export function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
