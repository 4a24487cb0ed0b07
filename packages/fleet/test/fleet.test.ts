import { presetScenario, type SweepResult, type SweepSpec, sweepRange } from '@eolab/engine';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../scripts/redis-server.mjs';
import {
  FLEET_QUEUE,
  FleetError,
  FleetSweepCancelled,
  type FleetWorker,
  fleetChunks,
  fleetSweep,
  startFleetWorker,
  withdrawFleetSweep,
} from '../src/index';

/**
 * The fleet's queue against a real redis-server (Debian's; scripts/ensure-redis.sh installs it),
 * with workers in this process: what the CLI and the server's Sweeps page rely on.
 */

let redis: RedisServer;
const workers: FleetWorker[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await redis?.stop();
});

async function worker(): Promise<FleetWorker> {
  const w = await startFleetWorker(redis.url, `test-${workers.length}`, (message) => {
    throw new Error(`worker error: ${message}`);
  });
  workers.push(w);
  return w;
}

/** What a sweep on the fleet gives, on a base scenario with a chosen draw: the dashboard's kind of sweep. */
const spec: SweepSpec = {
  schedules: 150,
  seed: 3,
  base: presetScenario('lease-expiry', 'EXACTLY_ONCE')!,
  kinds: ['store-outage', 'job-pause', 'crash-during-commit'],
  maxFaults: 2,
};

describe('sweeps on the fleet (BullMQ on a real Redis)', () => {
  it('waits for a worker and says so, then gives what one sweep of the whole range gives, schedules included', async () => {
    const told: Array<[number, number]> = [];
    let progress = 0;
    const sweeping = fleetSweep(redis.url, spec, {
      keepSchedules: true,
      onProgress: (done) => {
        progress = done;
      },
      onWorkers: (n, left) => told.push([n, left]),
    });
    // No worker yet: the chunks wait, and the first count says none is connected.
    await expect.poll(() => told.length).toBeGreaterThan(0);
    expect(told[0]).toEqual([0, fleetChunks(spec.schedules).length]);
    await Promise.all([worker(), worker()]);
    const result = await sweeping;
    expect(progress).toBe(spec.schedules);
    const local: SweepResult = sweepRange(spec, 0, spec.schedules, { keepSchedules: true });
    expect(result).toEqual(local);
    expect(result.schedules).toHaveLength(spec.schedules);
  });

  it('a cancel withdraws the chunks still waiting and rejects saying how many', async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
    const cancel = new AbortController();
    const rejected: unknown[] = [];
    const queued = new Promise<void>((resolve) => {
      void fleetSweep(redis.url, spec, { cancel: cancel.signal, onWorkers: () => resolve() }).catch(
        (error: unknown) => rejected.push(error),
      );
    });
    await queued;
    cancel.abort();
    await expect.poll(() => rejected.length).toBe(1);
    expect(rejected[0]).toBeInstanceOf(FleetSweepCancelled);
    expect((rejected[0] as Error).message).toBe(
      `cancelled: ${fleetChunks(spec.schedules).length} chunks withdrawn from the queue`,
    );
    const queue = new Queue(FLEET_QUEUE, { connection: { url: redis.url } });
    try {
      expect(await queue.getWaitingCount()).toBe(0);
    } finally {
      await queue.close();
    }
  });

  it('a cancel that comes while it connects rejects as cancelled, queueing nothing', async () => {
    const cancel = new AbortController();
    const sweeping = fleetSweep(redis.url, spec, { cancel: cancel.signal });
    cancel.abort();
    await expect(sweeping).rejects.toThrow(
      new FleetSweepCancelled('cancelled before its chunks were queued'),
    );
    const queue = new Queue(FLEET_QUEUE, { connection: { url: redis.url } });
    try {
      expect(await queue.getWaitingCount()).toBe(0);
    } finally {
      await queue.close();
    }
  });

  it('a sweep named by its caller has its waiting chunks withdrawn from elsewhere (its process died)', async () => {
    const cancel = new AbortController();
    let sweeping: Promise<unknown> = Promise.resolve();
    await new Promise<void>((queued) => {
      sweeping = fleetSweep(redis.url, spec, {
        id: 'named-sweep',
        cancel: cancel.signal,
        onWorkers: () => queued(),
      }).catch((error: unknown) => error);
    });
    const queue = new Queue(FLEET_QUEUE, { connection: { url: redis.url } });
    try {
      expect(await queue.getWaitingCount()).toBe(fleetChunks(spec.schedules).length);
      await withdrawFleetSweep(redis.url, 'named-sweep', spec.schedules);
      expect(await queue.getWaitingCount()).toBe(0);
    } finally {
      await queue.close();
    }
    cancel.abort();
    expect(await sweeping).toBeInstanceOf(FleetSweepCancelled);
  });

  it('says when Redis cannot be reached', async () => {
    await expect(fleetSweep('redis://127.0.0.1:1', spec)).rejects.toThrow(FleetError);
    await expect(fleetSweep('redis://127.0.0.1:1', spec)).rejects.toThrow(
      'cannot reach Redis at redis://127.0.0.1:1: connect ECONNREFUSED',
    );
  });
});
