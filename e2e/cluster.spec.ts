import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { Dashboard, EXACTLY_ONCE, type StoredRun } from './dashboard';
import { startFailoverProxy } from './failover-proxy';
import { cliRows } from './sweep-table';

/**
 * Several servers, one lab (issue 22), in a browser: `scripts/cluster.mjs` (what `npm run cluster`
 * runs) starts Debian's redis-server, an embedded PostgreSQL and three servers. A run is started on
 * server A over REST; the browser opens it on server B and drives it there. B's Sweeps page sweeps
 * on the fleet (an `eolab worker`), and lists and shows a sweep started on A's. A page behind one
 * address (C, then B) outlives C.
 */

/**
 * Server B, the one the browser uses, on the port after the browser tests' own server; C on the
 * next (behind a proxy with B); A on a free one.
 */
const B_PORT = Number(process.env.E2E_PORT ?? 3210) + 1;
const C_PORT = B_PORT + 1;

interface Cluster {
  process: ChildProcess;
  /** Server A's address and pid. */
  a: { url: string; pid: number };
  b: { url: string };
  c: { pid: number };
  redisUrl: string;
}

let cluster: Cluster | undefined;
/** Redis, PostgreSQL from its template (initdb the first time: ~7 s) and two servers, on a loaded machine. */
const START_MS = 90_000;

