import { join } from 'node:path';
import type { Report } from '@eolab/engine';
import type { CheckpointsPage, RunDelta, TransactionsPage } from '@eolab/protocol';
import Database from 'better-sqlite3';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { finishedRun, type Harness, ok, startServer } from './harness';

let server: Harness;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

const finishedOn = (body: object) => finishedRun(server, body);

const checkpoints = async (runId: string, query = '', on = server): Promise<CheckpointsPage> =>
  (await request(on.app.http).get(`/api/runs/${runId}/checkpoints${query}`).expect(200)).body;
const transactions = async (runId: string, query = '', on = server): Promise<TransactionsPage> =>
  (await request(on.app.http).get(`/api/runs/${runId}/transactions${query}`).expect(200)).body;

/** The counts the report has, taken from a page's counts. */
function asReport(page: { counts: CheckpointsPage['counts'] }): Report['checkpoints'] {
  const { triggered, completed, aborted, failed } = page.counts;
  return { triggered, completed, aborted, failed };
}

describe('checkpoints and transactions over REST', () => {
  it('count every checkpoint and transaction of a long run, as its report does, and page through them', async () => {
    const { runId, report } = await finishedOn({ scenario: { mode: 'EXACTLY_ONCE', numEvents: 400_000 } });
    // Far more checkpoints than the snapshot's window of events can hold.
    expect(report.checkpoints.triggered).toBeGreaterThan(500);
    const first = await checkpoints(runId, '?limit=100');
    expect(asReport(first)).toEqual(report.checkpoints);
    expect(first.total).toBe(report.checkpoints.triggered);
    expect(first.complete).toBe(true);
    expect(first.items[0]!.id).toBe(report.checkpoints.triggered);
    const second = await checkpoints(runId, '?limit=100&offset=100');
    expect(second.items.map((c) => c.id)).toEqual(first.items.map((c) => c.id - 100));
    const completed = first.items.filter((c) => c.status === 'completed');
    expect(completed.length).toBeGreaterThan(90);
    for (const c of completed) expect(c).toMatchObject({ acknowledged: 3, tasks: 3, reason: null });

    const txns = await transactions(runId, '?limit=3&order=oldest');
    const { preCommitted: _p, committing: _c, ...txnCounts } = txns.counts;
    expect(txnCounts).toEqual(report.transactions);
    expect(txns.total).toBe(report.transactions.begun);
    expect(txns.items.map((t) => t.txnId)).toEqual([1, 2, 3]);
    const underTen = await transactions(runId, '?checkpoint=10');
    expect(underTen.items.map((t) => t.name).sort()).toEqual(['cp10·s0', 'cp10·s1']);
    expect(underTen.items.every((t) => t.state === 'COMMITTED' && t.endedMs !== null)).toBe(true);
    const one = await transactions(runId, `?txnId=${underTen.items[0]!.txnId}`);
    expect(one).toMatchObject({ total: 1, items: [underTen.items[0]] });
  });

  it('a long run’s record is stored deflated, and pages the same from it after a restart', async () => {
    const { runId, report } = await finishedOn({ scenario: { mode: 'EXACTLY_ONCE', numEvents: 400_000 } });
    const newest = await checkpoints(runId, '?limit=200');
    const middle = await transactions(runId, '?limit=200&offset=3000');
    // The record is deflated off the main thread once saved; the store says when it is.
    const db = new Database(join(server.dataDir, 'eolab.sqlite'), { readonly: true });
    try {
      await vi.waitFor(() => {
        const row = db.prepare('SELECT deflated FROM run_facts WHERE run_id = ?').get(runId);
        expect(row).toEqual({ deflated: 1 });
      });
    } finally {
      db.close();
    }
    await server.close({ keepData: true });
    server = await startServer(server.dataDir);
    expect(await checkpoints(runId, '?limit=200')).toEqual(newest);
    expect(await transactions(runId, '?limit=200&offset=3000')).toEqual(middle);
    expect(asReport(newest)).toEqual(report.checkpoints);
  });

  it('agree with the report of a run with failures and restores', async () => {
    const { runId, report } = await finishedOn({ preset: 'live-demo', mode: 'EXACTLY_ONCE' });
    expect(report.restores.length).toBeGreaterThan(0);
    const page = await checkpoints(runId, '?limit=200&order=oldest');
    expect(asReport(page)).toEqual(report.checkpoints);
    expect(page.counts.restores).toBe(report.restores.filter((r) => r.checkpointId !== null).length);
    const restoredFrom = report.restores[0]!.checkpointId!;
    expect(page.items.find((c) => c.id === restoredFrom)?.restoredBy).toEqual([2]);
    const txns = await transactions(runId);
    expect(txns.counts).toMatchObject(report.transactions);
    expect(txns.counts.aborted).toBeGreaterThan(0);
  });

  it('counts a live run from its start, and the same once it is paused', async () => {
    const socket = await server.client();
    const { runId } = await ok<{ runId: string }>(socket, 'run:create', {
      scenario: { mode: 'EXACTLY_ONCE', numEvents: 1_000_000 },
      speed: '100x',
    });
    await ok(socket, 'run:watch', { runId });
    await new Promise<void>((resolve) => {
      const onDelta = (d: RunDelta) => {
        if (d.runId === runId && d.nowMs > 3_000) {
          socket.off('run:delta', onDelta);
          resolve();
        }
      };
      socket.on('run:delta', onDelta);
    });
    await ok(socket, 'run:control', { runId, action: 'pause' });
    const page = await checkpoints(runId, '?limit=5');
    expect(page.counts.triggered).toBeGreaterThan(10);
    expect(page.total).toBe(page.counts.triggered);
    expect(page.counts.completed + page.counts.aborted + page.counts.inProgress).toBe(page.counts.triggered);
    expect(page.items.at(-1)!.id).toBe(page.total - 4);
    const txns = await transactions(runId, '?limit=1');
    expect(txns.counts.begun).toBe(txns.total);
    expect(txns.counts.open).toBeGreaterThan(0);
    await ok(socket, 'run:control', { runId, action: 'stop' });
  });

  it('names the bad field of a bad query, and 404s an unknown run', async () => {
    const { runId } = await finishedOn({ preset: 'seed' });
    const cases: [string, string, string][] = [
      ['checkpoints', '?limit=0', 'limit:'],
      ['checkpoints', '?limit=1000', 'limit:'],
      ['checkpoints', '?offset=-1', 'offset:'],
      ['checkpoints', '?order=sideways', 'order:'],
      ['checkpoints', '?checkpoint=3', 'checkpoint'],
      ['transactions', '?checkpoint=three', 'checkpoint:'],
      ['transactions', '?subtask=99', 'subtask:'],
      ['transactions', '?limit=1&limit=2', 'limit:'],
    ];
    for (const [what, query, field] of cases) {
      const res = await request(server.app.http).get(`/api/runs/${runId}/${what}${query}`).expect(400);
      expect(res.body.error, `${what}${query}`).toContain(field);
    }
    const missing = await request(server.app.http).get('/api/runs/nope/checkpoints').expect(404);
    expect(missing.body.error).toBe('run nope not found');
  });

  it('serves a stored run after a restart, whole, and an interrupted one from its stored events, saying so', async () => {
    const { runId, report } = await finishedOn({ preset: 'live-demo', mode: 'EXACTLY_ONCE' });
    const before = await checkpoints(runId, '?limit=200&order=oldest');
    const beforeTxns = await transactions(runId, '?limit=200&offset=10');
    const socket = await server.client();
    const { runId: runningId } = await ok<{ runId: string }>(socket, 'run:create', {
      scenario: { mode: 'EXACTLY_ONCE', numEvents: 1_000_000 },
      speed: '100x',
    });
    await ok(socket, 'run:watch', { runId: runningId });
    await new Promise<void>((resolve) => {
      const onDelta = (d: RunDelta) => {
        if (d.runId === runningId && d.nowMs > 1_000) {
          socket.off('run:delta', onDelta);
          resolve();
        }
      };
      socket.on('run:delta', onDelta);
    });
    await server.close({ keepData: true });
    server = await startServer(server.dataDir);

    const after = await checkpoints(runId, '?limit=200&order=oldest');
    expect(after).toEqual(before);
    expect(asReport(after)).toEqual(report.checkpoints);
    expect(await transactions(runId, '?limit=200&offset=10')).toEqual(beforeTxns);

    // A run the server died under kept its window of events, not its whole record: that is what it lists.
    const interrupted = await checkpoints(runningId);
    expect(interrupted.complete).toBe(false);
    expect(interrupted.counts.completed).toBeGreaterThan(0);
    expect(interrupted.items[0]!.id).toBe(interrupted.total);
  });
});

