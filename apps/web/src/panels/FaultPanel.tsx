import {
  DURATION_FAULT_KINDS,
  type DurationFaultKind,
  defaultDurationMs,
  FAULT_CATALOGUE,
  FAULT_KINDS,
  type Fault,
  type FaultKind,
  isDurationFaultKind,
} from '@eolab/engine';
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { control, type FaultAim, inject } from '../actions/run';
import { useStore } from '../state/store';
import { OwnFailureNote } from './ScenarioNotes';

/** The duration each fault that lasts starts with: its catalogue entry's. */
const startDurations = (): Record<string, number> =>
  Object.fromEntries(DURATION_FAULT_KINDS.map((kind: DurationFaultKind) => [kind, defaultDurationMs(kind)]));

type AimChoice = 'now' | 'next' | 'checkpoint' | 'time';

/** Where the fault was put, in words: the engine may have aimed it elsewhere than "now". */
function placed(fault: Fault): string {
  if ('checkpoint' in fault && fault.checkpoint !== undefined) return `at checkpoint ${fault.checkpoint}`;
  if ('atMs' in fault && fault.atMs !== undefined) return `at ${fault.atMs.toLocaleString('en')} ms`;
  return '';
}

/**
 * The faults, aimed: now (the next virtual millisecond the server runs, so pause first to act at
 * exactly the moment on screen), at the next checkpoint or checkpoint K (for the faults that act at
 * a checkpoint's stage), or at a virtual time still ahead. A refusal says why.
 */
export function FaultPanel() {
  const { runState, connected, nowMs, realTime } = useStore(
    useShallow((s) => ({
      runState: s.run?.state ?? null,
      connected: s.connection === 'connected',
      nowMs: s.nowMs,
      realTime: s.backend?.kind === 'postgres',
    })),
  );
  const live = connected && (runState === 'running' || runState === 'paused');
  const [durations, setDurations] = useState<Record<string, number>>(startDurations);
  const [aim, setAim] = useState<AimChoice>('now');
  const [checkpoint, setCheckpoint] = useState(5);
  const [atMs, setAtMs] = useState(1_000);
  const [last, setLast] = useState<string | null>(null);
  const aimFor = (kind: FaultKind): FaultAim => {
    const atCheckpoint = FAULT_CATALOGUE[kind].targeting === 'checkpoint';
    if (aim === 'time') return { at: 'time', atMs };
    if (aim === 'next' && atCheckpoint) return { at: 'checkpoint', checkpoint: 'next' };
    if (aim === 'checkpoint' && atCheckpoint) return { at: 'checkpoint', checkpoint };
    return { at: 'now' };
  };
  const fire = (kind: FaultKind) => {
    const duration = isDurationFaultKind(kind) ? durations[kind] : undefined;
    void inject(kind, duration, aimFor(kind)).then(
      (fault) => setLast(`Injected ${kind} ${placed(fault)}`.trim()),
      (e: Error) => setLast(`Refused: ${e.message}`),
    );
  };
  return (
    <section className="panel faults" aria-labelledby="faults-title">
      <h2 id="faults-title">Faults</h2>
      <button type="button" className="danger big" disabled={!live} onClick={() => fire('mapper-exception')}>
        Inject failure
      </button>
      <small className="help">{FAULT_CATALOGUE['mapper-exception'].description}</small>
      <OwnFailureNote />
      <fieldset className="aim">
        <legend>When</legend>
        <label>
          <input type="radio" name="aim" checked={aim === 'now'} onChange={() => setAim('now')} /> now
        </label>
        <label>
          <input type="radio" name="aim" checked={aim === 'next'} onChange={() => setAim('next')} /> at the
          next checkpoint
        </label>
        <label>
          <input
            type="radio"
            name="aim"
            checked={aim === 'checkpoint'}
            onChange={() => setAim('checkpoint')}
          />{' '}
          at checkpoint{' '}
          <input
            type="number"
            min={1}
            value={checkpoint}
            aria-label="Checkpoint to aim at"
            onChange={(e) => setCheckpoint(Math.max(1, Math.round(Number(e.target.value)) || 1))}
          />
        </label>
        <label>
          <input type="radio" name="aim" checked={aim === 'time'} onChange={() => setAim('time')} /> at
          virtual time{' '}
          <input
            type="number"
            min={0}
            value={atMs}
            aria-label="Virtual time to aim at (ms)"
            onChange={(e) => setAtMs(Math.max(0, Math.round(Number(e.target.value)) || 0))}
          />{' '}
          ms
        </label>
        <small className="help">
          Checkpoint aims apply to the faults that act at a checkpoint's stage; the others act now.{' '}
          {runState === 'running' && realTime ? (
            '"Now" is the real job\'s next moment: it runs in real time.'
          ) : runState === 'running' ? (
            <>
              "Now" acts right after the time on screen (t = {nowMs.toLocaleString('en')} ms): the server,
              already further on, runs the model again from there. To take your time,{' '}
              <button type="button" className="link" onClick={() => control('pause')}>
                pause
              </button>{' '}
              first.
            </>
          ) : runState === 'paused' ? (
            `Paused at ${nowMs.toLocaleString('en')} ms: "now" is exactly the next millisecond.`
          ) : null}
        </small>
      </fieldset>
      <details className="more-faults">
        <summary>Other faults</summary>
        <ul>
          {FAULT_KINDS.filter((k) => k !== 'mapper-exception').map((kind) => (
            <li key={kind}>
              <div className="fault-row">
                <button
                  type="button"
                  disabled={!live}
                  onClick={() => fire(kind)}
                  aria-label={`Inject ${kind}`}
                >
                  {kind}
                </button>
                {isDurationFaultKind(kind) && (
                  <label className="duration">
                    <input
                      type="number"
                      min={1}
                      max={3_600_000}
                      value={durations[kind]}
                      aria-label={`${kind} duration (ms)`}
                      onChange={(e) =>
                        setDurations((d) => ({
                          ...d,
                          [kind]: Math.max(1, Math.round(Number(e.target.value)) || 1),
                        }))
                      }
                    />
                    ms
                  </label>
                )}
              </div>
              <small>
                {FAULT_CATALOGUE[kind].description} <em>Acts {FAULT_CATALOGUE[kind].stage}.</em>
              </small>
            </li>
          ))}
        </ul>
      </details>
      <p className="hint" aria-live="polite">
        {last ??
          (live
            ? 'Faults are recorded with their virtual time, for replay.'
            : 'Start a run to inject faults.')}
      </p>
    </section>
  );
}
