/**
 * Load benchmark: this process starts the compiled server (`dist/main.js`) as a child process,
 * opens many socket.io clients to it on loopback (WebSocket only, as the dashboard), all watching
 * one run of the `live-demo` preset (stretched to the engine's largest event count) at max speed.
 *
 *   npm run bench:server                       1000 watchers, 15 s of measurement
 *   npm run bench:server -- 2000 10            2000 watchers, 10 s
 *   npm run bench:server -- 1000 15 --deflate  the server with permessage-deflate on
 *
 * Phases, on one run: (1) only one client watches, the baseline: the server's CPU for the
 * simulation and one watcher; (2) every client watches: delivery latency from the server's emit
 * (`RunDelta.sentAt`) to each client's receipt, deltas per second, bytes per delta on the wire,
 * deltas lost (volatile emits a busy client could not take), and the server's CPU and memory
 * (sampled from `/api/health`); the difference from (1) is the fan-out's cost, given per 1,000
 * watchers; (3) the run is stopped: the last delta (its outcome) reaches every watcher; (4) every
 * watcher fetches the full report once over REST (`GET /api/runs/:id`), as the dashboard does.
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
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MAX_NUM_EVENTS, presetScenario } from '@eolab/engine';
import type {
  Ack,
  ClientToServerEvents,
  HealthResponse,
  RunDelta,
  ServerToClientEvents,
} from '@eolab/protocol';
import { io, type Socket } from 'socket.io-client';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const deflate = process.argv.includes('--deflate');
const watchers = positiveArg(args[0], 1000);
const measureS = positiveArg(args[1], 15);
/** Every delta's p99, by number of watchers (issue 12). */
const targetP99Ms = watchers <= 1000 ? 100 : 250;
/** The fan-out's share of one core, per 1,000 watchers. */
const TARGET_FANOUT_CORE = 0.5;
/** The baseline phase: the same run with one watcher. */
const BASELINE_S = 5;
/** Clients connecting at once: a connect storm of thousands only measures the accept queue. */
const CONNECT_BATCH = 100;

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

function positiveArg(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`usage: load-bench [watchers >= 1] [seconds >= 1] [--deflate] (got '${raw}')`);
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

/** Bytes this client's TCP connection has read (frames as sent: compressed when deflate is on). */
function wireBytesRead(client: Client): number {
  const transport = (
    client.io.engine as unknown as { transport?: { ws?: { _socket?: { bytesRead?: number } } } }
  ).transport;
  const read = transport?.ws?._socket?.bytesRead;
  if (read === undefined)
    throw new Error('cannot read the socket’s byte count (socket.io-client internals moved)');
  return read;
}

