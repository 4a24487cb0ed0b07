/**
 * The load benchmark's watchers, spread over a few child processes: one process holding a thousand
 * socket.io clients spends most of its time parsing their copies of each delta one after the
 * other, and that queue is what it would measure as the server's latency. Each child opens its
 * share of the clients, records the latency of every delta they receive, and answers the
 * benchmark's commands over IPC (`serialization: 'advanced'`, so sample arrays travel as they are).
 * A child's first client is a socket.io-client, which decodes every delta as the dashboard does;
 * the others are light (light-watcher.ts), which read only a delta's seq, time and end: even
 * spread over processes, the decoding of every copy took the cores the servers needed.
 *
 * Run as a child: `node --import tsx watchers.ts <url> <count>`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { get } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Ack, ClientToServerEvents, RunDelta, ServerToClientEvents } from '@eolab/protocol';
import { io, type Socket } from 'socket.io-client';
import { LightWatcher } from './light-watcher';

export type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Clients connecting at once: a connect storm of thousands only measures the accept queue. */
const CONNECT_BATCH = 100;

/** Commands from the benchmark to a child, each answered by one message. */
type Command =
  | { type: 'watch'; runId: string }
  | { type: 'measure' }
  | { type: 'fetch'; url: string }
  | { type: 'close' };

/** What a child measured while `measure` was on, and the last delta whatever the time. */
export interface WatcherResults {
  latencies: Float64Array;
  finalLatencies: Float64Array;
  /** Per client, from its last delta until its report fetch completed (after `fetch`). */
  fetchMs: Float64Array;
  reportBytes: number;
  missed: number;
  /** The child's first client: deltas it got while measuring, their JSON and wire bytes. */
  firstDeltas: number;
  firstJsonBytes: number;
  firstWireBytes: number;
  finalJsonBytes: number;
  cpuUs: number;
  loopP50Ms: number;
  loopP99Ms: number;
}

/** Progress a child reports every second while measuring. */
interface Progress {
  type: 'progress';
  deltas: number;
  windowMaxMs: number;
}

