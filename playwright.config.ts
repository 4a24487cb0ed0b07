import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

/** The browser tests run the real server (built dashboard, fresh data directory) in Debian's Chromium. */
const PORT = Number(process.env.E2E_PORT ?? 3210);
/** The server's data: made fresh at start, removed by the global teardown, so a run leaves nothing behind. */
export const E2E_DATA_DIR = join(tmpdir(), `eolab-e2e-data-${PORT}`);

export const CHROMIUM_ARGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-sandbox',
];

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  // Screenshots rewrite the tracked PNGs in docs/screenshots: `npm run screenshots`, never `npm test`.
  testIgnore: 'screenshots.spec.ts',
  globalTeardown: './e2e/global-teardown.ts',
  timeout: 90_000,
  expect: { timeout: 30_000 },
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: 'on-first-retry',
    viewport: { width: 1440, height: 1000 },
    launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS },
  },
  webServer: {
    // The compiled server and dashboard, as `npm start` runs them (turbo skips both builds when
    // unchanged). The tests create runs faster than a person would: the per-address limits are raised.
    command: `npx turbo run build --filter=@eolab/server --filter=@eolab/web --output-logs=errors-only && rm -rf ${E2E_DATA_DIR} && EOLAB_DATA_DIR=${E2E_DATA_DIR} PORT=${PORT} LOG_LEVEL=warn EOLAB_MAX_INJECTIONS_PER_SECOND=50 EOLAB_RUNS_PER_MINUTE=1000 EOLAB_SOCKET_CONNECTIONS_PER_MINUTE=1000 EOLAB_SOCKET_COMMANDS_PER_SECOND=500 EOLAB_MAX_ACTIVE_RUNS=32 node apps/server/dist/main.js`,
    url: `http://127.0.0.1:${PORT}/api/health`,
    reuseExistingServer: false,
    // Stopped with SIGTERM, not SIGKILL: a real run's PostgreSQL (e2e/real-backend.spec.ts) is shut down and its data directory removed.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    timeout: 180_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
