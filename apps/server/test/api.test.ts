import { presetScenario, Simulation } from '@eolab/engine';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finishedRun, type Harness, runEnded, startServer } from './harness';

let server: Harness;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

/** Creates a run over REST and waits (over a socket) until it has ended; its id. */
const createAndFinish = async (body: object) => (await finishedRun(server, body)).runId;

describe('REST API', () => {
  it('answers health and presets', async () => {
    const health = await request(server.app.http).get('/api/health').expect(200);
    expect(health.body).toMatchObject({ ok: true, protocolVersion: 2 });
    const presets = await request(server.app.http).get('/api/presets').expect(200);
    expect(presets.body.presets[0].id).toBe('seed');
  });

  it('a seed run in ATLEAST_ONCE finishes with duplicates 17..24', async () => {
    const runId = await createAndFinish({ preset: 'seed', mode: 'ATLEAST_ONCE' });
    const run = await request(server.app.http).get(`/api/runs/${runId}`).expect(200);
    expect(run.body.run.state).toBe('finished');
    expect(run.body.report.duplicates).toEqual([17, 18, 19, 20, 21, 22, 23, 24]);
    expect(run.body.report).toEqual(new Simulation(presetScenario('seed', 'ATLEAST_ONCE')!).runToEnd());
  });

  it('lists runs newest first and filters by mode and verdict', async () => {
    const first = await createAndFinish({ preset: 'seed', mode: 'ATLEAST_ONCE' });
    const second = await createAndFinish({ preset: 'seed', mode: 'EXACTLY_ONCE' });
    const all = await request(server.app.http).get('/api/runs').expect(200);
    expect(all.body.runs.map((r: { id: string }) => r.id)).toEqual([second, first]);
    const exact = await request(server.app.http).get('/api/runs?verdict=EXACTLY_ONCE').expect(200);
    expect(exact.body.runs.map((r: { id: string }) => r.id)).toEqual([second]);
    const paged = await request(server.app.http).get('/api/runs?limit=1&offset=1').expect(200);
    expect(paged.body).toMatchObject({ total: 2, runs: [{ id: first }] });
    await request(server.app.http).get('/api/runs?mode=SOMETIMES').expect(400);
  });

  it('export then import reproduces the same report', async () => {
    const runId = await createAndFinish({ preset: 'zombie-writer', mode: 'ATLEAST_ONCE' });
    const exported = await request(server.app.http).get(`/api/runs/${runId}/export`).expect(200);
    expect(exported.body.format).toBe('eolab-run');
    const watcher = await server.client();
    const imported = await request(server.app.http).post('/api/runs/import').send(exported.body).expect(201);
    const ended = runEnded(watcher, imported.body.runId);
    const now = await request(server.app.http).get(`/api/runs/${imported.body.runId}`);
    if (now.body.report === null) await ended;
    const again = await request(server.app.http).get(`/api/runs/${imported.body.runId}`).expect(200);
    expect(again.body.report).toEqual(exported.body.report);
  });

  it('replays a run in another mode with the same fault timeline', async () => {
    const runId = await createAndFinish({ preset: 'seed', mode: 'ATLEAST_ONCE' });
    const watcher = await server.client();
    const replay = await request(server.app.http)
      .post(`/api/runs/${runId}/replay`)
      .send({ mode: 'EXACTLY_ONCE' })
      .expect(201);
    expect(replay.body.run.replayOf).toBe(runId);
    const ended = runEnded(watcher, replay.body.runId);
    const now = await request(server.app.http).get(`/api/runs/${replay.body.runId}`);
    if (now.body.report === null) await ended;
    const run = await request(server.app.http).get(`/api/runs/${replay.body.runId}`).expect(200);
    expect(run.body.report.verdict).toBe('EXACTLY_ONCE');
    expect(run.body.faultTimeline).toEqual([{ kind: 'mapper-exception', atElement: 26 }]);
  });

  it('deletes a run', async () => {
    const runId = await createAndFinish({ preset: 'seed', mode: 'ATLEAST_ONCE' });
    await request(server.app.http).delete(`/api/runs/${runId}`).expect(204);
    await request(server.app.http).get(`/api/runs/${runId}`).expect(404);
    await request(server.app.http).delete(`/api/runs/${runId}`).expect(404);
  });

  it.each([
    [{ preset: 'nope' }, 400, "preset: unknown preset 'nope'"],
    [{ scenario: { mode: 'EXACTLY_ONCE' } }, 400, 'scenario.numEvents'],
    [
      { scenario: { mode: 'EXACTLY_ONCE', numEvents: 50, sink: { lease: 1 } } },
      400,
      'Unrecognized key: "lease"',
    ],
    [{ preset: 'seed', speed: 'warp' }, 400, 'speed'],
    [{}, 400, 'give exactly one of preset or scenario'],
    [{ scenario: { mode: 'EXACTLY_ONCE', numEvents: 30_000_000 } }, 413, 'numEvents: at most'],
  ])('POST /api/runs %j → %i naming the field', async (body, status, message) => {
    const res = await request(server.app.http).post('/api/runs').send(body).expect(status);
    expect(res.body.error).toContain(message);
  });

  it('rejects broken JSON and oversized bodies with a JSON error', async () => {
    const broken = await request(server.app.http)
      .post('/api/runs')
      .set('content-type', 'application/json')
      .send('{bad')
      .expect(400);
    expect(broken.body.error).toContain('not valid JSON');
    const huge = await request(server.app.http)
      .post('/api/runs')
      .send({ name: 'x'.repeat(1_100_000), preset: 'seed' })
      .expect(413);
    expect(huge.body.error).toContain('too large');
  });

  it('sends security headers', async () => {
    const res = await request(server.app.http).get('/api/health');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBeDefined();
  });
});
