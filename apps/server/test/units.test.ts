import {
  PRESETS,
  parseScenario,
  presetScenario,
  type Scenario,
  type SimEvent,
  Simulation,
  WRITER_MODES,
} from '@eolab/engine';
import type { RunSummary } from '@eolab/protocol';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { EventBuffer } from '../src/runs/event-buffer';
import { bucketMsFor, LiveRun, MAX_BUCKETS } from '../src/runs/live-run';
import { checkRunWork } from '../src/runs/work-limits';

function scenario(input: object): Scenario {
  const parsed = parseScenario(input);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.value;
}

function liveRun(s: Scenario, speed: '1x' | '10x' | '100x' | 'max', expectedReport?: unknown): LiveRun {
  const summary: RunSummary = {
    id: 'unit',
    name: s.name,
    mode: s.mode,
    state: 'running',
    verdict: null,
    numEvents: s.numEvents,
    faultCount: s.faults.length,
    createdAt: new Date(0).toISOString(),
    finishedAt: null,
    replayOf: null,
  };
  return new LiveRun(s, summary, speed, expectedReport);
}

/** A clock that never moves: a step is then bounded only by its virtual target, so pacing is exact. */
const frozen = () => 0;

const checkpoint = (t: number): SimEvent => ({
  t,
  kind: 'checkpoint-completed',
  checkpointId: t,
  position: t,
  durationMs: 1,
});
const triggered = (t: number): SimEvent => ({
  t,
  kind: 'checkpoint-triggered',
  checkpointId: t,
  position: t,
});

describe('bucket width', () => {
  it('fits the natural length of a run in three quarters of the buckets, in 1-2-5 steps', () => {
    expect(bucketMsFor(presetScenario('seed', 'ATLEAST_ONCE')!)).toBe(10);
    const demo = presetScenario('live-demo', 'EXACTLY_ONCE')!;
    expect(bucketMsFor(demo)).toBe(100);
    const huge = { ...demo, numEvents: 50_000_000 };
    const widthMs = bucketMsFor(huge);
    expect(widthMs).toBe(500_000);
    expect(huge.numEvents / widthMs).toBeLessThanOrEqual(MAX_BUCKETS * 0.75);
  });

  it('leaves the series un-merged through a whole live-demo run with its failure and restore', () => {
    const run = liveRun(presetScenario('live-demo', 'ATLEAST_ONCE')!, 'max');
    run.step(0, Number.POSITIVE_INFINITY, frozen);
    expect(run.sim.done).toBe(true);
    expect(run.sim.metrics.layoutVersion).toBe(0);
  });
});

describe('work limits', () => {
  it('accept every preset in every mode with the default limits', () => {
    const { limits } = loadConfig({});
    for (const { id } of PRESETS)
      for (const mode of WRITER_MODES)
        expect(() => checkRunWork(presetScenario(id, mode)!, limits)).not.toThrow();
  });
});

describe('pacing', () => {
  it.each([
    ['1x', 1],
    ['10x', 10],
    ['100x', 100],
  ] as const)('at %s a wall millisecond is worth %i virtual ms', (speed, factor) => {
    const run = liveRun(presetScenario('live-demo', 'EXACTLY_ONCE')!, speed);
    run.step(16, 1_000, frozen);
    expect(run.sim.nowMs).toBe(16 * factor);
    run.step(16.5, 1_000, frozen);
    run.step(16.5, 1_000, frozen);
    expect(run.sim.nowMs).toBe(49 * factor);
  });

  it('a paced run that falls far behind forgets the debt beyond one wall second', () => {
    const run = liveRun(presetScenario('live-demo', 'EXACTLY_ONCE')!, '10x');
    run.step(60_000, 1_000, frozen);
    expect(run.sim.nowMs).toBe(10_000);
  });

  it('stops a max-speed step when its wall budget is spent', () => {
    const run = liveRun(scenario({ mode: 'EXACTLY_ONCE', numEvents: 2_000_000 }), 'max');
    let wall = 0;
    const ticking = () => (wall += 1); // every clock read costs 1 ms
    const spent = run.step(0, 10, ticking);
    expect(spent).toBeGreaterThanOrEqual(10);
    expect(spent).toBeLessThan(12);
    expect(run.sim.done).toBe(false);
  });

  it('a run paced in many small steps ends with the same report as one run to the end', () => {
    const s = presetScenario('seed', 'ATLEAST_ONCE')!;
    const run = liveRun(s, '1x');
    while (!run.sim.done) run.step(7, 1_000, frozen);
    expect(run.sim.report()).toEqual(new Simulation(s).runToEnd());
  });
});

describe('import check', () => {
  it('says whether the re-run reproduced the exported report', () => {
    const s = presetScenario('seed', 'ATLEAST_ONCE')!;
    const expected = JSON.parse(JSON.stringify(new Simulation(s).runToEnd()));
    const same = liveRun(s, 'max', expected);
    same.step(0, Number.POSITIVE_INFINITY, frozen);
    same.setState('finished', new Date().toISOString());
    expect(same.summary.reproducesExport).toBe(true);
    const other = liveRun(s, 'max', { ...expected, duplicates: [17] });
    other.step(0, Number.POSITIVE_INFINITY, frozen);
    other.setState('finished', new Date().toISOString());
    expect(other.summary.reproducesExport).toBe(false);
  });
});

