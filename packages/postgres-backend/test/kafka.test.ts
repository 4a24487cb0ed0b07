import { presetScenario, type Scenario, type SimEvent, withSystem } from '@eolab/engine';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadRow } from '../src/check/checker';
import { verifyScenario } from '../src/index';
import { ensureKafkaSchema } from '../src/postgres/kafka-schema';
import { ownPostgres, parsed, queryOn } from './real-postgres';
import { roomySeed } from './roomy-seed';

/**
 * Kafka's transactions on PostgreSQL (postgres/kafka-schema.ts, task/kafka-sink.ts), held against
 * the engine's Kafka model: the same scenario run by the engine and by real task processes on
 * embedded PostgreSQL, compared as `eolab verify --system kafka` compares them. One PostgreSQL for
 * the file, in a temporary directory of its own.
 */
const real = ownPostgres('eolab-kafka-test-');
const pids = real.pids;

/** A preset moved onto Kafka (the seed is Pravega's). */
function onKafka(preset: string, mode: Scenario['mode']): Scenario {
  const moved = withSystem(presetScenario(preset, mode)!, 'kafka');
  if (!moved.ok) throw new Error(moved.errors.join('; '));
  return moved.value;
}

const verify = (scenario: Scenario, onEvent?: (e: SimEvent) => void) =>
  verifyScenario(scenario, real.server, { onAttempt: (a) => pids.push(a.pid), onEvent });

const query = <T>(sql: string, params: unknown[] = []) => queryOn<T>(real.server.url, sql, params);

describe('the seed on Kafka', () => {
  it('ATLEAST_ONCE: the restore sends 17..24 again, as the model does', async () => {
    const moved = withSystem(roomySeed('ATLEAST_ONCE'), 'kafka');
    if (!moved.ok) throw new Error(moved.errors.join('; '));
    const v = await verify(moved.value);
    expect(v.timingDecides).toBeNull();
    expect(v.differences).toEqual([]);
    expect(v.postgres.duplicates).toEqual([17, 18, 19, 20, 21, 22, 23, 24]);
    expect(v.postgres.markerWindow.verdict).toBe('DUPLICATES');
    expect(v.postgres.finished).toBe(true);
  });

  it('EXACTLY_ONCE: transactions with markers in the log, producers fenced at the restore, nothing twice', async () => {
    const events: SimEvent[] = [];
    const v = await verify(onKafka('seed', 'EXACTLY_ONCE'), (e) => events.push(e));
    expect(v.differences).toEqual([]);
    expect(v.postgres.verdict).toBe('EXACTLY_ONCE');
    expect(v.postgres.duplicates).toEqual([]);
    expect(v.postgres.missing).toEqual([]);
    const run = v.postgres.runId;
    // The failed attempt's records are in the log, aborted: read_uncommitted would have seen them.
    const [{ aborted }] = (await query<{ aborted: number }>(
      `SELECT count(*)::int AS aborted FROM eolab_kafka_log r
        WHERE r.run = $1 AND r.kind = 'record' AND r.attempt = 1
          AND EXISTS (SELECT 1 FROM eolab_kafka_log m WHERE m.run = r.run AND m.kind = 'abort'
                      AND m.transactional_id = r.transactional_id AND m.epoch = r.epoch)`,
      [run],
    )) as [{ aborted: number }];
    expect(aborted).toBeGreaterThan(0);
    // Every record's transaction ended with a marker: none is left open.
    const [{ open }] = (await query<{ open: number }>(
      `SELECT count(*)::int AS open FROM eolab_kafka_producers WHERE run = $1 AND state = 'Ongoing'`,
      [run],
    )) as [{ open: number }];
    expect(open).toBe(0);
    expect(v.postgres.transactions.committed).toBeGreaterThan(0);
    expect(
      events.filter((e) => e.kind === 'task-failed').map((e) => e.kind === 'task-failed' && e.reason),
    ).toEqual(['artificial-exception']);
  });
});

/** A preset with its times scaled down, the same on both sides: the model's outcome is the preset's. */
function scaled(preset: string, mode: Scenario['mode'], change: (s: Scenario) => object): Scenario {
  return parsed(change(structuredClone(presetScenario(preset, mode)!)));
}

