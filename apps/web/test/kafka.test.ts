import {
  KAFKA_DEFAULTS,
  type ProtocolMessage,
  ProtocolTracer,
  presetScenario,
  Simulation,
  withSystem,
} from '@eolab/engine';
import { describe, expect, it } from 'vitest';
import { runLabels } from '../src/explain/compare-difference';
import { laneLabel, messageText, PRAVEGA_WORDS, type SystemWords } from '../src/explain/diagram';
import { kafkaDeadlineMs, kafkaProducers, leaseLeft, transactions } from '../src/explain/history';
import { holdText } from '../src/explain/lso';
import { laneIndex, txnLanes } from '../src/explain/txn-lanes';
import { noComparison, openedComparison, summarize, waiting } from '../src/state/compare';
import {
  createControlsSlice,
  following,
  knobsOf,
  runNameOf,
  scenarioFrom,
  withPreset,
  withSystemKnob,
} from '../src/state/controls';
import { lsoHolds } from '../src/state/lso';
import { runPreset } from './sim';

/** The dashboard speaking Kafka: the controls' system, its words, its last stable offset, Pravega beside Kafka. */

const KAFKA: SystemWords = { system: 'kafka', partitions: 1 };

describe('choosing the system', () => {
  it('the seed on Kafka is the engine’s withSystem of it, with the knobs applied', () => {
    const seed = presetScenario('seed', 'ATLEAST_ONCE')!;
    const knobs = { ...knobsOf(seed), system: 'kafka' as const };
    const onKafka = scenarioFrom('seed', null, 'ATLEAST_ONCE', knobs);
    const moved = withSystem(seed, 'kafka');
    expect(moved.ok && onKafka).toEqual(moved.ok && moved.value);
    expect(onKafka.system).toBe('kafka');
    expect(onKafka.kafka).toEqual(KAFKA_DEFAULTS);
  });

  it('Kafka’s knobs reach a Kafka scenario and never a Pravega one (the engine refuses them there)', () => {
    const seed = presetScenario('seed', 'EXACTLY_ONCE')!;
    const changed = { ...knobsOf(seed), transactionTimeoutMs: 60_000, partitions: 2, producerPoolSize: 3 };
    expect(scenarioFrom('seed', null, 'EXACTLY_ONCE', changed).kafka).toEqual(KAFKA_DEFAULTS);
    const onKafka = scenarioFrom('seed', null, 'EXACTLY_ONCE', { ...changed, system: 'kafka' });
    expect(onKafka.kafka).toMatchObject({ transactionTimeoutMs: 60_000, partitions: 2, producerPoolSize: 3 });
  });

  it('a Kafka preset brings Kafka and its own knobs; moving it to Pravega drops them', () => {
    const controls = createControlsSlice();
    const picked = { ...controls, ...withPreset(controls, 'kafka-restart-past-timeout') };
    expect(picked.knobs).toMatchObject({ system: 'kafka', transactionTimeoutMs: 60_000 });
    const onPravega = withSystemKnob(picked, 'pravega');
    expect(onPravega).toMatchObject({
      system: 'pravega',
      transactionTimeoutMs: KAFKA_DEFAULTS.transactionTimeoutMs,
    });
  });

  it('a scenario that cannot run on Kafka is refused, naming the field', () => {
    const controls = createControlsSlice();
    const picked = { ...controls, ...withPreset(controls, 'commit-rejected') };
    expect(() => withSystemKnob(picked, 'kafka')).toThrow(
      /commit-rejected cannot run on Kafka: faults\[0\]\.kind/,
    );
  });

  it('a preset run on the other system is listed under a name that says so', () => {
    const seed = presetScenario('seed', 'ATLEAST_ONCE')!;
    const lso = presetScenario('kafka-lso-stall', 'EXACTLY_ONCE')!;
    const moved = (s: typeof seed, system: 'pravega' | 'kafka') => {
      const r = withSystem(s, system);
      if (!r.ok) throw new Error(r.errors.join('; '));
      return r.value;
    };
    expect([runNameOf(seed), runNameOf(lso)]).toEqual([undefined, undefined]);
    expect(runNameOf(moved(seed, 'kafka'))).toBe('seed · on Kafka');
    expect(runNameOf(moved(lso, 'pravega'))).toBe('kafka-lso-stall · on Pravega');
  });

  it('a run of the seed on Kafka is followed as the seed preset, on Kafka', () => {
    const seed = presetScenario('seed', 'ATLEAST_ONCE')!;
    const moved = withSystem(seed, 'kafka');
    if (!moved.ok) throw new Error(moved.errors.join('; '));
    const followed = following(createControlsSlice(), moved.value, null);
    expect(followed).toMatchObject({ presetId: 'seed', baseScenario: null });
    expect(followed.knobs?.system).toBe('kafka');
  });
});

