import { readFileSync } from 'node:fs';
import { type Fault, parseScenario, type Scenario, type WriterMode } from '@eolab/engine';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresServer, startPostgres, verifyScenario } from '../src/index';
import { alive, queryOn } from './real-postgres';

/**
 * The real backend's faults held against the model: each scenario runs in the engine and for real
 * (`verifyScenario`), and the two must agree (identical sets where the schedule is deterministic,
 * the same outcome class where timing decides). One PostgreSQL for the file, ours, so that a store
 * outage may stop it.
 */
let server: PostgresServer;

beforeAll(async () => {
  server = await startPostgres();
});

afterAll(async () => {
  await server?.stop();
});

/** The seed's mapper exception (element 26). */
const SAMPLE_FAILURE: Fault = { kind: 'mapper-exception', atElement: 26 };

/** The seed's job (50 events, a checkpoint every 100 ms) with these faults, through the schema. */
function seedWith(mode: WriterMode, faults: Fault[], extra: Record<string, unknown> = {}): Scenario {
  const result = parseScenario({
    version: 1,
    name: `seed+${faults.map((f) => f.kind).join('+')}`,
    seed: 1,
    mode,
    numEvents: 50,
    ...extra,
    faults,
  });
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.value;
}

/**
 * A checkpoint every 500 ms instead of 100: checkpoint 1 completes well before 800 ms, when a pause
 * strikes, and checkpoint 2 is triggered well after, however loaded the machine.
 */
const SLOW_CHECKPOINTS = { checkpoint: { intervalMs: 500 } };

/** Reconnects within a few hundred ms of the server's return, rather than the default's 10 s and 20 s steps. */
const QUICK_RETRY = {
  writerRetry: { attempts: 20, initialBackoffMs: 10, backoffMultiple: 2, maxBackoffMs: 500 },
};

const query = <T>(sql: string, params: unknown[] = []) => queryOn<T>(server.url, sql, params);

/** The process state letter in /proc/<pid>/stat ('T': stopped by a signal), or null once it is gone. */
function processState(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? null;
  } catch {
    return null;
  }
}

describe('checkpoint faults agree with the model on the seed', () => {
  it('crash-after-precommit on checkpoint 1: the fresh restart writes 1..16 again in ATLEAST_ONCE, exactly once in EXACTLY_ONCE', async () => {
    for (const mode of ['ATLEAST_ONCE', 'EXACTLY_ONCE'] as const) {
      const v = await verifyScenario(
        seedWith(mode, [{ kind: 'crash-after-precommit', checkpoint: 1 }]),
        server,
      );
      expect(v.timingDecides).toBeNull();
      expect(v.differences).toEqual([]);
      expect(v.postgres.restores[0]?.checkpointId).toBeNull();
      expect(v.postgres.duplicates).toEqual(
        mode === 'ATLEAST_ONCE' ? Array.from({ length: 16 }, (_, i) => i + 1) : [],
      );
    }
  });

  it('crash-after-precommit after-acks on checkpoint 1: the acknowledgements complete it, the restore commits it; nothing twice', async () => {
    for (const mode of ['ATLEAST_ONCE', 'EXACTLY_ONCE'] as const) {
      const v = await verifyScenario(
        seedWith(mode, [{ kind: 'crash-after-precommit', checkpoint: 1, stage: 'after-acks' }]),
        server,
      );
      expect(v.timingDecides).toBeNull();
      expect(v.differences).toEqual([]);
      // Which sink acknowledges last is up to the real processes.
      expect(v.postgres.attempts[0]?.failure?.detail).toMatch(
        /^sink [01] died after every task acknowledged checkpoint 1$/,
      );
      expect(v.postgres.restores[0]?.checkpointId).toBe(1);
      expect(v.postgres.duplicates).toEqual([]);
      expect(v.postgres.verdict).toBe('EXACTLY_ONCE');
    }
  });

  it('notify-lost on checkpoint 1: the same duplicate and missing sets as the model', async () => {
    for (const mode of ['ATLEAST_ONCE', 'EXACTLY_ONCE'] as const) {
      const faults: Fault[] = [SAMPLE_FAILURE, { kind: 'notify-lost', checkpoint: 1 }];
      const v = await verifyScenario(seedWith(mode, faults), server);
      expect(v.timingDecides).toBeNull();
      expect(v.differences).toEqual([]);
      expect(v.postgres.duplicates).toEqual(v.model.duplicates);
    }
  });
});

