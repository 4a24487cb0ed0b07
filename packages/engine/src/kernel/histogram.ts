/**
 * A log-linear histogram of non-negative integer milliseconds: exact below 128 ms, then 16 bins per
 * power of two (about 6% resolution). Fixed size, so recording a latency costs a few instructions.
 */
const LINEAR_LIMIT = 128;
const SUB_BINS = 16;
const BIN_COUNT = LINEAR_LIMIT + (32 - 7) * SUB_BINS;

function binOf(value: number): number {
  const v = value < 0 ? 0 : Math.floor(value);
  if (v < LINEAR_LIMIT) return v;
  const exponent = 31 - Math.clz32(v);
  const sub = (v >>> (exponent - 4)) & (SUB_BINS - 1);
  return LINEAR_LIMIT + (exponent - 7) * SUB_BINS + sub;
}

function lowerBoundOf(bin: number): number {
  if (bin < LINEAR_LIMIT) return bin;
  const exponent = Math.floor((bin - LINEAR_LIMIT) / SUB_BINS) + 7;
  const sub = (bin - LINEAR_LIMIT) % SUB_BINS;
  return (SUB_BINS + sub) * 2 ** (exponent - 4);
}

export class LatencyHistogram {
  /** How many numbers a histogram's bins take: an owner of several can lay them in one buffer. */
  static readonly BINS = BIN_COUNT;
  private readonly bins: Float64Array;
  count = 0;
  max = 0;
  /**
   * The lowest and highest bins holding a value (lo > hi when empty). A bucket's latencies fall in
   * a few bins: percentile, add and reset look only there, not at all 528 (the metrics close a
   * bucket's histogram thousands of times in a sweep; bins outside hold zeros, so results are
   * the same to the bit).
   */
  private lo = BIN_COUNT;
  private hi = -1;

  /** `bins`: BINS zeros to count in (a view on its owner's buffer), or a fresh array. */
  constructor(bins: Float64Array = new Float64Array(BIN_COUNT)) {
    if (bins.length !== BIN_COUNT) throw new Error(`a latency histogram needs ${BIN_COUNT} bins`);
    this.bins = bins;
  }

  record(valueMs: number): void {
    const bin = binOf(valueMs);
    this.bins[bin]! += 1;
    if (bin < this.lo) this.lo = bin;
    if (bin > this.hi) this.hi = bin;
    this.count += 1;
    if (valueMs > this.max) this.max = valueMs;
  }

  /** The smallest recorded bin bound below which `fraction` of the values fall (0 when empty). */
  percentile(fraction: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(fraction * this.count));
    let seen = 0;
    for (let bin = this.lo; bin <= this.hi; bin++) {
      seen += this.bins[bin]!;
      if (seen >= rank) return Math.min(lowerBoundOf(bin), this.max);
    }
    return this.max;
  }

  /** Adds every value another histogram recorded. */
  add(other: LatencyHistogram): void {
    if (other.count === 0) return;
    for (let bin = other.lo; bin <= other.hi; bin++) this.bins[bin]! += other.bins[bin]!;
    if (other.lo < this.lo) this.lo = other.lo;
    if (other.hi > this.hi) this.hi = other.hi;
    this.count += other.count;
    if (other.max > this.max) this.max = other.max;
  }

  reset(): void {
    if (this.count === 0) return;
    this.bins.fill(0, this.lo, this.hi + 1);
    this.lo = BIN_COUNT;
    this.hi = -1;
    this.count = 0;
    this.max = 0;
  }
}
