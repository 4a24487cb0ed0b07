import { LatencyHistogram } from './histogram';

/**
 * Counts per virtual-time bucket. Data events are only counted here, never logged. The series is
 * bounded: when it would exceed `maxBuckets`, neighbouring buckets are merged and the bucket width
 * doubles, so a chart never holds more than `maxBuckets` points whatever the run's length.
 */

export const COUNTER_FIELDS = ['emitted', 'written', 'committed', 'read', 'duplicates'] as const;
export type CounterField = (typeof COUNTER_FIELDS)[number];

export interface MetricsBucket {
  /** Start of the bucket in virtual ms. */
  t: number;
  emitted: number;
  written: number;
  committed: number;
  read: number;
  /** Values found to be duplicates in this bucket (each value counted once, when first repeated). */
  duplicates: number;
  /** Transactions open (OPEN or COMMITTING) at the end of the bucket. */
  openTxns: number;
  /** Visibility latency of the values read in this bucket; 0 when none were read. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
}

export interface MetricsTotals {
  emitted: number;
  written: number;
  committed: number;
  read: number;
  duplicates: number;
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
  readonly totals: MetricsTotals = {
    emitted: 0,
    written: 0,
    committed: 0,
    read: 0,
    duplicates: 0,
    duplicateReads: 0,
    missing: 0,
    writeFailures: 0,
    openTxns: 0,
  };
  private readonly columns: Record<CounterField, number[]> = {
    emitted: [],
    written: [],
    committed: [],
    read: [],
    duplicates: [],
  };
  private readonly openTxns: number[] = [];
  private readonly latP50: number[] = [];
  private readonly latP99: number[] = [];
  private readonly latMax: number[] = [];
  private readonly latCount: number[] = [];
  private readonly bucketLatency = new LatencyHistogram();
  private latencyBucket = -1;

  constructor(
    bucketMs: number,
    private readonly maxBuckets: number,
  ) {
    if (!(bucketMs >= 1 && maxBuckets >= 2))
      throw new Error('metrics need bucketMs >= 1 and maxBuckets >= 2');
    this.bucketMs = bucketMs;
  }

  get length(): number {
    return this.openTxns.length;
  }

  add(field: CounterField, tMs: number, n: number): void {
    const column = this.columns[field];
    const index = this.ensure(tMs);
    column[index] = column[index]! + n;
    this.totals[field] += n;
  }

  /** Records one value's visibility latency, read at tMs. Reads arrive in time order. */
  recordLatency(tMs: number, latencyMs: number): void {
    const index = this.ensure(tMs);
    if (index !== this.latencyBucket) this.closeLatencyBucket(index);
    this.bucketLatency.record(latencyMs);
  }

  /** Samples the open-transaction gauge; the last sample in a bucket wins. */
  setOpenTxns(tMs: number, open: number): void {
    this.totals.openTxns = open;
    const index = this.ensure(tMs);
    this.openTxns[index] = open;
  }

  /** Brings the series up to tMs, carrying the gauge forward, and closes the latency bucket. */
  flush(tMs: number): void {
    this.ensure(tMs);
    this.closeLatencyBucket(this.latencyBucket);
  }

  series(fromIndex = 0): MetricsSeries {
    const buckets: MetricsBucket[] = [];
    for (let i = Math.max(0, fromIndex); i < this.length; i++) buckets.push(this.bucket(i));
    return { bucketMs: this.bucketMs, layoutVersion: this.layoutVersion, buckets };
  }

  bucket(i: number): MetricsBucket {
    return {
      t: i * this.bucketMs,
      emitted: this.columns.emitted[i]!,
      written: this.columns.written[i]!,
      committed: this.columns.committed[i]!,
      read: this.columns.read[i]!,
      duplicates: this.columns.duplicates[i]!,
      openTxns: this.openTxns[i]!,
      latencyP50Ms: this.latP50[i]!,
      latencyP99Ms: this.latP99[i]!,
      latencyMaxMs: this.latMax[i]!,
    };
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
    histogram.reset();
    this.latencyBucket = next;
  }

  private ensure(tMs: number): number {
    let index = Math.floor(tMs / this.bucketMs);
    while (index >= this.maxBuckets) {
      this.downsample();
      index = Math.floor(tMs / this.bucketMs);
    }
    while (this.openTxns.length <= index) {
      for (const field of COUNTER_FIELDS) this.columns[field].push(0);
      this.openTxns.push(this.totals.openTxns);
      this.latP50.push(0);
      this.latP99.push(0);
      this.latMax.push(0);
      this.latCount.push(0);
    }
    return index;
  }

  /** Merges bucket pairs and doubles the bucket width. */
  private downsample(): void {
    this.closeLatencyBucket(-1);
    const merge = (column: number[], combine: (a: number, b: number, i: number) => number) => {
      const out: number[] = [];
      for (let i = 0; i < column.length; i += 2) out.push(combine(column[i]!, column[i + 1] ?? 0, i));
      column.length = 0;
      column.push(...out);
    };
    for (const field of COUNTER_FIELDS) merge(this.columns[field], (a, b) => a + b);
    const counts = this.latCount.slice();
    merge(this.latP50, (a, b, i) => {
      const ca = counts[i]!;
      const cb = counts[i + 1] ?? 0;
      return ca + cb === 0 ? 0 : (a * ca + b * cb) / (ca + cb);
    });
    merge(this.latP99, Math.max);
    merge(this.latMax, Math.max);
    merge(this.latCount, (a, b) => a + b);
    const gauges = this.openTxns;
    merge(gauges, (a, b, i) => (i + 1 < counts.length ? b : a));
    this.bucketMs *= 2;
    this.layoutVersion += 1;
  }
}
