/**
 * Load benchmark: a separate process opens many socket.io clients on loopback, all watching one
 * run at max speed, and reports delivery latency from the server's emit (`sentAt`) to each
 * client's receipt, messages per second, and the server's CPU and memory.
 *
 *   npm run bench:server                 (1000 watchers, 10 s)
 *   npm run bench:server -- 200 10       (200 watchers, 10 s)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Ack, ClientToServerEvents, RunDelta, ServerToClientEvents } from '@eolab/protocol';
import { io, type Socket } from 'socket.io-client';

const watchers = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 10);
type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

function startServer(): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../src/main.ts')], {
      env: {
        ...process.env,
        PORT: '0',
        LOG_LEVEL: 'warn',
        EOLAB_DATA_DIR: mkdtempSync(join(tmpdir(), 'eolab-bench-')),
        EOLAB_MAX_EVENTS_PER_RUN: '50000000',
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

function ack<T>(socket: Client, event: keyof ClientToServerEvents, payload: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    (socket.emit as (e: string, p: unknown, cb: (r: Ack<T>) => void) => void)(event, payload, (r) =>
      r.ok ? resolve(r.data) : reject(new Error(r.error)),
    );
  });
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

async function health(url: string): Promise<{ cpu: { user: number; system: number }; rssBytes: number }> {
  const res = await fetch(`${url}/api/health`);
  return (await res.json()) as { cpu: { user: number; system: number }; rssBytes: number };
}

const { child, url } = await startServer();
const clients: Client[] = [];
try {
  for (let i = 0; i < watchers; i++) {
    const socket: Client = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    clients.push(socket);
  }
  await Promise.all(
    clients.map(
      (c) => new Promise<void>((resolve) => (c.connected ? resolve() : c.once('connect', () => resolve()))),
    ),
  );
  const control = clients[0]!;
  const { runId } = await ack<{ runId: string }>(control, 'run:create', {
    scenario: {
      name: 'load',
      mode: 'EXACTLY_ONCE',
      numEvents: 50_000_000,
      source: { throttleUntilPosition: 50 },
    },
    speed: 'max',
    start: false,
  });
  const latencies: number[] = [];
  let messages = 0;
  for (const c of clients) {
    c.on('run:delta', (d: RunDelta) => {
      latencies.push(Date.now() - d.sentAt);
      messages++;
    });
  }
  await Promise.all(clients.map((c) => ack(c, 'run:watch', { runId })));
  const before = await health(url);
  let peakRss = before.rssBytes;
  const started = Date.now();
  await ack(control, 'run:control', { runId, action: 'start' });
  while (Date.now() - started < seconds * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    peakRss = Math.max(peakRss, (await health(url)).rssBytes);
    process.stderr.write(
      `load: ${Math.round((Date.now() - started) / 1000)}/${seconds} s, ${messages} deltas received\n`,
    );
  }
  const after = await health(url);
  const wallS = (Date.now() - started) / 1000;
  await ack(control, 'run:control', { runId, action: 'stop' }).catch(() => {});
  latencies.sort((a, b) => a - b);
  const cpuS = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1e6;
  console.log(
    `server load benchmark: ${watchers} socket.io watchers of one EXACTLY_ONCE run at max speed, ${wallS.toFixed(1)} s`,
  );
  console.log(
    `  deltas received ${messages.toLocaleString('en')} (${(messages / wallS).toFixed(0)} msg/s, ${(messages / wallS / watchers).toFixed(1)} per watcher per s)`,
  );
  console.log(
    `  delivery latency (server emit -> client receipt): p50 ${percentile(latencies, 0.5)} ms, p99 ${percentile(latencies, 0.99)} ms, max ${latencies.at(-1) ?? 0} ms`,
  );
  console.log(
    `  server CPU ${((cpuS / wallS) * 100).toFixed(0)}% of one core, peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MB`,
  );
  console.log(
    `  target (p99 < 100 ms with 1000 watchers): ${watchers >= 1000 && percentile(latencies, 0.99) < 100 ? 'met' : 'not met'}`,
  );
} finally {
  for (const c of clients) c.disconnect();
  child.kill('SIGTERM');
}
