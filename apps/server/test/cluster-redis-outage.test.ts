import type { ChildProcess } from 'node:child_process';
import type { RunDelta, RunSnapshot } from '@eolab/protocol';
import { afterAll, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../scripts/redis-server.mjs';
import { type Client, connectedClient, nextDelta, ok, removeDir } from './harness';
import { api, killHard, startServerProcess } from './process';

/**
 * Redis away in a cluster (issue 22): two real servers joined through a real redis-server, which
 * stops while a run streams. The run's own server keeps streaming it to its watchers (before, its
 * broadcasts waited for Redis like the other servers' copies); once Redis is back on its port,
 * the other server's watchers get the run's deltas again.
 */

let redis: RedisServer | undefined;
const dirs: string[] = [];
const servers: ChildProcess[] = [];
const sockets: Client[] = [];

const clusterServer = async (redisUrl: string) =>
  (await startServerProcess({ EOLAB_REDIS_URL: redisUrl }, { dirs, servers })).port;

const watcherOn = (port: number) => connectedClient(`http://127.0.0.1:${port}`, sockets);

/** Resolves once `socket` has `count` deltas of `runId` from now on, each later in the run than the last. */
function deltas(socket: Client, runId: string, count: number): Promise<RunDelta[]> {
  const got: RunDelta[] = [];
  return new Promise((resolve) => {
    const on = (d: RunDelta) => {
      if (d.runId !== runId || d.nowMs <= (got.at(-1)?.nowMs ?? -1)) return;
      got.push(d);
      if (got.length < count) return;
      socket.off('run:delta', on);
      resolve(got);
    };
    socket.on('run:delta', on);
  });
}

afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await Promise.all(servers.map(killHard));
  await redis?.stop();
  for (const dir of dirs) removeDir(dir);
});

it("Redis stopped mid-run: the run's own server keeps streaming it; the other server's watchers get it again once Redis is back", async () => {
  redis = await startRedis();
  const [a, b] = await Promise.all([clusterServer(redis.url), clusterServer(redis.url)]);
  const { runId } = await api<{ runId: string }>(a, '/runs', {
    preset: 'live-demo',
    mode: 'EXACTLY_ONCE',
    speed: '1x',
  });
  const onA = await watcherOn(a);
  const onB = await watcherOn(b);
  await ok<RunSnapshot>(onA, 'run:watch', { runId });
  await ok<RunSnapshot>(onB, 'run:watch', { runId });
  await Promise.all([deltas(onA, runId, 2), deltas(onB, runId, 2)]);

  const { port } = redis;
  await redis.stop();
  redis = undefined;
  // Redis is gone: A's own watcher still sees the run move on, delta after delta.
  const whileAway = await deltas(onA, runId, 5);
  expect(whileAway.at(-1)!.nowMs).toBeGreaterThan(whileAway[0]!.nowMs);

  redis = await startRedis(port);
  // Back: B reads the stream again (first what A queued meanwhile), and its watcher sees the run
  // further on than A's did while Redis was away.
  const afterB = await nextDelta(onB, runId, (d) => d.nowMs > whileAway.at(-1)!.nowMs);
  expect(afterB.state).toBe('running');
}, 60_000);
