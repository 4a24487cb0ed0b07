import { join } from 'node:path';
import { asVersion1, presetScenario, Simulation } from '@eolab/engine';
import type { RunDelta, RunSummary } from '@eolab/protocol';
import Database from 'better-sqlite3';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type Client, finishedRun, type Harness, ok, reportOf, startServer, tempDir } from './harness';

let server: Harness | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

/** Resolves with the first delta of the run past `ms` of virtual time. */
function reached(socket: Client, runId: string, ms: number): Promise<RunDelta> {
  return new Promise((resolve) => {
    const onDelta = (delta: RunDelta) => {
      if (delta.runId !== runId || delta.nowMs < ms) return;
      socket.off('run:delta', onDelta);
      resolve(delta);
    };
    socket.on('run:delta', onDelta);
  });
}

const finished = async (s: Harness, body: object) => (await finishedRun(s, body)).runId;

const ids = (body: { runs: RunSummary[] }) => body.runs.map((r) => r.id);

describe('a run stopped partway', () => {
  it('is judged on what it saw: INCOMPLETE in the report and the Runs list, never EXACTLY_ONCE', async () => {
    server = await startServer();
    const socket = await server.client();
    const runId = await ok<{ runId: string }>(socket, 'run:create', {
      preset: 'live-demo',
      mode: 'EXACTLY_ONCE',
      // Real time: at 100x a busy machine's stalled event loop let the run end before the stop.
      speed: '1x',
    }).then((r) => r.runId);
    await ok(socket, 'run:watch', { runId });
    await reached(socket, runId, 300);
    await ok(socket, 'run:control', { runId, action: 'stop' });
    const report = await reportOf(server, runId);
    expect(report).toMatchObject({ ending: 'stopped', verdict: 'INCOMPLETE', missing: [] });
    expect(report!.counts.neverEmitted).toBeGreaterThan(0);
    const list = await request(server.app.http).get('/api/runs').expect(200);
    expect(list.body.runs[0]).toMatchObject({
      id: runId,
      state: 'stopped',
      verdict: 'INCOMPLETE',
      figures: { ending: 'stopped', lost: 0 },
    });
    const stopped = await request(server.app.http).get('/api/runs?ending=stopped').expect(200);
    expect(ids(stopped.body)).toEqual([runId]);
  });
});

describe('the Runs list', () => {
  it('shows each run’s figures, sorts by them and filters by how runs ended and their backend', async () => {
    server = await startServer();
    const exact = await finished(server, { preset: 'seed', mode: 'EXACTLY_ONCE' });
    const dups = await finished(server, { preset: 'seed', mode: 'ATLEAST_ONCE' });
    const zombie = await finished(server, { preset: 'zombie-writer', mode: 'ATLEAST_ONCE' });
    const all = await request(server.app.http).get('/api/runs').expect(200);
    const seedDups = all.body.runs.find((r: RunSummary) => r.id === dups);
    expect(seedDups.figures).toEqual({
      ending: 'finished',
      duplicates: 8,
      lost: 0,
      neverEmitted: 0,
      durationMs: new Simulation(presetScenario('seed', 'ATLEAST_ONCE')!).runToEnd().durationMs,
    });
    const byDuplicates = await request(server.app.http).get('/api/runs?sort=duplicates').expect(200);
    expect(ids(byDuplicates.body).at(-1)).toBe(exact);
    const oldest = await request(server.app.http).get('/api/runs?sort=oldest').expect(200);
    expect(ids(oldest.body)).toEqual([exact, dups, zombie]);
    const simulated = await request(server.app.http).get('/api/runs?backend=simulated').expect(200);
    expect(simulated.body.total).toBe(3);
    const real = await request(server.app.http).get('/api/runs?backend=postgres').expect(200);
    expect(real.body.total).toBe(0);
    const bad = await request(server.app.http).get('/api/runs?sort=loudest').expect(400);
    expect(bad.body.error).toMatch(/^sort/);
  });
});

describe('runs stored by an older version', () => {
  it('read correctly: a stopped one is no longer EXACTLY_ONCE, a failed one tells lost from never emitted', async () => {
    const dataDir = tempDir('eolab-older-');
    server = await startServer(dataDir);
    const stoppedId = await finished(server, { preset: 'seed', mode: 'EXACTLY_ONCE' });
    const failedId = await finished(server, {
      scenario: {
        version: 1,
        name: 'out of restarts',
        mode: 'EXACTLY_ONCE',
        numEvents: 1_000,
        restart: { attempts: 0 },
        faults: [{ kind: 'mapper-exception', atElement: 600 }],
      },
    });
    await server.close({ keepData: true });
    // Rewrite both rows as a version-1 server stored them: version-1 reports, no figures.
    const db = new Database(join(dataDir, 'eolab.sqlite'));
    const older = (id: string, state: string, finishedJob: boolean, verdict: string) => {
      const row = db.prepare('SELECT report FROM runs WHERE id = ?').get(id) as { report: string };
      const v1 = { ...asVersion1(JSON.parse(row.report)), finished: finishedJob };
      db.prepare(
        `UPDATE runs SET state = ?, verdict = ?, report = ?, ending = NULL, duplicates = NULL, lost = NULL,
         never_emitted = NULL, duration_ms = NULL WHERE id = ?`,
      ).run(state, verdict, JSON.stringify(v1), id);
    };
    older(stoppedId, 'stopped', false, 'EXACTLY_ONCE');
    older(failedId, 'failed', false, 'LOSS');
    db.close();

    server = await startServer(dataDir);
    const list = await request(server.app.http).get('/api/runs').expect(200);
    const byId = new Map<string, RunSummary>(list.body.runs.map((r: RunSummary) => [r.id, r]));
    expect(byId.get(stoppedId)).toMatchObject({ verdict: 'INCOMPLETE', figures: { ending: 'stopped' } });
    expect((await reportOf(server, stoppedId))!).toMatchObject({ ending: 'stopped', verdict: 'INCOMPLETE' });
    const failed = (await reportOf(server, failedId))!;
    expect(failed.version).toBe(2);
    expect(failed.counts.neverEmitted).toBe(401);
    expect(byId.get(failedId)!.figures).toMatchObject({ ending: 'job-failed', neverEmitted: 401 });
  });
});
