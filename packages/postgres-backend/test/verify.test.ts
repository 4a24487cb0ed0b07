import { compareReports, presetScenario, type Scenario, Simulation, timingDecides } from '@eolab/engine';
import { describe, expect, it } from 'vitest';
import type { PostgresReport } from '../src/check/report';
import { whyStartFailed } from '../src/postgres/server';
import { isConnectionError } from '../src/task/connection';

/** The comparison and the reasons, without a server: fast checks of what verify and startPostgres say. */
const seed = (mode: Scenario['mode']) => presetScenario('seed', mode)!;

function asReal(scenario: Scenario, change: Partial<PostgresReport> = {}): PostgresReport {
  const report = new Simulation(scenario).runToEnd();
  return {
    ...report,
    backend: 'postgres',
    server: { version: 'PostgreSQL 18', kind: 'embedded' },
    runId: 'test',
    attempts: [],
    ...change,
  };
}

describe('verify', () => {
  it('holds the seed to identical sets: its first checkpoint is pinned by the throttle', () => {
    for (const mode of ['BEST_EFFORT', 'ATLEAST_ONCE', 'EXACTLY_ONCE'] as const)
      expect(timingDecides(seed(mode))).toBeNull();
  });

  it('lets timing decide for a fault at a time or on a later checkpoint', () => {
    expect(
      timingDecides({ ...seed('EXACTLY_ONCE'), faults: [{ kind: 'mapper-exception', atMs: 150 }] }),
    ).toMatch(/fires at a time/);
    expect(timingDecides(presetScenario('lease-expiry')!)).toMatch(/strikes checkpoint 3/);
    // No completed checkpoint to restore: the fresh attempt fails at the mapper again, whenever its process got going.
    expect(
      timingDecides({
        ...seed('EXACTLY_ONCE'),
        faults: [...seed('EXACTLY_ONCE').faults, { kind: 'crash-after-precommit', checkpoint: 1 }],
      }),
    ).toMatch(/leaves no completed checkpoint/);
  });

  it('states every difference of a deterministic schedule in words', () => {
    const model = new Simulation(seed('ATLEAST_ONCE')).runToEnd();
    const real = asReal(seed('ATLEAST_ONCE'), {
      duplicates: [17, 18, 19, 20, 21, 22, 23, 24, 25],
      missing: [50],
    });
    const { differences } = compareReports(model, real, true);
    expect(differences).toEqual([
      'duplicates only in the real run: 25',
      'missing values only in the real run: 50',
    ]);
    expect(compareReports(model, asReal(seed('ATLEAST_ONCE')), true).differences).toEqual([]);
  });

  it('compares only the outcome class where timing decides', () => {
    const model = new Simulation(seed('ATLEAST_ONCE')).runToEnd();
    const shifted = asReal(seed('ATLEAST_ONCE'), { duplicates: [15, 16, 17] });
    const same = compareReports(model, shifted, false);
    expect(same.differences).toEqual([]);
    expect(same.notes[0]).toMatch(/duplicate values differ \(timing decides\)/);
    const none = asReal(seed('ATLEAST_ONCE'), {
      duplicates: [],
      counts: { ...model.counts, duplicates: 0 },
    });
    expect(compareReports(model, none, false).differences).toEqual([
      'duplicates: the model has 8, the real run has none',
    ]);
  });
});

describe('why PostgreSQL did not start', () => {
  it('names the port, permissions or the disk from the server log', () => {
    const port = whyStartFailed(
      ['LOG:  could not bind IPv4 address "127.0.0.1": Address already in use\n'],
      null,
    );
    expect(port.message).toMatch(/the port is taken/);
    const perms = whyStartFailed(['FATAL:  data directory "/x" has wrong ownership\n'], null);
    expect(perms.message).toMatch(/permissions/);
    const disk = whyStartFailed(
      ['PANIC:  could not write to file "pg_wal/xlogtemp": No space left on device\n'],
      null,
    );
    expect(disk.message).toMatch(/the disk is full/);
  });
});

describe('which errors a reconnect answers', () => {
  it('a lost or refused connection and a server shutting down or starting: yes; a wrong statement: no', () => {
    const sql = (code: string) => Object.assign(new Error(code), { code });
    expect(isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionError(sql('ECONNREFUSED'))).toBe(true);
    expect(isConnectionError(sql('57P01'))).toBe(true); // admin_shutdown
    expect(isConnectionError(sql('57P03'))).toBe(true); // cannot_connect_now: starting up
    expect(isConnectionError(sql('08006'))).toBe(true); // connection_failure
    expect(isConnectionError(sql('42704'))).toBe(false); // undefined_object: an unknown gid
    expect(isConnectionError(sql('23505'))).toBe(false); // unique_violation
    expect(isConnectionError(new TypeError('x is undefined'))).toBe(false);
  });
});
