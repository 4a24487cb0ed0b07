import type { RunSummary } from '@eolab/protocol';
import { create } from 'zustand';
import { getRun } from '../api/rest';
import { isLive } from './store';

/**
 * Runs this page left live on the server when it put another run on screen ("keep it and start",
 * or opening another run): they go on unseen, so the sidebar lists them, to switch back to, until
 * they end.
 */
interface LiveElsewhere {
  runs: RunSummary[];
}

export const useLiveElsewhere = create<LiveElsewhere>()(() => ({ runs: [] }));

/**
 * The run leaving the screen, when it is still live. The state on screen may lag the server's (a
 * Stop just sent, its announcement already gone by): the server is asked, so no ended run lingers.
 */
export function leftLive(run: RunSummary | null): void {
  if (run === null || !isLive(run.state)) return;
  useLiveElsewhere.setState((s) => ({ runs: [...s.runs.filter((r) => r.id !== run.id), run] }));
  getRun(run.id).then(
    (snapshot) => noteLiveSummary(snapshot.run),
    () => {},
  );
}

/** The run now on screen is no longer elsewhere. */
export function nowOnScreen(runId: string): void {
  useLiveElsewhere.setState((s) =>
    s.runs.some((r) => r.id === runId) ? { runs: s.runs.filter((r) => r.id !== runId) } : s,
  );
}

/** The server announced a run's new state: an ended run leaves the list. */
export function noteLiveSummary(summary: RunSummary): void {
  useLiveElsewhere.setState((s) => {
    if (!s.runs.some((r) => r.id === summary.id)) return s;
    return {
      runs: isLive(summary.state)
        ? s.runs.map((r) => (r.id === summary.id ? summary : r))
        : s.runs.filter((r) => r.id !== summary.id),
    };
  });
}
