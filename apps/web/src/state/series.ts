import { FIRST_BUCKET_MS, type MetricsBucket } from '@eolab/engine';

/**
 * The series the charts draw, from the engine's metrics buckets: summed here, cut to the scrubbed
 * time here, thinned for a chart here. A duplicate count goes bucket → running sum → chart point
 * in this one file.
 */

/**
 * One bucket of the series. `t` is the bucket's end: the running sums hold what happened up to
 * then, so a chart draws each rise at (never before) the moment it happened. `startMs` is the
 * bucket's start, where per-bucket figures (latency) are drawn from.
 */
export interface CumulativePoint {
  t: number;
  startMs: number;
  emitted: number;
  written: number;
  committed: number;
  read: number;
  duplicates: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/** Running sums of the per-bucket counts. */
export function cumulative(buckets: readonly MetricsBucket[]): CumulativePoint[] {
  return extendCumulative([], buckets, 0);
}

/**
 * Running sums again from bucket `from` on; the points before it are kept as they are (the same
 * objects), so the charts see unchanged data where nothing changed.
 */
export function extendCumulative(
  previous: readonly CumulativePoint[],
  buckets: readonly MetricsBucket[],
  from: number,
): CumulativePoint[] {
  // The point before `from` ended where bucket `from` starts; recompute it too, as its end was a guess.
  const start = Math.max(0, Math.min(from - 1, previous.length, buckets.length));
  const out = previous.slice(0, start);
  const before = out.at(-1);
  let emitted = before?.emitted ?? 0;
  let written = before?.written ?? 0;
  let committed = before?.committed ?? 0;
  let read = before?.read ?? 0;
  let duplicates = before?.duplicates ?? 0;
  for (let i = start; i < buckets.length; i++) {
    const b = buckets[i]!;
    // Buckets are contiguous: one ends where the next starts; the last is as wide as the one before.
    const endMs = buckets[i + 1]?.t ?? b.t + (i > 0 ? b.t - buckets[i - 1]!.t : FIRST_BUCKET_MS);
    emitted += b.emitted;
    written += b.written;
    committed += b.committed;
    read += b.read;
    duplicates += b.duplicates;
    out.push({
      t: endMs,
      startMs: b.t,
      emitted,
      written,
      committed,
      read,
      duplicates,
      latencyP50Ms: b.latencyP50Ms,
      latencyP99Ms: b.latencyP99Ms,
    });
  }
  return out;
}

/** Points a chart draws at most; the series has more when the run is long. */
export const MAX_CHART_POINTS = 150;

/**
 * At most MAX_CHART_POINTS points: the last point of every group of neighbours (the series are
 * running sums, so the last one holds the group's counts), with the group's worst latencies.
 */
export function downsample(series: readonly CumulativePoint[], max = MAX_CHART_POINTS): CumulativePoint[] {
  if (series.length <= max) return series as CumulativePoint[];
  const group = Math.ceil(series.length / max);
  const out: CumulativePoint[] = [];
  for (let start = 0; start < series.length; start += group) {
    const end = Math.min(series.length, start + group);
    let p50 = 0;
    let p99 = 0;
    for (let i = start; i < end; i++) {
      p50 = Math.max(p50, series[i]!.latencyP50Ms);
      p99 = Math.max(p99, series[i]!.latencyP99Ms);
    }
    out.push({ ...series[end - 1]!, startMs: series[start]!.startMs, latencyP50Ms: p50, latencyP99Ms: p99 });
  }
  return out;
}

let lastCut: { series: readonly CumulativePoint[]; ms: number; out: CumulativePoint[] } | null = null;

/**
 * The series as it stood at the scrubbed time (whole when `scrubMs` is null). Scrubbing is a view,
 * not a copy: the same array comes back until the series or the time changes, so charts keep
 * stable data references.
 */
export function selectSeries(s: { series: CumulativePoint[]; scrubMs: number | null }): CumulativePoint[] {
  if (s.scrubMs === null) return s.series;
  if (lastCut?.series !== s.series || lastCut.ms !== s.scrubMs) {
    const ms = s.scrubMs;
    lastCut = { series: s.series, ms, out: s.series.filter((p) => p.t <= ms) };
  }
  return lastCut.out;
}
