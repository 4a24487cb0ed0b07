import { connect } from 'node:net';
import { presetScenario, type SimEvent, type WriterMode } from '@eolab/engine';
import type {
  CheckpointDetail,
  CheckpointsPage,
  MessagesPage,
  RunDelta,
  RunSnapshot,
  RunSummary,
  TransactionsPage,
  ValueLifeResponse,
} from '@eolab/protocol';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, command, type Harness, ok, runEnded, startServer } from './harness';

/**
 * The seed with checkpoints 1 s apart instead of 100 ms: the same outcome in the model (restore
 * from checkpoint 1 at position 16, duplicates 17..24), and a loaded machine cannot slip checkpoint
 * 2 in before the failure at element 26, which a real job whose notification of checkpoint 1 came
 * 90 ms late did at 100 ms.
 */
function seedWithRoomyCheckpoints(mode: WriterMode) {
  const seed = presetScenario('seed', mode)!;
  return { ...seed, checkpoint: { ...seed.checkpoint, intervalMs: 1_000 } };
}

/**
 * The dashboard's backend choice, through the server: the start request's `backend`, a real run
 * (the server's own PostgreSQL, real task processes) streamed like a simulated one and stored with
 * its report, controls that do not apply refused with a reason.
 */
let server: Harness;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  const postgres = await server.app.manager.real.current();
  await server.close();
  // The server stopped the PostgreSQL it started: nothing answers on its port any more.
  expect(postgres?.kind).toBe('embedded');
  const port = Number(new URL(postgres!.url).port);
  const refused = await new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
  expect(refused).toBe('ECONNREFUSED');
});

/** Watches a run from its start to its end: the events its deltas carried, and its stored snapshot. */
/** A real run of the seed, created unstarted; `started` resolves once its job has started. */
async function createRealSeed(socket: Client, mode: 'EXACTLY_ONCE' | 'ATLEAST_ONCE') {
  const { runId } = await ok<{ runId: string }>(socket, 'run:create', {
    preset: 'seed',
    mode,
    backend: 'postgres',
    start: false,
  });
  const started = new Promise<void>((resolve) => {
    const onDelta = (d: RunDelta) => {
      if (d.runId === runId && d.events.some((e) => e.kind === 'run-started')) {
        socket.off('run:delta', onDelta);
        resolve();
      }
    };
    socket.on('run:delta', onDelta);
  });
  return { runId, started };
}

async function watchToEnd(socket: Client, runId: string, whileRunning?: () => Promise<void>) {
  const events: SimEvent[] = [];
  const deltas: RunDelta[] = [];
  const onDelta = (d: RunDelta) => {
    if (d.runId !== runId) return;
    deltas.push(d);
    events.push(...d.events);
  };
  socket.on('run:delta', onDelta);
  const ended = runEnded(socket, runId);
  const first = await ok<RunSnapshot>(socket, 'run:watch', { runId });
  await ok(socket, 'run:control', { runId, action: 'start' });
  await whileRunning?.();
  const summary: RunSummary = await ended;
  socket.off('run:delta', onDelta);
  const stored = (await request(server.url).get(`/api/runs/${runId}`).expect(200)).body as RunSnapshot;
  return { first, deltas, events, summary, stored };
}

describe('the start request’s backend', () => {
  it('refuses a backend it does not know, naming the field', async () => {
    const res = await request(server.url)
      .post('/api/runs')
      .send({ preset: 'seed', mode: 'ATLEAST_ONCE', backend: 'oracle' })
      .expect(400);
    expect(res.body.error).toMatch(/^backend: expected one of simulated, postgres/);
    const socket = await server.client();
    const ack = await command(socket, 'run:create', { preset: 'seed', backend: 42 });
    expect(ack).toEqual({ ok: false, error: expect.stringMatching(/^backend: /) });
  });

  it('refuses, naming the fault, a scenario the real backend cannot run', async () => {
    const res = await request(server.url)
      .post('/api/runs')
      .send({
        scenario: {
          mode: 'EXACTLY_ONCE',
          numEvents: 50,
          faults: [{ kind: 'controller-outage', atMs: 100, durationMs: 100 }],
        },
        backend: 'postgres',
      })
      .expect(400);
    expect(res.body.error).toMatch(
      /^scenario\.faults\[0\]: controller-outage is not supported by the postgres backend/,
    );
  });

  it('says why PostgreSQL is unavailable, and simulated runs go on', async () => {
    process.env.EOLAB_POSTGRES_URL = 'postgres://nobody:nothing@127.0.0.1:1/postgres';
    try {
      const res = await request(server.url)
        .post('/api/runs')
        .send({ preset: 'seed', mode: 'ATLEAST_ONCE', backend: 'postgres' })
        .expect(503);
      expect(res.body.error).toMatch(
        /^backend: PostgreSQL is unavailable: EOLAB_POSTGRES_URL: cannot connect: .*ECONNREFUSED/,
      );
    } finally {
      delete process.env.EOLAB_POSTGRES_URL;
    }
    const simulated = await request(server.url)
      .post('/api/runs')
      .send({ preset: 'seed', mode: 'ATLEAST_ONCE', speed: 'max', start: false })
      .expect(201);
    const socket = await server.client();
    const { summary, stored } = await watchToEnd(socket, simulated.body.runId);
    expect(summary.state).toBe('finished');
    expect(stored.backend).toEqual({ kind: 'simulated', version: null });
  });
});

