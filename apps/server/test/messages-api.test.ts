import type { MessagesPage } from '@eolab/protocol';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finishedRun, type Harness, startServer } from './harness';

let server: Harness;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

const messages = async (runId: string, query: string, on = server): Promise<MessagesPage> =>
  (await request(on.app.http).get(`/api/runs/${runId}/messages?${query}`).expect(200)).body;

describe('the space-time diagram’s messages over REST', () => {
  it('lists a window of the seed’s conversation: checkpoint 1 to both sinks and back, then the failure and the restore', async () => {
    const { runId } = await finishedRun(server, { preset: 'seed', mode: 'EXACTLY_ONCE' });
    const page = await messages(runId, 'fromMs=0&toMs=150&limit=2000');
    expect(page.bundles).toEqual([]);
    expect(page.total).toBe(page.messages.length);
    expect(page.lanes).toEqual([
      'coordinator',
      'source·a1',
      'sink-0·a1',
      'sink-1·a1',
      'source·a2',
      'sink-0·a2',
      'sink-1·a2',
      'controller',
      'store',
      'checker',
    ]);
    const of = (kind: string) => page.messages.filter((m) => m.kind === kind && m.checkpointId === 1);
    expect(of('barrier').map((m) => m.to)).toEqual(['sink-0·a1', 'sink-1·a1']);
    expect(of('ack').map((m) => m.from)).toEqual(['source·a1', 'sink-0·a1', 'sink-1·a1']);
    expect(of('notify').map((m) => m.to)).toEqual(['source·a1', 'sink-0·a1', 'sink-1·a1']);
    expect(of('commit').map((m) => m.from)).toEqual(['sink-0·a1', 'sink-1·a1']);
    const failure = page.messages.find((m) => m.kind === 'failure')!;
    expect(failure.note).toMatch(/26/);
    expect(page.messages.filter((m) => m.kind === 'restore').every((m) => m.answers === failure.seq)).toBe(
      true,
    );
    // A later window starts where this one's messages end, arrows in flight across its edge included.
    const later = await messages(runId, 'fromMs=102&toMs=102');
    expect(later.messages.map((m) => m.kind)).toEqual(['pre-commit', 'pre-commit']);
  });

  it('bundles a dense window’s routine messages and still lists every failure, restore and abort', async () => {
    const { runId, report } = await finishedRun(server, { preset: 'live-demo', mode: 'EXACTLY_ONCE' });
    const whole = await messages(runId, 'fromMs=0&toMs=100000&limit=50');
    expect(whole.total).toBeGreaterThan(1_000);
    const bundled = whole.bundles.reduce((n, b) => n + b.count, 0);
    expect(bundled + whole.messages.length).toBe(whole.total);
    expect(whole.messages.length).toBeLessThanOrEqual(50);
    expect(whole.bundles.every((b) => b.kind !== 'failure' && b.kind !== 'restore')).toBe(true);
    expect(whole.messages.filter((m) => m.kind === 'restore')).toHaveLength(report.restarts.used * 3);
    // Stored, then read back after a restart: the same window.
    await server.close({ keepData: true });
    server = await startServer(server.dataDir);
    expect(await messages(runId, 'fromMs=0&toMs=100000&limit=50')).toEqual(whole);
  });

  it('refuses a window it cannot read, naming the field', async () => {
    const { runId } = await finishedRun(server, { preset: 'seed', mode: 'EXACTLY_ONCE' });
    const res = await request(server.app.http)
      .get(`/api/runs/${runId}/messages?fromMs=0&toMs=ten`)
      .expect(400);
    expect(JSON.stringify(res.body)).toContain('toMs');
    const big = await request(server.app.http)
      .get(`/api/runs/${runId}/messages?fromMs=0&toMs=10&limit=5000`)
      .expect(400);
    expect(JSON.stringify(big.body)).toContain('limit');
    await request(server.app.http).get('/api/runs/nope/messages?fromMs=0&toMs=10').expect(404);
  });
});
