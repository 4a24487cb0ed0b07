import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { Dashboard, FOUND_DUPLICATES } from './dashboard';

const PORT = 3221;

/** A server of our own, so this test can stop and start it. Resolves once it listens. */
function startServer(dataDir: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts'], {
      env: { ...process.env, PORT: String(PORT), EOLAB_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Exactly-Once Lab on')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

test('the page survives a server restart and reconnects without a reload', async ({ page }) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'eolab-e2e-'));
  let server = await startServer(dataDir);
  try {
    const d = new Dashboard(page);
    await d.open(`http://127.0.0.1:${PORT}/`);
    await d.setUp({ preset: 'seed', exactlyOnce: false });
    await d.start.click();
    await expect(d.verdict).toHaveText(FOUND_DUPLICATES);

    await stopServer(server);
    await expect(page.getByRole('alert')).toHaveText(/server is unreachable/);

    server = await startServer(dataDir);
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expect(d.verdict).toHaveText(FOUND_DUPLICATES);
    await expect(d.duplicateValues).toHaveText('17..24');

    // The reconnected page keeps working.
    await d.runSeedAgain(true);
  } finally {
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
