/**
 * Load benchmark: this process starts the compiled server (`dist/main.js`) as a child process; the
 * watchers, socket.io clients on loopback (WebSocket only, as the dashboard), are spread over a
 * few more processes (`watchers.ts`), all watching one run of the `live-demo` preset (stretched to
 * the engine's largest event count) at max speed.
 *
 *   npm run bench:server                       1000 watchers, 15 s of measurement, 2 processes
 *   npm run bench:server -- 2000 10            2000 watchers, 10 s
 *   npm run bench:server -- 1000 15 --deflate  the server with permessage-deflate on
 *   npm run bench:server -- 1000 15 --processes=1   every watcher in one process
 *   npm run bench:server -- 5000 15 --cluster  5000 watchers over two servers joined through Redis,
 *                                              beside one server on its own (cluster-bench.ts)
 *
 * Phases: (1) the baseline: a run like the measured one with one watcher (this process's control
 * client): the server's CPU and that watcher's latency; (2) every watcher watches a fresh run:
 * delivery latency from the server's emit (`RunDelta.sentAt`) to each receipt, deltas per second,
 * bytes per delta on the wire, deltas lost (volatile emits a busy client could not take), the CPU
 * the server spent sending deltas (`deltaSendCpuUs` from `/api/health`) per 1,000 watchers, and
 * the watcher processes' own CPU and event-loop delay (a delta waits at least that long to be
 * read); (3) the run ends (or is stopped): its last delta, with the outcome, goes to every watcher;
 * (4) every watcher fetches the full report once over REST (`GET /api/runs/:id`), as the dashboard
 * does.
 *
 * Bounded in time: a watchdog ends everything whatever happens. Exit code 0 when the targets are
 * met (every delta p99 < 100 ms up to 1,000 watchers, < 250 ms up to 2,000; the fan-out < 50% of a
 * core per 1,000 watchers), 1 otherwise.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_NUM_EVENTS, presetScenario } from '@eolab/engine';
import type { HealthResponse, RunDelta } from '@eolab/protocol';
import { clusterBenchmark } from './cluster-bench';
import { type Client, command, connect, Samples, WatcherGroup, type WatcherResults } from './watchers';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const deflate = process.argv.includes('--deflate');
/** Issue 22: two servers joined through Redis beside one on its own (cluster-bench.ts). */
const cluster = process.argv.includes('--cluster');
const processes = positiveArg(
  process.argv.find((a) => a.startsWith('--processes='))?.slice('--processes='.length),
  2,
);
const watchers = positiveArg(args[0], 1000);
const measureS = positiveArg(args[1], 15);
/** Every delta's p99, by number of watchers (issue 12). */
const targetP99Ms = watchers <= 1000 ? 100 : 250;
/** The fan-out's share of one core, per 1,000 watchers. */
const TARGET_FANOUT_CORE = 0.5;
/** The baseline phase: the same run with one watcher. */
const BASELINE_S = 5;

function positiveArg(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(
      `usage: load-bench [watchers >= 1] [seconds >= 1] [--deflate] [--processes=N >= 1] (got '${raw}')`,
    );
    process.exit(2);
  }
  return n;
}

function startServer(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const main = join(import.meta.dirname, '../dist/main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: build the server first (npm run build)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main], {
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
        EOLAB_DATA_DIR: dataDir,
        EOLAB_WEB_DIR: join(dataDir, 'no-dashboard'),
        EOLAB_MAX_EVENTS_PER_RUN: String(MAX_NUM_EVENTS),
        EOLAB_SOCKET_DEFLATE: deflate ? 'on' : 'off',
        // Every watcher connects, and fetches the report, from this one address.
        EOLAB_SOCKET_CONNECTIONS_PER_MINUTE: '1000000',
        EOLAB_CONNECTIONS_PER_ADDRESS: '1000000',
        EOLAB_API_REQUESTS_PER_SECOND: '1000000',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1] !== undefined) resolve({ child, url: match[1] });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

