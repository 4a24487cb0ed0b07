import type { RunSummary } from '@eolab/protocol';
import { isLive } from './run';

/**
 * The live-runs slice: runs this page left live on the server when it put another run on screen
 * ("keep it and start", or opening another run). They go on unseen, so the sidebar lists them, to
 * switch back to, until they end.
 */
export interface LiveRunsSlice {
  liveElsewhere: RunSummary[];
}

export const createLiveRunsSlice = (): LiveRunsSlice => ({ liveElsewhere: [] });

/** The run leaving the screen joins the list when it is still live. */
export function withLeftLive(s: LiveRunsSlice, run: RunSummary | null): LiveRunsSlice {
  if (run === null || !isLive(run.state)) return s;
  return { liveElsewhere: [...s.liveElsewhere.filter((r) => r.id !== run.id), run] };
}

/** The run now on screen is no longer elsewhere. */
export function withOnScreen(s: LiveRunsSlice, runId: string): LiveRunsSlice {
  return s.liveElsewhere.some((r) => r.id === runId)
    ? { liveElsewhere: s.liveElsewhere.filter((r) => r.id !== runId) }
    : s;
}

/** The server announced a run's new state: an ended run leaves the list. */
export function withLiveSummary(s: LiveRunsSlice, summary: RunSummary): LiveRunsSlice {
  if (!s.liveElsewhere.some((r) => r.id === summary.id)) return s;
  return {
    liveElsewhere: isLive(summary.state)
      ? s.liveElsewhere.map((r) => (r.id === summary.id ? summary : r))
      : s.liveElsewhere.filter((r) => r.id !== summary.id),
  };
}
