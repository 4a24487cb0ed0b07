import { Writable } from 'node:stream';
import { presetScenario } from '@eolab/engine';
import type { ClientToServerEvents } from '@eolab/protocol';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command, type Harness, ok, startServer } from '../harness';
import { type Json, mutate, Random, randomJson, rawBody } from './fuzz-payloads';

/**
 * The reliability fuzz: at least 10,000 generated malformed payloads over REST and socket.io.
 * Not one may crash the server, get a 5xx, go unanswered, or make the server log an error.
 */

const REST_PAYLOADS = 5_000;
const SOCKET_PAYLOADS = 5_500;
const IN_FLIGHT = 8;

let server: Harness;
const errorsLogged: string[] = [];
let runId: string;
let exported: Json;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      errorsLogged.push(chunk.toString());
      done();
    },
  });
  server = await startServer(
    undefined,
    {
      // Limits that would refuse the fuzz itself are lifted (they have their own tests); work per run is kept small.
      EOLAB_API_REQUESTS_PER_SECOND: '1000000',
      EOLAB_SOCKET_COMMANDS_PER_SECOND: '1000000',
      EOLAB_MAX_EVENTS_PER_RUN: '200000',
    },
    { logger: pino({ level: 'error' }, sink) },
  );
  const res = await fetch(`${server.url}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ preset: 'seed', start: false }),
  });
  runId = ((await res.json()) as { runId: string }).runId;
  exported = (await (await fetch(`${server.url}/api/runs/${runId}/export`)).json()) as Json;
});
afterAll(async () => {
  await server.close();
});

/** Percent-encodes every byte (a lone surrogate becomes U+FFFD), or now and then sends bytes that are not UTF-8 at all. */
function urlPart(r: Random, value: Json, max: number): string {
  if (r.chance(0.1)) return r.pick(['%', '%FF', '%C3%28', '%E0%80%AF', '%00', '..%2F..', '%2e%2e']);
  const bytes = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).subarray(0, max);
  return [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

/** Runs `count` tasks, `IN_FLIGHT` at a time. */
async function pool(count: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

describe('reliability: fuzz', () => {
  it(`${REST_PAYLOADS} malformed REST requests: no 5xx, every error is JSON naming a problem`, async () => {
    const r = new Random(11);
    const seedScenario = presetScenario('seed') as unknown as Json;
    const bases: [string, string, () => Json][] = [
      [
        'POST',
        '/api/runs',
        () => ({ preset: 'seed', mode: 'ATLEAST_ONCE', speed: 'max', start: false, name: 'n' }),
      ],
      ['POST', '/api/runs', () => ({ scenario: seedScenario, speed: '10x', start: false })],
      ['POST', '/api/runs/import', () => exported],
      ['POST', `/api/runs/${runId}/replay`, () => ({ mode: 'EXACTLY_ONCE', speed: 'max' })],
    ];
    const statuses = new Map<number, number>();
    const problems: string[] = [];
    await pool(REST_PAYLOADS, async () => {
      let method = 'POST';
      let path: string;
      let body: string | undefined;
      let type = 'application/json';
      const roll = r.int(10);
      if (roll < 6) {
        const [m, p, valid] = r.pick(bases);
        method = m;
        path = p;
        body = JSON.stringify(roll < 5 ? mutate(r, valid()) : randomJson(r));
      } else if (roll === 6) {
        path = r.pick(['/api/runs', '/api/runs/import', `/api/runs/${runId}/replay`]);
        body = rawBody(r);
        if (r.chance(0.2))
          type = r.pick([
            'text/plain',
            'application/x-www-form-urlencoded',
            'application/json; charset=latin1',
          ]);
      } else if (roll === 7) {
        method = 'GET';
        const q = urlPart(r, randomJson(r), 100);
        path = `/api/runs?${r.pick(['limit', 'offset', 'mode', 'verdict', 'x', 'limit[]'])}=${q}`;
      } else {
        method = r.pick(['GET', 'DELETE', 'GET']);
        const id = urlPart(r, randomJson(r), 100);
        path = r.pick([`/api/runs/${id}`, `/api/runs/${id}/export`, `/api/${id}`]);
      }
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': type },
        body,
      });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const text = await res.text();
      if (res.status >= 500) problems.push(`${method} ${path} → ${res.status} ${text.slice(0, 200)}`);
      if (res.status >= 400) {
        let error: unknown;
        try {
          error = (JSON.parse(text) as { error?: unknown }).error;
        } catch {
          error = undefined;
        }
        if (typeof error !== 'string' || error === '') {
          problems.push(`${method} ${path} → ${res.status} without a JSON error: ${text.slice(0, 100)}`);
        }
      }
    });
    console.log(
      `fuzz REST: ${REST_PAYLOADS} requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
    );
    expect(problems).toEqual([]);
    expect(errorsLogged).toEqual([]);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });

  it(`${SOCKET_PAYLOADS} malformed socket payloads: each answered {ok: false, error}; the socket stays up`, async () => {
    const r = new Random(12);
    const socket = await server.client();
    const bases: [keyof ClientToServerEvents, () => Json][] = [
      ['run:create', () => ({ preset: 'seed', mode: 'ATLEAST_ONCE', speed: 'max', start: false })],
      ['run:create', () => ({ scenario: presetScenario('seed') as unknown as Json, start: false })],
      ['run:watch', () => ({ runId })],
      ['run:unwatch', () => ({ runId })],
      ['run:control', () => ({ runId, action: 'pause' })],
      ['run:speed', () => ({ runId, speed: '10x' })],
      ['run:inject', () => ({ runId, fault: { kind: 'store-outage', durationMs: 100 } })],
    ];
    let answered = 0;
    let accepted = 0;
    const unanswered: string[] = [];
    await pool(SOCKET_PAYLOADS, async (i) => {
      const [event, valid] = r.pick(bases);
      const payload = r.chance(0.8) ? mutate(r, valid()) : randomJson(r);
      if (i % 500 === 0) socket.emit(event, payload as never, undefined as never); // no callback: ignored
      const result = await command(socket, event, payload);
      if (typeof result?.ok !== 'boolean')
        unanswered.push(`${event} ${JSON.stringify(payload).slice(0, 100)}`);
      else if (result.ok) accepted++;
      else if (typeof result.error !== 'string' || result.error === '')
        unanswered.push(`${event}: no error text`);
      answered++;
    });
    console.log(
      `fuzz socket: ${SOCKET_PAYLOADS} payloads; ${answered} answered, ${accepted} happened to be valid`,
    );
    expect(unanswered).toEqual([]);
    expect(answered).toBe(SOCKET_PAYLOADS);
    expect(socket.connected).toBe(true);
    expect(errorsLogged).toEqual([]);
    expect(await ok(socket, 'run:watch', { runId })).toMatchObject({ run: { id: runId } });
  });
});
