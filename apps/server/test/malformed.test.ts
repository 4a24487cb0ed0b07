import type { ClientToServerEvents } from '@eolab/protocol';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { command, type Harness, ok, startServer } from './harness';

/**
 * Generated bad input: every leaf of a valid payload replaced by values of the wrong type, out of
 * range or huge; every required key removed; an unknown key added at every level; whole payloads
 * that are not objects. Each one must be refused with a message, and the server must keep serving.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const HUGE = 'x'.repeat(20_000);
const NOT_OBJECTS: unknown[] = [null, 42, 'run', [], true, [{}], HUGE];
const WRONG_STRINGS: Json[] = [null, 42, true, [], {}, '', HUGE, 'MAYBE', ' seed', '../../etc/passwd'];
const WRONG_NUMBERS: Json[] = [null, '50', true, [], {}, -1, 1.5, 1e12, 0.0001, HUGE];
const WRONG_BOOLEANS: Json[] = [null, 'true', 1, 0, [], {}];

/** The values that break a leaf, chosen by the leaf's kind. */
function wrongValuesFor(value: Json, key: string): Json[] {
  if (typeof value === 'boolean') return WRONG_BOOLEANS;
  // Durations have no upper bound in the scenario format, so only a huge one of the other numbers is wrong.
  if (typeof value === 'number')
    return key.endsWith('Ms') ? WRONG_NUMBERS.filter((v) => v !== 1e12) : WRONG_NUMBERS;
  if (key === 'kind') return [...WRONG_STRINGS, 'meteor', 'MAPPER-EXCEPTION', 'mapper_exception'];
  // A name is free text: only the wrong type or a huge one is an error.
  if (key === 'name') return [null, 42, true, [], {}, HUGE];
  return WRONG_STRINGS;
}

/** Every way to break `payload`: [description, broken payload]. `removable` keys are required ones. */
function mutations(payload: Json, removable: Set<string>, path = ''): [string, Json][] {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return [];
  const out: [string, Json][] = [[`${path}+unknown`, { ...payload, unknownField: 1 }]];
  for (const [key, value] of Object.entries(payload)) {
    const at = path === '' ? key : `${path}.${key}`;
    if (removable.has(at)) {
      const { [key]: _, ...rest } = payload;
      out.push([`${at} removed`, rest]);
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [what, broken] of mutations(value, removable, at))
        out.push([what, { ...payload, [key]: broken }]);
    } else if (Array.isArray(value)) {
      for (const [what, broken] of mutations(value[0] ?? null, removable, `${at}[0]`))
        out.push([what, { ...payload, [key]: [broken, ...value.slice(1)] }]);
    } else {
      for (const wrong of wrongValuesFor(value, key)) {
        if (typeof wrong === 'string' && wrong === value) continue;
        out.push([`${at}=${JSON.stringify(wrong).slice(0, 30)}`, { ...payload, [key]: wrong }]);
      }
    }
  }
  return out;
}

let server: Harness;
beforeEach(async () => {
  // These tests send hundreds of requests as fast as they can: lift the rate limits (tested in abuse.test.ts).
  server = await startServer(undefined, {
    EOLAB_SOCKET_COMMANDS_PER_SECOND: '100000',
    EOLAB_API_REQUESTS_PER_SECOND: '100000',
  });
});
afterEach(async () => {
  await server.close();
});

