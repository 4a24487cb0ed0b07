import { request as httpRequest } from 'node:http';
import { presetScenario, sweepRange } from '@eolab/engine';
import { type FleetWorker, startFleetWorker } from '@eolab/fleet';
import type { HealthResponse, SweepDetail, SweepProgress, SweepSummary } from '@eolab/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../scripts/redis-server.mjs';
import { type Client, type Harness, startServer } from './harness';

/**
 * The Sweeps page on a fleet (issue 22): a server with EOLAB_REDIS_URL puts its sweeps on the
 * fleet's queue in a real redis-server (Debian's), for `eolab worker`s (here, one in this process)
 * to sweep; it sweeps none itself. And /api/health's cluster status.
 */

let redis: RedisServer;
let server: Harness;
let socket: Client;
const workers: FleetWorker[] = [];

beforeAll(async () => {
  redis = await startRedis();
  server = await startServer(undefined, { EOLAB_REDIS_URL: redis.url });
  socket = await server.client();
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await server?.close();
  await redis?.stop();
});

/** One request on a connection of its own (a sweep keeps a test waiting for seconds). */
function request(
  method: string,
  path: string,
  body?: unknown,
  url = server.url,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}/api${path}`,
      { method, agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Resolves with the first progress of sweep `id` that `accept` takes, and every one seen until then. */
function progressUntil(id: string, accept: (p: SweepProgress) => boolean): Promise<SweepProgress[]> {
  return new Promise((resolve) => {
    const seen: SweepProgress[] = [];
    const on = (p: SweepProgress) => {
      if (p.sweepId !== id) return;
      seen.push(p);
      if (!accept(p)) return;
      socket.off('sweep:progress', on);
      resolve(seen);
    };
    socket.on('sweep:progress', on);
  });
}

async function startSweep(body: unknown): Promise<SweepSummary> {
  const { status, json } = await request('POST', '/sweeps', body);
  expect(status).toBe(201);
  return json as SweepSummary;
}

describe('the Sweeps page on a fleet of eolab workers (EOLAB_REDIS_URL)', () => {
  it('waits for workers, saying none is connected, then gives what one sweep gives, schedules included', async () => {
    const body = {
      schedules: 120,
      seed: 5,
      base: { preset: 'lease-expiry' },
      kinds: ['job-pause'],
      maxFaults: 2,
    };
    const started = await startSweep(body);
    const waiting = await progressUntil(started.id, (p) => p.fleetWorkers === 0);
    expect(waiting.at(-1)).toMatchObject({ state: 'running', done: 0, fleetWorkers: 0 });
    const whileWaiting = (await request('GET', `/sweeps/${started.id}`)).json as SweepDetail;
    expect(whileWaiting).toMatchObject({ state: 'running', fleetWorkers: 0, result: null });

    const ended = progressUntil(started.id, (p) => p.state !== 'running');
    workers.push(await startFleetWorker(redis.url, 'test-worker', () => {}));
    const progress = await ended;
    expect(progress.some((p) => p.fleetWorkers === 1)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ state: 'done', done: 120, total: 120 });
    const d = (await request('GET', `/sweeps/${started.id}`)).json as SweepDetail;
    expect(d.error).toBeNull();
    const base = presetScenario('lease-expiry', 'EXACTLY_ONCE')!;
    const expected = sweepRange(
      { schedules: 120, seed: 5, base, kinds: ['job-pause'], maxFaults: 2 },
      0,
      120,
      {
        keepSchedules: true,
      },
    );
    expect(d.result).toEqual(expected);
    expect(d.violations).toBe(expected.violations.length);
  });

  it('cancel withdraws a sweep still waiting for workers; it is kept as cancelled', async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
    const started = await startSweep({ schedules: 500, seed: 1 });
    await progressUntil(started.id, (p) => p.fleetWorkers === 0);
    const ended = progressUntil(started.id, (p) => p.state !== 'running');
    expect((await request('POST', `/sweeps/${started.id}/cancel`, {})).status).toBe(200);
    expect((await ended).at(-1)).toMatchObject({ state: 'cancelled', done: 0 });
    const d = (await request('GET', `/sweeps/${started.id}`)).json as SweepDetail;
    expect(d).toMatchObject({ state: 'cancelled', error: null, result: null });
  });
});

describe('/api/health in a cluster', () => {
  it('reports this server’s id, Redis reachable, the peers it hears, the history and where sweeps run', async () => {
    const peer = await startServer(undefined, { EOLAB_REDIS_URL: redis.url });
    try {
      const health = async (url: string) =>
        ((await request('GET', '/health', undefined, url)).json as HealthResponse).cluster;
      // Each server hears the other's heartbeat within a second.
      await expect.poll(async () => (await health(server.url))?.redis?.peers, { timeout: 10_000 }).toBe(1);
      const mine = await health(server.url);
      expect(mine).toEqual({
        serverId: expect.stringMatching(/^[0-9a-f]{8}$/),
        redis: { url: redis.url, reachable: true, peers: 1 },
        history: 'sqlite',
        sweeps: 'fleet',
      });
      expect((await health(peer.url))?.serverId).not.toBe(mine?.serverId);
    } finally {
      await peer.close();
    }
    await expect
      .poll(async () => ((await request('GET', '/health')).json as HealthResponse).cluster?.redis?.peers, {
        timeout: 15_000,
      })
      .toBe(0);
  });

  it('says when Redis is out of reach; a server alone reports no cluster', async () => {
    await redis.stop();
    await expect
      .poll(async () => ((await request('GET', '/health')).json as HealthResponse).cluster?.redis?.reachable)
      .toBe(false);
    const alone = await startServer();
    try {
      expect(
        ((await request('GET', '/health', undefined, alone.url)).json as HealthResponse).cluster,
      ).toBeNull();
    } finally {
      await alone.close();
    }
  });
});