/** `/api/health` over a fresh connection (no keep-alive to race with), with a timeout. */
function health(url: string): Promise<HealthResponse> {
  return new Promise((resolve, reject) => {
    const req = get(`${url}/api/health`, { agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve(JSON.parse(body) as HealthResponse));
    });
    req.on('timeout', () => req.destroy(new Error('health check timed out')));
    req.on('error', reject);
  });
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** `all` minus the values of `some` (both sorted ascending; `some` is a sub-multiset of `all`). */
function withoutFinals(all: Float64Array, some: Float64Array): Float64Array {
  const out = new Float64Array(all.length - some.length);
  let j = 0;
  let k = 0;
  for (const v of all) {
    if (j < some.length && some[j] === v) j++;
    else out[k++] = v;
  }
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

const cpuS = (h: HealthResponse) => (h.cpu.user + h.cpu.system) / 1e6;
const pct = (share: number) => `${(share * 100).toFixed(0)}%`;
const ms = (v: number) => `${Number.isNaN(v) ? '-' : v.toFixed(0)} ms`;
const yes = (met: boolean) => (met ? 'met' : 'NOT MET');

/** Every child's samples in one sorted array. */
function merged(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.sort();
}

async function main(): Promise<boolean> {
  const dataDir = mkdtempSync(join(tmpdir(), 'eolab-bench-'));
  const { child, url } = await startServer(dataDir);
  let group: WatcherGroup | null = null;
  let control: Client | null = null;
  const watchdog = setTimeout(
    () => {
      console.error('load benchmark: watchdog fired, giving up');
      child.kill('SIGKILL');
      process.exit(1);
    },
    (180 + measureS * 2) * 1000,
  );
  try {
    const connectStarted = Date.now();
    let windowDeltas = 0;
    let windowMaxMs = 0;
    group = await WatcherGroup.start(url, watchers, processes, (deltas, worst) => {
      windowDeltas = deltas;
      windowMaxMs = worst;
    });
    control = await connect(url);
    process.stderr.write(
      `load: ${watchers} watchers connected over ${processes} processes in ${Date.now() - connectStarted} ms\n`,
    );

    const scenario = { ...presetScenario('live-demo', 'EXACTLY_ONCE')!, numEvents: MAX_NUM_EVENTS };
    const createRun = () =>
      command<{ runId: string }>(control!, 'run:create', { scenario, speed: 'max', start: false });

    // (1) Baseline: a run like the measured one, at max speed, with one watcher (this process's).
    const baseline = await createRun();
    const baseLatencies = new Samples();
    let baseMeasuring = false;
    const onBaseDelta = (d: RunDelta) => {
      if (baseMeasuring && d.runId === baseline.runId) baseLatencies.push(Date.now() - d.sentAt);
    };
    control.on('run:delta', onBaseDelta);
    await command(control, 'run:watch', baseline);
    await command(control, 'run:control', { ...baseline, action: 'start' });
    await sleep(1_000);
    const baseFrom = await health(url);
    const baseFromAt = Date.now();
    baseMeasuring = true;
    await sleep(BASELINE_S * 1_000);
    baseMeasuring = false;
    const baseTo = await health(url);
    const baseCore = (cpuS(baseTo) - cpuS(baseFrom)) / ((Date.now() - baseFromAt) / 1000);
    await command(control, 'run:control', { ...baseline, action: 'stop' }).catch(() => {});
    await command(control, 'run:unwatch', baseline);
    control.off('run:delta', onBaseDelta);

    // (2) Every watcher watches a fresh run; the snapshots' burst settles before measuring.
    const { runId } = await createRun();
    await group.watch(runId);
    let ended = false;
    const allFinal = group.finals().then(
      () => {
        ended = true;
      },
      // A watcher process that died is reported by the steps that need it.
      () => {},
    );
    await sleep(1_000);
    const before = await health(url);
    const beforeAt = Date.now();
    let peakRss = before.rssBytes;
    await group.measure();
    await command(control, 'run:control', { runId, action: 'start' });
    while (Date.now() - beforeAt < measureS * 1000 && !ended) {
      await Promise.race([sleep(1_000), allFinal]);
      const sample = await health(url);
      peakRss = Math.max(peakRss, sample.rssBytes);
      process.stderr.write(
        `load: ${((Date.now() - beforeAt) / 1000).toFixed(0)} s, ${windowDeltas.toLocaleString('en')} deltas, worst latency this second ${windowMaxMs} ms, server RSS ${mb(sample.rssBytes)}\n`,
      );
    }
    const after = await health(url);
    const wallS = (Date.now() - beforeAt) / 1000;
    const allCore = (cpuS(after) - cpuS(before)) / wallS;
    const sendCpuUs = (h: HealthResponse) => {
      if (h.deltaSendCpuUs === undefined) throw new Error('the server does not report deltaSendCpuUs');
      return h.deltaSendCpuUs;
    };
    const fanoutCore = (sendCpuUs(after) - sendCpuUs(before)) / 1e6 / wallS;
    const fanoutPer1000 = (fanoutCore / watchers) * 1000;

    // (3) The run ends (or is stopped): its last delta, with the outcome, goes to every watcher.
    const endedByItself = ended;
    // The run may end on its own between the last check and the stop: then its last delta is on the way.
    if (!ended) await command(control, 'run:control', { runId, action: 'stop' }).catch(() => {});
    await Promise.race([allFinal, sleep(30_000)]);

    // (4) Every watcher fetches the full report once, with the snapshot, as the dashboard does.
    const fetchStarted = Date.now();
    const results: WatcherResults[] = await group.fetchAndCollect(`${url}/api/runs/${runId}`);
    const allFetchedS = (Date.now() - fetchStarted) / 1000;

    const sorted = merged(results.map((r) => r.latencies));
    const p99 = percentile(sorted, 0.99);
    const finalSorted = merged(results.map((r) => r.finalLatencies));
    const liveSorted = withoutFinals(sorted, finalSorted);
    const fetchSorted = merged(results.map((r) => r.fetchMs));
    const baseSorted = baseLatencies.take().sort();
    const first = results[0]!;
    const missed = results.reduce((n, r) => n + r.missed, 0);
    const clientCpuCore = results.reduce((n, r) => n + r.cpuUs, 0) / 1e6 / wallS;
    const loopP99 = Math.max(...results.map((r) => r.loopP99Ms));
    const loopP50 = Math.max(...results.map((r) => r.loopP50Ms));
    const perSecond = first.firstDeltas / wallS;
    console.log(
      `server load benchmark: ${watchers} socket.io watchers (WebSocket only, permessage-deflate ${deflate ? 'on' : 'off'}; ${processes} client processes) of one run at max speed`,
    );
    console.log(
      `  run: live-demo preset, EXACTLY_ONCE, ${MAX_NUM_EVENTS.toLocaleString('en')} events, ${endedByItself ? 'finished' : 'stopped'} after ${wallS.toFixed(1)} s`,
    );
    console.log(
      `  deltas received ${liveSorted.length.toLocaleString('en')}: ${(liveSorted.length / wallS).toFixed(0)} msg/s, ${perSecond.toFixed(1)} per watcher per s; ${missed} lost to volatile emits; ${finalSorted.length}/${watchers} got the last delta`,
    );
    console.log(
      `  bytes per delta: ${(first.firstWireBytes / Math.max(1, first.firstDeltas) / 1024).toFixed(2)} KB on the wire (${(first.firstJsonBytes / Math.max(1, first.firstDeltas) / 1024).toFixed(2)} KB of JSON); the last delta ${(first.finalJsonBytes / 1024).toFixed(2)} KB of JSON`,
    );
    console.log(
      `  delivery latency (server emit -> client receipt), every delta: p50 ${ms(percentile(sorted, 0.5))}, p90 ${ms(percentile(sorted, 0.9))}, p99 ${ms(p99)}, max ${ms(sorted.at(-1) ?? Number.NaN)}`,
    );
    console.log(
      `    baseline, 1 watcher (same server, before the others watched): p50 ${ms(percentile(baseSorted, 0.5))}, p99 ${ms(percentile(baseSorted, 0.99))}`,
    );
    console.log(
      `    live deltas: p50 ${ms(percentile(liveSorted, 0.5))}, p99 ${ms(percentile(liveSorted, 0.99))}, max ${ms(liveSorted.at(-1) ?? Number.NaN)}`,
    );
    console.log(
      `    the last delta (outcome): p50 ${ms(percentile(finalSorted, 0.5))}, p99 ${ms(percentile(finalSorted, 0.99))}, max ${ms(finalSorted.at(-1) ?? Number.NaN)}`,
    );
    console.log(
      `  the report fetched once per watcher (GET /api/runs/:id, ${(first.reportBytes / 1024).toFixed(0)} KB, ${watchers} at once): from the last delta p50 ${ms(percentile(fetchSorted, 0.5))}, p99 ${ms(percentile(fetchSorted, 0.99))}; all in ${allFetchedS.toFixed(2)} s`,
    );
    console.log(
      `  server CPU: ${pct(allCore)} of a core in all with ${watchers} watchers (baseline, 1 watcher: ${pct(baseCore)}; the simulation at max speed takes what the others leave); sending deltas ${pct(fanoutCore)}, i.e. ${pct(fanoutPer1000)} of a core per 1,000 watchers; peak RSS ${mb(peakRss)}`,
    );
    console.log(
      `  watcher processes: CPU ${pct(clientCpuCore)} of a core in all; event-loop delay (the worst process) p50 ${ms(loopP50)}, p99 ${ms(loopP99)}`,
    );
    const latencyMet = p99 < targetP99Ms;
    const cpuMet = fanoutPer1000 < TARGET_FANOUT_CORE;
    console.log(
      `  target every delta p99 < ${targetP99Ms} ms at ${watchers} watchers: ${yes(latencyMet)}; fan-out < ${pct(TARGET_FANOUT_CORE)} of a core per 1,000 watchers: ${yes(cpuMet)}`,
    );
    return latencyMet && cpuMet;
  } finally {
    clearTimeout(watchdog);
    control?.disconnect();
    await group?.close();
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

(cluster ? clusterBenchmark(watchers, measureS) : main()).then(
  (met) => process.exit(met ? 0 : 1),
  (error: unknown) => {
    console.error('load benchmark failed:', error);
    process.exit(1);
  },
);