describe('generated malformed socket payloads', () => {
  it('each gets {ok: false, error}; no run is created; the server keeps serving', async () => {
    const socket = await server.client();
    const { runId } = await ok<{ runId: string }>(socket, 'run:create', {
      scenario: { mode: 'EXACTLY_ONCE', numEvents: 100_000 },
      speed: '1x',
      start: false,
    });
    const scenario = {
      mode: 'EXACTLY_ONCE',
      numEvents: 50,
      sink: { parallelism: 2 },
      restart: { attempts: 1 },
      checker: { isolation: 'read_committed' },
      faults: [{ kind: 'mapper-exception', atElement: 26 }],
    };
    const cases: [keyof ClientToServerEvents, Json, string[]][] = [
      ['run:create', { preset: 'seed', mode: 'ATLEAST_ONCE', speed: 'max', start: false }, ['preset']],
      [
        'run:create',
        { scenario, speed: '10x', start: false },
        ['scenario', 'scenario.mode', 'scenario.numEvents'],
      ],
      ['run:watch', { runId }, ['runId']],
      ['run:control', { runId, action: 'stop' }, ['runId', 'action']],
      ['run:speed', { runId, speed: '10x' }, ['runId', 'speed']],
      [
        'run:inject',
        { runId, fault: { kind: 'store-outage', durationMs: 100 } },
        ['runId', 'fault', 'fault.kind'],
      ],
    ];
    let sent = 0;
    for (const [event, valid, required] of cases) {
      const broken: [string, unknown][] = [
        ...NOT_OBJECTS.map((p): [string, unknown] => [`not an object: ${String(p).slice(0, 20)}`, p]),
        ...mutations(valid, new Set(required)),
      ];
      for (const [what, payload] of broken) {
        const result = await command(socket, event, payload);
        expect(result.ok, `${event} ${what}`).toBe(false);
        if (!result.ok) expect(result.error, `${event} ${what}`).toMatch(/\w/);
        sent++;
      }
    }
    expect(sent).toBeGreaterThan(250);
    expect(socket.connected).toBe(true);
    const runs = await request(server.app.http).get('/api/runs').expect(200);
    expect(runs.body.total).toBe(1);
    const still = await ok<{ run: { state: string } }>(socket, 'run:watch', { runId });
    expect(still.run.state).toBe('created');
    await request(server.app.http).get('/api/health').expect(200);
  });

  it('a message larger than the socket limit closes only that connection', async () => {
    const big = await server.client();
    const other = await server.client();
    const closed = new Promise<string>((resolve) => big.once('disconnect', resolve));
    (big.emit as (e: string, p: unknown, ack: () => void) => void)(
      'run:create',
      { preset: 'x'.repeat(200_000) },
      () => {},
    );
    expect(await closed).toBe('transport close');
    expect(await command(other, 'run:watch', { runId: 'nope' })).toEqual({
      ok: false,
      error: 'run nope not found',
    });
  });
});

describe('generated malformed REST requests', () => {
  it('each gets a 4xx with {error}; the server keeps serving', async () => {
    const http = server.app.http;
    const created = await request(http).post('/api/runs').send({ preset: 'seed', speed: '1x', start: false });
    const runId: string = created.body.runId;
    await request(http).post('/api/runs').send({ preset: 'seed', speed: 'max' }).expect(201);
    const exported = (await request(http).get(`/api/runs/${runId}/export`).expect(200)).body;

    const expectError = (res: request.Response, what: string) => {
      expect(res.status, what).toBeGreaterThanOrEqual(400);
      expect(res.status, what).toBeLessThan(500);
      expect(typeof res.body.error, what).toBe('string');
    };
    let sent = 0;
    const createBody = { preset: 'seed', mode: 'ATLEAST_ONCE', speed: 'max', start: false, name: 'ok' };
    for (const [what, body] of mutations(createBody, new Set(['preset']))) {
      expectError(
        await request(http)
          .post('/api/runs')
          .send(body as object),
        `POST /api/runs ${what}`,
      );
      sent++;
    }
    const importRequired = new Set(['format', 'version', 'scenario.mode', 'scenario.numEvents']);
    for (const [what, body] of mutations(exported, importRequired)) {
      // The export's report is only compared with the re-run, never trusted: breaking it is not an input error.
      if (what.startsWith('report') || what.startsWith('exportedAt') || what.startsWith('name=')) continue;
      expectError(
        await request(http)
          .post('/api/runs/import')
          .send(body as object),
        `import ${what}`,
      );
      sent++;
    }
    for (const mode of WRONG_STRINGS) {
      const res = await request(http).post(`/api/runs/${runId}/replay`).send({ mode });
      expectError(res, `replay mode=${String(mode).slice(0, 20)}`);
      sent++;
    }
    const queries = [
      'limit=0',
      'limit=abc',
      'limit=1000',
      'offset=-1',
      'mode=SOMETIMES',
      'verdict=OK',
      'x=1',
    ];
    for (const q of queries) {
      expectError(await request(http).get(`/api/runs?${q}`), `GET /api/runs?${q}`);
      sent++;
    }
    for (const id of ['no-such-run', 'x'.repeat(65), 'a%20b', '..%2F..%2Fetc']) {
      expectError(await request(http).get(`/api/runs/${id}`), `GET /api/runs/${id}`);
      expectError(await request(http).delete(`/api/runs/${id}`), `DELETE /api/runs/${id}`);
      expectError(await request(http).get(`/api/runs/${id}/export`), `export ${id}`);
      sent += 3;
    }
    for (const raw of ['{bad', '42', 'null', '"seed"', '[1,', '']) {
      const res = await request(http).post('/api/runs').set('content-type', 'application/json').send(raw);
      expectError(res, `raw body ${raw}`);
      sent++;
    }
    expect(sent).toBeGreaterThan(200);
    const runs = await request(http).get('/api/runs').expect(200);
    expect(runs.body.total).toBe(2);
    await request(http).get('/api/health').expect(200);
  });
});
