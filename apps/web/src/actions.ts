import {
  FAULT_KINDS,
  type Fault,
  type FaultKind,
  presetScenario,
  type Scenario,
  type WriterMode,
} from '@eolab/engine';
import type { Ack, RunDelta, RunSnapshot, RunSummary, Speed } from '@eolab/protocol';
import { runIdFromAddress } from './route';
import { forgetScrub } from './scrub';
import { getSocket } from './socket';
import { cumulative, emptyRun, extendCumulative, type Knobs, knobsOf, MAX_EVENTS, useStore } from './store';

/**
 * Module-level actions: the components and the socket call these; none of them reads the whole
 * store. Deltas are buffered outside React and flushed into the store at most 10 times a second.
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
 * A snapshot already holds the events the server will also put in its next delta (those since
 * its previous one): the first delta after a snapshot leaves them out. The snapshot holds every
 * event up to its virtual time; of the ones at that very millisecond, the ones it holds.
 */
let overlap: { nowMs: number; atNow: Map<string, number> } | null = null;

function withoutOverlap(events: RunDelta['events']): RunDelta['events'] {
  const seen = overlap;
  overlap = null;
  if (seen === null) return events;
  return events.filter((e) => {
    if (e.t < seen.nowMs) return false;
    if (e.t > seen.nowMs) return true;
    const key = JSON.stringify(e);
    const n = seen.atNow.get(key) ?? 0;
    if (n === 0) return true;
    seen.atNow.set(key, n - 1);
    return false;
  });
}

export function choosePreset(presetId: string): void {
  const { mode } = useStore.getState();
  const scenario = presetScenario(presetId, mode);
  if (scenario === undefined) return;
  useStore.setState({ presetId, knobs: knobsOf(scenario) });
}

export function chooseMode(mode: WriterMode): void {
  useStore.setState({ mode });
}

export function setKnob<K extends keyof Knobs>(key: K, value: Knobs[K]): void {
  useStore.setState((s) => ({ knobs: { ...s.knobs, [key]: value } }));
}

export function chooseSpeed(speed: Speed): void {
  useStore.setState({ speed });
  const { runId, run } = useStore.getState();
  if (runId !== null && run !== null && ['created', 'running', 'paused'].includes(run.state)) {
    void send('run:speed', { runId, speed });
  }
}

export function highlight(ms: number | null): void {
  useStore.setState({ highlightMs: ms });
}

export function toggleTheme(): void {
  useStore.setState((s) => ({ theme: s.theme === 'dark' ? 'light' : 'dark' }));
}

/** The scenario the controls describe: the preset, in the chosen mode, with the knobs applied. */
export function scenarioFromControls(): Scenario {
  const { presetId, mode, knobs } = useStore.getState();
  return scenarioFrom(presetId, mode, knobs);
}

export function scenarioFrom(presetId: string, mode: WriterMode, knobs: Knobs): Scenario {
  const base = presetScenario(presetId, mode)!;
  const numEvents = knobs.numEvents;
  // A preset's sample failure sits at element N/2 + 1 of its own N; keep it there when N changes.
  const faults = base.faults.map((f) =>
    f.kind === 'mapper-exception' && f.atElement !== undefined && numEvents !== base.numEvents
      ? { ...f, atElement: Math.floor(numEvents / 2) + 1 }
      : f,
  );
  return {
    ...base,
    seed: knobs.seed,
    numEvents,
    source: {
      ...base.source,
      throttleUntilPosition: Math.min(
        base.source.throttleUntilPosition,
        Math.max(1, Math.floor(numEvents / 3)),
      ),
    },
    checkpoint: { ...base.checkpoint, intervalMs: knobs.checkpointIntervalMs },
    sink: { ...base.sink, parallelism: knobs.parallelism, txnLeaseMs: knobs.txnLeaseMs },
    restart: { ...base.restart, attempts: knobs.restartAttempts, delayMs: knobs.restartDelayMs },
    checker: { isolation: knobs.isolation },
    faults,
  };
}

function send<T>(event: string, payload: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const socket = getSocket();
    // socket.io would queue the call and replay it on reconnect, against a server that moved on.
    if (!socket.connected) {
      reject(new Error('not connected to the server'));
      return;
    }
    (socket.emit as (e: string, p: unknown, ack: (r: Ack<T>) => void) => void)(event, payload, (result) => {
      if (result.ok) resolve(result.data);
      else {
        useStore.setState({ lastError: result.error });
        reject(new Error(result.error));
      }
    });
  });
}

