import { LatencyHistogram } from '../kernel/histogram';

/**
 * Counts per virtual-time bucket. Data events are only counted here, never logged. The series is
 * bounded: when it would exceed `maxBuckets`, neighbouring buckets are merged and the bucket width
 * doubles, so a chart never holds more than `maxBuckets` points whatever the run's length.
 *
 * `count` runs once or more per data event, so the columns are preallocated typed arrays and the
 * current bucket is cached.
 */

/**
 * The width of a bucket before any merging, when the caller does not choose one (a server sizes
 * its own from the run's length, in steps of 1, 2 and 5 times a power of ten from here).
 */
export const FIRST_BUCKET_MS = 10;

/**
 * The five counters every data event feeds, with their column: the one definition the totals, the
 * buckets, the report's counts and the protocol's payloads share (`Counts`). `duplicates` counts
 * each value once, when it is first read again.
 */
export const Counter = { emitted: 0, written: 1, committed: 2, read: 3, duplicates: 4 } as const;
export type CounterName = keyof typeof Counter;
export type CounterId = (typeof Counter)[CounterName];
/** One number per counter. */
export type Counts = { [K in CounterName]: number };
const COUNTERS = Object.keys(Counter).length;

/** The counters read off any store of them, in the one order every shape lists them. */
export function countsOf(value: (name: CounterName) => number): Counts {
  return {
    emitted: value('emitted'),
    written: value('written'),
    committed: value('committed'),
    read: value('read'),
    duplicates: value('duplicates'),
  };
}

/** One bucket of the series: its counters, and what the charts draw beside them. */
export interface MetricsBucket extends Counts {
  /** Start of the bucket in virtual ms. */
  t: number;
  /** Transactions open (OPEN or COMMITTING) at the end of the bucket. */
  openTxns: number;
  /** Visibility latency of the values read in this bucket; 0 when none were read. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
}

export interface MetricsTotals extends Counts {
  duplicateReads: number;
  missing: number;
  writeFailures: number;
  openTxns: number;
}

export interface MetricsSeries {
  bucketMs: number;
  /** Increments whenever buckets were merged, so a consumer knows to replace what it holds. */
  layoutVersion: number;
  buckets: MetricsBucket[];
}

export class Metrics {
  bucketMs: number;
  layoutVersion = 0;
  /** Buckets in use. */
  length = 0;
  private readonly counters: Float64Array;
  readonly extra = { duplicateReads: 0, missing: 0, writeFailures: 0, openTxns: 0 };
  /** counts[field * capacity + bucket] */
  private readonly counts: Float64Array;
  private readonly openTxns: Float64Array;
  private readonly latP50: Float64Array;
  private readonly latP99: Float64Array;
  private readonly latMax: Float64Array;
  private readonly latCount: Float64Array;
  private readonly capacity: number;
  private readonly bucketLatency: LatencyHistogram;
  /** Every recorded latency; each bucket's histogram is folded in when the bucket closes. */
  private readonly latencyFolded: LatencyHistogram;
  private latencyBucket = -1;
  private cachedIndex = -1;
  private cachedStart = 0;
  private cachedEnd = 0;

  constructor(
    bucketMs: number,
    private readonly maxBuckets: number,
  ) {
    if (!(bucketMs >= 1 && maxBuckets >= 2))
      throw new Error('metrics need bucketMs >= 1 and maxBuckets >= 2');
    this.bucketMs = bucketMs;
    this.capacity = maxBuckets;
    // Every column and both histograms' bins in one buffer: a sweep makes thousands of these a
    // second, and the garbage collector pays per buffer, not per view.
    const bins = LatencyHistogram.BINS;
    const all = new Float64Array(COUNTERS * (1 + maxBuckets) + 5 * maxBuckets + 2 * bins);
    let at = 0;
    const take = (n: number) => {
      at += n;
      return all.subarray(at - n, at);
    };
    this.counters = take(COUNTERS);
    this.counts = take(COUNTERS * maxBuckets);
    this.openTxns = take(maxBuckets);
    this.latP50 = take(maxBuckets);
    this.latP99 = take(maxBuckets);
    this.latMax = take(maxBuckets);
    this.latCount = take(maxBuckets);
    this.bucketLatency = new LatencyHistogram(take(bins));
    this.latencyFolded = new LatencyHistogram(take(bins));
  }