describe('Kafka’s words', () => {
  const lso = runPreset('kafka-lso-stall', 'EXACTLY_ONCE');

  it('the inspector names each transaction’s transactional id, producer id and epoch, and partition', () => {
    const producers = kafkaProducers(lso.events);
    expect(producers.get(1)).toEqual({
      transactionalId: 'Sink: writer-0',
      producerId: 0,
      producerEpoch: 1,
      partition: 0,
      startedAtMs: 1,
    });
    expect(kafkaProducers(runPreset('seed', 'EXACTLY_ONCE').events).size).toBe(0);
  });

  it('a Kafka transaction lives its timeout from its begin; nothing renews it', () => {
    const first = transactions(lso.events).find((r) => r.txnId === 1)!;
    const deadline = kafkaDeadlineMs(first, 60_000);
    expect(deadline).toBe(first.openedMs! + 60_000);
    expect(leaseLeft({ state: 'PRE-COMMITTED', leaseDeadlineMs: deadline }, first.openedMs! + 30_000)).toBe(
      '30.0 s',
    );
    expect(kafkaDeadlineMs({ openedMs: null }, 60_000)).toBeNull();
    // Once pre-committed, its first record's time (the pre-commit tells it) is where the timeout runs from.
    const restart = runPreset('kafka-restart-past-timeout', 'EXACTLY_ONCE').events;
    const cp3 = kafkaProducers(restart).get(5)!;
    expect(cp3.startedAtMs).toBe(202);
    expect(kafkaDeadlineMs({ openedMs: 101 }, 60_000, cp3.startedAtMs)).toBe(60_202);
  });

  it('the diagram’s lanes are the transaction coordinator and the broker on Kafka', () => {
    expect(laneLabel('controller', KAFKA)).toBe('transaction coordinator');
    expect(laneLabel('store', KAFKA)).toBe('broker (partition 0)');
    expect(laneLabel('store', { system: 'kafka', partitions: 3 })).toBe('brokers (partitions 0–2)');
    expect(laneLabel('controller', PRAVEGA_WORDS)).toBe('Pravega controller');
    const scenario = presetScenario('kafka-lso-stall', 'EXACTLY_ONCE')!;
    const sim = new Simulation(scenario);
    const tracer = new ProtocolTracer(scenario.sink.parallelism);
    const messages: ProtocolMessage[] = [];
    sim.on((e) => messages.push(...tracer.push(e)));
    sim.runToEnd();
    const commit = messages.find((m) => m.kind === 'commit')!;
    expect(messageText(commit, KAFKA)).toMatch(
      /^commit cp1·s\d \(#\d+\), sink \d · attempt 1 → transaction coordinator/,
    );
  });
});

describe('the last stable offset', () => {
  it('kafka-lso-stall holds partition 0’s readers 30 s behind the transaction the crash left open', () => {
    const { events } = runPreset('kafka-lso-stall', 'EXACTLY_ONCE');
    const holds = lsoHolds(events);
    expect(holds).toEqual([{ partition: 0, fromMs: 309, toMs: 30_355, values: 50, txnId: 5, txn: 'cp3·s0' }]);
    expect(holdText(holds[0]!)).toBe(
      'partition 0: read_committed readers held at the last stable offset 309–30,355 ms (30,046 ms) behind transaction cp3·s0; 50 committed values waited',
    );
    expect(lsoHolds(runPreset('kafka-lso-stall', 'EXACTLY_ONCE', { system: 'pravega' }).events)).toEqual([]);
  });

  it('partitions are the transaction timeline’s lanes: their subtasks, then where their readers were held', () => {
    expect(txnLanes(3, 2).map((l) => l.label)).toEqual([
      'partition 0 · subtask 0',
      'partition 0 · subtask 2',
      'partition 0 · readers held',
      'partition 1 · subtask 1',
      'partition 1 · readers held',
    ]);
    const index = laneIndex(txnLanes(3, 2));
    expect([index.subtask.get(1), index.lso.get(1)]).toEqual([3, 4]);
    // More partitions than subtasks: the empty ones have no lane.
    expect(txnLanes(1, 4).map((l) => l.label)).toEqual([
      'partition 0 · subtask 0',
      'partition 0 · readers held',
    ]);
    expect(txnLanes(2, null).map((l) => l.label)).toEqual(['subtask 0', 'subtask 1']);
  });
});

describe('Pravega vs Kafka', () => {
  const pravega = waiting('EXACTLY_ONCE', 'p', 'simulated', 'pravega');
  const kafka = waiting('EXACTLY_ONCE', 'k', 'simulated', 'kafka');

  it('one schedule on both systems opens as a systems comparison, Pravega first', () => {
    const opened = openedComparison(noComparison, ['k', 'p'], [kafka, pravega]);
    expect(opened.kind).toBe('systems');
    expect(opened.runs.map((r) => r.runId)).toEqual(['p', 'k']);
  });

  it('each side says its system', () => {
    const label = runLabels([pravega, kafka]);
    expect(label(pravega)).toBe('EXACTLY_ONCE · Pravega · model · run p');
    expect(label(kafka)).toBe('EXACTLY_ONCE · Kafka · model · run k');
    // Among Pravega runs alone the system goes without saying.
    expect(runLabels([pravega])(pravega)).toBe('EXACTLY_ONCE · model · run p');
  });

  it('the summary tells each system’s verdict and visibility latency', () => {
    const onPravega = runPreset('kafka-lso-stall', 'EXACTLY_ONCE', { system: 'pravega' }).report;
    const onKafka = runPreset('kafka-lso-stall', 'EXACTLY_ONCE').report;
    const [line] = summarize([
      { ...pravega, report: onPravega },
      { ...kafka, report: onKafka },
    ]);
    expect(line).toMatch(
      /^on Pravega: LOSS, 0 duplicates and 50 missing, .*; on Kafka: EXACTLY_ONCE, 0 duplicates and 0 missing, p99 visibility latency 29,696 ms\.$/,
    );
  });
});
