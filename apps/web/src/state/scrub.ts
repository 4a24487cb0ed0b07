import type { SimEvent } from '@eolab/engine';
import { type RunSlice, useStore } from './store';

/**
 * Scrubbing a finished run: the store's visible fields show the run as it was at a virtual time;
 * the full run is kept aside and restored when the scrubber returns to the end.
 */
type Visible = Pick<RunSlice, 'series' | 'events' | 'nowMs' | 'report' | 'totals'>;

let full: Visible | null = null;

export function isScrubbing(): boolean {
  return full !== null;
}

export function endOfRun(): number {
  return full?.nowMs ?? useStore.getState().nowMs;
}

export function scrubTo(ms: number): void {
  const s = useStore.getState();
  if (full === null) {
    if (s.report === null) return;
    full = { series: s.series, events: s.events, nowMs: s.nowMs, report: s.report, totals: s.totals };
  }
  if (ms >= full.nowMs) {
    useStore.setState({ ...full, scrubMs: null });
    full = null;
    return;
  }
  const series = full.series.filter((p) => p.t <= ms);
  const last = series.at(-1);
  useStore.setState({
    series,
    events: full.events.filter((e) => e.t <= ms),
    nowMs: ms,
    report: null,
    totals:
      full.totals === null || last === undefined
        ? full.totals
        : {
            ...full.totals,
            emitted: last.emitted,
            written: last.written,
            committed: last.committed,
            read: last.read,
            duplicates: last.duplicates,
          },
    scrubMs: ms,
  });
}

/** The virtual times of the protocol steps worth stepping through (console lines excluded). */
function stepTimes(events: readonly SimEvent[]): number[] {
  const times = new Set<number>();
  for (const e of events) if (e.kind !== 'console') times.add(e.t);
  return [...times].sort((a, b) => a - b);
}

export function stepEvent(direction: 1 | -1): void {
  const s = useStore.getState();
  const events = full?.events ?? s.events;
  const current = s.scrubMs ?? endOfRun();
  const times = stepTimes(events);
  const next = direction === 1 ? times.find((t) => t > current) : times.findLast((t) => t < current);
  if (next !== undefined) scrubTo(next);
  else if (direction === 1) scrubTo(endOfRun());
}

/** A new run or snapshot replaces whatever was being scrubbed. */
export function forgetScrub(): void {
  full = null;
}
