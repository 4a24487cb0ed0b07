import { describe, expect, it } from 'vitest';
import { Counter, Metrics, presetScenario, randomScenario, Simulation, WRITER_MODES } from '../src/index';
import { LatencyHistogram } from '../src/kernel/histogram';
import { SWEEP_METRICS } from '../src/run/sweep';

describe('metrics series', () => {
  it('stays within maxBuckets by merging buckets, and keeps the totals', () => {
    const m = new Metrics(10, 8);
    for (let t = 0; t < 1_000; t++) m.count(Counter.emitted, t, 1);
    const series = m.series();
    expect(series.buckets.length).toBeLessThanOrEqual(8);
    expect(series.bucketMs).toBeGreaterThan(10);
    expect(series.buckets.reduce((n, b) => n + b.emitted, 0)).toBe(1_000);
    expect(m.totals.emitted).toBe(1_000);
  });

  it('a live-demo run keeps a bounded series whose sums match the report', () => {
    const sim = new Simulation(presetScenario('live-demo', 'EXACTLY_ONCE')!, { maxBuckets: 300 });
    const report = sim.runToEnd();
    const { buckets } = sim.metrics.series();
    expect(buckets.length).toBeLessThanOrEqual(300);
    expect(buckets.reduce((n, b) => n + b.read, 0)).toBe(report.counts.read);
    expect(buckets.reduce((n, b) => n + b.emitted, 0)).toBe(report.counts.emitted);
    expect(Math.max(...buckets.map((b) => b.latencyP99Ms))).toBeGreaterThan(0);
  });
});

describe('a live view of latency', () => {
  it('the bucket still taking reads already shows its latency, before a later read closes it', () => {
    const metrics = new Metrics(10, 100);
    metrics.recordLatency(105, 40);
    metrics.recordLatency(106, 60);
    const open = metrics.bucket(10);
    expect(open.latencyMaxMs).toBe(60);
    expect(open.latencyP99Ms).toBeGreaterThan(0);
    expect(metrics.bucket(10)).toEqual(open);
  });
});

describe('latency histogram', () => {
  /** The same questions answered from the raw values, to check the histogram's shortcuts against. */
  const naive = (values: number[], fraction: number) => {
    const reference = new LatencyHistogram();
    for (const v of values) reference.record(v);
    return reference.percentile(fraction);
  };

  it('answers the same after reset, merge and reuse as a fresh histogram fed the same values', () => {
    const bucket = new LatencyHistogram();
    const folded = new LatencyHistogram();
    const all: number[] = [];
    // Buckets whose values lie in different ranges: a reused histogram must forget the old range.
    for (const values of [[3, 5, 5, 900], [40_000, 41_000], [0], [7, 7, 7, 130, 131, 5_000_000]]) {
      for (const v of values) bucket.record(v);
      all.push(...values);
      for (const f of [0.01, 0.5, 0.99, 1]) expect(bucket.percentile(f)).toBe(naive(values, f));
      // Below 128 ms the bins are exact: the median of 3, 5, 5, 900 is 5.
      if (values[0] === 3) expect(bucket.percentile(0.5)).toBe(5);
      folded.add(bucket);
      bucket.reset();
      expect(bucket.percentile(0.5)).toBe(0);
    }
    for (const f of [0.01, 0.25, 0.5, 0.9, 0.99, 1]) expect(folded.percentile(f)).toBe(naive(all, f));
    expect(folded.count).toBe(all.length);
    expect(folded.max).toBe(5_000_000);
    // 13 values: the 7th smallest is 7, the smallest 0.
    expect(folded.percentile(0.5)).toBe(7);
    expect(folded.percentile(0.01)).toBe(0);
  });
});

describe('reports and the metrics layout', () => {
  it('a report is the same whatever the buckets: the sweep’s one wide bucket, the default, many tiny ones', () => {
    for (let seed = 1; seed <= 40; seed++) {
      for (const mode of WRITER_MODES) {
        const scenario = randomScenario(seed, mode);
        // Byte for byte, as a saved report would be.
        const expected = JSON.stringify(new Simulation(scenario).runToEnd());
        expect(JSON.stringify(new Simulation(scenario, SWEEP_METRICS).runToEnd())).toBe(expected);
        expect(JSON.stringify(new Simulation(scenario, { bucketMs: 1, maxBuckets: 4 }).runToEnd())).toBe(
          expected,
        );
      }
    }
  });
});
