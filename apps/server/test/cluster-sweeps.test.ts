import type { ChildProcess } from 'node:child_process';
import { type FleetWorker, fleetChunks, startFleetWorker } from '@eolab/fleet';
import { type PostgresServer, startPostgres } from '@eolab/postgres-backend';
import type { HealthResponse, SweepDetail, SweepProgress, SweepSummary, SweepsPage } from '@eolab/protocol';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../scripts/redis-server.mjs';
import { PgSweepStore } from '../src/sweeps/pg-sweep-store';
import { KEPT_SWEEPS } from '../src/sweeps/sweep-store';
import { type Client, connectedClient, removeDir } from './harness';
import { api, killHard, startServerProcess } from './process';

/**
 * The Sweeps page in a cluster (issue 22): two real server processes joined through a real
 * redis-server, their history and sweeps in one embedded PostgreSQL, the sweeps on the fleet's
 * queue (an `eolab worker` in this process, when one is wanted). A sweep started on A is listed
 * and read on B, cancelled from B, holds the one-sweep slot of the whole cluster, and is marked
 * failed, naming A, when A is killed.
 */

let redis: RedisServer;
let postgres: PostgresServer;
const dirs: string[] = [];
const servers: ChildProcess[] = [];
const sockets: Client[] = [];
let worker: FleetWorker | null = null;

interface Server {
  child: ChildProcess;
  port: number;
  id: string;
}

async function startClusterServer(): Promise<Server> {
  const { child, port } = await startServerProcess(
    { EOLAB_REDIS_URL: redis.url, EOLAB_DATABASE_URL: postgres.url },
    { dirs, servers },
  );
  const { cluster } = await api<HealthResponse>(port, '/health');
  return { child, port, id: cluster!.serverId };
}

/** A REST call that may be refused: its status and body. */
async function call<T>(port: number, method: 'GET' | 'POST', path: string, body?: object) {
  const res = await fetch(`http://127.0.0.1:${port}/api${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as T & { error?: string } };
}

const watcherOn = (port: number) => connectedClient(`http://127.0.0.1:${port}`, sockets);

/** Resolves with the first progress of sweep `id` that `accept` takes. */
function progress(socket: Client, id: string, accept: (p: SweepProgress) => boolean): Promise<SweepProgress> {
  return new Promise((resolve) => {
    const on = (p: SweepProgress) => {
      if (p.sweepId !== id || !accept(p)) return;
      socket.off('sweep:progress', on);
      resolve(p);
    };
    socket.on('sweep:progress', on);
  });
}

async function startSweep(port: number, body: object): Promise<SweepSummary> {
  const { status, json } = await call<SweepSummary>(port, 'POST', '/sweeps', body);
  expect(status, json.error).toBe(201);
  return json;
}

const listed = async (port: number, id: string) =>
  (await api<SweepsPage>(port, '/sweeps')).sweeps.find((s) => s.id === id);

beforeAll(async () => {
  [redis, postgres] = await Promise.all([startRedis(), startPostgres({ exitOnSignal: false })]);
}, 120_000);

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await worker?.close();
  await Promise.all(servers.map(killHard));
  await postgres?.stop();
  await redis?.stop();
  for (const dir of dirs) removeDir(dir);
});

