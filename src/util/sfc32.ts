// The sfc32 core shared by the data pipeline's keyed Rng and the synthesiser's seeded Rng; each subclass
// keeps its own seeding and draw names, so their streams are unchanged.

/** sfc32 generator state (four 32-bit words); subclasses choose the initial words. */
export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Starts from the given state words and discards 12 outputs to mix them. */
  protected constructor(a: number, b: number, c: number, d: number) {
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** Next uniform 32-bit unsigned integer. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
}
