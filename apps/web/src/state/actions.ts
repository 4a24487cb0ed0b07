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

export function clearRun(): void {
  useStore.setState(emptyRun);
}
