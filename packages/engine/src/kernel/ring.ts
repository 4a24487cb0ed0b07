/**
 * A growable FIFO of (value, time, tag) triples in typed arrays: the shape of every data queue in
 * the engine (the network channel from source to sinks, the store's in-flight writes). No object
 * is allocated per element.
 */
export class TripleQueue {
  // Read directly by batch loops (a sink writing what arrived): entries head..tail-1 are live.
  values: Int32Array;
  times: Float64Array;
  tags: Int32Array;
  head = 0;
  tail = 0;
  /** Elements ever pushed and popped, for barrier positions in the channel. */
  pushed = 0;
  popped = 0;

  /**
   * @param owner a number the owner files the queue under (the store: the job attempt whose writes
   *   it holds), so a scan over several queues needs no map entries
   */
  constructor(
    capacity = 64,
    readonly owner = 0,
  ) {
    [this.times, this.values, this.tags] = columns(capacity);
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

  /**
   * Pushes `count` consecutive values from `firstValue`, `stepMs` apart from `firstTime`, their
   * tags going round `firstTag`, `firstTag + 1`, ... below `tagCount` (the source's run into the
   * rebalance partitioner).
   */
  pushRun(
    firstValue: number,
    count: number,
    firstTime: number,
    stepMs: number,
    firstTag: number,
    tagCount: number,
  ): void {
    while (this.values.length - this.tail < count) this.makeRoom();
    const values = this.values;
    const times = this.times;
    const tags = this.tags;
    let at = this.tail;
    let tag = firstTag;
    for (let k = 0; k < count; k++, at++) {
      values[at] = firstValue + k;
      times[at] = firstTime + k * stepMs;
      tags[at] = tag;
      tag = tag + 1 === tagCount ? 0 : tag + 1;
    }
    this.tail = at;
    this.pushed += count;
  }

  /** How many head elements are due at or before `limit`, at most `max` (times never decrease). */
  countDueBy(limit: number, max: number): number {
    let lo = this.head;
    let hi = Math.min(this.tail, this.head + max);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid]! <= limit) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.head;
  }

  /** Removes the `count` head elements. */
  drop(count: number): void {
    this.head += count;
    this.popped += count;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    }
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
    this.drop(1);
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
      const [times, values, tags] = columns(this.values.length * 2);
      times.set(this.times.subarray(this.head, this.tail));
      values.set(this.values.subarray(this.head, this.tail));
      tags.set(this.tags.subarray(this.head, this.tail));
      this.times = times;
      this.values = values;
      this.tags = tags;
    }
    this.head = 0;
    this.tail = live;
  }
}

/**
 * The three columns of `capacity` entries over one buffer: a sweep makes thousands of queues a
 * second, and the garbage collector pays per buffer, not per view.
 */
function columns(capacity: number): [Float64Array, Int32Array, Int32Array] {
  const buffer = new ArrayBuffer(capacity * 16);
  return [
    new Float64Array(buffer, 0, capacity),
    new Int32Array(buffer, capacity * 8, capacity),
    new Int32Array(buffer, capacity * 12, capacity),
  ];
}
