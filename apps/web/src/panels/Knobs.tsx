import {
  KAFKA_DEFAULTS,
  MAX_KAFKA_TIMEOUT_MS,
  MAX_TXN_LEASE_MS,
  MIN_TXN_LEASE_MS,
  MINIMAL_CHECKPOINT_TIME_MS,
  type System,
} from '@eolab/engine';
import { useState } from 'react';
import { chooseSystem, setKnob } from '../actions/controls';
import type { Knobs as KnobValues } from '../state/controls';
import { useStore } from '../state/store';

interface KnobSpec {
  key: Exclude<keyof KnobValues, 'isolation' | 'system'>;
  label: string;
  help: string;
  min: number;
  max: number;
  /** The system it belongs to; shared knobs say nothing. */
  only?: System;
}

const ms = (v: number) => `${v.toLocaleString('en')} ms`;

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
    only: 'pravega',
  },
  {
    key: 'transactionTimeoutMs',
    label: 'Transaction timeout (ms)',
    help: `The producer's transaction.timeout.ms: the coordinator aborts a transaction this long after its first record and fences its producer. Nothing renews it. The lab's Kafka sample sets ${ms(KAFKA_DEFAULTS.transactionTimeoutMs)}, the broker's maximum; FlinkKafkaProducer's own default is 1 h.`,
    min: 1,
    max: MAX_KAFKA_TIMEOUT_MS,
    only: 'kafka',
  },
  {
    key: 'maxTransactionTimeoutMs',
    label: 'Broker max timeout (ms)',
    help: `The broker's transaction.max.timeout.ms (${ms(KAFKA_DEFAULTS.maxTransactionTimeoutMs)}): InitProducerId refuses a longer transaction timeout, so the exactly-once sink never starts.`,
    min: 1,
    max: MAX_KAFKA_TIMEOUT_MS,
    only: 'kafka',
  },
  {
    key: 'abortTimedOutIntervalMs',
    label: 'Abort check interval (ms)',
    help: `How often the coordinator looks for timed-out transactions (${ms(KAFKA_DEFAULTS.abortTimedOutIntervalMs)} in Kafka 2.4): a transaction is aborted up to this much after its timeout.`,
    min: 1,
    max: 3_600_000,
    only: 'kafka',
  },
  {
    key: 'partitions',
    label: 'Partitions',
    help: `Partitions of the topic (${KAFKA_DEFAULTS.partitions}); sink subtask i writes to partition i mod partitions, and a read_committed reader stops at each partition's last stable offset.`,
    min: 1,
    max: 64,
    only: 'kafka',
  },
  {
    key: 'producerPoolSize',
    label: 'Producer pool size',
    help: `Transactional ids per sink subtask (FlinkKafkaProducer's kafkaProducersPoolSize, ${KAFKA_DEFAULTS.producerPoolSize}): a checkpoint that finds none free is declined.`,
    min: 1,
    max: 64,
    only: 'kafka',
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

/** Pravega or Kafka: the same job, checkpoints, faults and checker on either system's transactions. */
export function SystemChoice() {
  const system = useStore((s) => s.knobs.system);
  return (
    <label className="field">
      <span>System</span>
      <select aria-label="System" value={system} onChange={(e) => chooseSystem(e.target.value as System)}>
        <option value="pravega">Pravega (the sample's)</option>
        <option value="kafka">Kafka (FlinkKafkaProducer, Kafka 2.4.1)</option>
      </select>
      <small>
        {system === 'kafka'
          ? 'Kafka transactions: transactional ids and producer epochs, a timeout from the first record instead of a lease, read_committed readers held at the last stable offset.'
          : 'Pravega transactions: one per subtask per checkpoint, kept alive by lease pings.'}
      </small>
    </label>
  );
}

/** The scenario's number knobs (the chosen system's) and the checker's isolation, folded away until opened. */
export function Knobs() {
  const knobs = useStore((s) => s.knobs);
  return (
    <details className="knobs">
      <summary>Knobs</summary>
      {KNOBS.filter((k) => k.only === undefined || k.only === knobs.system).map((k) => (
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
