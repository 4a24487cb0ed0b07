import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { Dashboard, EXACTLY_ONCE, type StoredRun } from './dashboard';

/**
 * Several servers, one lab (issue 22), in a browser: `scripts/cluster.mjs` (what `npm run cluster`
 * runs) starts Debian's redis-server, an embedded PostgreSQL and two servers. A run is started on
 * server A over REST; the browser opens it on server B and drives it there.
 */

/** Server B, the one the browser uses, on the port after the browser tests' own server; A on a free one. */
const B_PORT = Number(process.env.E2E_PORT ?? 3210) + 1;

interface Cluster {
  process: ChildProcess;
  /** Server A's address and pid (the browser never opens it). */
  a: { url: string; pid: number };
  b: { url: string };
}

let cluster: Cluster | undefined;
/** Redis, PostgreSQL from its template (initdb the first time: ~7 s) and two servers, on a loaded machine. */
const START_MS = 90_000;

/** Starts the cluster and resolves once both servers listen. */
function startCluster(): Promise<Cluster> {
  const child = spawn('node', [join(import.meta.dirname, '..', 'scripts', 'cluster.mjs')], {
    env: {
      ...process.env,
      EOLAB_CLUSTER_PORTS: `0,${B_PORT}`,
      LOG_LEVEL: 'warn',
      EOLAB_RUNS_PER_MINUTE: '1000',
      EOLAB_MAX_INJECTIONS_PER_SECOND: '50',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (data: Buffer) => {
      out += data.toString();
      const pidOfA = /cluster: server 1 on port 0 is pid (\d+)/.exec(out)?.[1];
      const ports = [...out.matchAll(/Exactly-Once Lab on http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) =>
        Number(m[1]),
      );
      const portOfA = ports.find((p) => p !== B_PORT);
      if (pidOfA === undefined || portOfA === undefined || !ports.includes(B_PORT)) return;
      resolve({
        process: child,
        a: { url: `http://127.0.0.1:${portOfA}`, pid: Number(pidOfA) },
        b: { url: `http://127.0.0.1:${B_PORT}` },
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`cluster exited (${code}): ${out}`)));
    setTimeout(
      () => reject(new Error(`the cluster did not start in ${START_MS} ms: ${out}`)),
      START_MS,
    ).unref();
  });
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  cluster = await startCluster();
});

test.afterAll(async () => {
  // SIGTERM: the script stops the servers, PostgreSQL and Redis, and removes their directories.
  const child = cluster?.process;
  if (child === undefined) return;
  await new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
});

/** The cluster, started by beforeAll. */
function started(): Cluster {
  if (cluster === undefined) throw new Error('the cluster did not start');
  return cluster;
}

test('a run started on server A is watched, paused and given a fault through server B; its report is read from B', async ({
  page,
  request,
}) => {
  const { a, b } = started();
  const created = await request.post(`${a.url}/api/runs`, {
    data: { preset: 'live-demo', mode: 'EXACTLY_ONCE', speed: '1x' },
  });
  expect(created.status()).toBe(201);
  const { runId } = (await created.json()) as { runId: string };
  const onA = async () => (await (await request.get(`${a.url}/api/runs/${runId}`)).json()) as StoredRun;

  const d = new Dashboard(page);
  await d.open(`${b.url}/runs/${runId}`);
  await expect(d.statePill).toHaveText('running');
  await d.pause();
  await expect(d.statePill).toHaveText('paused');
  expect((await onA()).run.state).toBe('paused');

  await d.injectFailure.click();
  await expect(page.getByText(/^Injected mapper-exception/)).toBeVisible();
  await expect.poll(async () => (await onA()).faultTimeline.map((f) => f.kind)).toContain('mapper-exception');

  await d.setSpeed('max');
  await d.resume();
  await expect(d.verdict).toHaveText(EXACTLY_ONCE);
  await expect(d.statePill).toHaveText('finished');
  const fromB = (await (await request.get(`${b.url}/api/runs/${runId}`)).json()) as StoredRun;
  expect(fromB.run.state).toBe('finished');
  expect(fromB.report.verdict).toBe('EXACTLY_ONCE');
  expect(fromB.report.restores.length).toBeGreaterThan(0);
  expect(d.consoleErrors).toEqual([]);
});

test('killing server A mid-run: the page on server B says the run was interrupted', async ({
  page,
  request,
}) => {
  const { a, b } = started();
  const created = await request.post(`${a.url}/api/runs`, {
    data: { preset: 'live-demo', mode: 'EXACTLY_ONCE', speed: '1x' },
  });
  const { runId } = (await created.json()) as { runId: string };
  const d = new Dashboard(page);
  await d.open(`${b.url}/runs/${runId}`);
  await expect(d.statePill).toHaveText('running');
  process.kill(a.pid, 'SIGKILL');
  await expect(d.statePill).toHaveText('interrupted');
  await expect(page.getByText('This run was interrupted when the server stopped.')).toBeVisible();
});