describe("the Kafka presets, for real (their minutes scaled to seconds, the model's outcome unchanged)", () => {
  it('kafka-restart-past-timeout: the coordinator aborts checkpoint 3 during the restart, the recovery commit is fenced and loses it silently', async () => {
    // The preset's 60 s timeout, 10 s look and 90 s restart, each 20x shorter.
    const scenario = scaled('kafka-restart-past-timeout', 'EXACTLY_ONCE', (s) => ({
      ...s,
      kafka: { ...s.kafka, transactionTimeoutMs: 3_000, abortTimedOutIntervalMs: 500 },
      restart: { ...s.restart, delayMs: 4_500 },
    }));
    const v = await verify(scenario);
    expect(v.model.verdict).toBe('LOSS');
    expect(v.differences).toEqual([]);
    expect(v.postgres.verdict).toBe('LOSS');
    expect(v.postgres.finished).toBe(true);
    expect(
      v.postgres.log.filter((l) => /timed out: its first record is \d+ ms old/.test(l)).length,
    ).toBeGreaterThanOrEqual(2);
    expect(
      v.postgres.log.filter((l) => /Presumably this transaction has been already committed before$/.test(l)),
    ).toHaveLength(2);
    // Every lost value is explained by the transaction the coordinator aborted.
    expect(v.postgres.causes.missing.map((c) => c.kind)).toEqual([
      'txn-expired-silently',
      'txn-expired-silently',
    ]);
    expect(v.postgres.causes.unexplained.missing).toBe(0);
    expect(v.postgres.causes.missing[0]!.text).toMatch(
      /transaction\.timeout\.ms: the coordinator aborted it/,
    );
    // Checkpoint 3's values: about 100 on a quiet machine, more when a slow checkpoint made the
    // coordinator skip a trigger (real timing: the model's are 100).
    expect(v.postgres.missing.length).toBeGreaterThanOrEqual(50);
  });

  it("kafka-lso-stall: sink 0's open transaction holds the partition's readers until the restore commits it", async () => {
    // The preset's schedule with a 3 s restart, and its crash tied to checkpoint 4 rather than to
    // 350 ms, so that a loaded machine cannot move it before checkpoint 3 completes.
    const scenario = scaled('kafka-lso-stall', 'EXACTLY_ONCE', (s) => ({
      ...s,
      restart: { ...s.restart, delayMs: 3_000 },
      faults: [
        { kind: 'notify-lost', checkpoint: 3, target: 0 },
        { kind: 'crash-before-notify', checkpoint: 4 },
      ],
    }));
    let rows: readonly ReadRow[] = [];
    const v = await verifyScenario(scenario, real.server, {
      onAttempt: (a) => pids.push(a.pid),
      onChecked: (read) => {
        rows = read;
      },
    });
    expect(v.differences).toEqual([]);
    expect(v.postgres.verdict).toBe('EXACTLY_ONCE');
    // Sink 1's committed values waited behind sink 0's transaction for about the restart (the
    // longest hold: on a loaded machine shorter ones come and go at checkpoints).
    const holds = v.postgres.log.filter((l) => l.startsWith('read_committed readers of partition 0 held'));
    for (const hold of holds)
      expect(hold).toMatch(
        /held at the last stable offset for \d+ ms behind transaction Sink: writer-\d+ \(epoch \d+\): \d+ committed values released when it (committed|aborted)$/,
      );
    const longest = Math.max(...holds.map((l) => Number(/for (\d+) ms/.exec(l)![1])));
    expect(longest).toBeGreaterThanOrEqual(2_500);
    // The rows say so too: written by attempt 1, read only after the restart.
    expect(rows.some((r) => r.attempt === 1 && r.visibleAtMs - r.writtenAtMs >= 2_500)).toBe(true);
  });

  it('kafka-timeout-above-max: every InitProducerId is refused, the exactly-once sink never starts; plain sends are never checked', async () => {
    const refused = await verify(
      scaled('kafka-timeout-above-max', 'EXACTLY_ONCE', (s) => ({
        ...s,
        restart: { ...s.restart, delayMs: 100 },
      })),
    );
    expect(refused.differences).toEqual([]);
    expect(refused.postgres.verdict).toBe('INCOMPLETE');
    expect(refused.postgres.finished).toBe(false);
    expect(refused.postgres.counts.written).toBe(0);
    expect(refused.postgres.attempts).toHaveLength(4);
    for (const attempt of refused.postgres.attempts)
      expect(attempt.failure?.detail).toMatch(
        /InvalidTxnTimeoutException: The transaction timeout is larger than the maximum value allowed by the broker/,
      );
    const plain = await verify(
      scaled('kafka-timeout-above-max', 'ATLEAST_ONCE', (s) => ({
        ...s,
        restart: { ...s.restart, delayMs: 100 },
      })),
    );
    expect(plain.differences).toEqual([]);
    expect(plain.postgres.verdict).toBe('EXACTLY_ONCE');
  });

  it('kafka-zombie-fenced: the restore fences the zombie, whose next send fails: it stops long before it would have, nothing twice', async () => {
    // The preset's zombie, left to run 5 s instead of 200 ms: only fencing stops it sooner. 4,000
    // events keep its source sending until about 4 s, so it has a next send after the fence
    // however late a loaded machine starts the new attempt (with the preset's 1,000 it could finish
    // them all first, then wait for checkpoints that never reach a zombie, sending nothing).
    const scenario = scaled('kafka-zombie-fenced', 'EXACTLY_ONCE', (s) => ({
      ...s,
      numEvents: 4_000,
      faults: [{ kind: 'zombie-writer', atMs: 500, durationMs: 5_000 }],
    }));
    const events: SimEvent[] = [];
    const v = await verify(scenario, (e) => events.push(e));
    expect(v.model.verdict).toBe('EXACTLY_ONCE');
    expect(v.differences).toEqual([]);
    expect(v.postgres.duplicates).toEqual([]);
    const stopped = events.find((e) => e.kind === 'zombie-stopped');
    const restored = events.find((e) => e.kind === 'job-restored');
    expect(stopped).toBeDefined();
    expect(stopped!.t).toBeLessThan(500 + 5_000 - 1_000);
    expect(stopped!.t).toBeGreaterThanOrEqual(restored!.t);
    expect(
      v.postgres.log.some((l) =>
        /aborted its ongoing transaction \(epoch \d+\) and fenced its producer/.test(l),
      ),
    ).toBe(true);
    // The zombie's open transaction, aborted by the fence, is told under the name it began with.
    expect(events.some((e) => e.kind === 'txn-aborted' && e.why === 'fenced' && e.attempt === 1)).toBe(true);
    // Plain sends are not fenced: the zombie's land beside the new attempt's, as in the model.
    const plain = await verify(presetScenario('kafka-zombie-fenced', 'ATLEAST_ONCE')!);
    expect(plain.differences).toEqual([]);
    expect(plain.postgres.duplicates.length).toBeGreaterThan(0);
  });
});

