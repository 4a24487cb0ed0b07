import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScenario, presetScenario, type Scenario, type SimEvent, withSystem } from '@eolab/engine';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresServer, startPostgres, verifyScenario } from '../src/index';

/**
 * Kafka's transactions on PostgreSQL (postgres/kafka-schema.ts, task/kafka-sink.ts), held against
 * the engine's Kafka model: the same scenario run by the engine and by real task processes on
 * embedded PostgreSQL, compared as `eolab verify --system kafka` compares them. One PostgreSQL for
 * the file, in a temporary directory of its own.
 */
const sharedCache = process.env.EOLAB_POSTGRES_CACHE ?? join(tmpdir(), 'eolab-postgres');
const ownTmp = mkdtempSync(join(tmpdir(), 'eolab-kafka-test-'));
chmodSync(ownTmp, 0o755);
process.env.TMPDIR = ownTmp;
process.env.EOLAB_POSTGRES_CACHE = sharedCache;

let server: PostgresServer;
const pids: number[] = [];

beforeAll(async () => {
  server = await startPostgres();
});

afterAll(async () => {
  await server?.stop();
  for (const pid of pids) expect(alive(pid)).toBe(false);
  const left = readdirSync(ownTmp).filter((d) => d.startsWith('eolab-pg-'));
  rmSync(ownTmp, { recursive: true, force: true });
  expect(left).toEqual([]);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A preset moved onto Kafka (the seed is Pravega's). */
function onKafka(preset: string, mode: Scenario['mode']): Scenario {
  const moved = withSystem(presetScenario(preset, mode)!, 'kafka');
  if (!moved.ok) throw new Error(moved.errors.join('; '));
  return moved.value;
}

function parsed(input: unknown): Scenario {
  const result = parseScenario(input);
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.value;
}

const verify = (scenario: Scenario, onEvent?: (e: SimEvent) => void) =>
  verifyScenario(scenario, server, { onAttempt: (a) => pids.push(a.pid), onEvent });

async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('the seed on Kafka', () => {
  it('ATLEAST_ONCE: the restore sends 17..24 again, as the model does', async () => {
    const v = await verify(onKafka('seed', 'ATLEAST_ONCE'));
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
    const [{ aborted }] = await query<{ aborted: number }>(
      `SELECT count(*)::int AS aborted FROM eolab_kafka_log r
        WHERE r.run = $1 AND r.kind = 'record' AND r.attempt = 1
          AND EXISTS (SELECT 1 FROM eolab_kafka_log m WHERE m.run = r.run AND m.kind = 'abort'
                      AND m.transactional_id = r.transactional_id AND m.epoch = r.epoch)`,
      [run],
    );
    expect(aborted).toBeGreaterThan(0);
    // Every record's transaction ended with a marker: none is left open.
    const [{ open }] = await query<{ open: number }>(
      `SELECT count(*)::int AS open FROM eolab_kafka_producers WHERE run = $1 AND state = 'Ongoing'`,
      [run],
    );
    expect(open).toBe(0);
    expect(v.postgres.transactions.committed).toBeGreaterThan(0);
    expect(
      events.filter((e) => e.kind === 'task-failed').map((e) => e.kind === 'task-failed' && e.reason),
    ).toEqual(['artificial-exception']);
  });
});
