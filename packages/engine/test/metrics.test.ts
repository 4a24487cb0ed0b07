import { describe, expect, it } from 'vitest';
import { Counter, Metrics, presetScenario, Simulation } from '../src/index';

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