describe('a Kafka run over REST', () => {
  it('is stored with its system, listed, reloaded after a restart, and its transactions say Kafka’s why', async () => {
    const { runId, report } = await finishedOn({ preset: 'kafka-zombie-fenced', mode: 'EXACTLY_ONCE' });
    expect(report).toMatchObject({ system: 'kafka', verdict: 'EXACTLY_ONCE' });
    const txns = await transactions(runId, '?limit=200&order=oldest');
    // InitProducerId at the restore fenced the zombie's producer and aborted its transactions.
    expect(txns.items.filter((t) => t.why === 'fenced')).toHaveLength(2);
    // No lease: a Kafka transaction lives transaction.timeout.ms from its first record, which the dashboard counts.
    expect(txns.items.every((t) => t.leaseDeadlineMs === null)).toBe(true);

    const listed = (await request(server.app.http).get('/api/runs?limit=5').expect(200)).body;
    expect(listed.runs.map((r: { id: string }) => r.id)).toContain(runId);
    await server.close({ keepData: true });
    server = await startServer(server.dataDir);
    const reloaded = (await request(server.app.http).get(`/api/runs/${runId}`).expect(200)).body;
    expect(reloaded.scenario).toMatchObject({ system: 'kafka', name: 'kafka-zombie-fenced' });
    expect(reloaded.report).toEqual(report);
    expect(await transactions(runId, '?limit=200&order=oldest')).toEqual(txns);
  });

  it('the real backend refuses a Kafka fault it cannot reproduce, naming the field', async () => {
    const response = await request(server.app.http)
      .post('/api/runs')
      .send({ preset: 'kafka-zombie-fences-back', backend: 'postgres' })
      .expect(400);
    expect(response.body.error).toMatch(
      /^scenario\.faults\[0\]: controller-outage is not supported by the postgres backend/,
    );
  });
});
