/**
 * A growable FIFO of (value, time, tag) triples in typed arrays: the shape of every data queue in
 * the engine (the network channel from source to sinks, the store's in-flight writes). No object
 * is allocated per element.
 */
export class TripleQueue {
  private values: Int32Array;
  private times: Float64Array;
  private tags: Int32Array;
  private head = 0;
  private tail = 0;
  /** Elements ever pushed and popped, for barrier positions in the channel. */
  pushed = 0;
  popped = 0;

  constructor(capacity = 64) {
    this.values = new Int32Array(capacity);
    this.times = new Float64Array(capacity);
    this.tags = new Int32Array(capacity);
  }

  get length(): number {
    return this.tail - this.head;
  }

  push(value: number, time: number, tag: number): void {
    if (this.tail === this.values.length) this.makeRoom();
    this.values[this.tail] = value;
    this.times[this.tail] = time;
    this.tags[this.tail] = tag;
    this.tail++;
    this.pushed++;
  }

  /** Time of the head element, or Infinity when empty. */
  headTime(): number {
    return this.head < this.tail ? this.times[this.head]! : Number.POSITIVE_INFINITY;
  }

  headValue(): number {
    return this.values[this.head]!;
  }

  headTag(): number {
    return this.tags[this.head]!;
  }

  shift(): void {
    this.head++;
    this.popped++;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    }
  }

  /** Time of the last element, or -Infinity when empty. */
  tailTime(): number {
    return this.head < this.tail ? this.times[this.tail - 1]! : Number.NEGATIVE_INFINITY;
  }

  clear(): void {
    this.popped += this.length;
    this.head = 0;
    this.tail = 0;
  }

  private makeRoom(): void {
    const live = this.tail - this.head;
    // Compact in place when at least half is free; grow otherwise.
    if (this.head >= this.values.length / 2) {
      this.values.copyWithin(0, this.head, this.tail);
      this.times.copyWithin(0, this.head, this.tail);
      this.tags.copyWithin(0, this.head, this.tail);
    } else {
      const grow = <T extends Int32Array | Float64Array>(old: T, make: (n: number) => T): T => {
        const next = make(old.length * 2);
        next.set(old.subarray(this.head, this.tail));
        return next;
      };
      this.values = grow(this.values, (n) => new Int32Array(n));
      this.times = grow(this.times, (n) => new Float64Array(n));
      this.tags = grow(this.tags, (n) => new Int32Array(n));
    }
    this.head = 0;
    this.tail = live;
  }
}
