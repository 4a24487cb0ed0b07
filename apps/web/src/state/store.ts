import {
  type Fault,
  type MetricsBucket,
  type MetricsTotals,
  presetScenario,
  type Report,
  type Scenario,
  type SimEvent,
  type WriterMode,
} from '@eolab/engine';
import type { RunBackend, RunSummary, Speed } from '@eolab/protocol';
import { create } from 'zustand';
import { axisEndMs } from '../charts/axis';
import type { NarrationView } from './narration';

/** Protocol events the browser keeps for the log, the timelines and the narration. */
export const MAX_EVENTS = 1_500;

export interface Knobs {
  numEvents: number;
  checkpointIntervalMs: number;
  parallelism: number;
  txnLeaseMs: number;
  restartAttempts: number;
  restartDelayMs: number;
  isolation: 'read_committed' | 'read_uncommitted';
  seed: number;
}

export interface ControlsSlice {
  presetId: string;
  /**
   * The scenario of a run opened on screen (a stored run, a share link, an import) when no preset
   * gives it: the knobs then edit it, and Start runs it. Null when a preset is chosen.
   */
  baseScenario: Scenario | null;
  mode: WriterMode;
  knobs: Knobs;
  speed: Speed;
}

export interface ConnectionSlice {
  connection: 'connecting' | 'connected' | 'disconnected';
  lastError: string | null;
}

/**
 * One bucket of the series. `t` is the bucket's end: the running sums hold what happened up to
 * then, so a chart draws each rise at (never before) the moment it happened. `startMs` is the
 * bucket's start, where per-bucket figures (latency) are drawn from.
 */
export interface CumulativePoint {
  t: number;
  startMs: number;
  emitted: number;
  written: number;
  committed: number;
  read: number;
  duplicates: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

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

export interface UiSlice {
  /** A virtual time the user picked (a narration sentence); every chart marks it. */
  highlightMs: number | null;
  theme: 'light' | 'dark';
  /** Counts the server's run announcements, so lists know to reload. */
  runsVersion: number;
  /** The virtual time a finished run is scrubbed to, or null at its end. */
  scrubMs: number | null;
}

export type State = ControlsSlice & ConnectionSlice & RunSlice & UiSlice;

/** Whether the run on screen may still move on. */
export function isLive(state: RunSummary['state'] | undefined): boolean {
  return state === 'created' || state === 'running' || state === 'paused';
}

/** The axis end every chart and timeline shares. */
export const useAxisEndMs = (): number => useStore((s) => axisEndMs(s.nowMs, isLive(s.run?.state)));

export function knobsOf(scenario: Scenario): Knobs {
  return {
    numEvents: scenario.numEvents,
    checkpointIntervalMs: scenario.checkpoint.intervalMs,
    parallelism: scenario.sink.parallelism,
    txnLeaseMs: scenario.sink.txnLeaseMs,
    restartAttempts: scenario.restart.attempts,
    restartDelayMs: scenario.restart.delayMs,
    isolation: scenario.checker.isolation,
    seed: scenario.seed,
  };
}

export const emptyRun: RunSlice = {
  runId: null,
  run: null,
  scenario: null,
  faultTimeline: [],
  nowMs: 0,
  runSpeed: '10x',
  totals: null,
  bucketMs: 10,
  layoutVersion: 0,
  buckets: [],
  series: [],
  events: [],
  eventsDropped: 0,
  report: null,
  backend: null,
  narration: null,
};

const initialTheme = (): 'light' | 'dark' =>
  typeof window !== 'undefined' && window.matchMedia?.('(prefers-color-scheme: dark)').matches
    ? 'dark'
    : 'light';

export const useStore = create<State>()(() => ({
  presetId: 'seed',
  baseScenario: null,
  mode: 'ATLEAST_ONCE',
  knobs: knobsOf(presetScenario('seed', 'ATLEAST_ONCE')!),
  speed: '10x',
  connection: 'connecting',
  lastError: null,
  ...emptyRun,
  highlightMs: null,
  theme: initialTheme(),
  runsVersion: 0,
  scrubMs: null,
}));
