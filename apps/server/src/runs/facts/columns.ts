/**
 * Growable typed-array columns: one record is one row across several columns, a few bytes each,
 * instead of a JavaScript object per record (a 20M-event run has ~40,000 checkpoints and ~80,000
 * transactions; as objects they would cost several times as much, and the collector would walk them).
 */

type TypedArray = Int32Array | Uint32Array | Uint16Array | Uint8Array;

/**
 * A time column's null. Virtual times are whole milliseconds below 2^31 (the engine's horizon), so
 * four bytes hold any of them, a lease deadline beyond it included; a real run's times are rounded.
 */
export const NO_TIME = 0xffffffff;

/** A time as a time column holds it. */
export const timeCell = (ms: number) => Math.max(0, Math.round(ms));

/** A time column's cell as the API shows it. */
export const timeOrNull = (cell: number) => (cell === NO_TIME ? null : cell);
type TypedArrayConstructor<T extends TypedArray> = {
  new (length: number): T;
  readonly BYTES_PER_ELEMENT: number;
};

/** Rows a table starts with: a short run stays small. */
const INITIAL_ROWS = 64;

/** A column of `T`; `fill` is what a new row holds until set (NO_TIME: unknown). */
export class Column<T extends TypedArray> {
  values: T;

  constructor(
    private readonly kind: TypedArrayConstructor<T>,
    private readonly fill: number,
  ) {
    this.values = new kind(INITIAL_ROWS);
    this.values.fill(fill);
  }

  /**
   * Makes room for `rows` rows, half as many again each time: growing stays O(1) amortised and
   * at most a third of a long run's columns is slack (doubling would leave up to half).
   */
  ensure(rows: number): void {
    if (rows <= this.values.length) return;
    let length = this.values.length;
    while (length < rows) length = Math.ceil(length * 1.5);
    const grown = new this.kind(length);
    grown.set(this.values);
    grown.fill(this.fill, this.values.length);
    this.values = grown;
  }

  get bytes(): number {
    return this.values.byteLength;
  }

  /** The first `rows` values, copied, as bytes (for storing). */
  encode(rows: number): Uint8Array {
    const used = this.values.subarray(0, rows);
    return new Uint8Array(used.buffer.slice(used.byteOffset, used.byteOffset + used.byteLength));
  }

  /** Restores `rows` values from `encode`'s bytes. */
  decode(bytes: Uint8Array, rows: number): void {
    this.ensure(rows);
    const width = rows * this.kind.BYTES_PER_ELEMENT;
    new Uint8Array(this.values.buffer, this.values.byteOffset, width).set(bytes.subarray(0, width));
  }
}

/** A set of columns that grow together. */
export class Table {
  rows = 0;
  private readonly columns: Column<TypedArray>[] = [];

  column<T extends TypedArray>(kind: TypedArrayConstructor<T>, fill = 0): Column<T> {
    const c = new Column(kind, fill);
    this.columns.push(c as unknown as Column<TypedArray>);
    return c;
  }

  /** Grows the table to at least `rows` rows. */
  grow(rows: number): void {
    if (rows <= this.rows) return;
    for (const c of this.columns) c.ensure(rows);
    this.rows = rows;
  }

  get bytes(): number {
    return this.columns.reduce((n, c) => n + c.bytes, 0);
  }

  /** Every column's used rows, concatenated, behind a row count: what the run store keeps. */
  encode(): Uint8Array {
    const parts = this.columns.map((c) => c.encode(this.rows));
    const out = new Uint8Array(4 + parts.reduce((n, p) => n + p.byteLength, 0));
    new DataView(out.buffer).setUint32(0, this.rows, true);
    let at = 4;
    for (const p of parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }

  /** Reads what `encode` wrote (at `from` in `bytes`); returns where it ended. */
  decode(bytes: Uint8Array, from: number): number {
    const rows = new DataView(bytes.buffer, bytes.byteOffset + from, 4).getUint32(0, true);
    this.grow(rows);
    let at = from + 4;
    for (const c of this.columns) {
      const width = rows * c.values.BYTES_PER_ELEMENT;
      c.decode(bytes.subarray(at, at + width), rows);
      at += width;
    }
    return at;
  }
}
