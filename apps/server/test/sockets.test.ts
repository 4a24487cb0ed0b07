import { parseScenario, type Report, Simulation } from '@eolab/engine';
import { outcomeOf, type RunDelta, type RunSnapshot } from '@eolab/protocol';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { command, deltasUntilEnd, type Harness, ok, reportOf, startServer } from './harness';

let server: Harness;
beforeEach(async () => {
  // Some tests here send hundreds of commands in a burst: the per-socket limit has its own tests (abuse.test.ts).
  server = await startServer(undefined, { EOLAB_SOCKET_COMMANDS_PER_SECOND: '100000' });
});
afterEach(async () => {
  await server.close();
});

const longScenario = (mode: string) => ({
  name: 'long',
  mode,
  numEvents: 20_000,
  source: { throttleUntilPosition: 20 },
});

describe('runs over socket.io', () => {
  it('creates, runs and finishes a run; the last delta carries the outcome, REST the report, both the engine’s own', async () => {
    const socket = await server.client();
    const { runId } = await ok<{ runId: string }>(socket, 'run:create', {
      preset: 'seed',
      mode: 'ATLEAST_ONCE',
      speed: 'max',
      start: false,
    });
    const snapshot = await ok<RunSnapshot>(socket, 'run:watch', { runId });
    expect(snapshot.run.state).toBe('created');
    const done = deltasUntilEnd(socket, runId);
    await ok(socket, 'run:control', { runId, action: 'start' });
    const deltas = await done;
    const last = deltas.at(-1)!;
    expect(last.state).toBe('finished');
    const expected = new Simulation(snapshot.scenario).runToEnd();
    expect(last.outcome).toEqual(outcomeOf(expected));
    expect(await reportOf(server, runId)).toEqual(expected);
    // The report (tens of KB for a big run) is not pushed to every watcher: only a few numbers of it.
    expect(last).not.toHaveProperty('report');
    expect(JSON.stringify(last.outcome).length).toBeLessThan(JSON.stringify(expected).length / 5);
    expect(deltas.slice(0, -1).every((d) => d.outcome === null)).toBe(true);
    // Sequence numbers count up one by one.
    expect(deltas.map((d) => d.seq)).toEqual(deltas.map((_, i) => deltas[0]!.seq + i));
  });

  it('two clients watching one run see the same deltas and the same verdict', async () => {
    const a = await server.client();
    const b = await server.client();
    const { runId } = await ok<{ runId: string }>(a, 'run:create', {
      scenario: longScenario('ATLEAST_ONCE'),
      speed: '1x',
      start: false,
    });
    await ok(a, 'run:watch', { runId });
    await ok(b, 'run:watch', { runId });
    const seenByA = deltasUntilEnd(a, runId);
    const seenByB = deltasUntilEnd(b, runId);
    await ok(a, 'run:control', { runId, action: 'start' });
    await ok(a, 'run:speed', { runId, speed: 'max' });
    const [da, db] = await Promise.all([seenByA, seenByB]);
    const bySeq = (ds: RunDelta[]) => new Map(ds.map((d) => [d.seq, JSON.stringify({ ...d, sentAt: 0 })]));
    const ma = bySeq(da);
    const mb = bySeq(db);
    for (const [seq, delta] of ma) if (mb.has(seq)) expect(mb.get(seq)).toBe(delta);
    expect(da.at(-1)!.outcome).toEqual(db.at(-1)!.outcome);
    expect(da.at(-1)!.outcome!.verdict).toBe('EXACTLY_ONCE');
  });

  it('a fault injected over the socket shows up in the report and the fault timeline', async () => {
    const socket = await server.client();
    const { runId } = await ok<{ runId: string }>(socket, 'run:create', {
      scenario: longScenario('ATLEAST_ONCE'),
      speed: '1x',
    });
    await ok(socket, 'run:watch', { runId });
    // Wait until the job runs unthrottled, then inject the sample's failure.
    await new Promise<void>((resolve) => {
      const onDelta = (d: RunDelta) => {
        if (d.totals.emitted > 500) {
          socket.off('run:delta', onDelta);
          resolve();
        }
      };
      socket.on('run:delta', onDelta);
    });
    const { fault } = await ok<{ fault: { kind: string; atMs: number } }>(socket, 'run:inject', {
      runId,
      fault: { kind: 'mapper-exception' },
    });
    expect(fault.kind).toBe('mapper-exception');
    const done = deltasUntilEnd(socket, runId);
    await ok(socket, 'run:speed', { runId, speed: 'max' });
    await done;
    const report = (await reportOf(server, runId)) as Report;
    expect(report.faults).toEqual([fault]);
    expect(report.counts.duplicates).toBeGreaterThan(0);
    expect(report.restores).toHaveLength(1);
    const stored = await request(server.app.http).get(`/api/runs/${runId}`).expect(200);
    expect(stored.body.faultTimeline).toEqual([fault]);
    // Replaying the recorded timeline gives the same report.
    const parsed = parseScenario({ ...longScenario('ATLEAST_ONCE'), faults: [fault] });
    if (!parsed.ok) throw new Error(parsed.errors.join());
    expect(new Simulation(parsed.value).runToEnd()).toEqual(report);
  });

  it('a fault for "now" at the time a watcher saw: the run is simulated again, every watcher is pushed its snapshot', async () => {
    const socket = await server.client();
    const other = await server.client();
    const { runId } = await ok<{ runId: string }>(socket, 'run:create', {
      scenario: longScenario('ATLEAST_ONCE'),
      speed: '10x',
    });
    await ok(socket, 'run:watch', { runId });
    await ok(other, 'run:watch', { runId });
    let seenMs = 0;
    await new Promise<void>((resolve) => {
      const onDelta = (d: RunDelta) => {
        if (d.totals.emitted > 500) {
          seenMs = d.nowMs;
          socket.off('run:delta', onDelta);
          resolve();
        }
      };
      socket.on('run:delta', onDelta);
    });
    // Let the server move on past what was seen.
    await new Promise<void>((resolve) => {
      const onDelta = (d: RunDelta) => {
        if (d.nowMs > seenMs + 200) {
          socket.off('run:delta', onDelta);
          resolve();
        }
      };
      socket.on('run:delta', onDelta);
    });
    const pushed = new Promise<RunSnapshot>((resolve) => other.once('run:snapshot', resolve));
    const { fault } = await ok<{ fault: { kind: string; atMs: number } }>(socket, 'run:inject', {
      runId,
      fault: { kind: 'mapper-exception' },
      seenMs,
    });
    expect(fault).toEqual({ kind: 'mapper-exception', atMs: seenMs + 1 });
    const snapshot = await pushed;
    expect(snapshot.run.id).toBe(runId);
    expect(snapshot.faultTimeline).toEqual([fault]);
    expect(snapshot.events.find((e) => e.kind === 'task-failed')?.t).toBe(seenMs + 1);
    await ok(socket, 'run:control', { runId, action: 'stop' });
  });

  it('limits fault injections per second with a clear message', async () => {
    const socket = await server.client();
    const { runId } = await ok<{ runId: string }>(socket, 'run:create', {
      scenario: longScenario('EXACTLY_ONCE'),
      speed: '1x',
    });
    const results = [];
    for (let i = 0; i < 7; i++)
      results.push(await command(socket, 'run:inject', { runId, fault: { kind: 'notify-lost' } }));
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(results.at(-1)).toEqual({
      ok: false,
      error: 'too many fault injections: at most 5 per second per run',
    });
    await ok(socket, 'run:control', { runId, action: 'stop' });
  });

  it('pause and resume change the state; a finished run cannot be started again', async () => {
    const socket = await server.client();
    const { runId } = await ok<{ runId: string }>(socket, 'run:create', {
      scenario: longScenario('EXACTLY_ONCE'),
      speed: '1x',
    });
    expect((await ok<{ state: string }>(socket, 'run:control', { runId, action: 'pause' })).state).toBe(
      'paused',
    );
    expect((await ok<{ state: string }>(socket, 'run:control', { runId, action: 'resume' })).state).toBe(
      'running',
    );
    expect((await ok<{ state: string }>(socket, 'run:control', { runId, action: 'stop' })).state).toBe(
      'stopped',
    );
    expect(await command(socket, 'run:control', { runId, action: 'start' })).toEqual({
      ok: false,
      error: `run ${runId} has ended (stopped)`,
    });
  });
});

