import type { MetricsBucket } from '@eolab/engine';
import { describe, expect, it } from 'vitest';
import { axisEndMs, formatTick, niceCeil, niceTicks } from '../src/charts/axis';
import { cumulative, downsample, extendCumulative } from '../src/state/series';

const bucket = (t: number, n: number, p99 = 0): MetricsBucket => ({
  t,
  emitted: n,
  written: n,
  committed: n,
  read: n,
  duplicates: 0,
  openTxns: 0,
  latencyP50Ms: p99 / 2,
  latencyP99Ms: p99,
  latencyMaxMs: p99,
});

describe('the series the charts draw', () => {
  it('sums again only from the first bucket a delta replaced, keeping the points before it', () => {
    const buckets = [bucket(0, 1), bucket(10, 2), bucket(20, 3)];
    const before = cumulative(buckets);
    const grown = [...buckets.slice(0, 2), bucket(20, 5), bucket(30, 1)];
    const after = extendCumulative(before, grown, 2);
    expect(after).toEqual(cumulative(grown));
    expect(after[0]).toBe(before[0]);
    expect(after.at(-1)!.read).toBe(9);
  });

  it('draws each bucket at its end, so nothing rises before it happened', () => {
    const points = cumulative([bucket(0, 1), bucket(10, 2), bucket(20, 3)]);
    expect(points.map((p) => [p.startMs, p.t, p.read])).toEqual([
      [0, 10, 1],
      [10, 20, 3],
      [20, 30, 6],
    ]);
  });

  it('draws at most 150 points, keeping the last counts and the worst latency of each group', () => {
    const buckets = Array.from({ length: 300 }, (_, i) => bucket(i * 10, 1, i === 7 ? 90 : 3));
    const points = downsample(cumulative(buckets));
    expect(points).toHaveLength(150);
    expect(points.at(-1)).toMatchObject({ t: 3000, read: 300 });
    expect(points[3]).toMatchObject({ startMs: 60, t: 80, latencyP99Ms: 90 });
    const few = cumulative(buckets.slice(0, 20));
    expect(downsample(few)).toBe(few);
  });
});

describe('the shared time axis', () => {
  it('rounds a streaming run up to a nice end and ends a finished one where it ended', () => {
    expect(niceCeil(304)).toBe(400);
    expect(niceCeil(20_754)).toBe(25_000);
    expect(axisEndMs(20_754, true)).toBe(25_000);
    expect(axisEndMs(20_754, false)).toBe(20_754);
  });

  it('ticks on 1-2-5 steps, in seconds on a long axis', () => {
    expect(niceTicks(20_754)).toEqual([0, 5000, 10_000, 15_000, 20_000]);
    expect(niceTicks(304)).toEqual([0, 100, 200, 300]);
    expect(formatTick(5000, 20_754)).toBe('5 s');
    expect(formatTick(100, 304)).toBe('100 ms');
  });
});
