import { useEffect, useState } from 'react';
import { isLive } from '../state/run';
import { useStore } from '../state/store';

/**
 * While a run goes on, a page of its facts is asked for again at most this often, and only when
 * the run moved since: a page is a few KB, and a watcher of a long run must not hammer the server.
 */
const REFRESH_MS = 1_000;

export interface FactsState<T> {
  /** The last page the server answered for this query (kept while the next one loads). */
  page: T | null;
  /** Why the last request failed, when it did: the panel then shows what the browser holds. */
  error: string | null;
}

/**
 * A page of the run's facts from the server, for the run on screen: asked for when the query
 * (`key`) or the run changes, again on a throttle while the run moves, and once more when it ends
 * (its counts are then the report's).
 */
export function useFactsPage<T>(
  key: string,
  load: (runId: string, signal: AbortSignal) => Promise<T>,
): FactsState<T> {
  const runId = useStore((s) => s.runId);
  const live = useStore((s) => isLive(s.run?.state));
  const ended = useStore((s) => s.report !== null);
  const [state, setState] = useState<FactsState<T> & { for: string | null }>({
    page: null,
    error: null,
    for: null,
  });

  // `load` is left out on purpose: it is a new function every render, and `key` names what it asks.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for `load`'s query
  useEffect(() => {
    if (runId === null) return;
    const controller = new AbortController();
    let inFlight = false;
    let askedAtMs = -1;
    const refresh = () => {
      const nowMs = useStore.getState().nowMs;
      if (inFlight || nowMs === askedAtMs) return;
      inFlight = true;
      askedAtMs = nowMs;
      load(runId, controller.signal).then(
        (page) => {
          inFlight = false;
          if (!controller.signal.aborted) setState({ page, error: null, for: runId });
        },
        (error: unknown) => {
          inFlight = false;
          if (controller.signal.aborted) return;
          const why = error instanceof Error ? error.message : String(error);
          setState((s) => ({ page: s.for === runId ? s.page : null, error: why, for: runId }));
        },
      );
    };
    refresh();
    const timer = live ? setInterval(refresh, REFRESH_MS) : null;
    return () => {
      controller.abort();
      if (timer !== null) clearInterval(timer);
    };
  }, [runId, key, live, ended]);

  // A page of another run is never shown for this one.
  return state.for === runId ? state : { page: null, error: null };
}

/** How long a scrubbed time must hold still before the panels ask for the run as it stood then. */
const SCRUB_SETTLE_MS = 150;

/**
 * The scrubbed time (null at the run's end), once it has held still a moment: dragging the
 * scrubber asks the server once where it stops, not at every pixel.
 */
export function useSettledScrubMs(): number | null {
  const scrubMs = useStore((s) => s.scrubMs);
  const [settled, setSettled] = useState(scrubMs);
  useEffect(() => {
    if (scrubMs === null) {
      setSettled(null);
      return;
    }
    const timer = setTimeout(() => setSettled(scrubMs), SCRUB_SETTLE_MS);
    return () => clearTimeout(timer);
  }, [scrubMs]);
  return settled;
}
