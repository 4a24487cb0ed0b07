import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_DUPLICATE, presetScenario, type Scenario, type SimEvent } from '@eolab/engine';
import { describe, expect, it } from 'vitest';
import { runOnPostgres, startPostgres, UnsupportedScenarioError, verifyScenario } from '../src/index';
import { alive, ownPostgres, parsed, sharedCache } from './real-postgres';
import { roomySeed } from './roomy-seed';

/** The real backend: one PostgreSQL for the file (its own temporary directory), real task processes, real kills. */
const real = ownPostgres('eolab-backend-test-');
const pids = real.pids;

const seed = (mode: Scenario['mode']) => presetScenario('seed', mode)!;
const run = (scenario: Scenario, onEvent?: (e: SimEvent) => void) =>
  runOnPostgres(scenario, { server: real.server, onAttempt: (a) => pids.push(a.pid), onEvent });

describe('the seed against PostgreSQL', () => {
  it('ATLEAST_ONCE: the restore replays 17..24, the sample prints them', async () => {
    const report = await run(roomySeed('ATLEAST_ONCE'));
    expect(report.duplicates).toEqual([17, 18, 19, 20, 21, 22, 23, 24]);
    expect(report.missing).toEqual([]);
    expect(report.markerWindow.verdict).toBe('DUPLICATES');
    expect(report.log).toContain('Artificial failure at position 26');
    expect(report.log).toContain('Restore from checkpoint at position 16');
    expect(report.finished).toBe(true);
    expect(report.backend).toBe('postgres');
    expect(report.server.version).toMatch(/^PostgreSQL \d+/);
  });

  it('EXACTLY_ONCE: prepared transactions, no duplicate found, told as the engine tells its steps', async () => {
    const events: SimEvent[] = [];
    const report = await run(seed('EXACTLY_ONCE'), (e) => events.push(e));
    const of = <K extends SimEvent['kind']>(kind: K) =>
      events.filter((e): e is Extract<SimEvent, { kind: K }> => e.kind === kind);
    // The checkpoint the throttle pins, the sample's failure and the restore, in the engine's words.
    expect(of('checkpoint-completed')[0]).toMatchObject({ checkpointId: 1, position: 16 });
    expect(of('checkpoint-triggered')[0]).toMatchObject({ checkpointId: 1, position: 16 });
    expect(of('task-failed')[0]).toMatchObject({
      attempt: 1,
      reason: 'artificial-exception',
      element: 26,
      position: 25,
    });
    expect(of('job-restored')[0]).toMatchObject({ attempt: 2, checkpointId: 1, position: 16 });
    expect(of('job-finished')).toHaveLength(1);
    expect(of('marker-emitted').map((e) => e.marker)).toEqual(['start', 'end']);
    // Each subtask's transaction of checkpoint 1: begun, pre-committed, committed with its values.
    for (const subtask of [0, 1]) {
      const committed = of('txn-committed').find(
        (e) => e.epoch === 1 && e.subtask === subtask && e.attempt === 1,
      );
      expect(committed?.events).toBe(8);
      expect(of('txn-flushed').some((e) => e.txnId === committed?.txnId && e.checkpointId === 1)).toBe(true);
      expect(of('txn-begun').some((e) => e.txnId === committed?.txnId)).toBe(true);
    }
    // The failed attempt's open transactions are rolled back when its task closes, after its failure.
    expect(of('txn-aborted').filter((e) => e.attempt === 1 && e.why === 'task-closed')).toHaveLength(2);
    const failedAt = events.findIndex((e) => e.kind === 'task-failed');
    const closedAt = events.findIndex((e) => e.kind === 'txn-aborted' && e.why === 'task-closed');
    expect(failedAt).toBeLessThan(closedAt);
    // Times are ms since the job's start, within the run.
    for (const e of events) expect(e.t).toBeGreaterThanOrEqual(0);
    expect(Math.max(...events.map((e) => e.t))).toBeLessThanOrEqual(report.durationMs + 50);
    expect(report.verdict).toBe('EXACTLY_ONCE');
    expect(report.log).toContain(NO_DUPLICATE);
    expect(report.markerWindow.lines).toContain(NO_DUPLICATE);
    expect(report.duplicates).toEqual([]);
    expect(report.missing).toEqual([]);
    expect(report.transactions.committed).toBeGreaterThan(0);
  });

  it('crash-before-notify really kills the task process, and recovery commits the checkpoint', async () => {
    const scenario: Scenario = {
      ...seed('EXACTLY_ONCE'),
      faults: [{ kind: 'crash-before-notify', checkpoint: 1 }],
    };
    const events: SimEvent[] = [];
    const report = await run(scenario, (e) => events.push(e));
    expect(events.find((e) => e.kind === 'fault-fired')).toMatchObject({
      faultKind: 'crash-before-notify',
      checkpointId: 1,
    });
    expect(events.find((e) => e.kind === 'task-failed')).toMatchObject({
      reason: 'injected-crash',
      element: null,
    });
    const [first, second] = report.attempts;
    expect(first?.failure?.killed).toBe(true);
    expect(alive(first!.pid)).toBe(false);
    expect(second?.restoredFrom).toEqual({ checkpointId: 1, position: 16 });
    // A quick restart (no delay) commits checkpoint 1's prepared transactions: nothing lost.
    expect(report.verdict).toBe('EXACTLY_ONCE');
    expect(report.missing).toEqual([]);
    expect(report.transactions.expired).toBe(0);
  });

  it('crash-after-precommit: the restore rolls back the dangling prepared transactions, exactly once', async () => {
    const scenario: Scenario = {
      ...seed('EXACTLY_ONCE'),
      name: 'precommit-crash',
      faults: [{ kind: 'crash-after-precommit', checkpoint: 2 }],
    };
    const report = await run(scenario);
    expect(report.attempts[0]?.failure?.killed).toBe(true);
    expect(alive(report.attempts[0]!.pid)).toBe(false);
    expect(report.restores[0]?.checkpointId).toBe(1);
    expect(report.log.some((l) => /cp2-s\d: abort of transaction left prepared/.test(l))).toBe(true);
    expect(report.verdict).toBe('EXACTLY_ONCE');
    expect(report.transactions.open).toBe(0);
  });

  it('crash-before-notify with a restart slower than the lease: the reaper rolls back checkpoint 1, its data is lost, as in the model', async () => {
    // The lease-expiry preset on the seed: the shortest lease the schema allows (10 s), a 12 s restart.
    const scenario = parsed({
      version: 1,
      name: 'lease-expiry-seed',
      seed: 1,
      mode: 'EXACTLY_ONCE',
      numEvents: 50,
      sink: { txnLeaseMs: 10_000 },
      restart: { delayMs: 12_000 },
      faults: [
        { kind: 'mapper-exception', atElement: 26 },
        { kind: 'crash-before-notify', checkpoint: 1 },
      ],
    });
    const events: SimEvent[] = [];
    const {
      postgres: report,
      model,
      differences,
    } = await verifyScenario(scenario, real.server, {
      onAttempt: (a) => pids.push(a.pid),
      onEvent: (e) => events.push(e),
    });
    // Each expiry is told with the transaction's name and the values it held.
    const expired = events.filter((e) => e.kind === 'txn-expired');
    expect(expired.map((e) => e.kind === 'txn-expired' && [e.epoch, e.events])).toEqual([
      [1, 8],
      [1, 8],
    ]);
    expect(report.attempts[0]?.failure?.killed).toBe(true);
    expect(report.attempts[1]?.restoredFrom).toEqual({ checkpointId: 1, position: 16 });
    expect(report.log.some((l) => /cp1-s\d lease expired: the controller aborted it/.test(l))).toBe(true);
    expect(report.transactions.expired).toBe(2);
    const sixteen = Array.from({ length: 16 }, (_, i) => i + 1);
    expect(report.missing).toEqual(sixteen);
    expect(report.verdict).toBe('LOSS');
    // Every lost value is explained by the transaction that held it, as the model explains it.
    expect(report.causes.missing.map((c) => c.kind)).toEqual([
      'txn-expired-silently',
      'txn-expired-silently',
    ]);
    expect(report.causes.unexplained.missing).toBe(0);
    expect(model.missing).toEqual(sixteen);
    expect(model.causes.missing.map((c) => c.kind)).toEqual(['txn-expired-silently', 'txn-expired-silently']);
    expect(differences).toEqual([]);
  });

  it('refuses a fault it cannot reproduce, naming it', async () => {
    const scenario: Scenario = {
      ...seed('EXACTLY_ONCE'),
      faults: [{ kind: 'controller-outage', atMs: 10, durationMs: 10 }],
    };
    await expect(run(scenario)).rejects.toThrow(UnsupportedScenarioError);
    await expect(run(scenario)).rejects.toThrow(/controller-outage/);
  });

  it('makes the template in a fresh cache without leaving a password file in the temp directory', async () => {
    const passwordFiles = () => readdirSync(tmpdir()).filter((f) => f.startsWith('pg-password-'));
    const before = passwordFiles();
    const cache = mkdtempSync(join(tmpdir(), 'eolab-cache-test-'));
    // As root, initdb runs as the postgres user, who must get through the cache directory.
    chmodSync(cache, 0o755);
    process.env.EOLAB_POSTGRES_CACHE = cache;
    try {
      const fresh = await startPostgres();
      await fresh.stop();
      expect(fresh.version).toMatch(/^PostgreSQL \d+/);
      expect(readdirSync(join(cache, 'template-v1'))).toContain('PG_VERSION');
      // Only the template (and, as root with private binaries, their copy): no scratch left.
      expect(readdirSync(cache).filter((d) => d !== 'template-v1' && d !== 'native')).toEqual([]);
      expect(passwordFiles()).toEqual(before);
    } finally {
      process.env.EOLAB_POSTGRES_CACHE = sharedCache;
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('removes the data directory a killed run left behind when the next server starts', async () => {
    // A run SIGKILLed before it could stop its server leaves its directory, with its owner's pid.
    const orphan = mkdtempSync(join(tmpdir(), 'eolab-pg-'));
    const dead = spawnSync('true').pid;
    writeFileSync(join(orphan, 'eolab-owner.pid'), `${dead}\n`);
    writeFileSync(join(orphan, 'PG_VERSION'), '18\n');
    // One being made (no owner yet) and one of a live owner (this process) stay.
    const making = mkdtempSync(join(tmpdir(), 'eolab-pg-'));
    const live = mkdtempSync(join(tmpdir(), 'eolab-pg-'));
    writeFileSync(join(live, 'eolab-owner.pid'), `${process.pid}\n`);
    try {
      const next = await startPostgres();
      await next.stop();
      expect(existsSync(orphan)).toBe(false);
      expect(existsSync(making)).toBe(true);
      expect(existsSync(live)).toBe(true);
    } finally {
      for (const dir of [orphan, making, live]) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names why PostgreSQL is unavailable', async () => {
    process.env.EOLAB_POSTGRES_URL = 'postgres://nobody:nothing@127.0.0.1:1/postgres';
    try {
      await expect(startPostgres()).rejects.toThrow(/EOLAB_POSTGRES_URL: cannot connect: .*ECONNREFUSED/);
    } finally {
      delete process.env.EOLAB_POSTGRES_URL;
    }
  });
});