describe('a real run through the server', () => {
  it('ATLEAST_ONCE on PostgreSQL: streamed like a simulated run, duplicates 17..24, stored with its backend', async () => {
    const socket = await server.client();
    const { runId } = await ok<{ runId: string }>(socket, 'run:create', {
      scenario: seedWithRoomyCheckpoints('ATLEAST_ONCE'),
      backend: 'postgres',
      speed: 'max',
      start: false,
    });
    const { first, deltas, events, summary, stored } = await watchToEnd(socket, runId, async () => {
      // Speed and pause do not apply to a real job: refused, saying why.
      const speed = await command(socket, 'run:speed', { runId, speed: '10x' });
      expect(speed).toEqual({ ok: false, error: expect.stringMatching(/^speed: a real run .* real time/) });
      const pause = await command(socket, 'run:control', { runId, action: 'pause' });
      expect(pause).toEqual({
        ok: false,
        error: expect.stringMatching(/^pause: a real run .* cannot be paused/),
      });
      // A fault the backend cannot reproduce is refused with its reason.
      const fault = await command(socket, 'run:inject', { runId, fault: { kind: 'controller-outage' } });
      expect(fault).toEqual({
        ok: false,
        error: expect.stringMatching(
          /controller-outage is not supported by the postgres backend: there is no Pravega controller/,
        ),
      });
    });
    expect(first.speed).toBe('1x');
    expect(first.backend).toEqual({ kind: 'postgres', version: expect.stringMatching(/^PostgreSQL \d+/) });
    expect(deltas.every((d) => d.backend?.kind === 'postgres')).toBe(true);
    expect(summary.state).toBe('finished');
    expect(summary.verdict).toBe('DUPLICATES');
    // The real job's steps arrived live, in the engine's vocabulary.
    const completed = events.filter((e) => e.kind === 'checkpoint-completed');
    expect(completed[0]).toMatchObject({ checkpointId: 1, position: 16 });
    expect(events.some((e) => e.kind === 'task-failed' && e.element === 26)).toBe(true);
    expect(events.some((e) => e.kind === 'job-restored' && e.position === 16)).toBe(true);
    // Stored like any run: the report says where it ran, and the charts' series has every value.
    const report = stored.report as NonNullable<RunSnapshot['report']> & { server: { version: string } };
    expect(report.backend).toBe('postgres');
    expect(report.server.version).toMatch(/^PostgreSQL \d+/);
    expect(report.duplicates).toEqual([17, 18, 19, 20, 21, 22, 23, 24]);
    expect(stored.backend?.version).toBe(report.server.version);
    expect(stored.totals.emitted).toBe(report.counts.emitted);
    expect(stored.buckets.reduce((n, b) => n + b.read, 0)).toBe(report.counts.read);
    expect(stored.buckets.reduce((n, b) => n + b.duplicates, 0)).toBe(8);
    expect(stored.events.some((e) => e.kind === 'checkpoint-completed')).toBe(true);
    // A watcher's series, rebuilt from its deltas as the dashboard does, holds the checker's reads too.
    let buckets = first.buckets;
    let layout = first.layoutVersion;
    for (const d of deltas) {
      if (d.layoutVersion !== layout) buckets = d.fromBucket === 0 ? d.buckets : [];
      else buckets = [...buckets.slice(0, d.fromBucket), ...d.buckets];
      layout = d.layoutVersion;
    }
    expect(buckets.reduce((n, b) => n + b.read, 0)).toBe(report.counts.read);
    expect(buckets.reduce((n, b) => n + b.duplicates, 0)).toBe(8);
    const listed = await request(server.url).get('/api/runs').expect(200);
    const row = listed.body.runs.find((r: RunSummary) => r.id === runId);
    expect(row).toMatchObject({ verdict: 'DUPLICATES', backend: 'postgres' });
    // "Find a value" from the committed rows (a real run cannot be replayed): 17 emitted, written and read twice.
    const value: ValueLifeResponse = (
      await request(server.url).get(`/api/runs/${runId}/values/17`).expect(200)
    ).body;
    expect(value.life.emissions.map((e) => e.attempt)).toEqual([1, 2]);
    expect(value.life.writes.map((w) => [w.attempt, w.txnId])).toEqual([
      [1, null],
      [2, null],
    ]);
    expect(value.life.reads.map((r) => r.attempt)).toEqual([1, 2]);
    expect(value).toMatchObject({ outcome: 'duplicated', cause: { kind: 'replayed-after-restore' } });
    expect(value.note).toMatch(/only the rows PostgreSQL committed/);
    // The checkpoint tab's drill-down from the real job's events: every task acknowledged checkpoint 1.
    const detail: CheckpointDetail = (
      await request(server.url).get(`/api/runs/${runId}/checkpoints/1`).expect(200)
    ).body;
    expect(detail.tasks.map((t) => t.task)).toEqual(['source', 'sink-0', 'sink-1']);
    for (const t of detail.tasks)
      expect(t.acknowledgedMs).toBeGreaterThanOrEqual(detail.checkpoint.triggeredMs!);
  });

  it('EXACTLY_ONCE with a clicked notify-lost: injected into the real job, no duplicate found', async () => {
    const socket = await server.client();
    const { runId, started } = await createRealSeed(socket, 'EXACTLY_ONCE');
    let injected: unknown = null;
    const { events, summary, stored } = await watchToEnd(socket, runId, async () => {
      await started;
      injected = await ok(socket, 'run:inject', {
        runId,
        fault: { kind: 'notify-lost', checkpoint: 'next' },
      });
    });
    expect(injected).toEqual({ fault: { kind: 'notify-lost', checkpoint: expect.any(Number) } });
    const fired = events.find((e) => e.kind === 'fault-fired');
    expect(fired).toMatchObject({ faultKind: 'notify-lost' });
    expect(summary.verdict).toBe('EXACTLY_ONCE');
    expect(stored.report?.markerWindow.lines).toContain('No duplicate found. EXACTLY_ONCE!');
    expect(stored.faultTimeline.filter((f) => f.kind === 'notify-lost')).toHaveLength(1);
    expect(events.some((e) => e.kind === 'txn-committed')).toBe(true);
    // Its whole record of checkpoints and transactions, from the events the real job emitted.
    const checkpoints = (
      await request(server.url).get(`/api/runs/${runId}/checkpoints?order=oldest`).expect(200)
    ).body as CheckpointsPage;
    const { triggered, completed, aborted, failed } = checkpoints.counts;
    expect({ triggered, completed, aborted, failed }).toEqual(stored.report!.checkpoints);
    expect(checkpoints.total).toBe(stored.report!.checkpoints.triggered);
    expect(checkpoints.items.filter((c) => c.status === 'completed')).toHaveLength(completed);
    const txns = (await request(server.url).get(`/api/runs/${runId}/transactions?limit=200`).expect(200))
      .body as TransactionsPage;
    expect(txns.counts).toMatchObject(stored.report!.transactions);
    expect(txns.total).toBe(stored.report!.transactions.begun);
    expect(txns.items.filter((t) => t.state === 'COMMITTED')).toHaveLength(
      stored.report!.transactions.committed,
    );
    // The space-time diagram's messages come from the real job's events too.
    const diagram = (
      await request(server.url).get(`/api/runs/${runId}/messages?fromMs=0&toMs=600000&limit=2000`).expect(200)
    ).body as MessagesPage;
    const firstCompleted = checkpoints.items.find((c) => c.status === 'completed')!.id;
    const barriers = diagram.messages.filter(
      (m) => m.kind === 'barrier' && m.checkpointId === firstCompleted,
    );
    expect(barriers.map((m) => m.to).sort()).toEqual(['sink-0·a1', 'sink-1·a1']);
    expect(diagram.messages.filter((m) => m.kind === 'merge')).toHaveLength(
      stored.report!.transactions.committed,
    );
  });

  it('EXACTLY_ONCE with a clicked job-pause: the task process is stopped and continued for real, nothing duplicated or lost', async () => {
    const socket = await server.client();
    const { runId, started } = await createRealSeed(socket, 'EXACTLY_ONCE');
    let injected: unknown = null;
    const { summary, stored } = await watchToEnd(socket, runId, async () => {
      await started;
      injected = await ok(socket, 'run:inject', { runId, fault: { kind: 'job-pause', durationMs: 400 } });
    });
    expect(injected).toEqual({ fault: { kind: 'job-pause', atMs: expect.any(Number), durationMs: 400 } });
    const log = stored.report?.log ?? [];
    expect(log.some((l) => /Job paused: the task process \(pid \d+\) is stopped for 400 ms/.test(l))).toBe(
      true,
    );
    expect(log.some((l) => l.includes('Job resumed'))).toBe(true);
    expect(summary.verdict).toBe('EXACTLY_ONCE');
    // The narration tells the pause taking effect and ending, in milliseconds of the run.
    const told = stored.narration!.sentences.map((s) => s.text);
    expect(told).toContain('Fault: the whole job freezes for 400 ms: no processing, no lease pings.');
    expect(told).toContain('The job pause is over: the tasks run again.');
    // Real time: a checkpoint pending when the pause struck may be aborted, or may not.
    expect(told.at(-1)).toMatch(/^Run ended after [\d,]+ ms: \d+ checkpoints? completed(, \d+ aborted)?\.$/);
  });

  it('a simulated run replayed for real (Simulated vs real): same scenario and faults on PostgreSQL, the same duplicates', async () => {
    const socket = await server.client();
    const { runId } = await ok<{ runId: string }>(socket, 'run:create', {
      preset: 'seed',
      mode: 'ATLEAST_ONCE',
      start: false,
    });
    await watchToEnd(socket, runId);
    const bad = await request(server.url)
      .post(`/api/runs/${runId}/replay`)
      .send({ mode: 'ATLEAST_ONCE', backend: 'oracle' })
      .expect(400);
    expect(bad.body.error).toMatch(/^backend: expected one of simulated, postgres/);
    const replay = await request(server.url)
      .post(`/api/runs/${runId}/replay`)
      .send({ mode: 'ATLEAST_ONCE', backend: 'postgres' })
      .expect(201);
    expect(replay.body.run.replayOf).toBe(runId);
    const summary = await runEnded(socket, replay.body.runId);
    expect(summary.verdict).toBe('DUPLICATES');
    const stored = (await request(server.url).get(`/api/runs/${replay.body.runId}`).expect(200))
      .body as RunSnapshot;
    expect(stored.backend?.kind).toBe('postgres');
    expect(stored.report?.duplicates).toEqual([17, 18, 19, 20, 21, 22, 23, 24]);
  });

  it('Stop kills the real task process; the run ends stopped, checked and stored, and the next real run may start', async () => {
    const socket = await server.client();
    const { runId } = await ok<{ runId: string }>(socket, 'run:create', {
      scenario: { name: 'long-real', mode: 'ATLEAST_ONCE', numEvents: 20_000 },
      backend: 'postgres',
      start: false,
    });
    // One real run at a time: a second is refused while this one exists.
    const second = await command(socket, 'run:create', { preset: 'seed', backend: 'postgres' });
    expect(second).toEqual({
      ok: false,
      error: expect.stringMatching(/^backend: a real run .* one at a time/),
    });
    const running = new Promise<void>((resolve) => {
      const onDelta = (d: RunDelta) => {
        if (d.runId === runId && d.events.some((e) => e.kind === 'checkpoint-completed')) {
          socket.off('run:delta', onDelta);
          resolve();
        }
      };
      socket.on('run:delta', onDelta);
    });
    const { summary, stored } = await watchToEnd(socket, runId, async () => {
      await running;
      await ok(socket, 'run:control', { runId, action: 'stop' });
    });
    expect(summary.state).toBe('stopped');
    const report = stored.report as NonNullable<RunSnapshot['report']> & { attempts: { pid: number }[] };
    expect(report.finished).toBe(false);
    expect(report.counts.read).toBeGreaterThan(0);
    for (const { pid } of report.attempts) expect(() => process.kill(pid, 0)).toThrow();
    const next = await command(socket, 'run:create', { preset: 'seed', backend: 'postgres', start: false });
    expect(next.ok).toBe(true);
    if (next.ok)
      await ok(socket, 'run:control', { runId: (next.data as { runId: string }).runId, action: 'stop' });
  });
});