/** Starts the cluster and resolves once both servers listen. */
function startCluster(): Promise<Cluster> {
  const child = spawn('node', [join(import.meta.dirname, '..', 'scripts', 'cluster.mjs')], {
    env: {
      ...process.env,
      EOLAB_CLUSTER_PORTS: `0,${B_PORT},${C_PORT}`,
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
      const pidOfC = /cluster: server 3 on port \d+ is pid (\d+)/.exec(out)?.[1];
      const redisUrl = /cluster: Redis on (redis:\/\/\S+),/.exec(out)?.[1];
      const ports = [...out.matchAll(/Exactly-Once Lab on http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) =>
        Number(m[1]),
      );
      const portOfA = ports.find((p) => p !== B_PORT && p !== C_PORT);
      const all = ports.includes(B_PORT) && ports.includes(C_PORT);
      if (
        pidOfA === undefined ||
        pidOfC === undefined ||
        redisUrl === undefined ||
        portOfA === undefined ||
        !all
      )
        return;
      resolve({
        process: child,
        a: { url: `http://127.0.0.1:${portOfA}`, pid: Number(pidOfA) },
        b: { url: `http://127.0.0.1:${B_PORT}` },
        c: { pid: Number(pidOfC) },
        redisUrl,
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

test('a sweep on the Sweeps page waits for an eolab worker, saying so, then the fleet sweeps it: the table eolab sweep prints', async ({
  page,
}) => {
  const { b, redisUrl } = started();
  const d = new Dashboard(page);
  await d.open(`${b.url}/sweeps`);
  await page.getByRole('spinbutton', { name: 'Schedules' }).fill('300');
  await page.getByRole('spinbutton', { name: 'Seed' }).fill('2');
  await page.getByRole('button', { name: 'Start sweep' }).click();
  await expect(page.getByTestId('sweep-fleet')).toHaveText(
    /^Waiting for workers: no eolab worker is connected to the queue in Redis\./,
  );
  await expect(page.getByText('0 / 300 schedules')).toBeVisible();
  const worker = spawn('node', ['apps/cli/bin/eolab.js', 'worker', '--redis', redisUrl], { stdio: 'ignore' });
  try {
    await expect(page.getByTestId('sweep-state')).toHaveText('done');
    await expect(page.getByText("Swept by the fleet's eolab workers.")).toBeVisible();
    const expected = cliRows(['--schedules', '300', '--seed', '2']);
    const rows = page.getByTestId('sweep-by-kind').locator('tbody tr');
    await expect(rows).toHaveCount(expected.length);
    const shown = await rows.evaluateAll((trs) =>
      trs.map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent ?? '')),
    );
    expect(shown).toEqual(expected);
  } finally {
    await new Promise<void>((resolve) => {
      if (worker.exitCode !== null || worker.signalCode !== null) return resolve();
      worker.once('exit', () => resolve());
      worker.kill('SIGTERM');
    });
  }
  expect(d.consoleErrors).toEqual([]);
});

test('a sweep started on the page served by A is listed on B’s Sweeps page, running, then with its table once done', async ({
  page,
  context,
}) => {
  const { a, b, redisUrl } = started();
  const onA = new Dashboard(page);
  await onA.open(`${a.url}/sweeps`);
  await page.getByRole('spinbutton', { name: 'Schedules' }).fill('300');
  await page.getByRole('spinbutton', { name: 'Seed' }).fill('3');
  await page.getByRole('button', { name: 'Start sweep' }).click();
  await expect(page.getByTestId('sweep-fleet')).toHaveText(/^Waiting for workers/);
  const sweepId = new URL(page.url()).pathname.split('/').at(-1)!;

  // B lists it among its sweeps (they are kept in the shared PostgreSQL), running, and opens it.
  const pageOnB = await context.newPage();
  const onB = new Dashboard(pageOnB);
  await onB.open(`${b.url}/sweeps`);
  const listed = pageOnB.getByRole('listitem').filter({ hasText: sweepId });
  await expect(listed).toContainText('300 schedules from seed 3 on random knobs (as eolab sweep) · running');
  await listed.getByRole('link', { name: sweepId }).click();
  await expect(pageOnB.getByTestId('sweep-state')).toHaveText('running');
  await expect(pageOnB.getByText('0 / 300 schedules')).toBeVisible();

  const worker = spawn('node', ['apps/cli/bin/eolab.js', 'worker', '--redis', redisUrl], { stdio: 'ignore' });
  try {
    await expect(pageOnB.getByTestId('sweep-state')).toHaveText('done');
    await expect(pageOnB.getByText('300 / 300 schedules')).toBeVisible();
    const expected = cliRows(['--schedules', '300', '--seed', '3']);
    const rows = pageOnB.getByTestId('sweep-by-kind').locator('tbody tr');
    await expect(rows).toHaveCount(expected.length);
    const shown = await rows.evaluateAll((trs) =>
      trs.map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent ?? '')),
    );
    expect(shown).toEqual(expected);
    // The page on A, where it started, shows the same end.
    await expect(page.getByTestId('sweep-state')).toHaveText('done');
  } finally {
    await new Promise<void>((resolve) => {
      if (worker.exitCode !== null || worker.signalCode !== null) return resolve();
      worker.once('exit', () => resolve());
      worker.kill('SIGTERM');
    });
  }
  expect(onA.consoleErrors).toEqual([]);
  expect(onB.consoleErrors).toEqual([]);
});

test('killing server A mid-run and mid-sweep: the pages on server B say the run was interrupted and the sweep failed with A', async ({
  page,
  context,
  request,
}) => {
  const { a, b } = started();
  const created = await request.post(`${a.url}/api/runs`, {
    data: { preset: 'live-demo', mode: 'EXACTLY_ONCE', speed: '1x' },
  });
  const { runId } = (await created.json()) as { runId: string };
  // No worker is connected: A's sweep waits, running, until A dies.
  const sweep = await request.post(`${a.url}/api/sweeps`, { data: { schedules: 300, seed: 4 } });
  expect(sweep.status()).toBe(201);
  const { id: sweepId } = (await sweep.json()) as { id: string };
  const d = new Dashboard(page);
  await d.open(`${b.url}/runs/${runId}`);
  await expect(d.statePill).toHaveText('running');
  const sweepPage = await context.newPage();
  await new Dashboard(sweepPage).open(`${b.url}/sweeps/${sweepId}`);
  await expect(sweepPage.getByTestId('sweep-state')).toHaveText('running');
  process.kill(a.pid, 'SIGKILL');
  await expect(d.statePill).toHaveText('interrupted');
  await expect(page.getByText('This run was interrupted when the server stopped.')).toBeVisible();
  await expect(sweepPage.getByTestId('sweep-state')).toHaveText('failed');
  // The error names A by its id and the address it listened on.
  await expect(sweepPage.getByText(`(${new URL(a.url).host}) stopped while running it)`)).toBeVisible();
  await expect(sweepPage.getByRole('button', { name: 'Cancel sweep' })).toBeHidden();
});

test('behind one address (C, then B), a page whose server dies reconnects to B and keeps driving the run', async ({
  page,
  request,
}) => {
  const { b, c } = started();
  // What nginx or HAProxy does in front of a cluster: each connection to the first server that takes it.
  const proxy = await startFailoverProxy([C_PORT, B_PORT]);
  try {
    const created = await request.post(`${b.url}/api/runs`, {
      data: { preset: 'live-demo', mode: 'EXACTLY_ONCE', speed: '1x' },
    });
    const { runId } = (await created.json()) as { runId: string };
    const d = new Dashboard(page);
    await d.open(`${proxy.url}/runs/${runId}`);
    await expect(d.statePill).toHaveText('running');
    expect(proxy.served.get(C_PORT)).toBeGreaterThan(0);
    expect(proxy.served.get(B_PORT)).toBeUndefined();

    process.kill(c.pid, 'SIGKILL');
    // The page's socket drops with C and comes back through the same address, now to B.
    await expect.poll(() => proxy.served.get(B_PORT) ?? 0).toBeGreaterThan(0);
    await expect(page.getByText('The server is unreachable. Reconnecting…')).toBeHidden();
    await expect(d.statePill).toHaveText('running');
    await d.pause();
    await expect(d.statePill).toHaveText('paused');
    const onB = (await (await request.get(`${b.url}/api/runs/${runId}`)).json()) as StoredRun;
    expect(onB.run.state).toBe('paused');
  } finally {
    await proxy.close();
  }
});
