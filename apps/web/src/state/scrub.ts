import type { MetricsTotals, Report, SimEvent } from '@eolab/engine';
import { type CumulativePoint, selectSeries } from './series';
import type { State } from './store';

/**
 * Scrubbing a finished run is a view, not a copy: the store always holds the whole run, and these
 * selectors show it as it was at `scrubMs` (or whole when it is null). Each remembers its last
 * answer, so a component sees the same array until the run or the scrubbed time changes.
 */

let lastEvents: { events: SimEvent[]; ms: number; out: SimEvent[] } | null = null;

export const selectEvents = (s: State): SimEvent[] => {
  if (s.scrubMs === null) return s.events;
  if (lastEvents?.events !== s.events || lastEvents.ms !== s.scrubMs) {
    const ms = s.scrubMs;
    lastEvents = { events: s.events, ms, out: s.events.filter((e) => e.t <= ms) };
  }
  return lastEvents.out;
};

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

/** The scrubbed time for `ms`: a finished run only; its end (or past it) is no scrub at all. */
export function scrubbedTo(s: State, ms: number): Partial<State> {
  if (s.report === null) return {};
  return { scrubMs: ms >= s.nowMs ? null : ms };
}

/** The virtual times of the protocol steps worth stepping through (console lines excluded). */
function stepTimes(events: readonly SimEvent[]): number[] {
  const times = new Set<number>();
  for (const e of events) if (e.kind !== 'console') times.add(e.t);
  return [...times].sort((a, b) => a - b);
}

/** The scrubbed time one protocol step on (1) or back (-1); stepping past the last is the end. */
export function stepped(s: State, direction: 1 | -1): Partial<State> {
  const current = s.scrubMs ?? s.nowMs;
  const times = stepTimes(s.events);
  const next = direction === 1 ? times.find((t) => t > current) : times.findLast((t) => t < current);
  if (next !== undefined) return scrubbedTo(s, next);
  return direction === 1 ? scrubbedTo(s, s.nowMs) : {};
}
