import { MAX_TXN_LEASE_MS, MIN_TXN_LEASE_MS, MINIMAL_CHECKPOINT_TIME_MS } from '@eolab/engine';
import { useState } from 'react';
import { setKnob } from '../actions/controls';
import type { Knobs as KnobValues } from '../state/controls';
import { useStore } from '../state/store';

interface KnobSpec {
  key: Exclude<keyof KnobValues, 'isolation'>;
  label: string;
  help: string;
  min: number;
  max: number;
}

const KNOBS: KnobSpec[] = [
  {
    key: 'numEvents',
    label: 'Events',
    help: 'How many integers the source emits (1..N).',
    min: 1,
    max: 20_000_000,
  },
  {
    key: 'checkpointIntervalMs',
    label: 'Checkpoint interval (ms)',
    help: 'How often Flink snapshots the job (Flink refuses less than 10 ms).',
    min: MINIMAL_CHECKPOINT_TIME_MS,
    max: 600_000,
  },
  {
    key: 'parallelism',
    label: 'Sink parallelism',
    help: 'Writer subtasks; each has its own transaction per checkpoint.',
    min: 1,
    max: 16,
  },
  {
    key: 'txnLeaseMs',
    label: 'Transaction lease (ms)',
    help: 'The writer pings its transactions every lease / sqrt(lease in s); one not pinged for this long is aborted by the controller. Pravega allows 10 s to 600 s.',
    min: MIN_TXN_LEASE_MS,
    max: MAX_TXN_LEASE_MS,
  },
  {
    key: 'restartAttempts',
    label: 'Restart attempts',
    help: 'Failures the job survives before it fails for good.',
    min: 0,
    max: 100,
  },
  {
    key: 'restartDelayMs',
    label: 'Restart delay (ms)',
    help: 'Time between a failure and the restore.',
    min: 0,
    max: 600_000,
  },
  {
    key: 'seed',
    label: 'Seed',
    help: 'Same seed, same run: every random choice comes from it.',
    min: 0,
    max: 4_294_967_295,
  },
];

/**
 * A number knob: typed freely (clearing it or typing digit by digit never snaps the value), checked
 * when it loses the focus or on Enter, with the field's error shown beside it until it is fixed.
 */
function KnobField({ knob, value }: { knob: KnobSpec; value: number }) {
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const commit = () => {
    if (text === null) return;
    const v = Number(text.trim());
    if (text.trim() === '' || !Number.isInteger(v)) setError(`${knob.label}: enter a whole number`);
    else if (v < knob.min || v > knob.max)
      setError(`${knob.label}: must be ${knob.min.toLocaleString('en')} to ${knob.max.toLocaleString('en')}`);
    else {
      setError(null);
      setText(null);
      setKnob(knob.key, v);
    }
  };
  return (
    <label className="field">
      <span>{knob.label}</span>
      <input
        type="number"
        aria-label={knob.label}
        aria-describedby={`help-${knob.key}`}
        aria-invalid={error !== null}
        aria-errormessage={error === null ? undefined : `error-${knob.key}`}
        min={knob.min}
        max={knob.max}
        value={text ?? value}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
      />
      {error !== null && (
        <small id={`error-${knob.key}`} className="field-error" role="alert">
          {error}
        </small>
      )}
      <small id={`help-${knob.key}`}>{knob.help}</small>
    </label>
  );
}

/** The scenario's number knobs and the checker's isolation, folded away until opened. */
export function Knobs() {
  const knobs = useStore((s) => s.knobs);
  return (
    <details className="knobs">
      <summary>Knobs</summary>
      {KNOBS.map((k) => (
        <KnobField key={k.key} knob={k} value={knobs[k.key]} />
      ))}
      <label className="field">
        <span>Checker isolation</span>
        <select
          aria-label="Checker isolation"
          value={knobs.isolation}
          onChange={(e) => setKnob('isolation', e.target.value as KnobValues['isolation'])}
        >
          <option value="read_committed">read_committed (Pravega)</option>
          <option value="read_uncommitted">read_uncommitted (Kafka's default)</option>
        </select>
        <small>Whether the checker also sees writes of open and aborted transactions.</small>
      </label>
    </details>
  );
}