/** GET over a fresh connection, as a separate dashboard would: resolves with the body's length. */
function fetchLength(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: 60_000 }, (res) => {
      let length = 0;
      res.on('data', (chunk: Buffer) => {
        length += chunk.length;
      });
      res.on('end', () =>
        res.statusCode === 200 ? resolve(length) : reject(new Error(`HTTP ${res.statusCode}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error('report fetch timed out')));
    req.on('error', reject);
  });
}

const cpuS = (h: HealthResponse) => (h.cpu.user + h.cpu.system) / 1e6;
const pct = (share: number) => `${(share * 100).toFixed(0)}%`;
const ms = (v: number) => `${Number.isNaN(v) ? '-' : v.toFixed(0)} ms`;
const yes = (met: boolean) => (met ? 'met' : 'NOT MET');

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
    (180 + measureS * 2) * 1000,
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
    const createRun = () =>
      command<{ runId: string }>(control, 'run:create', { scenario, speed: 'max', start: false });

    // (1) Baseline: a run like the measured one, at max speed, with one watcher.
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

    const { runId } = await createRun();
    /** Whether deltas now count: the baseline phase and the snapshots' burst are left out. */
    let measuring = false;
    const latencies = new Samples();
    /** The last delta of a run carries its outcome: its latency is shown apart too. */
    const finalLatencies = new Samples();
    const finalAt = new Map<Client, number>();
    let finalJsonBytes = 0;
    /** The latest second's worst latency, for the progress line: shows whether the tail is steady or a spike. */
    let windowMaxMs = 0;
    let jsonBytes = 0;
    let controlDeltas = 0;
    let missed = 0;
    let finals = 0;
    let allFinal: () => void = () => {};
    const allFinalSeen = new Promise<void>((resolve) => {
      allFinal = resolve;
    });
    for (const client of clients) {
      let lastSeq = 0;
      client.on('run:delta', (d: RunDelta) => {
        if (d.runId !== runId) return;
        const final = d.outcome !== null && d.state !== 'running';
        if (!measuring && !final) return;
        const latencyMs = Date.now() - d.sentAt;
        latencies.push(latencyMs);
        if (latencyMs > windowMaxMs) windowMaxMs = latencyMs;
        if (client === control) {
          jsonBytes += JSON.stringify(d).length;
          controlDeltas++;
        }
        if (lastSeq !== 0 && d.seq > lastSeq + 1) missed += d.seq - lastSeq - 1;
        lastSeq = d.seq;
        if (final) {
          finalLatencies.push(latencyMs);
          finalAt.set(client, Date.now());
          if (client === control) finalJsonBytes = JSON.stringify(d).length;
          if (++finals === clients.length) allFinal();
        }
      });
    }

    // (2) Every client watches; the snapshots' burst settles before measuring.
    await Promise.all(clients.map((c) => command(c, 'run:watch', { runId })));
    await sleep(1_000);
    const before = await health(url);
    const beforeAt = Date.now();
    const wireBefore = wireBytesRead(control);
    const clientCpuBefore = process.cpuUsage();
    // The client process's own event-loop delay: a delta waits at least that long to be read.
    const clientLoop = monitorEventLoopDelay({ resolution: 10 });
    clientLoop.enable();
    let peakRss = before.rssBytes;
    measuring = true;
    await command(control, 'run:control', { runId, action: 'start' });
    while (Date.now() - beforeAt < measureS * 1000 && finals === 0) {
      await Promise.race([sleep(1_000), allFinalSeen]);
      const sample = await health(url);
      peakRss = Math.max(peakRss, sample.rssBytes);
      process.stderr.write(
        `load: ${((Date.now() - beforeAt) / 1000).toFixed(0)} s, ${latencies.length.toLocaleString('en')} deltas, worst latency this second ${windowMaxMs} ms, server RSS ${mb(sample.rssBytes)}\n`,
      );
      windowMaxMs = 0;
    }
    const after = await health(url);
    const wallS = (Date.now() - beforeAt) / 1000;
    const wireBytes = wireBytesRead(control) - wireBefore;
    const deltasMeasured = controlDeltas;
    const clientCpu = process.cpuUsage(clientCpuBefore);
    clientLoop.disable();
    const allCore = (cpuS(after) - cpuS(before)) / wallS;
    const sendCpuUs = (h: HealthResponse) => {
      if (h.deltaSendCpuUs === undefined) throw new Error('the server does not report deltaSendCpuUs');
      return h.deltaSendCpuUs;
    };
    const fanoutCore = (sendCpuUs(after) - sendCpuUs(before)) / 1e6 / wallS;
    const fanoutPer1000 = (fanoutCore / watchers) * 1000;

    // (3) The run ends (or is stopped): its last delta, with the outcome, goes to every watcher.
    let ended = finals > 0;
    // The run may end on its own between the last check and the stop: then its last delta is on the way.
    if (!ended) await command(control, 'run:control', { runId, action: 'stop' }).catch(() => (ended = true));
    await Promise.race([allFinalSeen, sleep(30_000)]);

    // (4) Every watcher fetches the full report once, with the snapshot, as the dashboard does.
    const fetchStarted = Date.now();
    const fetchTimes = new Samples();
    let reportBytes = 0;
    await Promise.all(
      clients.map(async (client) => {
        const length = await fetchLength(`${url}/api/runs/${runId}`);
        reportBytes = length;
        fetchTimes.push(Date.now() - (finalAt.get(client) ?? fetchStarted));
      }),
    );
    const allFetchedS = (Date.now() - fetchStarted) / 1000;

    const sorted = latencies.sorted();
    const p99 = percentile(sorted, 0.99);
    const finalSorted = finalLatencies.sorted();
    const liveSorted = withoutFinals(sorted, finalSorted);
    const fetchSorted = fetchTimes.sorted();
    const perDelta = wireBytes / Math.max(1, deltasMeasured);
    console.log(
      `server load benchmark: ${watchers} socket.io watchers (WebSocket only, permessage-deflate ${deflate ? 'on' : 'off'}; one client process) of one run at max speed`,
    );
    console.log(
      `  run: live-demo preset, EXACTLY_ONCE, ${MAX_NUM_EVENTS.toLocaleString('en')} events, ${ended ? 'finished' : 'stopped'} after ${wallS.toFixed(1)} s`,
    );
    console.log(
      `  deltas received ${liveSorted.length.toLocaleString('en')}: ${(liveSorted.length / wallS).toFixed(0)} msg/s, ${(deltasMeasured / wallS).toFixed(1)} per watcher per s; ${missed} lost to volatile emits; ${finals}/${watchers} got the last delta`,
    );
    console.log(
      `  bytes per delta: ${(perDelta / 1024).toFixed(2)} KB on the wire (${(jsonBytes / Math.max(1, deltasMeasured) / 1024).toFixed(2)} KB of JSON); the last delta ${(finalJsonBytes / 1024).toFixed(2)} KB of JSON`,
    );
    console.log(
      `  delivery latency (server emit -> client receipt), every delta: p50 ${ms(percentile(sorted, 0.5))}, p90 ${ms(percentile(sorted, 0.9))}, p99 ${ms(p99)}, max ${ms(sorted.at(-1) ?? Number.NaN)}`,
    );
    const baseSorted = baseLatencies.sorted();
    console.log(
      `    baseline, 1 watcher (same process layout, before the others watched): p50 ${ms(percentile(baseSorted, 0.5))}, p99 ${ms(percentile(baseSorted, 0.99))}`,
    );
    console.log(
      `    live deltas: p50 ${ms(percentile(liveSorted, 0.5))}, p99 ${ms(percentile(liveSorted, 0.99))}, max ${ms(liveSorted.at(-1) ?? Number.NaN)}`,
    );
    console.log(
      `    the last delta (outcome): p50 ${ms(percentile(finalSorted, 0.5))}, p99 ${ms(percentile(finalSorted, 0.99))}, max ${ms(finalSorted.at(-1) ?? Number.NaN)}`,
    );
    console.log(
      `  the report fetched once per watcher (GET /api/runs/:id, ${(reportBytes / 1024).toFixed(0)} KB, ${watchers} at once): from the last delta p50 ${ms(percentile(fetchSorted, 0.5))}, p99 ${ms(percentile(fetchSorted, 0.99))}; all in ${allFetchedS.toFixed(2)} s`,
    );
    console.log(
      `  server CPU: ${pct(allCore)} of a core in all with ${watchers} watchers (baseline, 1 watcher: ${pct(baseCore)}; the simulation at max speed takes what the others leave); sending deltas ${pct(fanoutCore)}, i.e. ${pct(fanoutPer1000)} of a core per 1,000 watchers; peak RSS ${mb(peakRss)}`,
    );
    console.log(
      `  client process (the ${watchers} watchers): CPU ${pct((clientCpu.user + clientCpu.system) / 1e6 / wallS)} of a core; its event-loop delay p50 ${ms(clientLoop.percentile(50) / 1e6)}, p99 ${ms(clientLoop.percentile(99) / 1e6)}`,
    );
    const latencyMet = p99 < targetP99Ms;
    const cpuMet = fanoutPer1000 < TARGET_FANOUT_CORE;
    console.log(
      `  target every delta p99 < ${targetP99Ms} ms at ${watchers} watchers: ${yes(latencyMet)}; fan-out < ${pct(TARGET_FANOUT_CORE)} of a core per 1,000 watchers: ${yes(cpuMet)}`,
    );
    return latencyMet && cpuMet;
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
