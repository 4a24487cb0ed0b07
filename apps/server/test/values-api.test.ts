import type { ValueLifeResponse, ValueStripResponse } from '@eolab/protocol';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finishedRun, type Harness, startServer } from './harness';

/** "Find a value" over REST: a model run replayed with the engine's value tracer. */

let server: Harness;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

const get = (path: string) => request(server.app.http).get(path);

describe('a value’s life over REST', () => {
  it('the seed in ATLEAST_ONCE: 17 was emitted by attempts 1 and 2, written twice, read twice, and says why', async () => {
    const { runId } = await finishedRun(server, { preset: 'seed', mode: 'ATLEAST_ONCE' });
    const body: ValueLifeResponse = (await get(`/api/runs/${runId}/values/17`).expect(200)).body;
    expect(body.life.emissions.map((e) => e.attempt)).toEqual([1, 2]);
    expect(body.life.writes).toHaveLength(2);
    expect(body.life.reads.map((r) => r.attempt)).toEqual([1, 2]);
    expect(body.outcome).toBe('duplicated');
    expect(body.cause).toMatchObject({ kind: 'replayed-after-restore', ranges: [[17, 24]] });
    // A value before the restored checkpoint was read once and has no cause.
    const five: ValueLifeResponse = (await get(`/api/runs/${runId}/values/5`).expect(200)).body;
    expect(five).toMatchObject({ outcome: 'read-once', cause: null });
  });

  it('a strip says what each kind of reader sees at a moment', async () => {
    const { runId } = await finishedRun(server, { preset: 'seed', mode: 'EXACTLY_ONCE' });
    const life: ValueLifeResponse = (await get(`/api/runs/${runId}/values/17`).expect(200)).body;
    const aborted = life.life.txns[0]!.end!;
    expect(aborted.state).toBe('aborted');
    const before: ValueStripResponse = (
      await get(`/api/runs/${runId}/values?from=15&to=20&atMs=${aborted.atMs - 1}`).expect(200)
    ).body;
    expect(before.cells.map((c) => c.value)).toEqual([15, 16, 17, 18, 19, 20]);
    expect(before.cells.find((c) => c.value === 17)).toMatchObject({ state: 'open', readCommitted: 0 });
    const end: ValueStripResponse = (await get(`/api/runs/${runId}/values?from=15&to=20`).expect(200)).body;
    expect(end.cells.every((c) => c.state === 'committed' && c.readCommitted === 1)).toBe(true);
  });

  it('bad input gets an error naming the field', async () => {
    const { runId } = await finishedRun(server, { preset: 'seed', mode: 'ATLEAST_ONCE' });
    const cases: [string, RegExp][] = [
      [`/api/runs/${runId}/values/abc`, /^value: /],
      [`/api/runs/${runId}/values/0`, /^value: values start at 1/],
      [`/api/runs/${runId}/values/51`, /^value: 51 is not a value of this run \(1\.\.50\)/],
      [`/api/runs/${runId}/values?from=1`, /^to: /],
      [`/api/runs/${runId}/values?from=10&to=5`, /^to: expected a value at or after from/],
      [`/api/runs/${runId}/values?from=1&to=500`, /^to: at most 100 values/],
      [`/api/runs/${runId}/values?from=1&to=5&atMs=-3`, /^atMs: /],
      [`/api/runs/${runId}/values?from=1&to=5&colour=red`, /colour/],
    ];
    for (const [path, message] of cases) {
      const res = await get(path).expect(400);
      expect(res.body.error, path).toMatch(message);
    }
    await get('/api/runs/nosuchrun/values/1').expect(404);
  });
});