describe('the producer pool', () => {
  it('one id per subtask: its snapshotState finds the pool empty and declines every checkpoint, the job fails as in the model', async () => {
    const scenario = parsed({
      version: 1,
      name: 'pool-of-one',
      seed: 1,
      system: 'kafka',
      mode: 'EXACTLY_ONCE',
      numEvents: 50,
      kafka: { producerPoolSize: 1 },
      faults: [{ kind: 'mapper-exception', atElement: 26 }],
    });
    const v = await verify(scenario);
    expect(v.timingDecides).toBeNull();
    expect(v.differences).toEqual([]);
    expect(v.postgres.checkpoints).toMatchObject({ completed: 0, failed: 2 });
    expect(v.postgres.log).toContain(
      'Exceeded checkpoint tolerable failure threshold: checkpoint 1 was declined',
    );
    expect(v.postgres.log.some((l) => /^sink \d: Too many ongoing snapshots\./.test(l))).toBe(true);
    expect(v.postgres.finished).toBe(false);
  });
});

describe('a broker outage (store-outage: PostgreSQL stopped and started again)', () => {
  it('the log keeps what it appended, the producers resend what was not acknowledged: exactly once, as in the model', async () => {
    const scenario = parsed({
      version: 1,
      name: 'kafka-seed-store-outage',
      seed: 1,
      system: 'kafka',
      mode: 'EXACTLY_ONCE',
      numEvents: 50,
      sink: {
        writerRetry: { attempts: 20, initialBackoffMs: 10, backoffMultiple: 2, maxBackoffMs: 500 },
        controllerRetry: { attempts: 20, initialBackoffMs: 10, backoffMultiple: 2, maxBackoffMs: 500 },
      },
      faults: [
        { kind: 'mapper-exception', atElement: 26 },
        { kind: 'store-outage', atMs: 105, durationMs: 1_000 },
      ],
    });
    const v = await verify(scenario);
    expect(v.differences).toEqual([]);
    expect(v.postgres.log.some((l) => l.startsWith('Store outage over: PostgreSQL started again'))).toBe(
      true,
    );
    // Connections lost and back, or opened late while the store was down (on a loaded machine).
    expect(v.postgres.log.some((l) => /producer connection (back|up) after \d+ ms/.test(l))).toBe(true);
    expect(v.postgres.verdict).toBe('EXACTLY_ONCE');
    expect(v.postgres.finished).toBe(true);
  });
});