describe('bad socket payloads', () => {
  it('hundreds of malformed payloads each get an error, and the server keeps serving', async () => {
    const socket = await server.client();
    const junk: unknown[] = [
      null,
      42,
      'run',
      [],
      {},
      true,
      { runId: 5 },
      { runId: '' },
      { runId: 'x'.repeat(10_000) },
      { runId: '../etc/passwd' },
      { runId: 'no-such-run' },
      { runId: 'no-such-run', action: 'explode' },
      { runId: 'no-such-run', speed: '1000x' },
      { runId: 'no-such-run', fault: { kind: 'meteor' } },
      { runId: 'no-such-run', fault: { kind: 'store-outage', durationMs: -1 } },
      { runId: 'no-such-run', fault: { kind: 'store-outage', durationMs: 'long' } },
      { preset: 5 },
      { preset: 'seed', scenario: { mode: 'EXACTLY_ONCE', numEvents: 5 } },
      { scenario: { mode: 'EXACTLY_ONCE', numEvents: -1 } },
      { scenario: { mode: 'EXACTLY_ONCE', numEvents: 50, faults: [{ kind: 'zombie-writer' }] } },
      { preset: 'seed', name: 'n'.repeat(5_000) },
      { preset: 'seed', extra: true },
      { preset: 'seed', mode: 'MAYBE' },
    ];
    const commands = [
      'run:create',
      'run:watch',
      'run:unwatch',
      'run:control',
      'run:speed',
      'run:inject',
    ] as const;
    let answered = 0;
    for (let round = 0; round < 3; round++) {
      for (const event of commands) {
        for (const payload of junk) {
          const result = await command(socket, event, payload);
          // Valid requests hidden in the junk (a run created, leaving a room never joined) may succeed.
          if ((event === 'run:create' || event === 'run:unwatch') && result.ok) continue;
          expect(result.ok, `${event} ${JSON.stringify(payload).slice(0, 80)}`).toBe(false);
          if (!result.ok) expect(result.error.length).toBeGreaterThan(0);
          answered++;
        }
      }
    }
    expect(answered).toBeGreaterThan(300);
    expect(socket.connected).toBe(true);
    await request(server.app.http).get('/api/health').expect(200);
  });

  it('a command sent without an acknowledgement callback is ignored, not a crash', async () => {
    const socket = await server.client();
    (socket.emit as (e: string, p: unknown) => void)('run:create', { preset: 'seed' });
    const result = await command(socket, 'run:watch', { runId: 'nope' });
    expect(result).toEqual({ ok: false, error: 'run nope not found' });
  });
});