/** Starts a new run from the controls and watches it. */
export function startRun(): Promise<void> {
  return startScenario(scenarioFromControls());
}

export async function startScenario(scenario: Scenario): Promise<void> {
  const { speed } = useStore.getState();
  const { runId } = await send<{ runId: string }>('run:create', { scenario, speed, start: false });
  await watchRun(runId);
  // The address names the run, so another page (or a colleague on this server) can watch it too.
  window.history.replaceState(null, '', `?run=${encodeURIComponent(runId)}`);
  await send('run:control', { runId, action: 'start' });
}

export async function watchRun(runId: string): Promise<void> {
  const previous = useStore.getState().runId;
  if (previous !== null && previous !== runId) void send('run:unwatch', { runId: previous }).catch(() => {});
  pending = [];
  const snapshot = await send<RunSnapshot>('run:watch', { runId });
  applySnapshot(snapshot);
}

export function control(action: 'pause' | 'resume' | 'stop'): void {
  const { runId } = useStore.getState();
  if (runId !== null) void send<RunSummary>('run:control', { runId, action }).then(applySummary, () => {});
}

/** When a fault acts: now, at a later virtual time, or at a checkpoint (a number, or the next one). */
export type FaultAim =
  | { at: 'now' }
  | { at: 'time'; atMs: number }
  | { at: 'checkpoint'; checkpoint: number | 'next' };

/** Injects a fault aimed as asked; the server refuses, with a reason, what the run cannot take. */
export function inject(kind: FaultKind, durationMs?: number, aim: FaultAim = { at: 'now' }): Promise<Fault> {
  const { runId } = useStore.getState();
  if (runId === null) return Promise.reject(new Error('no run on screen'));
  if (!FAULT_KINDS.includes(kind)) return Promise.reject(new Error(`unknown fault ${kind}`));
  const fault = {
    kind,
    ...(durationMs === undefined ? {} : { durationMs }),
    ...(aim.at === 'time' ? { atMs: aim.atMs } : {}),
    ...(aim.at === 'checkpoint' ? { checkpoint: aim.checkpoint } : {}),
  };
  return send<{ fault: Fault }>('run:inject', { runId, fault }).then((r) => r.fault);
}

export function applySummary(run: RunSummary): void {
  if (useStore.getState().runId === run.id) useStore.setState({ run });
}

export function applySnapshot(s: RunSnapshot): void {
  forgetScrub();
  pending = [];
  lastSeq = null;
  resyncing = false;
  const atNow = new Map<string, number>();
  for (const e of s.events) {
    if (e.t !== s.nowMs) continue;
    const key = JSON.stringify(e);
    atNow.set(key, (atNow.get(key) ?? 0) + 1);
  }
  overlap = { nowMs: s.nowMs, atNow };
  useStore.setState({
    scrubMs: null,
    ...emptyRun,
    runId: s.run.id,
    run: s.run,
    scenario: s.scenario,
    faultTimeline: s.faultTimeline,
    nowMs: s.nowMs,
    runSpeed: s.speed,
    totals: s.totals,
    bucketMs: s.bucketMs,
    layoutVersion: s.layoutVersion,
    buckets: s.buckets,
    series: cumulative(s.buckets),
    events: s.events.slice(-MAX_EVENTS),
    eventsDropped: s.eventsDropped,
    report: s.report,
    lastError: null,
  });
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
  pending.push(overlap === null ? delta : { ...delta, events: withoutOverlap(delta.events) });
  if (flushTimer === null) flushTimer = setTimeout(flushDeltas, FLUSH_MS);
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
  }
  if (events.length > MAX_EVENTS) events = events.slice(-MAX_EVENTS);
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
    report: last.report ?? s.report,
    run:
      s.run === null ? null : { ...s.run, state: last.state, verdict: last.report?.verdict ?? s.run.verdict },
    faultTimeline,
  });
}

/** After a (re)connect the server may have moved on: take a fresh snapshot of the run on screen, or of the one the address names. */
export function rewatch(): void {
  const fromUrl =
    runIdFromAddress() ?? new URLSearchParams(window.location.search).get('runs')?.split(',')[0] ?? null;
  const runId = useStore.getState().runId ?? fromUrl;
  if (runId !== null) void watchRun(runId).catch(() => {});
}

export function clearRun(): void {
  useStore.setState(emptyRun);
}
