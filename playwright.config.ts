import { defineConfig } from '@playwright/test';

/** The browser tests run the real server (built dashboard, fresh data directory) in Debian's Chromium. */
const PORT = Number(process.env.E2E_PORT ?? 3210);

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
    // The compiled server and dashboard, as `npm start` runs them (turbo skips both builds when unchanged).
    command: `npx turbo run build --filter=@eolab/server --filter=@eolab/web --output-logs=errors-only && EOLAB_DATA_DIR=$(mktemp -d) PORT=${PORT} LOG_LEVEL=warn EOLAB_MAX_INJECTIONS_PER_SECOND=50 node apps/server/dist/main.js`,
    url: `http://127.0.0.1:${PORT}/api/health`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
