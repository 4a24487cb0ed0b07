import type { MetricsTotals, Report, SimEvent } from '@eolab/engine';
import type { CumulativePoint, State } from './store';
import { useStore } from './store';

/**
 * Scrubbing a finished run is a view, not a copy: the store always holds the whole run, and these
 * selectors show it as it was at `scrubMs` (or whole when it is null). Each remembers its last
 * answer, so a component sees the same array until the run or the scrubbed time changes.
 */

function remember<T, R>(cut: (value: T, ms: number) => R): (value: T, ms: number) => R {
  let lastValue: T | undefined;
  let lastMs = Number.NaN;
  let last: R | undefined;
  return (value, ms) => {
    if (value !== lastValue || ms !== lastMs) {
      lastValue = value;
      lastMs = ms;
      last = cut(value, ms);
    }
    return last as R;
  };
}

const seriesAt = remember((series: CumulativePoint[], ms: number) => series.filter((p) => p.t <= ms));
const eventsAt = remember((events: SimEvent[], ms: number) => events.filter((e) => e.t <= ms));

export const selectSeries = (s: State): CumulativePoint[] =>
  s.scrubMs === null ? s.series : seriesAt(s.series, s.scrubMs);

export const selectEvents = (s: State): SimEvent[] =>
  s.scrubMs === null ? s.events : eventsAt(s.events, s.scrubMs);

/** The virtual time on screen: the scrubbed one, or the run's. */
export const selectNowMs = (s: State): number => s.scrubMs ?? s.nowMs;

/** The report exists only at the run's end: while scrubbing, the checker has not judged yet. */
export const selectReport = (s: State): Report | null => (s.scrubMs === null ? s.report : null);

/** The counters as they stood at the scrubbed time. */
export const selectTotals = (s: State): MetricsTotals | null => {
  const last = selectSeries(s).at(-1);
  if (s.scrubMs === null || s.totals === null || last === undefined) return s.totals;
  return totalsAt(s.totals, last);
};

let lastTotals: { totals: MetricsTotals; point: CumulativePoint; out: MetricsTotals } | null = null;

function totalsAt(totals: MetricsTotals, point: CumulativePoint): MetricsTotals {
  if (lastTotals?.totals !== totals || lastTotals.point !== point) {
    const out = {
      ...totals,
      emitted: point.emitted,
      written: point.written,
      committed: point.committed,
      read: point.read,
      duplicates: point.duplicates,
    };
    lastTotals = { totals, point, out };
  }
  return lastTotals.out;
}

export function isScrubbing(): boolean {
  return useStore.getState().scrubMs !== null;
}

/** The end of the run on screen. */
export function endOfRun(): number {
  return useStore.getState().nowMs;
}

export function scrubTo(ms: number): void {
  const s = useStore.getState();
  if (s.report === null) return;
  useStore.setState({ scrubMs: ms >= s.nowMs ? null : ms });
}

/** The virtual times of the protocol steps worth stepping through (console lines excluded). */
function stepTimes(events: readonly SimEvent[]): number[] {
  const times = new Set<number>();
  for (const e of events) if (e.kind !== 'console') times.add(e.t);
  return [...times].sort((a, b) => a - b);
}

export function stepEvent(direction: 1 | -1): void {
  const s = useStore.getState();
  const current = s.scrubMs ?? s.nowMs;
  const times = stepTimes(s.events);
  const next = direction === 1 ? times.find((t) => t > current) : times.findLast((t) => t < current);
  if (next !== undefined) scrubTo(next);
  else if (direction === 1) scrubTo(s.nowMs);
}
