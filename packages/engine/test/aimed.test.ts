import { describe, expect, it } from 'vitest';
import { InjectRefused, preflight, presetScenario, Simulation } from '../src/index';
import { ofKind, scenario } from './helpers';

/** Faults aimed from a live run, and what to check before Start. */

function live(mode: 'EXACTLY_ONCE' | 'ATLEAST_ONCE' = 'EXACTLY_ONCE') {
  const sim = new Simulation(scenario({ mode, numEvents: 1_000, source: { throttleUntilPosition: 20 } }));
  const events: ReturnType<typeof collect> = collect(sim);
  return { sim, events };
}

function collect(sim: Simulation) {
  const events: Parameters<Parameters<Simulation['on']>[0]>[0][] = [];
  sim.on((e) => events.push(e));
  return events;
}

describe('aimed faults', () => {
  it('a crash aimed at checkpoint 3 from 150 ms acts at checkpoint 3, and a replay of the timeline matches', () => {
    const { sim, events } = live();
    sim.advanceTo(150);
    const fault = sim.inject({ kind: 'crash-before-notify', checkpoint: 3 });
    expect(fault).toEqual({ kind: 'crash-before-notify', checkpoint: 3 });
    const report = sim.runToEnd();
    expect(ofKind(events, 'fault-fired').map((e) => e.checkpointId)).toEqual([3]);
    expect(report.restores[0]?.checkpointId).toBe(3);
    const replay = new Simulation({ ...sim.scenario, faults: sim.faultTimeline() }).runToEnd();
    expect(replay.restores).toEqual(report.restores);
    expect(replay.counts).toEqual(report.counts);
  });

  it('"next" aims at the next checkpoint to be triggered', () => {
    const { sim } = live();
    sim.advanceTo(250);
    expect(sim.inject({ kind: 'checkpoint-abort', checkpoint: 'next' })).toEqual({
      kind: 'checkpoint-abort',
      checkpoint: 3,
    });
  });

  it('a fault aimed at a later virtual time acts then, not when the click arrived', () => {
    const { sim, events } = live('ATLEAST_ONCE');
    sim.advanceTo(100);
    sim.inject({ kind: 'mapper-exception', atMs: 450 });
    sim.runToEnd();
    expect(ofKind(events, 'task-failed').map((e) => e.t)).toEqual([450]);
  });

  it.each([
    [{ kind: 'crash-before-notify', checkpoint: 1 } as const, 'checkpoint 1 was already triggered'],
    [{ kind: 'mapper-exception', atMs: 50 } as const, 'virtual time 50 ms has passed'],
    [{ kind: 'store-outage', checkpoint: 5 } as const, 'cannot be aimed at a checkpoint'],
    [{ kind: 'commit-rejected', checkpoint: 5, subtask: 7 } as const, 'sink subtask 7 does not exist'],
  ])('refuses %j with a reason', (request, reason) => {
    const { sim } = live();
    sim.advanceTo(150);
    expect(sim.refusal(request)).toContain(reason);
    expect(() => sim.inject(request)).toThrow(InjectRefused);
  });

  it('refuses transactions faults in a plain mode, and any fault once the job failed', () => {
    const { sim } = live('ATLEAST_ONCE');
    sim.advanceTo(150);
    expect(sim.refusal({ kind: 'commit-rejected' })).toContain('needs transactions');
    const failing = new Simulation({
      ...presetScenario('seed', 'ATLEAST_ONCE')!,
      restart: { attempts: 0, delayMs: 0, heartbeatIntervalMs: 10_000, heartbeatTimeoutMs: 50_000 },
    });
    failing.advanceTo(112);
    expect(failing.jobState).toBe('failed');
    expect(failing.done).toBe(false);
    expect(failing.refusal({ kind: 'store-outage' })).toContain('the job has failed');
    failing.runToEnd();
    expect(failing.refusal({ kind: 'store-outage' })).toContain('the run has ended');
  });
});

describe('preflight', () => {
  it('the seed in EXACTLY_ONCE needs no warning', () => {
    expect(preflight(presetScenario('seed', 'EXACTLY_ONCE')!)).toEqual([]);
  });

  it('warns of a lease shorter than a restart delay plus an interval, of too few restarts, of a source that does not wait', () => {
    const fields = preflight(
      scenario({
        mode: 'EXACTLY_ONCE',
        numEvents: 100,
        source: { finalCheckpoints: 1 },
        sink: { txnLeaseMs: 10_000 },
        restart: { attempts: 1, delayMs: 15_000 },
        faults: [
          { kind: 'mapper-exception', atMs: 100 },
          { kind: 'crash-before-notify', checkpoint: 3 },
        ],
      }),
    ).map((w) => w.field);
    expect(fields).toEqual(['restart.attempts', 'sink.txnLeaseMs', 'source.finalCheckpoints']);
  });

  it('the gallery presets that lose data say why before they start', () => {
    expect(preflight(presetScenario('lease-expiry', 'EXACTLY_ONCE')!).map((w) => w.field)).toContain(
      'sink.txnLeaseMs',
    );
    expect(preflight(presetScenario('end-of-input', 'EXACTLY_ONCE')!).map((w) => w.field)).toContain(
      'source.finalCheckpoints',
    );
    expect(preflight(presetScenario('pause-beyond-lease', 'EXACTLY_ONCE')!).map((w) => w.field)).toContain(
      'sink.txnLeaseMs',
    );
  });
});
