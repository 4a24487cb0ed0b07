import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '@eolab/engine';
import type {
  Ack,
  ClientToServerEvents,
  RunDelta,
  RunSnapshot,
  RunSummary,
  ServerToClientEvents,
} from '@eolab/protocol';
import { pino } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { type App, type AppDeps, createApp } from '../src/app';
import { loadConfig } from '../src/config';

export type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface Harness {
  app: App;
  url: string;
  dataDir: string;
  client(options?: { auth?: { token: string }; extraHeaders?: Record<string, string> }): Promise<Client>;
  /** Stops the server and removes its data directory, unless `keepData` (a restart test reopens it). */
  close(options?: { keepData?: boolean }): Promise<void>;
}

/** A fresh temporary directory; whoever makes one removes it (`removeDir`). */
export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });

/** A real server on port 0 with a fresh (or given) data directory. */
export async function startServer(
  dataDir = tempDir('eolab-server-'),
  env: Record<string, string> = {},
  deps: Omit<AppDeps, 'config'> = {},
): Promise<Harness> {
  const config = loadConfig({
    EOLAB_DATA_DIR: dataDir,
    EOLAB_WEB_DIR: join(dataDir, 'no-web'),
    PORT: '0',
    ...env,
  });
  const app = createApp({ config, logger: pino({ level: 'silent' }), ...deps });
  await new Promise<void>((resolve) => app.http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.http.address() as AddressInfo).port}`;
  const clients: Client[] = [];
  return {
    app,
    url,
    dataDir,
    client: (options = {}) => connectedClient(url, clients, options),
    close: async ({ keepData = false } = {}) => {
      for (const c of clients) c.disconnect();
      await app.close();
      await new Promise<void>((resolve) => app.http.close(() => resolve()));
      if (!keepData) removeDir(dataDir);
    },
  };
}

/** Sends a command and resolves with its acknowledgement. */
export function command<T>(
  socket: Client,
  event: keyof ClientToServerEvents,
  payload: unknown,
): Promise<Ack<T>> {
  return new Promise((resolve) => {
    (socket.emit as (e: string, p: unknown, ack: (r: Ack<T>) => void) => void)(event, payload, resolve);
  });
}

export async function ok<T>(socket: Client, event: keyof ClientToServerEvents, payload: unknown): Promise<T> {
  const result = await command<T>(socket, event, payload);
  if (!result.ok) throw new Error(`${event} failed: ${result.error}`);
  return result.data;
}

/** A WebSocket client of the server at `url`, connected; kept in `track` for the test to disconnect. */
export async function connectedClient(
  url: string,
  track: Client[],
  options: { auth?: { token: string }; extraHeaders?: Record<string, string> } = {},
): Promise<Client> {
  const socket: Client = connect(url, { transports: ['websocket'], forceNew: true, ...options });
  track.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Resolves with the first `run:delta` of `runId` that `accept` takes. */
export function nextDelta(
  socket: Client,
  runId: string,
  accept: (d: RunDelta) => boolean,
): Promise<RunDelta> {
  return new Promise((resolve) => {
    const on = (d: RunDelta) => {
      if (d.runId !== runId || !accept(d)) return;
      socket.off('run:delta', on);
      resolve(d);
    };
    socket.on('run:delta', on);
  });
}

/** Collects a run's deltas until the last one, which carries the run's outcome. */
export function deltasUntilEnd(socket: Client, runId: string): Promise<RunDelta[]> {
  return new Promise((resolve) => {
    const seen: RunDelta[] = [];
    const onDelta = (delta: RunDelta) => {
      if (delta.runId !== runId) return;
      seen.push(delta);
      if (delta.outcome !== null && delta.state !== 'running' && delta.state !== 'paused') {
        socket.off('run:delta', onDelta);
        resolve(seen);
      }
    };
    socket.on('run:delta', onDelta);
  });
}

/** The run's full report, fetched once over REST as the dashboard does when a run ends. */
export async function reportOf(server: Harness, runId: string): Promise<Report | null> {
  const response = await fetch(`${server.url}/api/runs/${runId}`);
  if (!response.ok) throw new Error(`GET /api/runs/${runId}: HTTP ${response.status}`);
  return ((await response.json()) as RunSnapshot).report;
}

/** Resolves when the server announces the run reached a final state. */
export function runEnded(socket: Client, runId: string): Promise<RunSummary> {
  return new Promise((resolve) => {
    const onChanged = (summary: RunSummary) => {
      if (summary.id === runId && ['finished', 'failed', 'stopped'].includes(summary.state)) {
        socket.off('runs:changed', onChanged);
        resolve(summary);
      }
    };
    socket.on('runs:changed', onChanged);
  });
}

/** Creates a run at max speed over REST and waits (over a socket) until it has ended; its id and report. */
export async function finishedRun(server: Harness, body: object): Promise<{ runId: string; report: Report }> {
  const watcher = await server.client();
  const response = await fetch(`${server.url}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ speed: 'max', ...body }),
  });
  if (response.status !== 201)
    throw new Error(`POST /api/runs: HTTP ${response.status}: ${await response.text()}`);
  const { runId } = (await response.json()) as { runId: string };
  const ended = runEnded(watcher, runId);
  if ((await reportOf(server, runId)) === null) await ended;
  return { runId, report: (await reportOf(server, runId))! };
}
