import type { RunDelta, RunSnapshot, RunSummary } from '@eolab/protocol';
import { getRun } from '../api/rest';
import { send } from '../api/socket';
import { withLeftLive, withLiveSummary, withOnScreen } from '../state/live-runs';
import { withDeltas, withSnapshot } from '../state/run';
import { useStore } from '../state/store';
import { resetZoom } from '../state/view';

/**
 * The sync layer: a run on screen is a snapshot, then deltas. Deltas are buffered outside React
 * and flushed into the store at most 10 times a second; a missed delta or a hole in the buckets
 * takes a fresh snapshot instead of drawing a run with holes in it. What a snapshot or a batch
 * does to the state is state/run.ts's pure `withSnapshot` and `withDeltas`.
 */

const FLUSH_MS = 100;
let pending: RunDelta[] = [];
let flushTimer: ReturnType<typeof setTimeout> | null = null;

/**
 * Deltas may be dropped on the way (the server sends them volatile). Each carries a sequence
 * number; a gap means the browser missed buckets and protocol events, so it takes a fresh
 * snapshot instead of drawing a run with holes in it.
 */
let lastSeq: number | null = null;
let resyncing = false;

/**
 * Every event of a run has a number; a snapshot says how many there were when it was taken. The
 * deltas that follow may still carry some of those (the server gathers a delta's events between
 * two sends): they are dropped by number, never by comparing contents.
 */
let eventCursor = 0;

function afterCursor(delta: RunDelta): RunDelta {
  const numbers = delta.eventNumbers;
  if (numbers.length === 0 || numbers[0]! >= eventCursor) return delta;
  return { ...delta, events: delta.events.filter((_, i) => numbers[i]! >= eventCursor) };
}

export async function watchRun(runId: string): Promise<void> {
  const { runId: previous, run } = useStore.getState();
  if (previous !== null && previous !== runId) {
    void send('run:unwatch', { runId: previous }).catch(() => {});
    // Still running on the server: listed in the sidebar, never orphaned unseen.
    leftLive(run);
  }
  pending = [];
  const snapshot = await send<RunSnapshot>('run:watch', { runId });
  applySnapshot(snapshot);
  useStore.setState((s) => withOnScreen(s, runId));
}

/**
 * The run leaving the screen, when it is still live. The state on screen may lag the server's (a
 * Stop just sent, its announcement already gone by): the server is asked, so no ended run lingers.
 */
function leftLive(run: RunSummary | null): void {
  useStore.setState((s) => withLeftLive(s, run));
  if (run === null) return;
  getRun(run.id).then(
    (snapshot) => useStore.setState((s) => withLiveSummary(s, snapshot.run)),
    () => {},
  );
}

/** The server announced a run's new state: the run on screen and the live-elsewhere list follow it. */
export function noteSummary(summary: RunSummary): void {
  useStore.setState((s) => ({
    ...withLiveSummary(s, summary),
    ...(s.runId === summary.id ? { run: summary } : {}),
  }));
}

/**
 * Shows a snapshot. `endOfRun`: the run on screen, grown to its end: the scrubbed time stays, and
 * so does the speed it ran at (a stored run does not record its speed).
 */
export function applySnapshot(s: RunSnapshot, { endOfRun = false } = {}): void {
  // Another run on screen: its own time axis, whole.
  if (useStore.getState().runId !== s.run.id) resetZoom();
  pending = [];
  lastSeq = null;
  resyncing = false;
  eventCursor = s.eventCursor;
  useStore.setState((before) => withSnapshot(before, s, endOfRun));
}

/** A snapshot the server pushed (the run was simulated again for a fault aimed at the moment on screen). */
export function receiveSnapshot(snapshot: RunSnapshot): void {
  if (snapshot.run.id === useStore.getState().runId) applySnapshot(snapshot);
}

/** Called by the socket for every delta; the store sees them in batches. */
export function receiveDelta(delta: RunDelta): void {
  const { runId, buckets } = useStore.getState();
  if (delta.runId !== runId || resyncing) return;
  const missed = lastSeq !== null && delta.seq !== lastSeq + 1;
  // Buckets must continue what is held: from a bucket already there, or from 0 after a new layout.
  const lastHeld = pending.at(-1);
  const layout = lastHeld?.layoutVersion ?? useStore.getState().layoutVersion;
  const held = lastHeld === undefined ? buckets.length : lastHeld.fromBucket + lastHeld.buckets.length;
  const hole = delta.layoutVersion === layout ? delta.fromBucket > held : delta.fromBucket !== 0;
  if (missed || hole) {
    resync(runId);
    return;
  }
  lastSeq = delta.seq;
  pending.push(afterCursor(delta));
  if (flushTimer === null) flushTimer = setTimeout(flushDeltas, FLUSH_MS);
}

/**
 * A run's last delta carries only its outcome (verdict and counts): the server does not push the
 * full report to every watcher. The dashboard fetches it once, with the run's snapshot, over REST;
 * the snapshot also brings the run's recent protocol events whole, where at full speed the deltas
 * carried only a sample of them (timelines, event log, narration).
 */
function loadEnded(runId: string): void {
  resyncing = true;
  pending = [];
  getRun(runId).then(
    (snapshot) => {
      if (useStore.getState().runId === runId) applySnapshot(snapshot, { endOfRun: true });
    },
    (error: Error) => {
      resyncing = false;
      useStore.setState({ lastError: `the run's report could not be loaded: ${error.message}` });
    },
  );
}

/** Drops what is buffered and takes a fresh snapshot of the run; deltas wait until it arrives. */
function resync(runId: string): void {
  resyncing = true;
  pending = [];
  void watchRun(runId).catch(() => {
    resyncing = false;
  });
}

export function flushDeltas(): void {
  flushTimer = null;
  const batch = pending;
  pending = [];
  if (batch.length === 0) return;
  const s = useStore.getState();
  useStore.setState(withDeltas(s, batch));
  if (batch.at(-1)!.outcome !== null && s.report === null && s.runId !== null) loadEnded(s.runId);
}
