import { MAX_FAULTS } from '@eolab/engine';
import type { RunDelta, RunSummary } from '@eolab/protocol';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { command, type Harness, ok, runEnded, startServer } from './harness';

let server: Harness | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const long = { scenario: { mode: 'EXACTLY_ONCE', numEvents: 1_000_000 }, speed: '1x' };

describe('limits', () => {
  it('refuses a run beyond the concurrent active runs, with the limit in the message', async () => {
    server = await startServer(undefined, { EOLAB_MAX_ACTIVE_RUNS: '2' });
    const http = server.app.http;
    const a = await request(http).post('/api/runs').send(long).expect(201);
    await request(http)
      .post('/api/runs')
      .send({ ...long, start: false })
      .expect(201);
    const refused = await request(http).post('/api/runs').send(long).expect(429);
    expect(refused.body.error).toBe('too many active runs: at most 2; stop one first');
    const socket = await server.client();
    await ok(socket, 'run:control', { runId: a.body.runId, action: 'stop' });
    await request(http).post('/api/runs').send(long).expect(201);
  });

  it.each([
    [
      { numEvents: 1_000, source: { eventIntervalMs: 10_000_000 } },
      400,
      "source: the run would need about 10000002065 ms of virtual time (numEvents × source.eventIntervalMs plus the throttled start), more than the model's limit of 1073741823 ms",
    ],
    [
      { numEvents: 20_000_000, checkpoint: { intervalMs: 10 } },
      413,
      'checkpoint.intervalMs: about 5333337 checkpoints (53333370 ms of virtual time, one every 10 ms); at most 2000000 per run on this server',
    ],
    [{ numEvents: 30_000_000 }, 413, 'numEvents: at most 20000000 events per run on this server'],
  ])('refuses a run that asks for too much work: %j', async (input, status, message) => {
    server = await startServer();
    const res = await request(server.app.http)
      .post('/api/runs')
      .send({ scenario: { mode: 'EXACTLY_ONCE', ...input } })
      .expect(status);
    expect(res.body.error).toBe(message);
  });

  it('caps a run’s fault timeline at what a scenario may hold, so its export can always be imported', async () => {
    server = await startServer(undefined, {
      EOLAB_MAX_INJECTIONS_PER_SECOND: '100000',
      EOLAB_SOCKET_COMMANDS_PER_SECOND: '100000',
    });
    const socket = await server.client();
    const { runId } = await ok<{ runId: string }>(socket, 'run:create', { ...long, start: false });
    for (let i = 0; i < MAX_FAULTS; i++)
      await ok(socket, 'run:inject', { runId, fault: { kind: 'notify-lost' } });
    expect(await command(socket, 'run:inject', { runId, fault: { kind: 'notify-lost' } })).toEqual({
      ok: false,
      error: `fault: a run holds at most ${MAX_FAULTS} faults, so that its export (scenario.faults) can be replayed`,
    });
    const exported = await request(server.app.http).get(`/api/runs/${runId}/export`).expect(200);
    expect(exported.body.scenario.faults).toHaveLength(MAX_FAULTS);
    await ok(socket, 'run:control', { runId, action: 'stop' });
    const imported = await request(server.app.http)
      .post('/api/runs/import')
      .send({ ...exported.body, report: null })
      .expect(201);
    expect(imported.body.run.faultCount).toBe(MAX_FAULTS);
  });

  it('reports its own load in /api/health', async () => {
    server = await startServer();
    await server.client();
    await request(server.app.http).post('/api/runs').send(long).expect(201);
    const health = await request(server.app.http).get('/api/health').expect(200);
    expect(health.body).toMatchObject({ ok: true, activeRuns: 1, sockets: 1 });
    expect(health.body.cpu.user).toBeGreaterThan(0);
    expect(health.body.rssBytes).toBeGreaterThan(0);
  });
});

describe('imports are checked against their export', () => {
  async function importAndFinish(h: Harness, body: object): Promise<RunSummary> {
    const watcher = await h.client();
    const imported = await request(h.app.http).post('/api/runs/import').send(body).expect(201);
    const runId: string = imported.body.runId;
    const ended = runEnded(watcher, runId);
    const now = await request(h.app.http).get(`/api/runs/${runId}`);
    if (now.body.report === null) await ended;
    return (await request(h.app.http).get(`/api/runs/${runId}`).expect(200)).body.run;
  }

  it('a faithful export reproduces; a doctored report is caught', async () => {
    server = await startServer();
    const socket = await server.client();
    const { runId } = await ok<{ runId: string }>(socket, 'run:create', {
      preset: 'seed',
      mode: 'ATLEAST_ONCE',
      speed: 'max',
      start: false,
    });
    const ended = runEnded(socket, runId);
    await ok(socket, 'run:control', { runId, action: 'start' });
    await ended;
    const exported = (await request(server.app.http).get(`/api/runs/${runId}/export`).expect(200)).body;
    expect((await importAndFinish(server, exported)).reproducesExport).toBe(true);
    const doctored = { ...exported, report: { ...exported.report, duplicates: [17, 18] } };
    const caught = await importAndFinish(server, doctored);
    expect(caught.reproducesExport).toBe(false);
    // The verdict survives in the stored list too.
    const listed = await request(server.app.http).get('/api/runs').expect(200);
    expect(listed.body.runs[0]).toMatchObject({ id: caught.id, reproducesExport: false });
  });
});

describe('watchers', () => {
  it('a deleted run is announced, and its watchers leave its room', async () => {
    server = await startServer();
    const a = await server.client();
    const b = await server.client();
    const { runId } = await ok<{ runId: string }>(a, 'run:create', { ...long, start: false });
    await ok(a, 'run:watch', { runId });
    const announced = new Promise<{ runId: string }>((resolve) => b.once('runs:deleted', resolve));
    await request(server.app.http).delete(`/api/runs/${runId}`).expect(204);
    expect(await announced).toEqual({ runId });
    expect(await command(a, 'run:watch', { runId })).toEqual({ ok: false, error: `run ${runId} not found` });
  });

  it('a speed change reaches watchers as a delta even while the run stands still', async () => {
    server = await startServer();
    const socket = await server.client();
    const { runId } = await ok<{ runId: string }>(socket, 'run:create', { ...long, start: false });
    await ok(socket, 'run:watch', { runId });
    // A delta may already be on its way (the run's first, at 1x): the one that counts carries the new speed.
    const delta = new Promise<RunDelta>((resolve) => {
      const onDelta = (d: RunDelta) => {
        if (d.runId !== runId || d.speed !== '100x') return;
        socket.off('run:delta', onDelta);
        resolve(d);
      };
      socket.on('run:delta', onDelta);
    });
    await ok(socket, 'run:speed', { runId, speed: '100x' });
    expect(await delta).toMatchObject({ runId, speed: '100x', state: 'created', nowMs: 0 });
  });
});
