import type { ChildProcess } from 'node:child_process';
import { type PostgresServer, startPostgres } from '@eolab/postgres-backend';
import type { HealthResponse, RunSnapshot, RunSummary, RunsPage } from '@eolab/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../scripts/redis-server.mjs';
import { type Client, command, connectedClient, nextDelta, ok, removeDir, tempDir } from './harness';
import { api, killHard, runToExit, startServerProcess } from './process';

/**
 * Several servers, one lab (issue 22): two real server processes joined through a real
 * redis-server (Debian's; scripts/ensure-redis.sh installs it) with their history in one
 * PostgreSQL (embedded). A run lives on server A; server B's watchers see it, control it, and read
 * it after it ends; when A is killed, B's watchers are told the run was interrupted.
 */

let redis: RedisServer;
let postgres: PostgresServer;
const dirs: string[] = [];
const servers: ChildProcess[] = [];
const sockets: Client[] = [];

const startClusterServer = () =>
  startServerProcess({ EOLAB_REDIS_URL: redis.url, EOLAB_DATABASE_URL: postgres.url }, { dirs, servers });

const watcherOn = (port: number) => connectedClient(`http://127.0.0.1:${port}`, sockets);

beforeAll(async () => {
  [redis, postgres] = await Promise.all([startRedis(), startPostgres({ exitOnSignal: false })]);
}, 120_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await Promise.all(servers.map(killHard));
  await postgres?.stop();
  await redis?.stop();
  for (const dir of dirs) removeDir(dir);
});

