import {
  type Fault,
  FIRST_BUCKET_MS,
  isStory,
  type MetricsBucket,
  type MetricsTotals,
  type Report,
  type Scenario,
  type SimEvent,
} from '@eolab/engine';
import type { RunBackend, RunDelta, RunSnapshot, RunSummary, Speed } from '@eolab/protocol';
import { type ControlsSlice, following } from './controls';
import { mergeNarration, type NarrationView } from './narration';
import { type CumulativePoint, cumulative, extendCumulative } from './series';
import type { UiSlice } from './ui';

/**
 * The run slice: the run on screen, as a snapshot and the deltas folded into it. Pure: sync/
 * receives, buffers and checks the deltas; the functions here say what the state becomes.
 */

/** Protocol events the browser keeps for the log, the timelines and the narration. */
export const MAX_EVENTS = 1_500;

export interface RunSlice {
  runId: string | null;
  run: RunSummary | null;
  scenario: Scenario | null;
  faultTimeline: Fault[];
  nowMs: number;
  runSpeed: Speed;
  totals: MetricsTotals | null;
  bucketMs: number;
  layoutVersion: number;
  buckets: MetricsBucket[];
  /** Running sums over the buckets, one point per bucket: what the charts plot. */
  series: CumulativePoint[];
  events: SimEvent[];
  eventsDropped: number;
  report: Report | null;
  /** Where the run on screen happens (the model, or PostgreSQL with its version). */
  backend: RunBackend | null;
  /** The server's narration of the whole run, as far as the browser holds it (null from an older server). */
  narration: NarrationView | null;
}

export const emptyRun: RunSlice = {
  runId: null,
  run: null,
  scenario: null,
  faultTimeline: [],
  nowMs: 0,
  runSpeed: '10x',
  totals: null,
  bucketMs: FIRST_BUCKET_MS,
  layoutVersion: 0,
  buckets: [],
  series: [],
  events: [],
  eventsDropped: 0,
  report: null,
  backend: null,
  narration: null,
};

export const createRunSlice = (): RunSlice => emptyRun;

/** Whether the run on screen may still move on. */
export function isLive(state: RunSummary['state'] | undefined): boolean {
  return state === 'created' || state === 'running' || state === 'paused';
}

type Screen = RunSlice & ControlsSlice & Pick<UiSlice, 'scrubMs' | 'lastError'>;

/**
 * The state once a snapshot is shown. `endOfRun`: the run on screen, grown to its end: the
 * scrubbed time stays, and so does the speed it ran at (a stored run does not record its speed).
 * Another run on screen brings the sidebar describing it; a resync of the same run keeps whatever
 * the user is typing into the knobs.
 */
export function withSnapshot(before: Screen, s: RunSnapshot, endOfRun: boolean): Partial<Screen> {
  const sidebar =
    before.runId === s.run.id ? {} : following(before, s.scenario, isLive(s.run.state) ? s.speed : null);
  return {
    ...sidebar,
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
  };
}

/** The run once a batch of deltas (checked to continue what is held, in order) is folded in. */
export function withDeltas(s: RunSlice, batch: readonly RunDelta[]): Partial<RunSlice> {
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
  const last = batch[batch.length - 1]!;
  const faultTimeline = [...s.faultTimeline];
  for (const d of batch)
    for (const e of d.events) if (e.kind === 'fault-injected') faultTimeline.push(e.fault);
  return {
    buckets,
    series: extendCumulative(s.series, buckets, changedFrom),
    layoutVersion,
    bucketMs,
    events: bounded(events),
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
  };
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
