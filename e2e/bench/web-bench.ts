/**
 * Rendering benchmark: Chromium loads the dashboard (the time until its first chart is drawn),
 * then drives it through live-demo runs (stretched to 20,000,000 events) at max speed for 60 s of
 * wall time, starting a new run whenever one ends, and reports frame-time p50/p95 from
 * requestAnimationFrame intervals, long tasks over 50 ms (the longest at a run's start, when its
 * report arrives and renders, and while it streams), and the JS heap at start and end. Beside
 * them, a baseline measured in the same page: a fixed loop of JavaScript, so figures taken on a
 * busy machine can be read against how fast the machine was at the time.
 *
 *   npm run bench:web            (60 s)
 *   npm run bench:web -- 20      (20 s)
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS } from '../../playwright.config';

const seconds = Number(process.argv[2] ?? 60);
const root = join(import.meta.dirname, '../..');

/** The server's runs go here for the benchmark's length, and are removed with it. */
const dataDir = mkdtempSync(join(tmpdir(), 'eolab-webbench-'));

function startServer(): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'apps/server/dist/main.js')], {
      env: {
        ...process.env,
        PORT: '0',
        LOG_LEVEL: 'warn',
        EOLAB_DATA_DIR: dataDir,
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

execFileSync('npx', ['turbo', 'run', 'build', '--filter=@eolab/server', '--filter=@eolab/web'], {
  cwd: root,
  stdio: 'ignore',
});
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
      for (const entry of list.getEntries())
        window.__longTasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
    window.__firstChartMs = null;
    new MutationObserver((_, observer) => {
      if (document.querySelector('svg.recharts-surface') === null) return;
      window.__firstChartMs = performance.now();
      observer.disconnect();
    }).observe(document, { childList: true, subtree: true });
  `);
  await page.goto(url);
  await page.waitForFunction('window.__firstChartMs !== null');
  const firstChartMs = await page.evaluate<number>('window.__firstChartMs');
  // The baseline: the same fixed loop of work, timed in the page (median of five).
  const baselineMs = await page.evaluate<number>(`(() => {
    const times = [];
    for (let r = 0; r < 5; r++) {
      const t = performance.now();
      let x = 0;
      for (let i = 0; i < 20000000; i++) x = (x + i * 7) % 1000003;
      times.push(performance.now() - t + (x < 0 ? 1 : 0));
    }
    return times.sort((a, b) => a - b)[2];
  })()`);
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
  const now = () => page.evaluate<number>('performance.now()');
  /** Windows of page time (ms) when a run started, and when its end and report arrived. */
  const starts: [number, number][] = [];
  const ends: [number, number][] = [];
  while (Date.now() - started < seconds * 1000) {
    const clicked = await now();
    await start.click();
    runs++;
    await state.filter({ hasText: 'running' }).waitFor({ timeout: 30_000 });
    starts.push([clicked, (await now()) + 1_000]);
    await state.filter({ hasText: /finished|failed|stopped/ }).waitFor({ timeout: 120_000 });
    const ended = await now();
    await page
      .getByRole('status', { name: 'Checker verdict' })
      .filter({ hasNotText: /Checking/ })
      .waitFor();
    // The report is fetched and rendered after the last delta: a second's grace covers the paint.
    ends.push([ended - 500, (await now()) + 1_000]);
  }
  const wallS = (Date.now() - started) / 1000;
  const heapEnd = await heap();

  // The protocol diagram of the last run (20,000,000 events): the whole run's window asked of the
  // server, then a zoom to a narrow window, asked and drawn, its long tasks counted.
  const runId = new URL(page.url()).searchParams.get('run')!;
  const messagesUrl = (from: number, to: number) =>
    `${url}/api/runs/${runId}/messages?fromMs=${from}&toMs=${to}&limit=400`;
  const wholeRunMs = await page.evaluate<number>('performance.now()');
  const whole = (await (await page.request.get(messagesUrl(0, 2 ** 31))).json()) as { total: number };
  const serverWholeMs = (await page.evaluate<number>('performance.now()')) - wholeRunMs;
  const diagram = page.getByRole('region', { name: 'Protocol diagram' });
  await diagram.scrollIntoViewIfNeeded();
  const count = diagram.getByTestId('diagram-count');
  const before = await count.textContent();
  // A quarter of a second in the middle of the run, typed into the time window as a person would.
  const timeWindow = page.getByRole('group', { name: 'Time window' });
  const middle = Math.round(Number(await timeWindow.getByLabel('To (ms)').inputValue()) / 2);
  const zoomFrom = await now();
  await timeWindow.getByLabel('From (ms)').fill(String(middle));
  await page.keyboard.press('Enter');
  await timeWindow.getByLabel('To (ms)').fill(String(middle + 250));
  await page.keyboard.press('Enter');
  await count
    .filter({ hasNotText: before ?? '' })
    .filter({ hasText: `and ${middle + 250} ms` })
    .waitFor();
  const zoomed = await count.textContent();
  const zoomWindow: [number, number][] = [[zoomFrom, (await now()) + 500]];
  const { frames, longTasks: tasks } = await page.evaluate<{
    frames: number[];
    longTasks: { start: number; duration: number }[];
  }>('({ frames: window.__frames.slice(1), longTasks: window.__longTasks })');
  const longTasks = tasks.map((t) => t.duration);
  const within = (windows: [number, number][]) =>
    tasks.filter((t) => windows.some(([from, to]) => t.start + t.duration >= from && t.start <= to));
  const longest = (list: { duration: number }[]) =>
    `${list.length} over 50 ms, longest ${Math.max(0, ...list.map((t) => t.duration)).toFixed(0)} ms`;
  const atStart = within(starts);
  const atEnd = within(ends);
  const streaming = tasks.filter(
    (t) => !atStart.includes(t) && !atEnd.includes(t) && !within(zoomWindow).includes(t),
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
    `  baseline in the same page: a fixed loop of JavaScript took ${baselineMs.toFixed(0)} ms (median of 5)`,
  );
  console.log(
    `  first chart drawn ${firstChartMs.toFixed(0)} ms after navigation (${(firstChartMs / baselineMs).toFixed(1)}x the baseline loop); target < 1,000 ms: ${firstChartMs < 1_000 ? 'met' : 'NOT MET'}`,
  );
  console.log(`  long tasks at a run's start: ${longest(atStart)}`);
  console.log(`  long tasks when the run ends and its report arrives: ${longest(atEnd)}`);
  console.log(`  long tasks while streaming: ${longest(streaming)}`);
  const diagramTasks = within(zoomWindow);
  console.log(
    `  protocol diagram of the last run: ${whole.total.toLocaleString('en')} messages in all, the whole run's window answered in ${serverWholeMs.toFixed(0)} ms (${(serverWholeMs / baselineMs).toFixed(1)}x the baseline loop); zoomed: "${zoomed}"; long tasks while zooming: ${longest(diagramTasks)}; target no long task > 100 ms: ${Math.max(0, ...diagramTasks.map((t) => t.duration)) <= 100 ? 'met' : 'NOT MET'}`,
  );
  console.log(
    `  JS heap after garbage collection: ${mb(heapStart)} MB at start, ${mb(heapEnd)} MB at end (growth ${mb(heapEnd - heapStart)} MB)`,
  );
  const ok =
    firstChartMs < 1_000 &&
    percentile(frames, 0.95) < 20 &&
    Math.max(0, ...longTasks) <= 100 &&
    heapEnd - heapStart < 50 * 1024 * 1024;
  console.log(
    `  targets (first chart < 1 s, frame p95 < 20 ms, no long task > 100 ms, heap growth < 50 MB): ${ok ? 'met' : 'NOT MET'}`,
  );
} finally {
  await browser.close();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  rmSync(dataDir, { recursive: true, force: true });
}