describe('sweeps in a cluster (Redis + PostgreSQL)', () => {
  let a: Server;
  let b: Server;

  it('a sweep started on A is listed on B with its progress, and B reads the same result as A once it ends', async () => {
    [a, b] = await Promise.all([startClusterServer(), startClusterServer()]);
    const onB = await watcherOn(b.port);
    const started = await startSweep(a.port, { schedules: 6_000, seed: 3 });
    // No worker yet: it waits, running, on A; B lists it and opens its link.
    expect(await listed(b.port, started.id)).toMatchObject({ state: 'running', done: 0, spec: started.spec });
    expect(await api<SweepDetail>(b.port, `/sweeps/${started.id}`)).toMatchObject({
      state: 'running',
      result: null,
    });

    const ended = progress(onB, started.id, (p) => p.state !== 'running');
    worker = await startFleetWorker(redis.url, 'test-worker', () => {});
    // A's progress reaches B's sockets, and what A stores (every second) B's list.
    await progress(onB, started.id, (p) => p.done > 0);
    await expect
      .poll(
        async () => {
          const s = await listed(b.port, started.id);
          return s?.state === 'running' ? s.done : `${s?.state} before any progress was listed`;
        },
        { timeout: 20_000 },
      )
      .toBeGreaterThan(0);

    expect(await ended).toMatchObject({ state: 'done', done: 6_000, total: 6_000 });
    const [fromA, fromB] = await Promise.all([
      api<SweepDetail>(a.port, `/sweeps/${started.id}`),
      api<SweepDetail>(b.port, `/sweeps/${started.id}`),
    ]);
    expect(fromB.state).toBe('done');
    expect(fromB.result?.schedules).toHaveLength(6_000);
    expect(fromB).toEqual(fromA);
    expect(await listed(b.port, started.id)).toMatchObject({ state: 'done', violations: fromA.violations });
    await worker.close();
    worker = null;
  });

  it('one sweep at a time in the cluster: a start on B while A’s runs is refused naming it and A', async () => {
    const running = await startSweep(a.port, { schedules: 500, seed: 1 });
    const second = await call<SweepSummary>(b.port, 'POST', '/sweeps', { schedules: 10 });
    expect(second.status).toBe(409);
    expect(second.json.error).toBe(
      `a sweep is already running (${running.id} on server ${a.id}): cancel it or wait for it`,
    );
    // A refuses a second one too, as it always did.
    expect((await call(a.port, 'POST', '/sweeps', { schedules: 10 })).status).toBe(409);
  });

  it('B cancels the sweep A runs: every server hears it ended, and B reads it as cancelled', async () => {
    const running = (await api<SweepsPage>(b.port, '/sweeps')).sweeps.find((s) => s.state === 'running')!;
    const onB = await watcherOn(b.port);
    const ended = progress(onB, running.id, (p) => p.state !== 'running');
    const cancelled = await call<SweepSummary>(b.port, 'POST', `/sweeps/${running.id}/cancel`, {});
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.id).toBe(running.id);
    expect(await ended).toMatchObject({ state: 'cancelled' });
    expect(await api<SweepDetail>(b.port, `/sweeps/${running.id}`)).toMatchObject({
      state: 'cancelled',
      error: null,
      result: null,
    });
    // Ended: a second cancel, on either server, is refused saying so.
    const again = await call(b.port, 'POST', `/sweeps/${running.id}/cancel`, {});
    expect(again).toEqual({
      status: 409,
      json: { error: `sweep ${running.id} is not running: it is cancelled` },
    });
    expect((await call(b.port, 'POST', '/sweeps/nosuch/cancel', {})).status).toBe(404);
  });

  it('killing A mid-sweep: its sweep is marked failed naming A, B’s watchers are told, its chunks are withdrawn, and B may start one', async () => {
    const onB = await watcherOn(b.port);
    const running = await startSweep(a.port, { schedules: 500, seed: 2 });
    // Its chunks are on the queue (A counted the workers after queueing them: none).
    await progress(onB, running.id, (p) => p.fleetWorkers === 0);
    const told = progress(onB, running.id, (p) => p.state !== 'running');
    await killHard(a.child);
    expect(await told).toMatchObject({ sweepId: running.id, state: 'failed' });
    const failed = await api<SweepDetail>(b.port, `/sweeps/${running.id}`);
    expect(failed.state).toBe('failed');
    expect(failed.error).toBe(`server ${a.id} (127.0.0.1:${a.port}) stopped while running it`);
    expect(failed.finishedAt).not.toBeNull();
    // The slot is free again, and A's chunks were withdrawn from the queue: a worker sweeps only B's.
    worker = await startFleetWorker(redis.url, 'test-worker', () => {});
    const next = await startSweep(b.port, { schedules: 10, seed: 1 });
    expect(await progress(onB, next.id, (p) => p.state !== 'running')).toMatchObject({ state: 'done' });
    expect(worker.chunks()).toBe(fleetChunks(10).length);
  });
});

describe('the sweeps’ table in PostgreSQL', () => {
  it('keeps the newest ended sweeps, and a result as it was given', async () => {
    const store = new PgSweepStore(postgres.url, 'store-test', pino({ level: 'silent' }));
    try {
      const ids: string[] = [];
      for (let i = 0; i < KEPT_SWEEPS + 2; i++) {
        const summary: SweepSummary = {
          id: `kept-${i}`,
          state: 'running',
          spec: {
            schedules: 1,
            seed: i,
            base: null,
            baseLabel: 'random knobs',
            kinds: ['job-pause'],
            maxFaults: 1,
          },
          done: 0,
          createdAt: new Date(Date.UTC(2030, 0, 1, 0, 0, i)).toISOString(),
          finishedAt: null,
          violations: null,
          error: null,
        };
        expect(await store.claim(summary)).toBeNull();
        const result = { rows: [], violations: [], runs: 3, schedules: [] };
        await store.finish({
          ...summary,
          state: 'done',
          done: 1,
          finishedAt: summary.createdAt,
          violations: 0,
          result,
          verification: null,
        });
        ids.push(summary.id);
      }
      const kept = (await store.list()).filter((s) => s.id.startsWith('kept-')).map((s) => s.id);
      expect(kept).toEqual(ids.slice(2).reverse());
      expect(await store.get('kept-0')).toBeNull();
      expect((await store.get(ids.at(-1)!))?.detail).toMatchObject({
        state: 'done',
        result: { rows: [], violations: [], runs: 3, schedules: [] },
        verification: null,
      });
    } finally {
      store.close();
    }
  });
});
