import type { NarrationPage, RunDelta, RunSnapshot } from '@eolab/protocol';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { deltasUntilEnd, ok, startServer } from './harness';

/** The run-ended sentence's count of completed checkpoints. */
const completedOf = (page: NarrationPage) =>
  Number(/: (\d+) checkpoints? completed/.exec(page.sentences.at(-1)?.text ?? '')?.[1]);

describe('the whole run is narrated on the server', () => {
  it('a run at max speed, whose deltas thin its events, is told whole: its counts agree with the report, live and after a restart', async () => {
    const first = await startServer();
    const socket = await first.client();
    // live-demo: four checkpoints a second for 20,000 events, more than a snapshot's window holds.
    const { runId } = await ok<{ runId: string }>(socket, 'run:create', {
      preset: 'live-demo',
      mode: 'EXACTLY_ONCE',
      speed: 'max',
      start: false,
    });
    await ok(socket, 'run:watch', { runId });
    const done = deltasUntilEnd(socket, runId);
    await ok(socket, 'run:control', { runId, action: 'start' });
    const deltas: RunDelta[] = await done;
    const snapshot = (await request(first.app.http).get(`/api/runs/${runId}`).expect(200))
      .body as RunSnapshot;
    const narration = snapshot.narration!;
    expect(narration.pending).toEqual([]);
    expect(completedOf(narration)).toBe(snapshot.report!.checkpoints.completed);
    // The deltas carried every told sentence, in order, numbered without a hole.
    let next = 0;
    const told = [];
    for (const d of deltas) {
      if (d.narration === undefined) continue;
      expect(d.narration.from).toBe(next);
      told.push(...d.narration.sentences);
      next = d.narration.from + d.narration.sentences.length;
    }
    expect(next).toBe(narration.total);
    // Pages: the REST endpoint gives the same sentences, from any point.
    const all = (
      await request(first.app.http).get(`/api/runs/${runId}/narration?from=0&limit=1000`).expect(200)
    ).body as NarrationPage;
    expect(all.sentences).toEqual(told);
    const second = (
      await request(first.app.http).get(`/api/runs/${runId}/narration?from=2&limit=3`).expect(200)
    ).body as NarrationPage;
    expect(second).toEqual({ from: 2, sentences: told.slice(2, 5), total: told.length, pending: [] });
    await request(first.app.http).get(`/api/runs/${runId}/narration?limit=0`).expect(400);
    await first.close({ keepData: true });

    const again = await startServer(first.dataDir);
    try {
      const stored = (
        await request(again.app.http).get(`/api/runs/${runId}/narration?limit=1000`).expect(200)
      ).body as NarrationPage;
      expect(stored.sentences).toEqual(told);
      const storedSnapshot = (await request(again.app.http).get(`/api/runs/${runId}`).expect(200))
        .body as RunSnapshot;
      expect(storedSnapshot.narration!.total).toBe(told.length);
    } finally {
      await again.close();
    }
  });
});
