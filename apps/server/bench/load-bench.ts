/**
 * Load benchmark: this process starts the server as a child process, opens many socket.io clients
 * to it on loopback, all watching one run of the `live-demo` preset (stretched to the engine's
 * largest event count) at max speed, and reports delivery latency from the server's emit
 * (`RunDelta.sentAt`) to each client's receipt, messages per second, deltas lost (volatile emits
 * a busy client could not take), and the server's CPU and memory (sampled from `/api/health`).
 *
 *   npm run bench:server                 1000 watchers, at most 20 s of measurement
 *   npm run bench:server -- 200 10       200 watchers, at most 10 s
 *
 * Bounded in time: a watchdog ends everything after the connect phase, the measurement and a short
 * tail, whatever happens. Exit code 0 when the target (p99 < 100 ms) is met, 1 otherwise.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_NUM_EVENTS, presetScenario } from '@eolab/engine';
import type {
  Ack,
  ClientToServerEvents,
  HealthResponse,
  RunDelta,
  ServerToClientEvents,
} from '@eolab/protocol';
import { io, type Socket } from 'socket.io-client';

const watchers = positiveArg(2, 1000);
const measureS = positiveArg(3, 20);
const TARGET_P99_MS = 100;
/** Clients connecting at once: a connect storm of thousands only measures the accept queue. */
const CONNECT_BATCH = 100;

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

function positiveArg(index: number, fallback: number): number {
  const raw = process.argv[index];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`usage: load-bench [watchers >= 1] [seconds >= 1] (got '${raw}')`);
    process.exit(2);
  }
  return n;
}

function startServer(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../src/main.ts')], {
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
        EOLAB_DATA_DIR: dataDir,
        EOLAB_WEB_DIR: join(dataDir, 'no-dashboard'),
        EOLAB_MAX_EVENTS_PER_RUN: String(MAX_NUM_EVENTS),
        // Every watcher connects from this one address.
        EOLAB_SOCKET_CONNECTIONS_PER_MINUTE: '1000000',
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

function command<T>(socket: Client, event: keyof ClientToServerEvents, payload: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    (socket.emit as (e: string, p: unknown, cb: (r: Ack<T>) => void) => void)(event, payload, (r) =>
      r.ok ? resolve(r.data) : reject(new Error(`${event}: ${r.error}`)),
    );
  });
}

function connect(url: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket: Client = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
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

/** Latencies of every delta received, in ms (grown by doubling; a million fit in 8 MB). */
class Samples {
  private values = new Float64Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = v;
  }
  sorted(): Float64Array {
    return this.values.slice(0, this.length).sort();
  }
}