describe('store-outage: PostgreSQL stopped and started again', () => {
  it('a prepared transaction survives an immediate shutdown of the server; an open one does not', async () => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    await client.query('CREATE TABLE IF NOT EXISTS outage_probe (v integer)');
    await client.query('BEGIN');
    await client.query('INSERT INTO outage_probe VALUES (1)');
    await client.query("PREPARE TRANSACTION 'outage-probe'");
    const open = new pg.Client({ connectionString: server.url });
    open.on('error', () => {});
    await open.connect();
    await open.query('BEGIN');
    await open.query('INSERT INTO outage_probe VALUES (2)');
    client.on('error', () => {});
    await server.outage!.crash();
    await server.outage!.restart();
    await client.end().catch(() => {});
    await open.end().catch(() => {});
    expect(await query("SELECT gid FROM pg_prepared_xacts WHERE gid = 'outage-probe'")).toEqual([
      { gid: 'outage-probe' },
    ]);
    await query("COMMIT PREPARED 'outage-probe'");
    expect(await query('SELECT v FROM outage_probe ORDER BY v')).toEqual([{ v: 1 }]);
    await query('DROP TABLE outage_probe');
  });

  it('the sinks reconnect and resend: nothing lost, exactly once in EXACTLY_ONCE, the outcome the model has', async () => {
    for (const mode of ['ATLEAST_ONCE', 'EXACTLY_ONCE'] as const) {
      const [before] = await query<{ t: Date }>('SELECT pg_postmaster_start_time() AS t');
      // The outage starts just after checkpoint 1 and the mapper fails during it: the restore
      // runs while the server is down, the recovery commit waits for it.
      const faults: Fault[] = [SAMPLE_FAILURE, { kind: 'store-outage', atMs: 105, durationMs: 1_000 }];
      const v = await verifyScenario(seedWith(mode, faults, { sink: QUICK_RETRY }), server);
      expect(v.differences).toEqual([]);
      expect(v.postgres.missing).toEqual([]);
      if (mode === 'EXACTLY_ONCE') expect(v.postgres.verdict).toBe('EXACTLY_ONCE');
      expect(v.postgres.finished).toBe(true);
      expect(v.postgres.log).toContain('Store outage: PostgreSQL stopped (immediate shutdown) for 1000 ms');
      // A sink waited for the store: a connection it lost came back, or (when the restart fell
      // inside the outage, as the real clock may have it) its first connection came up late.
      expect(
        v.postgres.log.some((l) => /Sink subtask \d: \w+ connection (back|up) after \d+ ms/.test(l)),
      ).toBe(true);
      // The server really went down and came back: a new postmaster.
      const [after] = await query<{ t: Date }>('SELECT pg_postmaster_start_time() AS t');
      expect(after!.t.getTime()).toBeGreaterThan(before!.t.getTime());
    }
  });

  it('is refused with a server eolab did not start, naming the fault', async () => {
    const external: PostgresServer = { ...server, kind: 'external', outage: undefined };
    const scenario = seedWith('EXACTLY_ONCE', [
      SAMPLE_FAILURE,
      { kind: 'store-outage', atMs: 105, durationMs: 100 },
    ]);
    await expect(verifyScenario(scenario, external)).rejects.toThrow(
      /faults\[1\]: store-outage is not supported with EOLAB_POSTGRES_URL/,
    );
  });
});

