import { DEFAULT_FAULT_DURATION_MS, FAULT_DESCRIPTIONS, FAULT_KINDS, type FaultKind } from '@eolab/engine';
import { useState } from 'react';
import { inject } from '../actions';
import { useStore } from '../store';

const DURATION_KINDS = Object.keys(DEFAULT_FAULT_DURATION_MS) as (keyof typeof DEFAULT_FAULT_DURATION_MS)[];

export function FaultPanel() {
  const runState = useStore((s) => s.run?.state ?? null);
  const live = runState === 'running' || runState === 'paused';
  const [durations, setDurations] = useState<Record<string, number>>({ ...DEFAULT_FAULT_DURATION_MS });
  const [last, setLast] = useState<string | null>(null);
  const fire = (kind: FaultKind) => {
    const duration = (DURATION_KINDS as string[]).includes(kind) ? durations[kind] : undefined;
    void inject(kind, duration).then(
      () => setLast(`Injected ${kind}`),
      (e: Error) => setLast(e.message),
    );
  };
  return (
    <section className="panel faults" aria-labelledby="faults-title">
      <h2 id="faults-title">Faults</h2>
      <button type="button" className="danger big" disabled={!live} onClick={() => fire('mapper-exception')}>
        Inject failure
      </button>
      <small className="help">{FAULT_DESCRIPTIONS['mapper-exception']}</small>
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
                {(DURATION_KINDS as string[]).includes(kind) && (
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
              <small>{FAULT_DESCRIPTIONS[kind]}</small>
            </li>
          ))}
        </ul>
      </details>
      <p className="hint" aria-live="polite">
        {last ??
          (live
            ? 'Faults act at the current virtual time and are recorded for replay.'
            : 'Start a run to inject faults.')}
      </p>
    </section>
  );
}
