import type { RunSnapshot } from '@eolab/protocol';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { RunStore } from '../src/store/db';
import { type Client, command, type Harness, ok, runEnded, startServer } from './harness';

/** What one client may take: rate limits per address and per socket, retention, shared snapshots. */

let server: Harness | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function finishedSeedRun(socket: Client): Promise<string> {
  const { runId } = await ok<{ runId: string }>(socket, 'run:create', {
    preset: 'seed',
    mode: 'ATLEAST_ONCE',
    speed: 'max',
    start: false,
  });
  const ended = runEnded(socket, runId);
  await ok(socket, 'run:control', { runId, action: 'start' });
  await ended;
  return runId;
}

describe('rate limits', () => {
  it('runs created per address per minute, REST and socket together', async () => {
    server = await startServer(undefined, { EOLAB_RUNS_PER_MINUTE: '3' });
    const http = server.app.http;
    for (let i = 0; i < 2; i++)
      await request(http).post('/api/runs').send({ preset: 'seed', start: false }).expect(201);
    const socket = await server.client();
    await ok(socket, 'run:create', { preset: 'seed', start: false });
    const refused = await request(http).post('/api/runs').send({ preset: 'seed', start: false }).expect(429);
    expect(refused.body.error).toBe('too many runs created: at most 3 per minute from one address');
    expect(await command(socket, 'run:create', { preset: 'seed', start: false })).toEqual({
      ok: false,
      error: 'too many runs created: at most 3 per minute from one address',
    });
    // Bad input is refused before it costs anything.
    await request(http).post('/api/runs').send({ preset: 'nope' }).expect(400);
    expect((await request(http).get('/api/runs').expect(200)).body.total).toBe(3);
  });

  it('REST requests per address, with Retry-After; health checks are never limited', async () => {
    server = await startServer(undefined, { EOLAB_API_REQUESTS_PER_SECOND: '20' });
    const http = server.app.http;
    const statuses = await Promise.all(
      Array.from({ length: 40 }, async () => (await request(http).get('/api/runs')).status),
    );
    expect(statuses.filter((s) => s === 200).length).toBe(20);
    expect(statuses.filter((s) => s === 429).length).toBe(20);
    const limited = await request(http).get('/api/presets').expect(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.body.error).toBe('too many requests: at most 20 per second from one address');
    await request(http).get('/api/health').expect(200);
  });

  it('commands per socket: refused past the limit, a snapshot costs ten, a flooding socket is dropped', async () => {
    server = await startServer(undefined, { EOLAB_SOCKET_COMMANDS_PER_SECOND: '10' });
    const socket = await server.client();
    const results = await Promise.all(
      Array.from({ length: 30 }, () => command(socket, 'run:control', { runId: 'nope', action: 'stop' })),
    );
    const errors = results.map((r) => (r.ok ? 'ok' : r.error));
    expect(errors.filter((e) => e === 'run nope not found')).toHaveLength(10);
    expect(errors.filter((e) => e === 'too many commands: at most 10 per second per socket')).toHaveLength(
      20,
    );

    const watcher = await server.client();
    expect(await command(watcher, 'run:watch', { runId: 'nope' })).toEqual({
      ok: false,
      error: 'run nope not found',
    });
    expect(await command(watcher, 'run:watch', { runId: 'nope' })).toEqual({
      ok: false,
      error: 'too many commands: at most 10 per second per socket',
    });

    const flooder = await server.client();
    const dropped = new Promise<string>((resolve) => flooder.once('disconnect', resolve));
    for (let i = 0; i < 200; i++) flooder.emit('run:watch', { runId: 'nope' }, () => {});
    expect(await dropped).toBe('io server disconnect');
    // Others are unaffected.
    const other = await server.client();
    expect(await command(other, 'run:watch', { runId: 'nope' })).toEqual({
      ok: false,
      error: 'run nope not found',
    });
  });
});

describe('socket connections', () => {
  it('per address per minute, with the limit in the refusal', async () => {
    server = await startServer(undefined, { EOLAB_SOCKET_CONNECTIONS_PER_MINUTE: '3' });
    for (let i = 0; i < 3; i++) await server.client();
    await expect(server.client()).rejects.toThrow(
      'too many connections: at most 3 per minute from one address',
    );
  });
});

describe('retention', () => {
  it('keeps at most EOLAB_RETAIN_RUNS, deleting the oldest first, never a watched run', async () => {
    server = await startServer(undefined, { EOLAB_RETAIN_RUNS: '3' });
    const socket = await server.client();
    const deleted: string[] = [];
    socket.on('runs:deleted', ({ runId }) => deleted.push(runId));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await finishedSeedRun(socket));
      // The first run stays on someone's screen.
      if (i === 0) await ok(socket, 'run:watch', { runId: ids[0] });
    }
    const listed = (await request(server.app.http).get('/api/runs').expect(200)).body;
    expect(listed.runs.map((r: { id: string }) => r.id).sort()).toEqual([ids[0], ids[3], ids[4]].sort());
    expect(deleted).toEqual([ids[1], ids[2]]);
  });

  it('by bytes too: the oldest runs go until the rest fit', async () => {
    server = await startServer();
    const socket = await server.client();
    const ids = [await finishedSeedRun(socket), await finishedSeedRun(socket), await finishedSeedRun(socket)];
    // The server writes on a worker thread: a read of the runs waits for the writes it accepted.
    await request(server.app.http).get('/api/runs').expect(200);
    const store = new RunStore(server.dataDir);
    try {
      const { runs, bytes: total } = store.usage();
      expect(runs).toBe(3);
      expect(store.prune({ maxRuns: 100, maxBytes: total - 1 }, () => false)).toEqual([ids[0]]);
      expect(store.prune({ maxRuns: 100, maxBytes: 1 }, (id) => id === ids[2])).toEqual([ids[1]]);
    } finally {
      store.close();
    }
  });
});

describe('snapshots', () => {
  it('are serialised once per change and shared by every watcher', async () => {
    server = await startServer();
    const a = await server.client();
    const b = await server.client();
    const runId = await finishedSeedRun(a);
    const first = server.app.manager.snapshotJson(runId);
    expect(server.app.manager.snapshotJson(runId)).toBe(first);
    const seenByA = await ok<RunSnapshot>(a, 'run:watch', { runId });
    const seenByB = await ok<RunSnapshot>(b, 'run:watch', { runId });
    expect(seenByA).toEqual(JSON.parse(first.json));
    expect(seenByB).toEqual(seenByA);
    const rest = await request(server.app.http).get(`/api/runs/${runId}`).expect(200);
    expect(rest.headers['content-type']).toContain('application/json');
    expect(rest.body).toEqual(seenByA);
  });
});
