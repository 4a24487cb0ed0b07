import { presetScenario, type SimEvent, Simulation } from '@eolab/engine';
import { type PostgresServer, startPostgres } from '@eolab/postgres-backend';
import { figuresOf } from '@eolab/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredRun } from '../src/store/db';
import { PgRunStore } from '../src/store/pg-store';

/**
 * Run history in PostgreSQL (issue 22): the same contract as the SQLite store (RunHistory), against
 * a real PostgreSQL (embedded), and the cluster's bookkeeping: runs of a server that stopped
 * stamping its row are interrupted, those of a live one are not.
 */

let postgres: PostgresServer;
const stores: PgRunStore[] = [];

beforeAll(async () => {
  postgres = await startPostgres({ exitOnSignal: false });
}, 120_000);
afterAll(async () => {
  for (const s of stores) s.close();
  await postgres?.stop();
});

function open(): PgRunStore {
  const store = new PgRunStore(postgres.url);
  stores.push(store);
  return store;
}

let ids = 0;
function run(mode: StoredRun['summary']['mode'] = 'EXACTLY_ONCE'): StoredRun {
  return {
    summary: {
      id: `pg-${++ids}-${Date.now()}`,
      name: 'seed',
      mode,
      state: 'running',
      verdict: null,
      numEvents: 50,
      faultCount: 1,
      createdAt: new Date(0).toISOString(),
      finishedAt: null,
      replayOf: null,
      backend: 'simulated',
    },
    scenario: presetScenario('seed', mode)!,
    faultTimeline: presetScenario('seed', mode)!.faults,
    report: null,
    bucketMs: 100,
    buckets: [],
    nowMs: 0,
  };
}

/** The run ended, with the model's report, as the run manager saves it. */
function ended(live: StoredRun): StoredRun {
  const report = new Simulation(live.scenario).runToEnd();
  return {
    ...live,
    report,
    nowMs: report.durationMs,
    summary: {
      ...live.summary,
      state: 'finished',
      verdict: report.verdict,
      finishedAt: new Date(1).toISOString(),
      figures: figuresOf(report),
    },
  };
}

const events: SimEvent[] = [
  { t: 1, kind: 'console', source: 'writer', line: 'first' },
  { t: 2, kind: 'console', source: 'writer', line: 'second' },
];

describe('PgRunStore', () => {
  it('keeps what a run saves: its row, report, events (ended or live) and record of facts', async () => {
    const store = open();
    const live = run();
    store.insert(live);
    expect(store.stateOf(live.summary.id)).toBe('running');
    store.saveProgress({ ...live, nowMs: 40 }, events.slice(0, 1));
    await store.settled(5_000);
    expect(store.get(live.summary.id)?.nowMs).toBe(40);
    expect(store.events(live.summary.id)).toEqual(events.slice(0, 1));

    // A run's final save is in PostgreSQL when `save` returns: another server may read it at once.
    const done = ended(live);
    store.save(done, events, new Uint8Array([1, 2, 3]));
    const back = store.get(live.summary.id)!;
    expect(back.summary).toEqual({ ...done.summary, reproducesExport: null });
    expect(back.report).toEqual(done.report);
    expect(back.scenario).toEqual(done.scenario);
    expect(store.events(live.summary.id)).toEqual(events);
    expect(store.facts(live.summary.id)).toEqual({ bytes: new Uint8Array([1, 2, 3]), deflated: false });
    store.deflateFacts(live.summary.id, new Uint8Array([9]));
    await store.settled(5_000);
    expect(store.facts(live.summary.id)).toEqual({ bytes: new Uint8Array([9]), deflated: true });
  });

  it('lists newest first, filters and sorts as SQLite does, and counts the whole filter', async () => {
    const store = open();
    const a = ended(run('ATLEAST_ONCE'));
    const b = ended(run('EXACTLY_ONCE'));
    for (const r of [a, b]) {
      store.insert(r);
      store.save(r, null);
    }
    await store.settled(5_000);
    const newest = store.list({ limit: 2, offset: 0 });
    expect(newest.runs.map((r) => r.id)).toEqual([b.summary.id, a.summary.id]);
    expect(newest.total).toBeGreaterThanOrEqual(2);
    expect(store.list({ limit: 1, offset: 1, sort: 'oldest' }).runs).toHaveLength(1);
    const duplicates = store.list({ limit: 1, offset: 0, sort: 'duplicates', mode: 'ATLEAST_ONCE' });
    expect(duplicates.runs[0]?.id).toBe(a.summary.id);
    expect(duplicates.runs[0]?.figures?.duplicates).toBe(8);
    const exactly = store.list({ limit: 50, offset: 0, verdict: 'EXACTLY_ONCE', ending: 'finished' });
    expect(exactly.runs.map((r) => r.id)).toContain(b.summary.id);
    expect(exactly.runs.map((r) => r.id)).not.toContain(a.summary.id);
  });

  it('deletes a run whole, and prunes the oldest beyond retention, never one it is told to keep', async () => {
    const store = open();
    const gone = run();
    store.insert(gone);
    store.save(ended(gone), events, new Uint8Array([1]));
    await store.settled(5_000);
    expect(store.delete(gone.summary.id)).toBe(true);
    expect(store.get(gone.summary.id)).toBeNull();
    expect(store.events(gone.summary.id)).toEqual([]);
    expect(store.delete(gone.summary.id)).toBe(false);

    const { runs } = store.usage();
    const kept = store.list({ limit: 1, offset: 0, sort: 'oldest' }).runs[0]!.id;
    const deleted = store.prune(
      { maxRuns: runs - 2, maxBytes: Number.MAX_SAFE_INTEGER },
      (id) => id === kept,
    );
    expect(deleted).toHaveLength(2);
    expect(deleted).not.toContain(kept);
    expect(store.usage().runs).toBe(runs - 2);
  });

  it('interrupts the live runs of a server that stopped stamping its row, not those of a live one', async () => {
    const alive = open();
    const dying = open();
    const told: string[] = [];
    alive.joinCluster(
      'alive',
      () => '127.0.0.1:1',
      (runIds) => told.push(...runIds),
    );
    dying.joinCluster(
      'dying',
      () => '127.0.0.1:2',
      () => {},
    );
    const mine = run();
    const theirs = run();
    alive.insert(mine);
    dying.insert(theirs);
    // The dying server stops stamping without leaving (as a kill -9 would): its row just ages.
    (dying as unknown as { timers: NodeJS.Timeout[] }).timers.forEach(clearInterval);
    await expect.poll(() => told, { timeout: 15_000, interval: 250 }).toContain(theirs.summary.id);
    expect(alive.stateOf(theirs.summary.id)).toBe('interrupted');
    expect(alive.stateOf(mine.summary.id)).toBe('running');
    expect(told).not.toContain(mine.summary.id);
    // A start interrupts what dead servers left, and nothing of a live one.
    expect(open().markInterrupted()).toBe(0);
    expect(alive.stateOf(mine.summary.id)).toBe('running');
  });
});
