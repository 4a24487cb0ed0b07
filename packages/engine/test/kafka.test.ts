import { describe, expect, it } from 'vitest';
import { narrate, parseScenario, preflight, presetScenario, type Scenario, withSystem } from '../src/index';
import { ofKind, range, run, scenario } from './helpers';

/** A preset moved to the other system, as `--system` does. */
function on(system: 'kafka' | 'pravega', s: Scenario): Scenario {
  const moved = withSystem(s, system);
  if (!moved.ok) throw new Error(moved.errors.join('\n'));
  return moved.value;
}

describe('the sample on Kafka', () => {
  it('ATLEAST_ONCE duplicates 17..24, EXACTLY_ONCE reads every value once', () => {
    const atLeastOnce = run(on('kafka', presetScenario('seed', 'ATLEAST_ONCE')!)).report;
    expect(atLeastOnce.duplicates).toEqual(range(17, 24));
    const exactlyOnce = run(on('kafka', presetScenario('seed', 'EXACTLY_ONCE')!));
    expect(exactlyOnce.report.verdict).toBe('EXACTLY_ONCE');
    expect(exactlyOnce.report.system).toBe('kafka');
    // Every transaction names its producer: a transactional id of its subtask's pool and an epoch.
    const begun = ofKind(exactlyOnce.events, 'txn-begun');
    expect(begun[0]).toMatchObject({ transactionalId: 'Sink: writer-0', producerId: 0, producerEpoch: 1 });
    expect(begun.every((e) => e.transactionalId !== undefined)).toBe(true);
  });

  it('a restore runs InitProducerId on every id of the pool: the same producer ids, higher epochs', () => {
    const { events } = run(on('kafka', presetScenario('seed', 'EXACTLY_ONCE')!));
    const begun = ofKind(events, 'txn-begun');
    const first = begun.filter((e) => e.attempt === 1 && e.transactionalId === 'Sink: writer-0');
    const restored = begun.filter((e) => e.attempt === 2 && e.transactionalId === 'Sink: writer-0');
    expect(restored[0]!.producerId).toBe(first[0]!.producerId);
    expect(restored[0]!.producerEpoch).toBeGreaterThan(first.at(-1)!.producerEpoch!);
  });

  it("a Pravega run's report and events say nothing of Kafka", () => {
    const { report, events } = run(presetScenario('seed', 'EXACTLY_ONCE')!);
    expect(report.system).toBeUndefined();
    expect(ofKind(events, 'txn-begun').some((e) => e.transactionalId !== undefined)).toBe(false);
  });
});

