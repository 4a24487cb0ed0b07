import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { command, type Harness, ok, startServer } from './harness';

/** The payloads of issue 11 that used to take the server down or be stored altered. */

let server: Harness;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

/** `[[[…0…]]]`, `depth` arrays deep, built without recursion. */
function nested(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

async function exportedSeed(h: Harness) {
  const created = await request(h.app.http)
    .post('/api/runs')
    .send({ preset: 'seed', start: false })
    .expect(201);
  return (await request(h.app.http).get(`/api/runs/${created.body.runId}/export`).expect(200)).body;
}

describe('deeply nested JSON', () => {
  it('an import whose report nests 5,000 arrays deep is a 400 naming the report; the server stays up', async () => {
    const exported = await exportedSeed(server);
    // Written out by hand: JSON.stringify itself overflows the stack on such a value.
    const deep = `${'['.repeat(5_000)}0${']'.repeat(5_000)}`;
    const body = JSON.stringify({ ...exported, report: { duplicates: 'DEEP' } }).replace('"DEEP"', deep);
    expect(body.length).toBeLessThan(20_000);
    const res = await request(server.app.http)
      .post('/api/runs/import')
      .set('content-type', 'application/json')
      .send(body)
      .expect(400);
    expect(res.body.error).toBe('report: nested deeper than 32 levels');
    const runs = await request(server.app.http).get('/api/runs').expect(200);
    expect(runs.body.total).toBe(1);
    await request(server.app.http).get('/api/health').expect(200);
  });

  it('is refused in every socket payload and REST body, naming the field', async () => {
    const socket = await server.client();
    const deep = nested(100);
    expect(await command(socket, 'run:create', { preset: 'seed', name: deep })).toEqual({
      ok: false,
      error: 'name: nested deeper than 32 levels',
    });
    expect(await command(socket, 'run:watch', deep)).toEqual({
      ok: false,
      error: '[0]: nested deeper than 32 levels',
    });
    const rest = await request(server.app.http)
      .post('/api/runs')
      .send({ scenario: { mode: 'EXACTLY_ONCE', numEvents: 50, faults: [{ kind: deep }] } })
      .expect(400);
    expect(rest.body.error).toBe('scenario: nested deeper than 32 levels');
  });
});

describe('strings that are not well-formed', () => {
  const lone = 'run \uD800 one';

  it('a name with a lone surrogate is bad input naming the field, over REST and socket', async () => {
    const res = await request(server.app.http)
      .post('/api/runs')
      .send({ preset: 'seed', name: lone })
      .expect(400);
    expect(res.body.error).toBe('name: not a well-formed string (it holds a lone surrogate)');
    const scenario = await request(server.app.http)
      .post('/api/runs')
      .send({ scenario: { mode: 'EXACTLY_ONCE', numEvents: 50, name: lone } })
      .expect(400);
    expect(scenario.body.error).toBe('scenario.name: not a well-formed string (it holds a lone surrogate)');
    const socket = await server.client();
    expect(await command(socket, 'run:create', { preset: 'seed', name: '\uDC00' })).toEqual({
      ok: false,
      error: 'name: not a well-formed string (it holds a lone surrogate)',
    });
    expect((await request(server.app.http).get('/api/runs').expect(200)).body.total).toBe(0);
  });

  it('a name with real astral characters is stored exactly, and its export imports again', async () => {
    const name = 'run 🦀 𝔘 ok';
    const created = await request(server.app.http)
      .post('/api/runs')
      .send({ preset: 'seed', name, start: false })
      .expect(201);
    expect(created.body.run.name).toBe(name);
    const socket = await server.client();
    await ok(socket, 'run:control', { runId: created.body.runId, action: 'stop' });
    const exported = await request(server.app.http).get(`/api/runs/${created.body.runId}/export`).expect(200);
    expect(exported.body.name).toBe(name);
    const imported = await request(server.app.http).post('/api/runs/import').send(exported.body).expect(201);
    expect(imported.body.run.name).toBe(name);
  });
});
