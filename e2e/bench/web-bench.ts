/**
 * Rendering benchmark: Chromium drives the dashboard through live-demo runs (stretched to 20,000,000
 * events) at max speed for 60 s of wall time, starting a new run whenever one ends, and reports frame-time p50/p95 from
 * requestAnimationFrame intervals, long tasks over 50 ms, and the JS heap at start and end.
 *
 *   npm run bench:web            (60 s)
 *   npm run bench:web -- 20      (20 s)
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS } from '../../playwright.config';

const seconds = Number(process.argv[2] ?? 60);
const root = join(import.meta.dirname, '../..');

function startServer(): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'apps/server/src/main.ts')], {
      env: {
        ...process.env,
        PORT: '0',
        LOG_LEVEL: 'warn',
        EOLAB_DATA_DIR: mkdtempSync(join(tmpdir(), 'eolab-webbench-')),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /on (http:\/\/[\d.]+:\d+)/.exec(chunk.toString());
      if (match?.[1] !== undefined) resolve({ child, url: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

const percentile = (sorted: number[], q: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

execFileSync('npm', ['run', 'build', '-w', '@eolab/web'], { cwd: root, stdio: 'ignore' });
const { child, url } = await startServer();
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [...CHROMIUM_ARGS, '--enable-precise-memory-info'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  // Scripts go to the page as strings: tsx would wrap function literals in helpers the page lacks.
  await page.addInitScript(`
    window.__frames = [];
    window.__longTasks = [];
    let last = performance.now();
    const frame = (now) => { window.__frames.push(now - last); last = now; requestAnimationFrame(frame); };
    requestAnimationFrame(frame);
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
    }).observe({ type: 'longtask', buffered: true });
  `);
  await page.goto(url);
  await page.getByLabel('Preset').selectOption('live-demo');
  // The live-demo preset stretched to the server's largest run, so each run streams for seconds.
  await page.locator('details.knobs summary').click();
  await page.getByLabel('Events', { exact: true }).fill('20000000');
  await page.getByRole('radio', { name: 'max' }).check();
  // The heap as the page holds it: garbage collected first, so growth means memory kept, not litter.
  const cdp = await page.context().newCDPSession(page);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    return page.evaluate<number>('performance.memory.usedJSHeapSize');
  };
  await page.evaluate('window.__frames.length = 0; window.__longTasks.length = 0;');
  const heapStart = await heap();
  const started = Date.now();
  let runs = 0;
  const start = page.getByRole('button', { name: 'Start', exact: true });
  const state = page.locator('.run-status .pill');
  while (Date.now() - started < seconds * 1000) {
    await start.click();
    runs++;
    await state.filter({ hasText: /finished|failed|stopped/ }).waitFor({ timeout: 120_000 });
    await page
      .getByRole('status', { name: 'Checker verdict' })
      .filter({ hasNotText: /Checking/ })
      .waitFor();
  }
  const wallS = (Date.now() - started) / 1000;
  const heapEnd = await heap();
  const { frames, longTasks } = await page.evaluate<{ frames: number[]; longTasks: number[] }>(
    '({ frames: window.__frames.slice(1), longTasks: window.__longTasks })',
  );
  frames.sort((a, b) => a - b);
  const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
  console.log(
    `web rendering benchmark: ${runs} live-demo runs at max speed, ${wallS.toFixed(0)} s of wall time`,
  );
  console.log(
    `  frames ${frames.length}, frame time p50 ${percentile(frames, 0.5).toFixed(1)} ms, p95 ${percentile(frames, 0.95).toFixed(1)} ms, max ${(frames.at(-1) ?? 0).toFixed(0)} ms`,
  );
  console.log(
    `  long tasks > 50 ms: ${longTasks.length}, longest ${Math.max(0, ...longTasks).toFixed(0)} ms`,
  );
  console.log(
    `  JS heap after garbage collection: ${mb(heapStart)} MB at start, ${mb(heapEnd)} MB at end (growth ${mb(heapEnd - heapStart)} MB)`,
  );
  const ok =
    percentile(frames, 0.95) < 20 &&
    Math.max(0, ...longTasks) <= 100 &&
    heapEnd - heapStart < 50 * 1024 * 1024;
  console.log(
    `  target (p95 < 20 ms, no long task > 100 ms, heap growth < 50 MB): ${ok ? 'met' : 'not met'}`,
  );
} finally {
  await browser.close();
  child.kill('SIGTERM');
}