describe('several servers, one lab (Redis + PostgreSQL)', () => {
  let a: { child: ChildProcess; port: number };
  let b: { child: ChildProcess; port: number };

  it('a run started on A is watched, paused, sped up and given a fault through B; B reads its report after it ends', async () => {
    [a, b] = await Promise.all([startClusterServer(), startClusterServer()]);
    const { runId } = await api<{ runId: string }>(a.port, '/runs', {
      preset: 'live-demo',
      mode: 'EXACTLY_ONCE',
      speed: '1x',
    });
    const watcher = await watcherOn(b.port);
    const snapshot = await ok<RunSnapshot>(watcher, 'run:watch', { runId });
    expect(snapshot.run.state).toBe('running');
    // A's deltas reach B's watcher through Redis, and move on.
    const later = await nextDelta(watcher, runId, (d) => d.nowMs > snapshot.nowMs);
    expect(later.nowMs).toBeGreaterThan(snapshot.nowMs);

    const paused = await ok<RunSummary>(watcher, 'run:control', { runId, action: 'pause' });
    expect(paused.state).toBe('paused');
    expect((await api<RunSnapshot>(a.port, `/runs/${runId}`)).run.state).toBe('paused');

    const { fault } = await ok<{ fault: { kind: string; atMs: number } }>(watcher, 'run:inject', {
      runId,
      fault: { kind: 'mapper-exception' },
    });
    expect(fault.kind).toBe('mapper-exception');
    expect((await api<RunSnapshot>(a.port, `/runs/${runId}`)).faultTimeline).toContainEqual(fault);

    // A refusal on A comes back to B's watcher with A's reason.
    const refused = await command(watcher, 'run:control', { runId, action: 'pause' });
    expect(refused).toEqual({ ok: false, error: 'cannot pause a run that is paused' });

    const ended = nextDelta(watcher, runId, (d) => d.state === 'finished');
    await ok(watcher, 'run:speed', { runId, speed: 'max' });
    await ok(watcher, 'run:control', { runId, action: 'resume' });
    await ended;
    const fromB = await api<RunSnapshot>(b.port, `/runs/${runId}`);
    expect(fromB.run.state).toBe('finished');
    expect(fromB.report?.verdict).toBe('EXACTLY_ONCE');
    expect(fromB.faultTimeline).toContainEqual(fault);
    expect(fromB.report?.restores.length).toBeGreaterThan(0);
    expect((await api<RunsPage>(b.port, '/runs')).runs.map((r) => r.id)).toContain(runId);
  });

  it('each server’s /api/health names it, Redis, the other server and the shared history', async () => {
    const [ofA, ofB] = await Promise.all([
      api<HealthResponse>(a.port, '/health'),
      api<HealthResponse>(b.port, '/health'),
    ]);
    for (const health of [ofA, ofB])
      expect(health.cluster).toEqual({
        serverId: expect.stringMatching(/^[0-9a-f]{8}$/),
        redis: { url: redis.url, reachable: true, peers: 1 },
        history: 'postgres',
        sweeps: 'fleet',
      });
    expect(ofA.cluster?.serverId).not.toBe(ofB.cluster?.serverId);
  });

  it('B answers for runs no server has, and refuses bad commands naming the field', async () => {
    const watcher = await watcherOn(b.port);
    expect(await command(watcher, 'run:watch', { runId: 'nosuchrun' })).toEqual({
      ok: false,
      error: 'run nosuchrun not found',
    });
    const bad = await command(watcher, 'run:control', { runId: 'nosuchrun', action: 'explode' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toContain('action');
  });

  it('killing A mid-run: B’s watchers are told the run was interrupted, with its events so far; A’s finished runs are all in the shared history', async () => {
    const finished: string[] = [];
    for (const mode of ['BEST_EFFORT', 'ATLEAST_ONCE', 'EXACTLY_ONCE']) {
      const watcher = await watcherOn(a.port);
      const { runId } = await api<{ runId: string }>(a.port, '/runs', { preset: 'seed', mode, speed: 'max' });
      const snap = await ok<RunSnapshot>(watcher, 'run:watch', { runId });
      if (snap.run.state !== 'finished') await nextDelta(watcher, runId, (d) => d.state === 'finished');
      finished.push(runId);
    }
    const { runId } = await api<{ runId: string }>(a.port, '/runs', {
      preset: 'live-demo',
      mode: 'EXACTLY_ONCE',
      speed: '1x',
    });
    const watcher = await watcherOn(b.port);
    await ok<RunSnapshot>(watcher, 'run:watch', { runId });
    // Past its first periodic save (every 2 s), so the history holds some of its events.
    await nextDelta(watcher, runId, (d) => d.nowMs > 2_500);
    const told = new Promise<RunSnapshot>((resolve) => watcher.on('run:snapshot', resolve));
    await killHard(a.child);
    const snapshot = await told;
    expect(snapshot.run.id).toBe(runId);
    expect(snapshot.run.state).toBe('interrupted');
    expect(snapshot.events.length).toBeGreaterThan(0);
    expect(snapshot.nowMs).toBeGreaterThan(1_000);
    for (const id of finished) {
      const stored = await api<RunSnapshot>(b.port, `/runs/${id}`);
      expect(stored.run.state).toBe('finished');
      expect(stored.report).not.toBeNull();
    }
    const refused = await command(watcher, 'run:control', { runId, action: 'pause' });
    expect(refused).toEqual({ ok: false, error: `run ${runId} has ended (interrupted)` });
  });

  it('refuses a cluster URL that is not one, naming the variable', async () => {
    const redisWrong = await runToExit({ PORT: '0', EOLAB_REDIS_URL: 'http://127.0.0.1:6379' });
    expect(redisWrong.code).toBe(2);
    expect(redisWrong.stderr).toContain('EOLAB_REDIS_URL: expected a URL like redis://host:6379');
    const dataDir = tempDir('eolab-cluster-');
    dirs.push(dataDir);
    const databaseDown = await runToExit({
      PORT: '0',
      EOLAB_DATA_DIR: dataDir,
      EOLAB_DATABASE_URL: 'postgres://eolab:secret@127.0.0.1:1/eolab',
    });
    expect(databaseDown.code).toBe(2);
    expect(databaseDown.stderr).toContain(
      'cannot use the PostgreSQL at postgres://eolab:***@127.0.0.1:1/eolab (EOLAB_DATABASE_URL)',
    );
    expect(databaseDown.stderr).not.toContain('secret');
  });
});
