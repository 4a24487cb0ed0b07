import { join } from 'node:path';
import type { HealthResponse, RunDelta, RunSnapshot } from '@eolab/protocol';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { QueuedRunStore } from '../../src/store/store-worker';
import { type Harness, ok, startServer } from '../harness';

/**
 * A disk that stalls (issue 24: a 12 s fsfreeze timed out health four times in a row, as SQLite
 * wrote on the event loop). Simulated by a store whose writer thread blocks before every write
 * until released, as a write into a frozen file system blocks: health, live runs and reads must go
 * on, the writes wait, and land once the disk is back.
 */

const STALL_AT_LEAST_MS = 4_000;

let server: Harness | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

describe('reliability: a stalled disk', () => {
  it('delays saves, not health, live runs or reads; what waits is said; it all lands once the disk is back', {
    timeout: 60_000,
  }, async () => {
    const stall = new SharedArrayBuffer(4);
    const flag = new Int32Array(stall);
    let store: QueuedRunStore | undefined;
    server = await startServer(
      undefined,
      {},
      {
        openStore: (dir) => {
          store = new QueuedRunStore(dir, { stall });
          return store;
        },
      },
    );
    const socket = await server.client();
    const { runId: live } = await ok<{ runId: string }>(socket, 'run:create', {
      preset: 'live-demo',
      speed: '1x',
    });
    await ok(socket, 'run:watch', { runId: live });
    let deltas = 0;
    socket.on('run:delta', (d: RunDelta) => {
      if (d.runId === live) deltas++;
    });

    Atomics.store(flag, 0, 1);
    const stalledAt = performance.now();
    // A run created and ended during the stall: its report is read back from memory.
    const { runId: quick } = await ok<{ runId: string }>(socket, 'run:create', {
      preset: 'seed',
      speed: 'max',
    });
    let quickReport: RunSnapshot['report'] = null;
    const latencies: number[] = [];
    let health: HealthResponse | null = null;
    const deltasAtStall = deltas;
    while (
      performance.now() - stalledAt < STALL_AT_LEAST_MS ||
      quickReport === null ||
      deltas - deltasAtStall < 10
    ) {
      const t0 = performance.now();
      const res = await fetch(`${server.url}/api/health`);
      health = (await res.json()) as HealthResponse;
      latencies.push(performance.now() - t0);
      if (quickReport === null) {
        const snap = (await (await fetch(`${server.url}/api/runs/${quick}`)).json()) as RunSnapshot;
        quickReport = snap.report;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Reads of stored runs do not wait for a disk that is stuck (they would wait up to 1 s for a moving one).
    const listAt = performance.now();
    const list = (await (await fetch(`${server.url}/api/runs`)).json()) as { runs: { id: string }[] };
    const listMs = performance.now() - listAt;
    const stalledMs = performance.now() - stalledAt;
    const waiting = health!.store!;
    latencies.sort((a, b) => a - b);
    const p99 = percentile(latencies, 99);
    console.log(
      `stalled disk: writes held ${stalledMs.toFixed(0)} ms; ${deltas - deltasAtStall} deltas streamed meanwhile; ` +
        `/api/health ${latencies.length} checks p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, ` +
        `max ${latencies.at(-1)!.toFixed(1)} ms; GET /api/runs ${listMs.toFixed(1)} ms; health.store ${JSON.stringify(waiting)}`,
    );
    expect(p99).toBeLessThan(1_000);
    expect(quickReport?.verdict).toBe('EXACTLY_ONCE');
    expect(listMs).toBeLessThan(800);
    expect(Array.isArray(list.runs)).toBe(true);
    expect(waiting.pendingWrites).toBeGreaterThan(0);
    expect(waiting.oldestPendingMs).toBeGreaterThan(STALL_AT_LEAST_MS / 2);

    // The disk is back: everything accepted lands, in order.
    Atomics.store(flag, 0, 0);
    Atomics.notify(flag, 0);
    await store!.settled(30_000);
    const after = (await (await fetch(`${server.url}/api/health`)).json()) as HealthResponse;
    expect(after.store?.pendingWrites).toBe(0);
    const db = new Database(join(server.dataDir, 'eolab.sqlite'), { readonly: true });
    try {
      const row = db.prepare('SELECT state, verdict FROM runs WHERE id = ?').get(quick) as
        | { state: string; verdict: string }
        | undefined;
      expect(row).toEqual({ state: 'finished', verdict: 'EXACTLY_ONCE' });
    } finally {
      db.close();
    }
  });
});