async function main(): Promise<boolean> {
  const dataDir = mkdtempSync(join(tmpdir(), 'eolab-bench-'));
  const { child, url } = await startServer(dataDir);
  const clients: Client[] = [];
  const watchdog = setTimeout(
    () => {
      console.error('load benchmark: watchdog fired, giving up');
      child.kill('SIGKILL');
      process.exit(1);
    },
    (120 + measureS * 2) * 1000,
  );
  try {
    const connectStarted = Date.now();
    for (let i = 0; i < watchers; i += CONNECT_BATCH) {
      const batch = Math.min(CONNECT_BATCH, watchers - i);
      clients.push(...(await Promise.all(Array.from({ length: batch }, () => connect(url)))));
    }
    process.stderr.write(`load: ${watchers} clients connected in ${Date.now() - connectStarted} ms\n`);

    const control = clients[0]!;
    const scenario = { ...presetScenario('live-demo', 'EXACTLY_ONCE')!, numEvents: MAX_NUM_EVENTS };
    const { runId } = await command<{ runId: string }>(control, 'run:create', {
      scenario,
      speed: 'max',
      start: false,
    });

    const latencies = new Samples();
    /** The last delta of a run carries its report (tens of KB), once per watcher: its latency is shown apart too. */
    const finalLatencies = new Samples();
    let finalBytes = 0;
    /** The latest second's worst latency, for the progress line: shows whether the tail is steady or a spike. */
    let windowMaxMs = 0;
    let bytes = 0;
    let missed = 0;
    let finals = 0;
    let finalDelta: RunDelta | null = null;
    let allFinal: () => void = () => {};
    const allFinalSeen = new Promise<void>((resolve) => {
      allFinal = resolve;
    });
    for (const client of clients) {
      let lastSeq = 0;
      client.on('run:delta', (d: RunDelta) => {
        const latencyMs = Date.now() - d.sentAt;
        latencies.push(latencyMs);
        if (latencyMs > windowMaxMs) windowMaxMs = latencyMs;
        // Approximate wire size without re-serialising every message: only the first client measures.
        if (client === control) bytes += JSON.stringify(d).length;
        if (lastSeq !== 0 && d.seq > lastSeq + 1) missed += d.seq - lastSeq - 1;
        lastSeq = d.seq;
        if (d.report !== null && d.state !== 'running') {
          finalLatencies.push(latencyMs);
          if (client === control) finalBytes = JSON.stringify(d).length;
          finalDelta = d;
          if (++finals === clients.length) allFinal();
        }
      });
    }
    await Promise.all(clients.map((c) => command(c, 'run:watch', { runId })));

    const before = await health(url);
    const clientCpuBefore = process.cpuUsage();
    let peakRss = before.rssBytes;
    const started = Date.now();
    await command(control, 'run:control', { runId, action: 'start' });
    while (Date.now() - started < measureS * 1000 && finals < clients.length) {
      await Promise.race([sleep(1_000), allFinalSeen]);
      const sample = await health(url);
      peakRss = Math.max(peakRss, sample.rssBytes);
      process.stderr.write(
        `load: ${((Date.now() - started) / 1000).toFixed(0)} s, ${latencies.length.toLocaleString('en')} deltas, worst latency this second ${windowMaxMs} ms, server RSS ${mb(sample.rssBytes)}\n`,
      );
      windowMaxMs = 0;
    }
    const after = await health(url);
    const wallS = (Date.now() - started) / 1000;
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const ended = finals > 0;
    if (!ended) await command(control, 'run:control', { runId, action: 'stop' }).catch(() => {});

    const sorted = latencies.sorted();
    const p99 = percentile(sorted, 0.99);
    const finalSorted = finalLatencies.sorted();
    const streamSorted = withoutFinals(sorted, finalSorted);
    const serverCpuS = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1e6;
    const emitted = (finalDelta as RunDelta | null)?.totals.emitted;
    console.log(
      `server load benchmark: ${watchers} socket.io watchers (one client process) of one run at max speed`,
    );
    console.log(
      `  run: live-demo preset, EXACTLY_ONCE, ${MAX_NUM_EVENTS.toLocaleString('en')} events; ${ended ? `finished after ${wallS.toFixed(1)} s (${emitted?.toLocaleString('en')} events emitted incl. replays)` : `stopped after ${wallS.toFixed(1)} s`}`,
    );
    console.log(
      `  deltas received ${latencies.length.toLocaleString('en')}: ${(latencies.length / wallS).toFixed(0)} msg/s, ${(latencies.length / wallS / watchers).toFixed(1)} per watcher per s, ~${(bytes / Math.max(1, latencies.length / watchers) / 1024).toFixed(1)} KB each; ${missed} lost to volatile emits; ${finals}/${watchers} got the final report`,
    );
    console.log(
      `  delivery latency (server emit -> client receipt), every delta: p50 ${percentile(sorted, 0.5)} ms, p90 ${percentile(sorted, 0.9)} ms, p99 ${p99} ms, max ${sorted.at(-1) ?? Number.NaN} ms`,
    );
    console.log(
      `    live deltas only (without the final one): p50 ${percentile(streamSorted, 0.5)} ms, p99 ${percentile(streamSorted, 0.99)} ms, max ${streamSorted.at(-1) ?? Number.NaN} ms`,
    );
    console.log(
      `    the final delta with the report (${(finalBytes / 1024).toFixed(0)} KB, to each watcher): p50 ${percentile(finalSorted, 0.5)} ms, p99 ${percentile(finalSorted, 0.99)} ms, max ${finalSorted.at(-1) ?? Number.NaN} ms`,
    );
    console.log(
      `  server: CPU ${((serverCpuS / wallS) * 100).toFixed(0)}% of one core, peak RSS ${mb(peakRss)}; client process: CPU ${(((clientCpu.user + clientCpu.system) / 1e6 / wallS) * 100).toFixed(0)}% of one core`,
    );
    const met = watchers >= 1000 && p99 < TARGET_P99_MS;
    console.log(`  target (1000 watchers, p99 < ${TARGET_P99_MS} ms): ${met ? 'met' : 'not met'}`);
    return met;
  } finally {
    clearTimeout(watchdog);
    for (const c of clients) c.disconnect();
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (met) => process.exit(met ? 0 : 1),
  (error: unknown) => {
    console.error('load benchmark failed:', error);
    process.exit(1);
  },
);