describe('event buffer', () => {
  it('at max speed caps each kind per delta, keeps injected faults and counts the rest as dropped', () => {
    const buffer = new EventBuffer(100, 2_000);
    for (let t = 0; t < 50; t++) {
      buffer.push(checkpoint(t), true);
      buffer.push(triggered(t), true);
    }
    for (let t = 0; t < 6; t++)
      buffer.push({ t, kind: 'fault-injected', fault: { kind: 'notify-lost', atMs: t } }, true);
    const { events, numbers, dropped } = buffer.takeDelta();
    expect(events.filter((e) => e.kind === 'checkpoint-completed')).toHaveLength(2);
    expect(events.filter((e) => e.kind === 'checkpoint-triggered')).toHaveLength(0);
    expect(events.filter((e) => e.kind === 'fault-injected')).toHaveLength(6);
    expect(dropped).toBe(100 - 2);
    // Each event keeps its number in the run: the first two checkpoints, then the six faults.
    expect(numbers).toEqual([0, 2, 100, 101, 102, 103, 104, 105]);
    expect(buffer.snapshot().cursor).toBe(106);
    expect(buffer.takeDelta()).toEqual({ events: [], numbers: [], dropped: 0 });
  });

  it('at paced speeds sends everything up to the per-delta bound', () => {
    const buffer = new EventBuffer(100, 2_000);
    for (let t = 0; t < 150; t++) buffer.push(triggered(t), false);
    const { events, dropped } = buffer.takeDelta();
    expect(events.map((e) => e.t)).toEqual([...Array(100).keys()]);
    expect(dropped).toBe(50);
  });

  it('a snapshot holds at most its limit: the recent window plus the older story events, in order', () => {
    const buffer = new EventBuffer(100, 400);
    buffer.push({ t: 0, kind: 'run-started', seed: 1, mode: 'EXACTLY_ONCE', numEvents: 5 }, false);
    for (let t = 1; t <= 10_000; t++) buffer.push(triggered(t), false);
    const { events, dropped } = buffer.snapshot();
    expect(events.length).toBeLessThanOrEqual(400);
    expect(events[0]!.kind).toBe('run-started');
    expect(events.at(-1)!.t).toBe(10_000);
    expect(events.map((e) => e.t)).toEqual([...events.map((e) => e.t)].sort((a, b) => a - b));
    expect(dropped).toBe(10_001 - events.length);
  });
});

describe('a fault for "now" acts at the moment the person saw', () => {
  const demo = () => presetScenario('live-demo', 'ATLEAST_ONCE')!;

  it('runs the model again from 0 with the fault at the time on screen: the same run a scenario with that timeline gives', () => {
    const run = liveRun(demo(), '10x');
    run.step(300, 1_000, frozen); // 3,000 virtual ms at 10x
    expect(run.sim.nowMs).toBe(3_000);
    const before = run.delta(0)!;
    const fault = run.inject({ kind: 'mapper-exception' }, 5, 0, 1_500);
    expect(fault).toEqual({ kind: 'mapper-exception', atMs: 1_501 });
    // The model is back where it was, the failure at 1,501 ms inside it.
    expect(run.sim.nowMs).toBe(3_000);
    const failed = run.storedEvents().find((e) => e.kind === 'task-failed');
    expect(failed?.t).toBe(1_501);
    // The run was simulated again (its watchers get a snapshot); the next delta sends the series whole.
    expect(run.rewinds).toBe(1);
    const after = run.delta(0)!;
    expect(after.seq).toBe(before.seq + 1);
    expect(after.fromBucket).toBe(0);

    run.sim.advanceTo(Number.POSITIVE_INFINITY);
    const rerun = new Simulation(
      { ...demo(), faults: run.sim.faultTimeline() },
      { bucketMs: 100, maxBuckets: MAX_BUCKETS },
    );
    expect(rerun.runToEnd()).toEqual(run.sim.report());
  });

  it('replays earlier clicks where they were made, and refuses what the moment on screen cannot take', () => {
    const run = liveRun(demo(), '10x');
    run.step(100, 1_000, frozen);
    const first = run.inject({ kind: 'notify-lost' }, 5, 0); // acts now: 1,001 ms
    expect(first).toMatchObject({ kind: 'notify-lost', atMs: 1_001 });
    run.step(200, 1_000, frozen);
    run.inject({ kind: 'mapper-exception' }, 5, 0, 2_000);
    expect(
      run.sim
        .faultTimeline()
        .filter((f) => f.atMs !== undefined)
        .map((f) => [f.kind, f.atMs]),
    ).toEqual([
      ['notify-lost', 1_001],
      ['mapper-exception', 2_001],
    ]);
    // At 2,001 ms the job fails over (restart delay 500 ms): at 2,200 ms there is no task to fail.
    expect(() => run.inject({ kind: 'mapper-exception' }, 5, 0, 2_200)).toThrow(
      'fault: at 2200 ms, as on screen: the job is restarting',
    );
  });

  it('acts at the server time at full speed, or when the screen is further behind than a rewind may reach', () => {
    const run = liveRun(demo(), 'max');
    run.sim.advanceTo(3_000);
    expect(run.inject({ kind: 'notify-lost' }, 5, 0, 100)).toMatchObject({ atMs: 3_001 });
    const paced = liveRun({ ...demo(), numEvents: 1_000_000 }, '100x');
    paced.sim.advanceTo(70_000);
    expect(paced.inject({ kind: 'notify-lost' }, 5, 0, 1_000)).toMatchObject({ atMs: 70_001 });
  });
});