describe('job-pause: the task process stopped with SIGSTOP', () => {
  it('a pause shorter than the heartbeat timeout: the process is stopped, then goes on; nothing lost or duplicated', async () => {
    const states = new Set<string>();
    let sampler: NodeJS.Timeout | null = null;
    const scenario = seedWith(
      'EXACTLY_ONCE',
      [{ kind: 'job-pause', atMs: 800, durationMs: 600 }],
      SLOW_CHECKPOINTS,
    );
    const v = await verifyScenario(scenario, server, {
      onAttempt: (a) => {
        // Sample the task process's state until it is gone.
        sampler = setInterval(() => {
          const state = processState(a.pid);
          if (state === null && sampler !== null) clearInterval(sampler);
          else if (state !== null) states.add(state);
        }, 5);
      },
    });
    if (sampler !== null) clearInterval(sampler);
    expect(states.has('T')).toBe(true);
    expect(v.differences).toEqual([]);
    expect(v.postgres.log).toContain('Job resumed: the task process continues (SIGCONT)');
    expect(v.postgres.verdict).toBe('EXACTLY_ONCE');
    expect(v.postgres.attempts).toHaveLength(1);
  });

  it('two overlapping pauses: the process goes on when the first of them to end ends, as in the model', async () => {
    const scenario = seedWith(
      'EXACTLY_ONCE',
      [
        { kind: 'job-pause', atMs: 800, durationMs: 1_000 },
        { kind: 'job-pause', atMs: 900, durationMs: 400 },
      ],
      SLOW_CHECKPOINTS,
    );
    const v = await verifyScenario(scenario, server, { timeoutMs: 20_000 });
    expect(v.differences).toEqual([]);
    expect(v.postgres.finished).toBe(true);
    expect(
      v.postgres.log.filter((l) => l === 'Job resumed: the task process continues (SIGCONT)'),
    ).toHaveLength(1);
    expect(v.postgres.attempts).toHaveLength(1);
  });

  it('a pause longer than the heartbeat timeout fails the attempt over: duplicates in ATLEAST_ONCE, none in EXACTLY_ONCE', async () => {
    for (const mode of ['ATLEAST_ONCE', 'EXACTLY_ONCE'] as const) {
      const scenario = seedWith(mode, [{ kind: 'job-pause', atMs: 800, durationMs: 2_000 }], {
        ...SLOW_CHECKPOINTS,
        restart: { heartbeatIntervalMs: 200, heartbeatTimeoutMs: 1_000 },
      });
      const v = await verifyScenario(scenario, server);
      expect(v.differences).toEqual([]);
      const paused = v.postgres.attempts[0]!;
      // One timeout after the last heartbeat reply: 800 to 1,000 ms into the pause (the seeded phase).
      const frozenMs = Number(
        /^TaskManager heartbeat timed out: no reply for 1000 ms, frozen for (\d+) ms: the job fails over$/.exec(
          paused.failure?.detail ?? '',
        )?.[1],
      );
      expect(frozenMs).toBeGreaterThanOrEqual(800);
      expect(frozenMs).toBeLessThanOrEqual(1_000);
      expect(paused.failure?.killed).toBe(true);
      expect(alive(paused.pid)).toBe(false);
      expect(v.postgres.attempts[1]?.restoredFrom?.position).toBe(16);
      expect(v.postgres.finished).toBe(true);
      if (mode === 'EXACTLY_ONCE') expect(v.postgres.verdict).toBe('EXACTLY_ONCE');
      else expect(v.postgres.duplicates.length).toBeGreaterThan(0);
    }
  });

  it('a checkpoint held up by a pause expires at its deadline and fails the job over, as in the model (CheckpointCanceller)', async () => {
    for (const mode of ['ATLEAST_ONCE', 'EXACTLY_ONCE'] as const) {
      // Checkpoint 2 is triggered at 1,000 ms into a 2 s pause: it expires at 1,300 ms, long
      // before the 50 s heartbeat timeout would notice the frozen process.
      const scenario = seedWith(mode, [{ kind: 'job-pause', atMs: 800, durationMs: 2_000 }], {
        checkpoint: { intervalMs: 500, timeoutMs: 300 },
      });
      const v = await verifyScenario(scenario, server);
      expect(v.differences).toEqual([]);
      const paused = v.postgres.attempts[0]!;
      expect(paused.failure?.detail).toBe(
        'Exceeded checkpoint tolerable failure threshold: checkpoint 2 expired',
      );
      expect(v.postgres.attempts[1]?.restoredFrom?.position).toBe(16);
      expect(v.postgres.finished).toBe(true);
      if (mode === 'EXACTLY_ONCE') expect(v.postgres.verdict).toBe('EXACTLY_ONCE');
      else expect(v.postgres.duplicates.length).toBeGreaterThan(0);
    }
  });

  it('a pause past the lease before a commit: the reaper rolls the prepared transactions back, their data is lost, as in the model', async () => {
    // The pause-beyond-lease preset, made reachable in real time: checkpoint 3's notification is
    // lost, so its transactions wait for checkpoint 4's, and the job freezes between the two
    // (12 s, past the schema's shortest lease, 10 s; shorter than the 50 s heartbeat timeout).
    const result = parseScenario({
      version: 1,
      name: 'pause-past-lease',
      seed: 1,
      mode: 'EXACTLY_ONCE',
      numEvents: 1_000,
      source: { throttleUntilPosition: 20 },
      ...SLOW_CHECKPOINTS,
      sink: { txnLeaseMs: 10_000 },
      faults: [
        { kind: 'notify-lost', checkpoint: 3 },
        { kind: 'job-pause', atMs: 1_750, durationMs: 12_000 },
      ],
    });
    if (!result.ok) throw new Error(result.errors.join('; '));
    const v = await verifyScenario(result.value, server);
    expect(v.differences).toEqual([]);
    expect(v.postgres.verdict).toBe('LOSS');
    expect(v.postgres.log.some((l) => /cp3-s\d lease expired: the controller aborted it/.test(l))).toBe(true);
    expect(new Set(v.postgres.causes.missing.map((c) => c.kind))).toEqual(new Set(['txn-expired-silently']));
    expect(v.postgres.causes.unexplained.missing).toBe(0);
    expect(new Set(v.model.causes.missing.map((c) => c.kind))).toEqual(new Set(['txn-expired-silently']));
  });
});
