import type { RunDelta } from '@eolab/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, ok, reportOf, runEnded, startServer } from './harness';

/**
 * A real run holds the one real-run slot while it goes: it is stopped when the server's limit on
 * its length runs out (EOLAB_MAX_REAL_RUN_SECONDS), says why, and the slot is free again.
 */
let server: Harness;
beforeAll(async () => {
  server = await startServer(undefined, { EOLAB_MAX_REAL_RUN_SECONDS: '3' });
});
afterAll(async () => {
  await server.close();
});

describe('a real run’s time limit', () => {
  it('stops a real run that outlasts it, with the reason in its events and report', {
    timeout: 120_000,
  }, async () => {
    const socket = await server.client();
    const { runId } = await ok<{ runId: string }>(socket, 'run:create', {
      scenario: { name: 'long-real', mode: 'ATLEAST_ONCE', numEvents: 20_000 },
      backend: 'postgres',
      start: false,
    });
    const lines: string[] = [];
    socket.on('run:delta', (d: RunDelta) => {
      if (d.runId !== runId) return;
      for (const e of d.events) if (e.kind === 'console') lines.push(e.line);
    });
    const ended = runEnded(socket, runId);
    await ok(socket, 'run:watch', { runId });
    await ok(socket, 'run:control', { runId, action: 'start' });
    const summary = await ended;
    expect(summary.state).toBe('stopped');
    expect(lines.some((l) => l.includes('EOLAB_MAX_REAL_RUN_SECONDS'))).toBe(true);
    const report = await reportOf(server, runId);
    expect(report?.ending).toBe('stopped');
    expect(report?.log.at(-1)).toBe('Stopped: a real run may last 3 s (EOLAB_MAX_REAL_RUN_SECONDS)');
    // The slot is free: another real run is accepted.
    const next = await ok<{ runId: string }>(socket, 'run:create', {
      preset: 'seed',
      backend: 'postgres',
      start: false,
    });
    await ok(socket, 'run:control', { runId: next.runId, action: 'stop' });
  });
});
