import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { Dashboard, FOUND_DUPLICATES } from './dashboard';

/** Sharing a dashboard on a network, and what a page from another site can (not) do. */

const SHARED_PORT = 3222;
const OTHER_SITE_PORT = 3223;
const TOKEN = 'e2e-shared-token-0123456789';

/** This machine's address on its network; 127.0.0.2 (still not the address configured) where it has none. */
function networkAddress(): string {
  for (const entries of Object.values(networkInterfaces())) {
    for (const e of entries ?? []) if (e.family === 'IPv4' && !e.internal) return e.address;
  }
  return '127.0.0.2';
}

/** A server bound to every address (HOST=0.0.0.0) with a token, as the README says to share one. */
function startSharedServer(dataDir: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts'], {
      env: {
        ...process.env,
        HOST: '0.0.0.0',
        PORT: String(SHARED_PORT),
        EOLAB_TOKEN: TOKEN,
        EOLAB_DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Exactly-Once Lab on')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

test('the dashboard loads over plain HTTP from another address with the token, and not without it', async ({
  page,
}) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'eolab-e2e-shared-'));
  const server = await startSharedServer(dataDir);
  try {
    const base = `http://${networkAddress()}:${SHARED_PORT}`;
    const refused = await page.goto(`${base}/`);
    expect(refused?.status()).toBe(401);
    await expect(page.getByText('needs its access token')).toBeVisible();

    const d = new Dashboard(page);
    await d.open(`${base}/?token=${TOKEN}`);
    // The token moved into a cookie and out of the address.
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);
    await d.setUp({ preset: 'seed', exactlyOnce: false });
    await d.start.click();
    await expect(d.verdict).toHaveText(FOUND_DUPLICATES);
    await expect(d.duplicateValues).toHaveText('17..24');
    const runs = await d.goToRuns();
    await expect(runs.rows).toHaveCount(2);
    expect(d.consoleErrors).toEqual([]);
  } finally {
    server.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a page from another origin can neither open a socket nor create a run', async ({ page, baseURL }) => {
  const otherSite: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>another site</title>');
  });
  await new Promise<void>((resolve) => otherSite.listen(OTHER_SITE_PORT, '127.0.0.1', resolve));
  try {
    const lab = new URL(baseURL!);
    /** What a page's script gets when it opens the lab's socket.io WebSocket and POSTs a run. */
    const attempt = (labHost: string) =>
      page.evaluate(async (host) => {
        const socket = await new Promise<string>((resolve) => {
          const ws = new WebSocket(`ws://${host}/socket.io/?EIO=4&transport=websocket`);
          ws.onopen = () => resolve('open');
          ws.onerror = () => resolve('refused');
        });
        const post = await fetch(`http://${host}/api/runs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ preset: 'seed', start: false }),
        }).then(
          (r) => String(r.status),
          () => 'refused',
        );
        return { socket, post };
      }, labHost);

    await page.goto(`http://127.0.0.1:${OTHER_SITE_PORT}/`);
    expect(await attempt(lab.host)).toEqual({ socket: 'refused', post: 'refused' });
    // The same script on the dashboard's own origin gets through: the check is the origin, not the script.
    await page.goto(`${baseURL}/api/health`);
    expect((await attempt(lab.host)).socket).toBe('open');
  } finally {
    otherSite.close();
  }
});
