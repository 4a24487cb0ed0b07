import type { System } from '@eolab/engine';
import type { BackendKind, RunBackend } from '@eolab/protocol';
import { chooseBackend } from '../actions/controls';
import { useStore } from '../state/store';

/**
 * Where the next run happens: the model, or the sample's job for real against PostgreSQL (the
 * server's own, started on the first real run: real task processes, real prepared transactions
 * or, on Kafka, a real partition log with markers, real kills). A real run goes in real time, so speed and pause do not apply to it.
 */

const CHOICES: { kind: BackendKind; label: string; help: (system: System) => string }[] = [
  { kind: 'simulated', label: 'Simulated', help: () => 'The deterministic model: any speed, pause, replay.' },
  {
    kind: 'postgres',
    label: 'PostgreSQL, real processes',
    help: (system) =>
      `The job for real: a task process writing to PostgreSQL ${
        system === 'kafka'
          ? "as to Kafka (a partition log with commit and abort markers; the coordinator's epochs, fencing and timeouts as SQL)"
          : 'with its two-phase commit'
      }, in real time (no speed or pause). Faults it cannot reproduce are refused with the reason.`,
  },
];

/** Why speed and pause are off for a real run (their buttons' title). */
export const REAL_TIME_REASON =
  'A real run (PostgreSQL, real processes) goes in real time: speed and pause do not apply';

export function BackendChoice() {
  const backend = useStore((s) => s.backendChoice);
  const system = useStore((s) => s.knobs.system);
  return (
    <fieldset className="backend-choice">
      <legend>Backend</legend>
      {CHOICES.map((c) => (
        <label key={c.kind} title={c.help(system)}>
          <input
            type="radio"
            name="backend"
            value={c.kind}
            checked={backend === c.kind}
            onChange={() => chooseBackend(c.kind)}
          />{' '}
          {c.label}
        </label>
      ))}
      <small className="help">{CHOICES.find((c) => c.kind === backend)?.help(system)}</small>
    </fieldset>
  );
}

/** `PostgreSQL 18.1` out of `SELECT version()`'s long sentence. */
export function shortVersion(version: string): string {
  return /^PostgreSQL [\d.]+/.exec(version)?.[0] ?? version;
}

/** Which backend the run on screen used, and its server's version once known. */
export function BackendBadge() {
  const backend: RunBackend | null = useStore((s) => s.backend);
  if (backend === null) return null;
  const real = backend.kind === 'postgres';
  const text = real ? (backend.version === null ? 'PostgreSQL' : shortVersion(backend.version)) : 'Simulated';
  return (
    <span
      className={real ? 'backend-badge real' : 'backend-badge'}
      title={real ? `Real processes against ${backend.version ?? 'PostgreSQL'}` : 'The deterministic model'}
      data-testid="backend-badge"
    >
      {real ? `real · ${text}` : text}
    </span>
  );
}
