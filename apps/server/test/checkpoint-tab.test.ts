import type { Report } from '@eolab/engine';
import type { CheckpointDetail, CheckpointsPage } from '@eolab/protocol';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finishedRun, type Harness, startServer } from './harness';

/** Flink's checkpoint tab over REST: latest completed, failed and restore, percentiles, one checkpoint's detail. */

let server: Harness;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

const get = (path: string) => request(server.app.http).get(path);

describe("the checkpoint tab's facts", () => {
  it('the seed in EXACTLY_ONCE: the latest completed, the failed one, the restore, and percentiles within min..max', async () => {
    const { runId, report } = await finishedRun(server, { preset: 'seed', mode: 'EXACTLY_ONCE' });
    const page: CheckpointsPage = (await get(`/api/runs/${runId}/checkpoints`).expect(200)).body;
    const completedIds = page.items.filter((c) => c.status === 'completed').map((c) => c.id);
    expect(page.latest.completed?.id).toBe(Math.max(...completedIds));
    // No checkpoint failed in the seed; the restore came from checkpoint 1.
    expect(report.checkpoints.aborted).toBe(0);
    expect(page.latest.failed).toBeNull();
    expect(page.latest.restore).toEqual({
      checkpointId: report.restores[0]!.checkpointId,
      attempt: 2,
      atMs: report.restores[0]!.atMs,
    });
    const d = page.durations!;
    expect(d.count).toBe(report.checkpoints.completed);
    expect(d.min).toBeLessThanOrEqual(d.p50);
    expect(d.p50).toBeLessThanOrEqual(d.p90);
    expect(d.p90).toBeLessThanOrEqual(d.p99);
    expect(d.p99).toBeLessThanOrEqual(d.max);
  });

  it('a declined checkpoint is the latest failed one', async () => {
    const { runId } = await finishedRun(server, {
      scenario: {
        mode: 'EXACTLY_ONCE',
        numEvents: 50,
        restart: { attempts: 2 },
        faults: [{ kind: 'checkpoint-abort', checkpoint: 3 }],
      },
    });
    const page: CheckpointsPage = (await get(`/api/runs/${runId}/checkpoints`).expect(200)).body;
    expect(page.latest.failed).toMatchObject({ id: 3, status: 'declined', reason: 'declined' });
    expect(page.latest.restore?.checkpointId).toBe(2);
  });

  it("a checkpoint's detail: each task's acknowledgement, each sink subtask's transaction pre-committed under it", async () => {
    const { runId } = await finishedRun(server, { preset: 'seed', mode: 'EXACTLY_ONCE' });
    const detail: CheckpointDetail = (await get(`/api/runs/${runId}/checkpoints/1`).expect(200)).body;
    expect(detail.checkpoint).toMatchObject({ id: 1, status: 'completed' });
    expect(detail.tasks.map((t) => t.task)).toEqual(['source', 'sink-0', 'sink-1']);
    const triggered = detail.checkpoint.triggeredMs!;
    for (const t of detail.tasks) {
      expect(t.acknowledgedMs).toBeGreaterThanOrEqual(triggered);
      expect(t.acknowledgedMs).toBeLessThanOrEqual(detail.checkpoint.endedMs!);
      expect(t.late).toBe(false);
    }
    expect(detail.tasks[0]!.txn).toBeNull();
    // Each sink subtask got the barrier after the trigger and pre-committed after it, before acknowledging.
    for (const t of detail.tasks.slice(1)) {
      expect(t.barrierMs).toBeGreaterThanOrEqual(triggered);
      expect(t.barrierMs).toBeLessThanOrEqual(t.acknowledgedMs!);
      expect(t.preCommitMs).toBe(t.txn!.preCommittedMs! - t.barrierMs!);
      expect(t.txn!.preCommittedMs).toBeLessThanOrEqual(t.acknowledgedMs!);
    }
    expect(detail.tasks.slice(1).map((t) => [t.txn?.name, t.txn?.state])).toEqual([
      ['cp1·s0', 'COMMITTED'],
      ['cp1·s1', 'COMMITTED'],
    ]);
  });

  it('refuses a checkpoint the run does not have, naming the field', async () => {
    const { runId, report } = await finishedRun(server, { preset: 'seed', mode: 'ATLEAST_ONCE' });
    const beyond = (report as Report).checkpoints.triggered + 1;
    expect((await get(`/api/runs/${runId}/checkpoints/${beyond}`).expect(404)).body.error).toMatch(
      new RegExp(`^checkpoint: run ${runId} has no checkpoint ${beyond}`),
    );
    expect((await get(`/api/runs/${runId}/checkpoints/0`).expect(400)).body.error).toBe(
      'checkpoint: checkpoint ids start at 1',
    );
    expect((await get(`/api/runs/${runId}/checkpoints/x`).expect(400)).body.error).toMatch(/^checkpoint: /);
  });
});
