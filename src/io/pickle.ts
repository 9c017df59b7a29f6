// A tiny protocol-2 pickle writer: just the opcodes torch.save's output uses for a state dict.

/** Builds a protocol-2 pickle byte stream opcode by opcode. */
export class PickleWriter {
  private readonly chunks: Buffer[] = [];
  private cur = Buffer.alloc(1 << 16);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.cur.length) return;
    this.chunks.push(this.cur.subarray(0, this.len));
    this.cur = Buffer.alloc(Math.max(1 << 16, n));
    this.len = 0;
  }
  private op(code: number): this {
    this.ensure(1);
    this.cur[this.len++] = code;
    return this;
  }
  private raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.cur.set(b, this.len);
    this.len += b.length;
  }

  /** PROTO 2 (torch.save's default protocol). */
  proto(): this {
    this.op(0x80);
    return this.op(2);
  }
  /** GLOBAL module.name */
  global(module: string, name: string): this {
    this.op(0x63);
    this.raw(Buffer.from(`${module}\n${name}\n`, 'latin1'));
    return this;
  }
  mark(): this {
    return this.op(0x28);
  }
  emptyTuple(): this {
    return this.op(0x29);
  }
  /** TUPLE from the last MARK. */
  tuple(): this {
    return this.op(0x74);
  }
  reduce(): this {
    return this.op(0x52);
  }
  setItems(): this {
    return this.op(0x75);
  }
  binPersId(): this {
    return this.op(0x51);
  }
  bool(v: boolean): this {
    return this.op(v ? 0x88 : 0x89);
  }
  stop(): this {
    return this.op(0x2e);
  }
  /** BINUNICODE */
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    this.op(0x58);
    this.ensure(4);
    this.cur.writeUInt32LE(b.length, this.len);
    this.len += 4;
    this.raw(b);
    return this;
  }
  /** The shortest of BININT1/BININT2/BININT/LONG1 that holds `v` (a safe integer). */
  int(v: number): this {
    if (!Number.isSafeInteger(v)) throw new RangeError(`cannot pickle non-integer ${v}`);
    if (v >= 0 && v < 0x100) return this.op(0x4b).op(v);
    this.ensure(9);
    if (v >= 0 && v < 0x10000) {
      this.op(0x4d);
      this.cur.writeUInt16LE(v, this.len);
      this.len += 2;
    } else if (v >= -0x80000000 && v < 0x80000000) {
      this.op(0x4a);
      this.cur.writeInt32LE(v, this.len);
      this.len += 4;
    } else {
      this.op(0x8a).op(8);
      this.cur.writeBigInt64LE(BigInt(v), this.len);
      this.len += 8;
    }
    return this;
  }
  /** A tuple of ints (EMPTY_TUPLE for none). */
  intTuple(vs: readonly number[]): this {
    if (vs.length === 0) return this.emptyTuple();
    this.mark();
    for (const v of vs) this.int(v);
    return this.tuple();
  }
  /** The finished byte stream. */
  bytes(): Buffer {
    return Buffer.concat([...this.chunks, this.cur.subarray(0, this.len)]);
  }
}
