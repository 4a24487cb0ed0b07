import {
  FAULT_KINDS,
  type Fault,
  type FaultKind,
  presetScenario,
  type Scenario,
  type WriterMode,
} from '@eolab/engine';
import type { RunSummary, Speed } from '@eolab/protocol';
import { send } from '../api/socket';
import { chosenBackend } from '../panels/BackendChoice';
import { watchRun } from '../sync/run-sync';
import { emptyRun, type Knobs, knobsOf, useStore } from './store';

/**
 * Module-level actions: the components and the socket call these; none of them reads the whole
 * store. Deltas are buffered outside React and flushed into the store at most 10 times a second.
 */

export function choosePreset(presetId: string): void {
  const { mode } = useStore.getState();
  const scenario = presetScenario(presetId, mode);
  if (scenario === undefined) return;
  useStore.setState({ presetId, baseScenario: null, knobs: knobsOf(scenario) });
}

/** JSON with its keys sorted: two scenarios built in different orders compare equal. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/**
 * The sidebar shows the run on screen: its preset (or its own scenario when no preset gives it),
 * its mode, its knobs and, while it runs, its speed. Start then runs that scenario again.
 */
export function followRun(scenario: Scenario, speed: Speed | null): void {
  const fromPreset = presetScenario(scenario.name, scenario.mode);
  const samePreset =
    fromPreset !== undefined &&
    canonical(scenarioFrom(scenario.name, null, scenario.mode, knobsOf(scenario))) === canonical(scenario);
  useStore.setState({
    presetId: samePreset ? scenario.name : useStore.getState().presetId,
    baseScenario: samePreset ? null : scenario,
    mode: scenario.mode,
    knobs: knobsOf(scenario),
    ...(speed === null ? {} : { speed }),
  });
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
  const { presetId, baseScenario, mode, knobs } = useStore.getState();
  return scenarioFrom(presetId, baseScenario, mode, knobs);
}

/** The preset's scenario (or the opened run's own) in `mode`, with the knobs applied. */
export function scenarioFrom(
  presetId: string,
  baseScenario: Scenario | null,
  mode: WriterMode,
  knobs: Knobs,
): Scenario {
  const base = baseScenario === null ? presetScenario(presetId, mode)! : { ...baseScenario, mode };
  const numEvents = knobs.numEvents;
  const resized = numEvents !== base.numEvents;
  // A preset's sample failure sits at element N/2 + 1 of its own N; keep it there when N changes.
  const faults = base.faults.map((f) =>
    f.kind === 'mapper-exception' && f.atElement !== undefined && resized
      ? { ...f, atElement: Math.floor(numEvents / 2) + 1 }
      : f,
  );
  return {
    ...base,
    seed: knobs.seed,
    numEvents,
    source: {
      ...base.source,
      // The throttle holds the first third at most, so the first checkpoint still lands inside it.
      throttleUntilPosition: resized
        ? Math.min(base.source.throttleUntilPosition, Math.max(1, Math.floor(numEvents / 3)))
        : base.source.throttleUntilPosition,
    },
    checkpoint: { ...base.checkpoint, intervalMs: knobs.checkpointIntervalMs },
    sink: { ...base.sink, parallelism: knobs.parallelism, txnLeaseMs: knobs.txnLeaseMs },
    restart: { ...base.restart, attempts: knobs.restartAttempts, delayMs: knobs.restartDelayMs },
    checker: { isolation: knobs.isolation },
    faults,
  };
}

/** Starts a new run from the controls and watches it. */
export function startRun(): Promise<void> {
  return startScenario(scenarioFromControls());
}

export async function startScenario(scenario: Scenario): Promise<void> {
  const { speed } = useStore.getState();
  const backend = chosenBackend();
  const { runId } = await send<{ runId: string }>('run:create', { scenario, speed, start: false, backend });
  await watchRun(runId);
  // The address names the run, so another page (or a colleague on this server) can watch it too.
  window.history.replaceState(null, '', `?run=${encodeURIComponent(runId)}`);
  await send('run:control', { runId, action: 'start' });
}

export function control(action: 'pause' | 'resume' | 'stop'): void {
  void controlRun(action).catch(() => {});
}

/** Pauses, resumes or stops the run on screen; resolves once the server has done it. */
export async function controlRun(action: 'pause' | 'resume' | 'stop'): Promise<void> {
  const { runId } = useStore.getState();
  if (runId === null) return;
  applySummary(await send<RunSummary>('run:control', { runId, action }));
}

/** Start while a run is live, answered "stop it and start": the old run ends before the new one begins. */
export async function stopThenStart(): Promise<void> {
  await controlRun('stop');
  await startRun();
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
  // "Now" is the moment on screen: the server acts right after the time the person saw.
  const seenMs = aim.at === 'now' ? { seenMs: useStore.getState().nowMs } : {};
  return send<{ fault: Fault }>('run:inject', { runId, fault, ...seenMs }).then((r) => r.fault);
}

export function applySummary(run: RunSummary): void {
  if (useStore.getState().runId === run.id) useStore.setState({ run });
}

export function clearRun(): void {
  useStore.setState(emptyRun);
}