  get totals(): MetricsTotals {
    const c = this.counters;
    return { ...countsOf((name) => c[Counter[name]]!), ...this.extra };
  }

  count(field: CounterId, tMs: number, n: number): void {
    const index = tMs >= this.cachedStart && tMs < this.cachedEnd ? this.cachedIndex : this.locate(tMs);
    this.counts[field * this.capacity + index]! += n;
    this.counters[field]! += n;
  }

  /** Counts `count` events at tMs, tMs + stepMs, ...: one addition per bucket they fall in. */
  countRun(field: CounterId, tMs: number, stepMs: number, count: number): void {
    let done = 0;
    while (done < count) {
      const t = tMs + done * stepMs;
      const index = t >= this.cachedStart && t < this.cachedEnd ? this.cachedIndex : this.locate(t);
      const inBucket =
        stepMs === 0 ? count - done : Math.min(count - done, Math.ceil((this.cachedEnd - t) / stepMs));
      this.counts[field * this.capacity + index]! += inBucket;
      this.counters[field]! += inBucket;
      done += inBucket;
    }
  }

  /**
   * The end (exclusive) of the bucket holding tMs: a loop counting many events in time order adds
   * them up while they stay below it, then counts them at once.
   */
  bucketEndAt(tMs: number): number {
    if (!(tMs >= this.cachedStart && tMs < this.cachedEnd)) this.locate(tMs);
    return this.cachedEnd;
  }

  /**
   * The histogram taking the latencies of reads at tMs (its bucket's), for a loop that records
   * many reads of the same millisecond; valid until a read at another time.
   */
  latencyAt(tMs: number): LatencyHistogram {
    const index = tMs >= this.cachedStart && tMs < this.cachedEnd ? this.cachedIndex : this.locate(tMs);
    if (index !== this.latencyBucket) this.closeLatencyBucket(index);
    return this.bucketLatency;
  }

  /** Records one value's visibility latency, read at tMs. Reads arrive in time order. */
  recordLatency(tMs: number, latencyMs: number): void {
    this.latencyAt(tMs).record(latencyMs);
  }

  /** Every latency recorded so far, the open bucket's included. */
  get latencyTotal(): LatencyHistogram {
    this.closeLatencyBucket(this.latencyBucket);
    return this.latencyFolded;
  }

  /** Samples the open-transaction gauge; the last sample in a bucket wins. */
  setOpenTxns(tMs: number, open: number): void {
    this.extra.openTxns = open;
    this.openTxns[this.locate(tMs)] = open;
  }

  /** Brings the series up to tMs, carrying the gauge forward, and closes the latency bucket. */
  flush(tMs: number): void {
    this.locate(tMs);
    this.closeLatencyBucket(this.latencyBucket);
  }

  series(fromIndex = 0): MetricsSeries {
    const buckets: MetricsBucket[] = [];
    for (let i = Math.max(0, fromIndex); i < this.length; i++) buckets.push(this.bucket(i));
    return { bucketMs: this.bucketMs, layoutVersion: this.layoutVersion, buckets };
  }

  bucket(i: number): MetricsBucket {
    const c = this.counts;
    const n = this.capacity;
    // The bucket still taking reads shows its latency so far: a live view sends it before it closes.
    if (i === this.latencyBucket && this.bucketLatency.count > 0)
      return { ...this.closedBucket(i, c, n), ...this.openLatency(i) };
    return this.closedBucket(i, c, n);
  }

  private openLatency(i: number): Pick<MetricsBucket, 'latencyP50Ms' | 'latencyP99Ms' | 'latencyMaxMs'> {
    const h = this.bucketLatency;
    const before = this.latCount[i]!;
    const p50 = h.percentile(0.5);
    return {
      latencyP50Ms: before === 0 ? p50 : (this.latP50[i]! * before + p50 * h.count) / (before + h.count),
      latencyP99Ms: Math.max(this.latP99[i]!, h.percentile(0.99)),
      latencyMaxMs: Math.max(this.latMax[i]!, h.max),
    };
  }

