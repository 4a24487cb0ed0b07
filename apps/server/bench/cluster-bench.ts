/**
 * The load benchmark's cluster mode (issue 22): `npm run bench:server -- 5000 15 --cluster`.
 *
 * Two phases in one run, the same run and the same watchers each time:
 *   (1) the baseline: one server on its own (SQLite, no Redis), every watcher on it;
 *   (2) the cluster: Debian's redis-server, an embedded PostgreSQL for the history, servers A and
 *       B joined through Redis; the run lives on A, half the watcher processes watch it on A and
 *       half on B (whose copies of each delta come through Redis's stream).
 * Each phase: every watcher watches a fresh `live-demo` run stretched to the engine's largest event
 * count at max speed for the measured seconds; delivery latency from A's emit (`RunDelta.sentAt`,
 * one clock: all on this machine) to each receipt, deltas lost to volatile emits, and the CPU of
 * each server and of Redis (from /proc) over the measurement. Target: every delta p99 < 250 ms at
 * 5,000 watchers over two servers. Exit code 0 when met, 1 otherwise. EOLAB_BENCH_CPU_PROF=DIR
 * writes each server's CPU profile (.cpuprofile) to DIR.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_NUM_EVENTS, presetScenario } from '@eolab/engine';
import { type PostgresServer, startPostgres } from '@eolab/postgres-backend';
import { type RedisServer, startRedis } from '../../../scripts/redis-server.mjs';
import { command, connect, WatcherGroup, type WatcherResults } from './watchers';

const TARGET_P99_MS = 250;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

interface Server {
  child: ChildProcess;
  url: string;
}

/** A process's CPU seconds so far (user + system), from /proc. */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function startServer(dataDir: string, env: Record<string, string>): Promise<Server> {
  const main = join(import.meta.dirname, '../dist/main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: build the server first (npm run build)`);
  return new Promise((resolve, reject) => {
    // EOLAB_BENCH_CPU_PROF=DIR: each server writes its CPU profile there when it stops (Node refuses
    // --cpu-prof in NODE_OPTIONS).
    const profile = process.env.EOLAB_BENCH_CPU_PROF;
    const flags = profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`];
    const child = spawn(process.execPath, [...flags, main], {
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
        EOLAB_DATA_DIR: dataDir,
        EOLAB_WEB_DIR: join(dataDir, 'no-dashboard'),
        EOLAB_MAX_EVENTS_PER_RUN: String(MAX_NUM_EVENTS),
        // Every watcher connects, and fetches the report, from this one address.
        EOLAB_SOCKET_CONNECTIONS_PER_MINUTE: '1000000',
        EOLAB_CONNECTIONS_PER_ADDRESS: '1000000',
        EOLAB_API_REQUESTS_PER_SECOND: '1000000',
        ...env,
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

async function stopServer({ child }: Server): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function merged(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.sort();
}

interface PhaseResult {
  latencies: Float64Array;
  /** Per server the watchers connected to (in `watcherUrls` order): their latencies. */
  byServer: Float64Array[];
  /** The watcher processes' CPU, a share of a core. */
  watcherCore: number;
  missed: number;
  finals: number;
  wallS: number;
  /** Each process's share of a core over the measurement, by name. */
  cores: [string, number][];
}

/**
 * One phase: `watchers` over `processes` processes, taking the servers in `watcherUrls` in turn,
 * watch a fresh run on `runServer`; `measured` are the processes whose CPU is reported.
 */
async function phase(
  runServer: Server,
  watcherUrls: string[],
  watchers: number,
  measureS: number,
  measured: [string, number][],
): Promise<PhaseResult> {
  const processes = Math.max(2, watcherUrls.length);
  const group = await WatcherGroup.start(watcherUrls, watchers, processes, () => {});
  const control = await connect(runServer.url);
  try {
    const scenario = { ...presetScenario('live-demo', 'EXACTLY_ONCE')!, numEvents: MAX_NUM_EVENTS };
    const { runId } = await command<{ runId: string }>(control, 'run:create', {
      scenario,
      speed: 'max',
      start: false,
    });
    await group.watch(runId);
    let ended = false;
    const finals = group.finals().then(
      () => {
        ended = true;
      },
      () => {},
    );
    // The snapshots' burst settles before measuring.
    await sleep(1_000);
    const cpuFrom = measured.map(([, pid]) => cpuSecondsOf(pid));
    const from = Date.now();
    await group.measure();
    await command(control, 'run:control', { runId, action: 'start' });
    while (Date.now() - from < measureS * 1000 && !ended) await Promise.race([sleep(500), finals]);
    const wallS = (Date.now() - from) / 1000;
    const cores = measured.map(([name, pid], i): [string, number] => [
      name,
      (cpuSecondsOf(pid) - cpuFrom[i]!) / wallS,
    ]);
    if (!ended) await command(control, 'run:control', { runId, action: 'stop' }).catch(() => {});
    await Promise.race([finals, sleep(30_000)]);
    const results: WatcherResults[] = await group.fetchAndCollect(`/api/runs/${runId}`);
    // WatcherGroup gives child i the server watcherUrls[i % length].
    const byServer = watcherUrls.map((_, server) =>
      merged(results.filter((_, i) => i % watcherUrls.length === server).map((r) => r.latencies)),
    );
    return {
      latencies: merged(results.map((r) => r.latencies)),
      byServer,
      watcherCore: results.reduce((n, r) => n + r.cpuUs, 0) / 1e6 / wallS,
      missed: results.reduce((n, r) => n + r.missed, 0),
      finals: results.reduce((n, r) => n + r.finalLatencies.length, 0),
      wallS,
      cores,
    };
  } finally {
    control.disconnect();
    await group.close();
  }
}

const ms = (v: number) => `${Number.isNaN(v) ? '-' : v.toFixed(0)} ms`;
const pct = (share: number) => `${(share * 100).toFixed(0)}%`;

function describe(label: string, watchers: number, r: PhaseResult, servers: string[]): void {
  const l = r.latencies;
  console.log(
    `  ${label}: every delta p50 ${ms(percentile(l, 0.5))}, p90 ${ms(percentile(l, 0.9))}, p99 ${ms(percentile(l, 0.99))}, max ${ms(l.at(-1) ?? Number.NaN)}; ${l.length.toLocaleString('en')} deltas in ${r.wallS.toFixed(1)} s, ${r.missed} lost to volatile emits, ${r.finals}/${watchers} got the last delta`,
  );
  if (servers.length > 1)
    console.log(
      `    by server: ${servers.map((name, i) => `${name}'s watchers p50 ${ms(percentile(r.byServer[i]!, 0.5))}, p99 ${ms(percentile(r.byServer[i]!, 0.99))}`).join('; ')}`,
    );
  console.log(
    `    CPU (share of a core): ${r.cores.map(([name, core]) => `${name} ${pct(core)}`).join(', ')}, watcher processes ${pct(r.watcherCore)}`,
  );
}

export async function clusterBenchmark(watchers: number, measureS: number): Promise<boolean> {
  const scratch = mkdtempSync(join(tmpdir(), 'eolab-cluster-bench-'));
  let redis: RedisServer | null = null;
  let postgres: PostgresServer | null = null;
  const servers: Server[] = [];
  // Bounded in time whatever happens: what it started is killed and the benchmark fails.
  const watchdog = setTimeout(
    () => {
      console.error('cluster benchmark: watchdog fired, giving up');
      for (const s of servers) s.child.kill('SIGKILL');
      redis?.process.kill('SIGKILL');
      void postgres?.stop().finally(() => process.exit(1));
    },
    (300 + measureS * 4) * 1000,
  );
  try {
    // (1) One server on its own.
    const alone = await startServer(join(scratch, 'alone'), {});
    servers.push(alone);
    process.stderr.write(`cluster bench: baseline, ${watchers} watchers on one server...\n`);
    const baseline = await phase(alone, [alone.url], watchers, measureS, [['server', alone.child.pid!]]);
    await stopServer(alone);

    // (2) Two servers joined through Redis, the history in PostgreSQL.
    [redis, postgres] = await Promise.all([startRedis(), startPostgres({ exitOnSignal: false })]);
    const env = { EOLAB_REDIS_URL: redis.url, EOLAB_DATABASE_URL: postgres.url };
    const [a, b] = await Promise.all([
      startServer(join(scratch, 'a'), env),
      startServer(join(scratch, 'b'), env),
    ]);
    servers.push(a!, b!);
    process.stderr.write(`cluster bench: ${watchers} watchers over servers A and B...\n`);
    const cluster = await phase(a!, [a!.url, b!.url], watchers, measureS, [
      ['server A (runs it)', a!.child.pid!],
      ['server B', b!.child.pid!],
      ['Redis', redis.process.pid!],
    ]);

    const p99 = percentile(cluster.latencies, 0.99);
    console.log(
      `server load benchmark, cluster mode: ${watchers} socket.io watchers of one run at max speed (live-demo, ${MAX_NUM_EVENTS.toLocaleString('en')} events), ${measureS} s each`,
    );
    describe(`baseline, one server, all ${watchers} watchers on it`, watchers, baseline, ['the server']);
    describe(
      `cluster, the run on A, ${watchers / 2} watchers on A and ${watchers / 2} on B (through Redis)`,
      watchers,
      cluster,
      ['A', 'B'],
    );
    const met = p99 < TARGET_P99_MS;
    console.log(
      `  target every delta p99 < ${TARGET_P99_MS} ms at ${watchers} watchers over two servers: ${met ? 'met' : 'NOT MET'}`,
    );
    return met;
  } finally {
    clearTimeout(watchdog);
    await Promise.all(servers.map(stopServer));
    await postgres?.stop();
    await redis?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}