describe("Kafka's failure modes", () => {
  it('a restart slower than the transaction timeout: the coordinator aborts, the recovery commit is fenced and only logged', () => {
    const { report, events } = run(presetScenario('kafka-restart-past-timeout')!);
    expect(report.verdict).toBe('LOSS');
    const expired = ofKind(events, 'txn-expired');
    // First records at about 200 ms, a 60 s timeout, the coordinator looks every 10 s.
    expect(expired.map((e) => e.t)).toEqual([70_000, 70_000]);
    const failed = ofKind(events, 'txn-commit-failed');
    expect(failed.every((e) => e.t === 90_303 && e.state === 'ABORTED')).toBe(true);
    expect(
      report.log.some((l) => l.includes('Presumably this transaction has been already committed before')),
    ).toBe(true);
    expect(ofKind(events, 'task-failed')).toHaveLength(1); // only the crash: recoverAndCommit swallows it
    const cause = report.causes.missing[0]!;
    expect(cause.kind).toBe('txn-expired-silently');
    expect(cause.text).toContain('ProducerFencedException');
  });

  it("the connector's 1 h transaction timeout on a default broker: InitProducerId fails every attempt", () => {
    const { report, events } = run(presetScenario('kafka-timeout-above-max')!);
    const failures = ofKind(events, 'task-failed');
    expect(failures).toHaveLength(4);
    expect(failures.every((e) => e.detail.includes('InvalidTxnTimeoutException'))).toBe(true);
    expect(report.finished).toBe(false);
    expect(report.counts.emitted).toBe(0);
    expect(report.counts.neverEmitted).toBe(50);
  });

  it('an open transaction holds read_committed readers at the last stable offset, other producers included', () => {
    const { report, events } = run(presetScenario('kafka-lso-stall')!);
    expect(report.verdict).toBe('EXACTLY_ONCE');
    const stall = ofKind(events, 'lso-released').find((e) => e.heldMs > 1_000)!;
    expect(stall).toMatchObject({ t: 30_355, partition: 0, values: 50 });
    expect(stall.heldMs).toBeGreaterThan(30_000);
    // On Pravega each transaction is merged alone: the same schedule loses sink 0's to the lease instead.
    const pravega = run(on('pravega', presetScenario('kafka-lso-stall')!)).report;
    expect(pravega.verdict).toBe('LOSS');
    expect(pravega.counts.missing).toBe(50);
  });

  it('the narration never calls held values visible: the commit says they wait, the release says how long', () => {
    const s = presetScenario('kafka-lso-stall')!;
    const sentences = narrate(run(s).events, { mode: s.mode, parallelism: s.sink.parallelism });
    const at = (t: number) => sentences.filter((x) => x.t === t).map((x) => x.text);
    expect(at(309)).toEqual([
      "Checkpoint 3's transaction cp3·s1 committed, but read_committed readers stop at the last stable offset, the first record of transaction cp3·s0, still open: its values 119–217 (every 2nd) behind it wait.",
    ]);
    expect(at(30_355).at(-1)).toContain(
      'waited 30,046 ms behind transaction cp3·s0 at the last stable offset',
    );
  });

  it('with a partition per sink, the stalled transaction holds back only its own partition', () => {
    const base = presetScenario('kafka-lso-stall')!;
    const { events } = run({ ...base, kafka: { ...base.kafka, partitions: 2 } });
    expect(ofKind(events, 'lso-released').filter((e) => e.heldMs > 1_000)).toEqual([]);
  });

  it('a zombie is fenced at the restore and stops at its next send; on Pravega it writes on', () => {
    const kafka = run(presetScenario('kafka-zombie-fenced')!).events;
    const fenced = ofKind(kafka, 'txn-aborted').filter((e) => e.why === 'fenced');
    expect(fenced.length).toBeGreaterThan(0);
    expect(fenced.every((e) => e.t === 500 && e.attempt === 1)).toBe(true);
    expect(ofKind(kafka, 'zombie-stopped')[0]!.t).toBe(501);
    const pravega = run(on('pravega', presetScenario('kafka-zombie-fenced')!)).events;
    expect(ofKind(pravega, 'zombie-stopped')[0]!.t).toBe(700);
  });

  it('fencing works both ways: a zombie whose InitProducerId was held up fences the new attempt', () => {
    const { report, events } = run(presetScenario('kafka-zombie-fences-back')!);
    const failures = ofKind(events, 'task-failed');
    expect(failures.map((f) => [f.t, f.attempt, f.reason])).toEqual([
      [500, 1, 'injected-crash'],
      [1302, 2, 'producer-fenced'],
    ]);
    // The zombie's InitProducerId got through at 1301 and aborted the live attempt's transactions.
    const fencedLive = ofKind(events, 'txn-aborted').filter((e) => e.why === 'fenced' && e.attempt === 2);
    expect(fencedLive.length).toBeGreaterThan(0);
    expect(fencedLive.every((e) => e.t === 1301)).toBe(true);
    expect(report.finished).toBe(false);
    const pravega = run(on('pravega', presetScenario('kafka-zombie-fences-back')!)).report;
    expect(pravega.verdict).toBe('EXACTLY_ONCE');
  });

  it('a pool of one transactional id: the next transaction finds none, and the checkpoint is declined', () => {
    const { events, report } = run(
      scenario({ system: 'kafka', mode: 'EXACTLY_ONCE', numEvents: 50, kafka: { producerPoolSize: 1 } }),
    );
    const aborted = ofKind(events, 'checkpoint-aborted');
    expect(aborted[0]).toMatchObject({ checkpointId: 1, reason: 'declined' });
    expect(report.log.some((l) => l.includes('Too many ongoing snapshots'))).toBe(true);
  });
});

describe("Kafka's scenario fields", () => {
  it('names the field of a Kafka setting on a Pravega scenario, and a fault Kafka cannot have', () => {
    const pravega = parseScenario({ mode: 'EXACTLY_ONCE', numEvents: 50, kafka: { partitions: 3 } });
    expect(pravega.ok ? [] : pravega.errors).toEqual([
      'kafka.partitions: Kafka\'s settings need "system": "kafka" (this scenario runs on Pravega)',
    ]);
    const rejected = parseScenario({
      system: 'kafka',
      mode: 'EXACTLY_ONCE',
      numEvents: 50,
      faults: [{ kind: 'commit-rejected', checkpoint: 1 }],
    });
    expect(rejected.ok ? [] : rejected.errors).toEqual([
      expect.stringMatching(/^faults\[0\]\.kind: commit-rejected is Pravega's TxnFailedException/),
    ]);
  });

  it("warns before Start where Kafka's preconditions fail, naming the knob", () => {
    expect(preflight(presetScenario('kafka-timeout-above-max')!).map((w) => w.field)).toEqual([
      'kafka.transactionTimeoutMs',
    ]);
    expect(preflight(presetScenario('kafka-restart-past-timeout')!).map((w) => w.field)).toEqual([
      'kafka.transactionTimeoutMs',
    ]);
    const pool = scenario({
      system: 'kafka',
      mode: 'EXACTLY_ONCE',
      numEvents: 50,
      kafka: { producerPoolSize: 1 },
    });
    expect(preflight(pool).map((w) => w.field)).toEqual(['kafka.producerPoolSize']);
    // The sample on Kafka, as the lab sets it up, meets them all.
    expect(preflight(on('kafka', presetScenario('seed')!))).toEqual([]);
  });

  it("moving a scenario to Kafka keeps what it sets and takes Kafka's client budgets", () => {
    const moved = on('kafka', presetScenario('lease-expiry')!);
    expect(moved.restart.delayMs).toBe(15_000);
    expect(moved.sink.writerRetry.initialBackoffMs).toBe(1_250);
    expect(on('pravega', moved)).toEqual(presetScenario('lease-expiry')!);
  });
});
