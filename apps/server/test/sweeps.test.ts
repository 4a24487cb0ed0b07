import { request as httpRequest } from 'node:http';
import { presetScenario, type SweepResult, sweep, sweepRange, withSystem } from '@eolab/engine';
import type { SweepDetail, SweepProgress, SweepSummary } from '@eolab/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, type Harness, startServer } from './harness';

let server: Harness;
let socket: Client;

beforeAll(async () => {
  server = await startServer();
  socket = await server.client();
});
afterAll(async () => {
  await server.close();
});

/**
 * One request on a connection of its own (`agent: false`): a sweep keeps a test waiting for
 * seconds, long enough for a kept-alive connection to be closed by the server as it is reused.
 */
function request(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${server.url}/api${path}`,
      { method, agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const post = (path: string, body: unknown) => request('POST', path, body);

async function detail(id: string): Promise<SweepDetail> {
  return (await request('GET', `/sweeps/${id}`)).json as unknown as SweepDetail;
}

/** Progress the sockets are told about a sweep, until it ends. */
function progressUntilEnd(id: string): Promise<SweepProgress[]> {
  return new Promise((resolve) => {
    const seen: SweepProgress[] = [];
    const on = (p: SweepProgress) => {
      if (p.sweepId !== id) return;
      seen.push(p);
      if (p.state !== 'running') {
        socket.off('sweep:progress', on);
        resolve(seen);
      }
    };
    socket.on('sweep:progress', on);
  });
}

/** Starts a sweep and waits for its end, as the dashboard does. */
async function sweepOnServer(body: unknown): Promise<{ progress: SweepProgress[]; detail: SweepDetail }> {
  const { status, json } = await post('/sweeps', body);
  expect(status).toBe(201);
  const id = (json as unknown as SweepSummary).id;
  const progress = await progressUntilEnd(id);
  return { progress, detail: await detail(id) };
}

const table = (r: SweepResult | NonNullable<SweepDetail['result']>) => ({
  rows: r.rows,
  violations: r.violations,
  runs: r.runs,
});

describe('sweeps on the server', () => {
  it('give what eolab sweep gives for the same seed, with progress and every schedule listed', async () => {
    const { progress, detail: d } = await sweepOnServer({ schedules: 300, seed: 9 });
    expect(d.error).toBeNull();
    expect(d.state).toBe('done');
    expect(table(d.result!)).toEqual(table(sweep(300, 9)));
    expect(d.result!.schedules.map((s) => s.seed)).toEqual(Array.from({ length: 300 }, (_, i) => 9 + i));
    expect(progress.at(-1)).toEqual({ sweepId: d.id, state: 'done', done: 300, total: 300 });
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(d.spec).toMatchObject({ schedules: 300, seed: 9, base: null, maxFaults: 4 });
  });

  it('sweep on a preset, with chosen kinds and at most so many faults, as sweepRange does', async () => {
    const body = {
      schedules: 40,
      seed: 3,
      base: { preset: 'lease-expiry' },
      kinds: ['job-pause', 'store-outage'],
      maxFaults: 2,
    };
    const { detail: d } = await sweepOnServer(body);
    const base = presetScenario('lease-expiry', 'EXACTLY_ONCE')!;
    const expected = sweepRange(
      { schedules: 40, seed: 3, base, kinds: ['store-outage', 'job-pause'], maxFaults: 2 },
      0,
      40,
      { keepSchedules: true },
    );
    expect(d.result).toEqual(expected);
    expect(d.spec.baseLabel).toBe('preset lease-expiry');
  });

  it('sweep on Kafka, random knobs or a preset moved there, as eolab sweep --system kafka does', async () => {
    const { detail: random } = await sweepOnServer({ schedules: 60, seed: 4, system: 'kafka' });
    expect(random.result).toEqual(
      sweepRange({ schedules: 60, seed: 4, system: 'kafka' }, 0, 60, { keepSchedules: true }),
    );
    expect(random.spec.baseLabel).toBe('random knobs on Kafka (as eolab sweep --system kafka)');
    expect(random.spec.kinds).not.toContain('commit-rejected');
    const { detail: moved } = await sweepOnServer({
      schedules: 20,
      seed: 2,
      system: 'kafka',
      base: { preset: 'lease-expiry' },
    });
    const base = withSystem(presetScenario('lease-expiry', 'EXACTLY_ONCE')!, 'kafka');
    if (!base.ok) throw new Error(base.errors.join());
    expect(moved.spec.base?.system).toBe('kafka');
    expect(moved.spec.baseLabel).toBe('preset lease-expiry on Kafka');
    expect(moved.result).toEqual(
      sweepRange({ schedules: 20, seed: 2, base: base.value, kinds: moved.spec.kinds, maxFaults: 4 }, 0, 20, {
        keepSchedules: true,
      }),
    );
  });

  it('are listed, and a sweep is read back by its id after a restart', async () => {
    const { sweeps } = (await request('GET', '/sweeps')).json as unknown as { sweeps: SweepSummary[] };
    expect(sweeps.length).toBeGreaterThanOrEqual(2);
    const first = sweeps.at(-1)!;
    await server.close({ keepData: true });
    server = await startServer(server.dataDir);
    socket = await server.client();
    const again = await detail(first.id);
    expect(again.state).toBe('done');
    expect(table(again.result!)).toEqual(table(sweep(300, 9)));
  });

  it('cancel stops a sweep; one runs at a time', async () => {
    const { json } = await post('/sweeps', { schedules: 20_000, seed: 1 });
    const id = (json as unknown as SweepSummary).id;
    const ended = progressUntilEnd(id);
    const second = await post('/sweeps', { schedules: 10 });
    expect(second.status).toBe(409);
    expect(second.json.error).toContain('a sweep is already running');
    const cancelled = await post(`/sweeps/${id}/cancel`, {});
    expect(cancelled.status).toBe(200);
    expect((await ended).at(-1)!.state).toBe('cancelled');
    const d = await detail(id);
    expect(d.state).toBe('cancelled');
    expect(d.done).toBeLessThan(20_000);
    expect((await post(`/sweeps/${id}/cancel`, {})).status).toBe(409);
  });

  it('a sweep running when the server stops is stored as cancelled', async () => {
    const { json } = await post('/sweeps', { schedules: 20_000, seed: 2 });
    const id = (json as unknown as SweepSummary).id;
    await server.close({ keepData: true });
    server = await startServer(server.dataDir);
    socket = await server.client();
    const d = await detail(id);
    expect(d.state).toBe('cancelled');
    expect(d.result).toBeNull();
  });

  it.each([
    [{ schedules: 0 }, 'schedules:'],
    [{ schedules: 20_001 }, 'schedules: at most 20000 schedules on the server'],
    [{ schedules: 10, kinds: ['disk-full'] }, 'kinds[0]:'],
    [{ schedules: 10, kinds: [] }, 'kinds: choose at least one fault kind'],
    [{ schedules: 10, base: { preset: 'nope' } }, "base.preset: unknown preset 'nope'"],
    [{ schedules: 10, base: { scenario: { mode: 'EXACTLY_ONCE', numEvents: 0 } } }, 'numEvents'],
    [
      { schedules: 10, base: { scenario: { mode: 'EXACTLY_ONCE', numEvents: 50_000 } } },
      'base: numEvents: at most 20000',
    ],
    [{ schedules: 10, base: { runId: 'nosuchrun' } }, 'nosuchrun'],
    [{ schedules: 10, maxFaults: 21 }, 'maxFaults:'],
    [{ schedules: 10, typo: 1 }, 'typo'],
    [{ schedules: 10, system: 'kinesis' }, 'system: expected one of pravega, kafka'],
    [
      { schedules: 10, system: 'kafka', base: { preset: 'commit-rejected' } },
      'base (on kafka): faults[0].kind',
    ],
    [{ schedules: 10, system: 'kafka', kinds: ['commit-rejected'] }, 'kinds: Kafka has no commit-rejected'],
  ])('refuse %j naming the field', async (body, message) => {
    const { status, json } = await post('/sweeps', body);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(String(json.error)).toContain(message);
  });

  it('answer 404 for an unknown sweep and 400 for a bad id', async () => {
    expect((await request('GET', '/sweeps/nosuch')).status).toBe(404);
    expect((await request('GET', '/sweeps/bad%20id')).status).toBe(400);
  });
});

describe('sweeps on PostgreSQL', () => {
  it('verify random schedules on the model and for real, as eolab verify --schedules', async () => {
    const { progress, detail: d } = await sweepOnServer({ schedules: 2, seed: 40, backend: 'postgres' });
    expect(d.error).toBeNull();
    expect(d.state).toBe('done');
    expect(d.spec.backend).toBe('postgres');
    expect(d.result).toBeNull();
    const verified = d.verification!.schedules;
    expect(verified.map((v) => v.seed)).toEqual([40, 41]);
    for (const v of verified) {
      expect(['agree', 'timing']).toContain(v.agreement);
      expect(v.postgres.verdict).toMatch(/^[A-Z_]+$/);
    }
    expect(d.violations).toBe(0);
    expect(progress.at(-1)).toMatchObject({ state: 'done', done: 2, total: 2 });
  });

  it("verify Kafka schedules on the model and on Kafka's rules in PostgreSQL, as eolab verify --schedules --system kafka", async () => {
    const { detail: d } = await sweepOnServer({
      schedules: 2,
      seed: 40,
      backend: 'postgres',
      system: 'kafka',
    });
    expect(d.error).toBeNull();
    expect(d.spec).toMatchObject({ backend: 'postgres', system: 'kafka' });
    expect(d.spec.baseLabel).toMatch(/^random Kafka schedules/);
    const verified = d.verification!.schedules;
    expect(verified.map((v) => v.seed)).toEqual([40, 41]);
    for (const v of verified) expect(['agree', 'timing']).toContain(v.agreement);
    // The same seeds on Pravega draw Pravega's schedules: the system reached the real backend.
    const pravega = (await sweepOnServer({ schedules: 2, seed: 40, backend: 'postgres' })).detail;
    expect(verified.map((v) => v.faults)).not.toEqual(pravega.verification!.schedules.map((v) => v.faults));
  });

  it('hold the real-run slot, and a cancel keeps what was verified', async () => {
    const { json } = await post('/sweeps', { schedules: 5, seed: 50, backend: 'postgres' });
    const id = (json as unknown as SweepSummary).id;
    const ended = progressUntilEnd(id);
    const realRun = await post('/runs', { preset: 'seed', backend: 'postgres', start: false });
    expect(realRun.status).toBe(409);
    expect(String(realRun.json.error)).toContain(`a real run (sweep ${id}) is still going`);
    expect((await post(`/sweeps/${id}/cancel`, {})).status).toBe(200);
    expect((await ended).at(-1)!.state).toBe('cancelled');
    const d = await detail(id);
    expect(d.verification!.schedules.length).toBeLessThan(5);
  });

  it.each([
    [
      { schedules: 2, backend: 'postgres', base: { preset: 'seed' } },
      'base: a sweep on PostgreSQL draws its own schedules',
    ],
    [
      { schedules: 2, backend: 'postgres', kinds: ['job-pause'] },
      'kinds: a sweep on PostgreSQL draws its own schedules',
    ],
    [{ schedules: 101, backend: 'postgres' }, 'schedules: at most 100 schedules on PostgreSQL'],
    [{ schedules: 2, backend: 'kafka' }, 'backend: expected one of simulated, postgres'],
  ])('refuse %j naming the field', async (body, message) => {
    const { status, json } = await post('/sweeps', body);
    expect(status).toBe(400);
    expect(String(json.error)).toContain(message);
  });
});