export function connect(url: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket: Client = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

export function command<T>(socket: Client, event: keyof ClientToServerEvents, payload: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    (socket.emit as (e: string, p: unknown, cb: (r: Ack<T>) => void) => void)(event, payload, (r) =>
      r.ok ? resolve(r.data) : reject(new Error(`${event}: ${r.error}`)),
    );
  });
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
export function fetchLength(url: string): Promise<number> {
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

/** Latencies in ms, grown by doubling (a million fit in 8 MB). */
export class Samples {
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
  take(): Float64Array {
    return this.values.slice(0, this.length);
  }
}

/** The child's side: its clients, their deltas, and the answers to the benchmark's commands. */
async function child(url: string, count: number): Promise<void> {
  const send = (message: unknown) => process.send!(message);
  let runId = '';
  let measuring = false;
  const latencies = new Samples();
  const finalLatencies = new Samples();
  let finals = 0;
  const finalAt: number[] = [];
  const fetchMs = new Samples();
  let reportBytes = 0;
  let missed = 0;
  let firstDeltas = 0;
  let firstJsonBytes = 0;
  let finalJsonBytes = 0;
  let windowMaxMs = 0;
  let wireFrom = 0;
  let cpuFrom = process.cpuUsage();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  let progress: NodeJS.Timeout | undefined;

  /** Watcher `index`'s delta: its latency, a gap in its sequence, its run's end. */
  const lastSeq: number[] = [];
  const onDelta = (index: number, seq: number, sentAtMs: number, final: boolean): boolean => {
    if (!measuring && !final) return false;
    const latencyMs = Date.now() - sentAtMs;
    latencies.push(latencyMs);
    if (latencyMs > windowMaxMs) windowMaxMs = latencyMs;
    const last = lastSeq[index] ?? 0;
    if (last !== 0 && seq > last + 1) missed += seq - last - 1;
    lastSeq[index] = seq;
    if (final && finalAt[index] === undefined) {
      finalLatencies.push(latencyMs);
      finalAt[index] = Date.now();
      if (++finals === count) send({ type: 'finals' });
    }
    return true;
  };

  // The first watcher decodes every delta as the dashboard does (and tells their sizes); the
  // others read only what latency needs (light-watcher.ts: why).
  const first = await connect(url);
  first.on('run:delta', (d: RunDelta) => {
    if (d.runId !== runId) return;
    const final = d.outcome !== null && d.state !== 'running';
    if (!onDelta(0, d.seq, d.sentAt, final)) return;
    firstJsonBytes += JSON.stringify(d).length;
    firstDeltas++;
    if (final) finalJsonBytes = JSON.stringify(d).length;
  });
  const light: LightWatcher[] = [];
  for (let i = 1; i < count; i += CONNECT_BATCH) {
    const batch = Math.min(CONNECT_BATCH, count - i);
    light.push(
      ...(await Promise.all(
        Array.from({ length: batch }, (_, j) =>
          LightWatcher.connect(url, (seq, sentAtMs, final) => onDelta(i + j, seq, sentAtMs, final)),
        ),
      )),
    );
  }

  process.on('message', async (message: Command) => {
    if (message.type === 'watch') {
      runId = message.runId;
      await Promise.all([command(first, 'run:watch', { runId }), ...light.map((w) => w.watch(runId))]);
      send({ type: 'watching' });
    } else if (message.type === 'measure') {
      measuring = true;
      wireFrom = wireBytesRead(first);
      cpuFrom = process.cpuUsage();
      loop.enable();
      progress = setInterval(() => {
        send({ type: 'progress', deltas: latencies.length, windowMaxMs } satisfies Progress);
        windowMaxMs = 0;
      }, 1_000);
      send({ type: 'measuring' });
    } else if (message.type === 'fetch') {
      measuring = false;
      clearInterval(progress);
      const cpu = process.cpuUsage(cpuFrom);
      loop.disable();
      const wire = wireBytesRead(first) - wireFrom;
      const started = Date.now();
      await Promise.all(
        Array.from({ length: count }, async (_, index) => {
          // A path is fetched from this process's own server (in a cluster, each has its own).
          reportBytes = await fetchLength(message.url.startsWith('/') ? `${url}${message.url}` : message.url);
          fetchMs.push(Date.now() - (finalAt[index] ?? started));
        }),
      );
      send({
        type: 'results',
        results: {
          latencies: latencies.take(),
          finalLatencies: finalLatencies.take(),
          fetchMs: fetchMs.take(),
          reportBytes,
          missed,
          firstDeltas,
          firstJsonBytes,
          firstWireBytes: wire,
          finalJsonBytes,
          cpuUs: cpu.user + cpu.system,
          loopP50Ms: loop.percentile(50) / 1e6,
          loopP99Ms: loop.percentile(99) / 1e6,
        } satisfies WatcherResults,
      });
    } else if (message.type === 'close') {
      first.disconnect();
      for (const w of light) w.close();
      process.disconnect();
    }
  });
  send({ type: 'connected' });
}

/** The benchmark's side: `count` watchers over `processes` children. */
export class WatcherGroup {
  private constructor(
    private readonly children: ChildProcess[],
    readonly onProgress: (deltas: number, windowMaxMs: number) => void,
  ) {}

  private readonly progress = new Map<ChildProcess, Progress>();

  /** `url`: the server every watcher connects to, or several, taken in turn by the processes. */
  static async start(
    url: string | readonly string[],
    count: number,
    processes: number,
    onProgress: (deltas: number, windowMaxMs: number) => void,
  ): Promise<WatcherGroup> {
    const children = Array.from({ length: processes }, (_, i) => {
      const share = Math.floor(count / processes) + (i < count % processes ? 1 : 0);
      const server = typeof url === 'string' ? url : url[i % url.length]!;
      return fork(new URL(import.meta.url).pathname, [server, String(share)], {
        execArgv: ['--import', 'tsx'],
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
    });
    const group = new WatcherGroup(children, onProgress);
    for (const c of children) {
      c.on('message', (m: { type: string }) => {
        if (m.type !== 'progress') return;
        group.progress.set(c, m as Progress);
        let deltas = 0;
        let worst = 0;
        for (const p of group.progress.values()) {
          deltas += p.deltas;
          worst = Math.max(worst, p.windowMaxMs);
        }
        if (group.progress.size === children.length) {
          group.onProgress(deltas, worst);
          group.progress.clear();
        }
      });
    }
    await group.all('connected');
    return group;
  }

  /** Resolves when every child has sent a message of this type; with its messages, in child order. */
  private all<T>(type: string): Promise<T[]> {
    return Promise.all(
      this.children.map(
        (c) =>
          new Promise<T>((resolve, reject) => {
            const onMessage = (m: { type: string }) => {
              if (m.type !== type) return;
              c.off('message', onMessage);
              resolve(m as T);
            };
            c.on('message', onMessage);
            c.once('exit', (code) => reject(new Error(`a watcher process exited with ${code}`)));
          }),
      ),
    );
  }

  private tell(message: Command): void {
    for (const c of this.children) c.send(message);
  }

  async watch(runId: string): Promise<void> {
    const watching = this.all('watching');
    this.tell({ type: 'watch', runId });
    await watching;
  }

  async measure(): Promise<void> {
    const measuring = this.all('measuring');
    this.tell({ type: 'measure' });
    await measuring;
  }

  /** Resolves when every watcher has its run's last delta. */
  finals(): Promise<unknown> {
    return this.all('finals');
  }

  /** Ends the measurement, has every watcher fetch `url` once, and collects what each child measured. */
  async fetchAndCollect(url: string): Promise<WatcherResults[]> {
    const results = this.all<{ results: WatcherResults }>('results');
    this.tell({ type: 'fetch', url });
    return (await results).map((r) => r.results);
  }

  /** Asks every child to disconnect and exit; kills one that has not within five seconds. */
  async close(): Promise<void> {
    await Promise.all(
      this.children.map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        const exited = new Promise((resolve) => c.once('exit', resolve));
        if (c.connected) c.send({ type: 'close' } satisfies Command);
        const timer = setTimeout(() => c.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

if (process.send !== undefined && process.argv[2] !== undefined) {
  void child(process.argv[2], Number(process.argv[3])).catch((error: unknown) => {
    console.error('watcher process failed:', error);
    process.exit(1);
  });
}