describe("the coordinator's rules in SQL (postgres/kafka-schema.ts), one call at a time", () => {
  const run = `rules-${process.pid}`;
  const init = async (id: number, timeoutMs = 60_000, maxMs = 900_000) =>
    (
      await query<{ producer_id: string; epoch: number; aborted_epoch: number | null }>(
        'SELECT * FROM eolab_kafka_init_producer($1, $2, $3, $4)',
        [run, id, timeoutMs, maxMs],
      )
    )[0]!;
  const produce = async (id: number, epoch: number, value: number) =>
    (
      await query<{ ok: boolean }>('SELECT eolab_kafka_produce($1, $2, $3, 0, $4, 0, 1, 0, false) AS ok', [
        run,
        id,
        epoch,
        value,
      ])
    )[0]!.ok;
  const end = async (id: number, epoch: number, commit: boolean) =>
    (
      await query<{ o: string }>('SELECT eolab_kafka_end_txn($1, $2, $3, $4) AS o', [run, id, epoch, commit])
    )[0]!.o;
  const markers = (id: number, epoch: number) =>
    query<{ kind: string }>(
      `SELECT kind FROM eolab_kafka_log WHERE run = $1 AND transactional_id = $2 AND epoch = $3 AND kind <> 'record'`,
      [run, id, epoch],
    );

  beforeAll(async () => {
    const client = new pg.Client({ connectionString: real.server.url });
    await client.connect();
    await ensureKafkaSchema(client).finally(() => client.end());
  });

  afterAll(async () => {
    await query('DELETE FROM eolab_kafka_log WHERE run = $1', [run]);
    await query('DELETE FROM eolab_kafka_producers WHERE run = $1', [run]);
  });

  it('InitProducerId bumps the epoch by one, by two over an ongoing transaction, which it aborts: its producer is fenced', async () => {
    expect(await init(0)).toMatchObject({ epoch: 0, aborted_epoch: null });
    expect(await produce(0, 0, 1)).toBe(true);
    // Ongoing: aborted (its ABORT marker), fenced, and the client's retry bumps again.
    expect(await init(0)).toMatchObject({ epoch: 2, aborted_epoch: 0 });
    expect(await markers(0, 0)).toEqual([{ kind: 'abort' }]);
    expect(await produce(0, 0, 2)).toBe(false);
    expect(await end(0, 0, true)).toBe('fenced-aborted');
    // Nothing sent under epoch 2: the next InitProducerId bumps once.
    expect((await init(0)).epoch).toBe(3);
  });

  it('EndTxn commits once (a repeat is a no-op), an empty transaction never reached the coordinator, a stale epoch is fenced', async () => {
    const { epoch } = await init(1);
    expect(await end(1, epoch, true)).toBe('empty');
    expect(await produce(1, epoch, 10)).toBe(true);
    expect(await end(1, epoch, true)).toBe('committed');
    expect(await end(1, epoch, true)).toBe('already');
    expect(await markers(1, epoch)).toEqual([{ kind: 'commit' }]);
    const next = await init(1);
    expect(next.epoch).toBe(epoch + 1);
    expect(await end(1, epoch, true)).toBe('fenced-committed');
  });

  it('the timeout sweep aborts a transaction whose first record is older than its timeout, and fences its producer', async () => {
    const { epoch } = await init(2, 1_000);
    expect(await produce(2, epoch, 20)).toBe(true);
    expect(await query('SELECT * FROM eolab_kafka_abort_timed_out($1, false)', [run])).toEqual([]);
    // Its first record a minute ago.
    await query(
      `UPDATE eolab_kafka_producers SET started_at = started_at - interval '1 minute' WHERE run = $1 AND transactional_id = 2`,
      [run],
    );
    const swept = await query<{ transactional_id: number; epoch: number }>(
      'SELECT transactional_id, epoch FROM eolab_kafka_abort_timed_out($1, false)',
      [run],
    );
    expect(swept).toEqual([{ transactional_id: 2, epoch }]);
    expect(await produce(2, epoch, 21)).toBe(false);
    expect(await end(2, epoch, true)).toBe('fenced-aborted');
  });

  it('refuses a timeout above the broker maximum (InvalidTxnTimeoutException)', async () => {
    await expect(init(3, 3_600_000, 900_000)).rejects.toMatchObject({ code: 'KT001' });
  });
});
