import type { RunDelta } from '@eolab/protocol';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { command, deltasUntilEnd, ok, reportOf, startServer } from './harness';

describe('server restart', () => {
  it('keeps finished runs intact and marks a running one interrupted', async () => {
    const first = await startServer();
    const socket = await first.client();
    const { runId: finishedId } = await ok<{ runId: string }>(socket, 'run:create', {
      preset: 'seed',
      mode: 'ATLEAST_ONCE',
      speed: 'max',
      start: false,
    });
    await ok(socket, 'run:watch', { runId: finishedId });
    const done = deltasUntilEnd(socket, finishedId);
    await ok(socket, 'run:control', { runId: finishedId, action: 'start' });
    await done;
    const report = await reportOf(first, finishedId);
    expect(report?.verdict).toBe('DUPLICATES');
    const { runId: runningId } = await ok<{ runId: string }>(socket, 'run:create', {
      scenario: { mode: 'EXACTLY_ONCE', numEvents: 100_000 },
      speed: '1x',
    });
    await ok(socket, 'run:watch', { runId: runningId });
    // Let it make some progress, so there is something to keep.
    await new Promise<void>((resolve) => {
      const onDelta = (d: RunDelta) => {
        if (d.runId === runningId && d.nowMs > 0) {
          socket.off('run:delta', onDelta);
          resolve();
        }
      };
      socket.on('run:delta', onDelta);
    });
    await first.close({ keepData: true });

    const second = await startServer(first.dataDir);
    try {
      const finished = await request(second.app.http).get(`/api/runs/${finishedId}`).expect(200);
      expect(finished.body.run.state).toBe('finished');
      expect(finished.body.report).toEqual(report);
      expect(finished.body.events.length).toBeGreaterThan(10);
      const interrupted = await request(second.app.http).get(`/api/runs/${runningId}`).expect(200);
      expect(interrupted.body.run.state).toBe('interrupted');
      expect(interrupted.body.nowMs).toBeGreaterThan(0);
      // It keeps the events it streamed, not only its metrics.
      expect(interrupted.body.events.length).toBeGreaterThan(0);
      expect(interrupted.body.events[0].kind).toBe('run-started');
      expect(interrupted.body.report).toBeNull();
      // An interrupted run cannot be resumed, and says so.
      const again = await second.client();
      expect(await command(again, 'run:control', { runId: runningId, action: 'resume' })).toEqual({
        ok: false,
        error: `run ${runningId} has ended (interrupted)`,
      });
    } finally {
      await second.close();
    }
  });
});
