import { isStory, type SimEvent } from '@eolab/engine';
import type { RunDelta, RunSnapshot } from '@eolab/protocol';
import { getRun } from '../api/rest';
import { send } from '../api/socket';
import { runIdFromAddress } from '../nav/route';
import { followRun } from '../state/actions';
import { leftLive, nowOnScreen } from '../state/live-runs';
import { mergeNarration } from '../state/narration';
import { cumulative, extendCumulative } from '../state/series';
import { emptyRun, isLive, MAX_EVENTS, useStore } from '../state/store';
import { resetZoom } from '../state/view';

/**
 * The sync layer: a run on screen is a snapshot, then deltas. Deltas are buffered outside React
 * and flushed into the store at most 10 times a second; a missed delta or a hole in the buckets
 * takes a fresh snapshot instead of drawing a run with holes in it.
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
  nowOnScreen(runId);
}

/**
 * Shows a snapshot. `endOfRun`: the run on screen, grown to its end: the scrubbed time stays, and
 * so does the speed it ran at (a stored run does not record its speed).
 */
export function applySnapshot(s: RunSnapshot, { endOfRun = false } = {}): void {
  // Another run on screen: its own time axis, whole, and the sidebar describing it (a resync of
  // the same run keeps the zoom and whatever the user is typing into the knobs).
  if (useStore.getState().runId !== s.run.id) {
    resetZoom();
    followRun(s.scenario, isLive(s.run.state) ? s.speed : null);
  }
  pending = [];
  lastSeq = null;
  resyncing = false;
  eventCursor = s.eventCursor;
  const before = useStore.getState();
  useStore.setState({
    scrubMs: endOfRun ? before.scrubMs : null,
    ...emptyRun,
    runId: s.run.id,
    run: s.run,
    scenario: s.scenario,
    faultTimeline: s.faultTimeline,
    nowMs: s.nowMs,
    runSpeed: endOfRun ? before.runSpeed : s.speed,
    totals: s.totals,
    bucketMs: s.bucketMs,
    layoutVersion: s.layoutVersion,
    buckets: s.buckets,
    series: cumulative(s.buckets),
    events: bounded(s.events),
    eventsDropped: s.eventsDropped,
    report: s.report,
    backend: s.backend ?? { kind: 'simulated', version: null },
    // The end of a run on screen keeps the sentences held (and pages loaded) and adds the last ones.
    narration:
      endOfRun && before.runId === s.run.id && before.narration !== null && s.narration !== undefined
        ? mergeNarration(before.narration, s.narration)
        : (s.narration ?? null),
    lastError: null,
  });
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
  let buckets = s.buckets;
  let layoutVersion = s.layoutVersion;
  let bucketMs = s.bucketMs;
  let events = s.events;
  let dropped = s.eventsDropped;
  let narration = s.narration;
  // The first bucket any delta of the batch replaced: the series is summed again from there only.
  let changedFrom = buckets.length;
  for (const d of batch) {
    if (d.layoutVersion !== layoutVersion || d.bucketMs !== bucketMs) {
      buckets = d.fromBucket === 0 ? d.buckets : [];
      layoutVersion = d.layoutVersion;
      bucketMs = d.bucketMs;
      changedFrom = 0;
    } else {
      buckets = [...buckets.slice(0, d.fromBucket), ...d.buckets];
      changedFrom = Math.min(changedFrom, d.fromBucket);
    }
    if (d.events.length > 0) events = [...events, ...d.events];
    dropped += d.eventsDropped;
    if (d.narration !== undefined) narration = mergeNarration(narration, d.narration);
  }
  events = bounded(events);
  const last = batch[batch.length - 1]!;
  const faultTimeline = [...s.faultTimeline];
  for (const d of batch)
    for (const e of d.events) if (e.kind === 'fault-injected') faultTimeline.push(e.fault);
  useStore.setState({
    buckets,
    series: extendCumulative(s.series, buckets, changedFrom),
    layoutVersion,
    bucketMs,
    events,
    eventsDropped: dropped,
    nowMs: last.nowMs,
    totals: last.totals,
    runSpeed: last.speed,
    backend: last.backend ?? s.backend,
    run:
      s.run === null
        ? null
        : { ...s.run, state: last.state, verdict: last.outcome?.verdict ?? s.run.verdict },
    faultTimeline,
    narration,
  });
  if (last.outcome !== null && s.report === null && s.runId !== null) loadEnded(s.runId);
}

/** After a (re)connect the server may have moved on: take a fresh snapshot of the run on screen, or of the one the address names. */
export function rewatch(): void {
  const fromUrl =
    runIdFromAddress() ?? new URLSearchParams(window.location.search).get('runs')?.split(',')[0] ?? null;
  const runId = useStore.getState().runId ?? fromUrl;
  if (runId !== null) void watchRun(runId).catch(() => {});
}

/**
 * At most MAX_EVENTS events, in order: every story event (failures, restores, faults: what the
 * narration tells) and the most recent routine ones.
 */
function bounded(events: readonly SimEvent[]): SimEvent[] {
  if (events.length <= MAX_EVENTS) return events as SimEvent[];
  let routineLeft = MAX_EVENTS - events.filter(isStory).length;
  const keep: SimEvent[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (isStory(e)) keep.push(e);
    else if (routineLeft > 0) {
      keep.push(e);
      routineLeft--;
    }
  }
  return keep.reverse().slice(-MAX_EVENTS);
}