  private closedBucket(i: number, c: Float64Array, n: number): MetricsBucket {
    return {
      t: i * this.bucketMs,
      ...countsOf((name) => c[Counter[name] * n + i]!),
      openTxns: this.openTxns[i]!,
      latencyP50Ms: this.latP50[i]!,
      latencyP99Ms: this.latP99[i]!,
      latencyMaxMs: this.latMax[i]!,
    };
  }

  /** Finds (and opens, carrying the gauge forward) the bucket holding tMs. */
  private locate(tMs: number): number {
    let index = Math.floor(tMs / this.bucketMs);
    while (index >= this.maxBuckets) {
      this.downsample();
      index = Math.floor(tMs / this.bucketMs);
    }
    while (this.length <= index) {
      this.openTxns[this.length] = this.extra.openTxns;
      this.length++;
    }
    this.cachedIndex = index;
    this.cachedStart = index * this.bucketMs;
    this.cachedEnd = this.cachedStart + this.bucketMs;
    return index;
  }

  private closeLatencyBucket(next: number): void {
    const current = this.latencyBucket;
    const histogram = this.bucketLatency;
    if (current >= 0 && current < this.length && histogram.count > 0) {
      const before = this.latCount[current]!;
      const p50 = histogram.percentile(0.5);
      // A bucket can be reopened after a flush; weigh the old and new medians by count.
      this.latP50[current] =
        before === 0
          ? p50
          : (this.latP50[current]! * before + p50 * histogram.count) / (before + histogram.count);
      this.latP99[current] = Math.max(this.latP99[current]!, histogram.percentile(0.99));
      this.latMax[current] = Math.max(this.latMax[current]!, histogram.max);
      this.latCount[current] = before + histogram.count;
    }
    this.latencyFolded.add(histogram);
    histogram.reset();
    this.latencyBucket = next;
  }

  /** Merges bucket pairs and doubles the bucket width. Merged latency percentiles are approximate. */
  private downsample(): void {
    this.closeLatencyBucket(-1);
    const half = Math.ceil(this.length / 2);
    const n = this.capacity;
    for (let i = 0; i < half; i++) {
      const a = 2 * i;
      const b = a + 1;
      const hasB = b < this.length;
      for (let f = 0; f < COUNTERS; f++) {
        this.counts[f * n + i] = this.counts[f * n + a]! + (hasB ? this.counts[f * n + b]! : 0);
      }
      const ca = this.latCount[a]!;
      const cb = hasB ? this.latCount[b]! : 0;
      this.latP50[i] =
        ca + cb === 0 ? 0 : (this.latP50[a]! * ca + (hasB ? this.latP50[b]! * cb : 0)) / (ca + cb);
      this.latP99[i] = Math.max(this.latP99[a]!, hasB ? this.latP99[b]! : 0);
      this.latMax[i] = Math.max(this.latMax[a]!, hasB ? this.latMax[b]! : 0);
      this.latCount[i] = ca + cb;
      this.openTxns[i] = hasB ? this.openTxns[b]! : this.openTxns[a]!;
    }
    for (let i = half; i < this.length; i++) {
      for (let f = 0; f < COUNTERS; f++) this.counts[f * n + i] = 0;
      this.latP50[i] = 0;
      this.latP99[i] = 0;
      this.latMax[i] = 0;
      this.latCount[i] = 0;
    }
    this.length = half;
    this.bucketMs *= 2;
    this.layoutVersion += 1;
    this.cachedIndex = -1;
    this.cachedStart = 0;
    this.cachedEnd = 0;
  }
}

/**
 * Counts events that come in time order one by one, with one `Metrics.count` per bucket they fall
 * in instead of one per event (the sinks' batch loops). `flush` counts what is left.
 */
export class Tally {
  private atMs = 0;
  private endMs = Number.NEGATIVE_INFINITY;
  private n = 0;

  constructor(
    private readonly metrics: Metrics,
    private readonly field: CounterId,
  ) {}

  add(tMs: number): void {
    if (tMs >= this.endMs || tMs < this.atMs) {
      this.flush();
      this.atMs = tMs;
      this.endMs = this.metrics.bucketEndAt(tMs);
    }
    this.n++;
  }

  flush(): void {
    if (this.n === 0) return;
    this.metrics.count(this.field, this.atMs, this.n);
    this.n = 0;
  }
}
