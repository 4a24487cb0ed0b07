import { FAULT_KINDS, type Fault, type FaultKind, type Scenario } from '@eolab/engine';
import type { RunSummary, Speed } from '@eolab/protocol';
import { send } from '../api/socket';
import { runNameOf, scenarioOfControls } from '../state/controls';
import { isLive } from '../state/run';
import { useStore } from '../state/store';
import { noteSummary, watchRun } from '../sync/run-sync';

/**
 * What a person does to a run: start, pause, stop, aim a fault, change its speed. Each asks the
 * server, then sets the store with its answer; none reads the whole store in a component.
 */

/** Starts a new run from the controls and watches it. */
export function startRun(): Promise<void> {
  return startScenario(scenarioOfControls(useStore.getState()));
}

export async function startScenario(scenario: Scenario): Promise<void> {
  const { speed, backendChoice: backend } = useStore.getState();
  const name = runNameOf(scenario);
  const { runId } = await send<{ runId: string }>('run:create', {
    scenario,
    speed,
    start: false,
    backend,
    ...(name === undefined ? {} : { name }),
  });
  await watchRun(runId);
  // The address names the run, so another page (or a colleague on this server) can watch it too.
  window.history.replaceState(null, '', `?run=${encodeURIComponent(runId)}`);
  await send('run:control', { runId, action: 'start' });
}

export function chooseSpeed(speed: Speed): void {
  useStore.setState({ speed });
  const { runId, run } = useStore.getState();
  if (runId !== null && isLive(run?.state)) void send('run:speed', { runId, speed });
}

export function control(action: 'pause' | 'resume' | 'stop'): void {
  void controlRun(action).catch(() => {});
}

/** Pauses, resumes or stops the run on screen; resolves once the server has done it. */
export async function controlRun(action: 'pause' | 'resume' | 'stop'): Promise<void> {
  const { runId } = useStore.getState();
  if (runId === null) return;
  noteSummary(await send<RunSummary>('run:control', { runId, action }));
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
