import { describe, expect, it } from 'vitest';
import {
  presetScenario,
  type SimEvent,
  Simulation,
  stripAt,
  ValueTrace,
  type WriterMode,
} from '../src/index';

/** "Find a value": a replay with a tracer follows one value through emissions, writes, transactions and reads. */

function traced(preset: string, mode: WriterMode, from: number, to = from) {
  const scenario = presetScenario(preset, mode);
  if (scenario === undefined) throw new Error(`no preset ${preset}`);
  const trace = new ValueTrace(from, to);
  const sim = new Simulation(scenario, { tracer: trace });
  sim.on(trace.observe);
  sim.runToEnd();
  return { lives: trace.result(), scenario };
}

function eventLog(preset: string, mode: WriterMode, tracer?: ValueTrace): string {
  const sim = new Simulation(presetScenario(preset, mode)!, tracer === undefined ? {} : { tracer });
  const events: SimEvent[] = [];
  sim.on((e) => events.push(e));
  if (tracer !== undefined) sim.on(tracer.observe);
  return JSON.stringify([sim.runToEnd(), events]);
}

describe('value trace', () => {
  it('the seed in ATLEAST_ONCE: 17 is emitted by attempts 1 and 2, written twice and read twice', () => {
    const [life] = traced('seed', 'ATLEAST_ONCE', 17).lives;
    expect(life!.emissions.map((e) => e.attempt)).toEqual([1, 2]);
    expect(life!.writes.map((w) => [w.attempt, w.txnId])).toEqual([
      [1, null],
      [2, null],
    ]);
    expect(life!.reads.map((r) => [r.attempt, r.path])).toEqual([
      [1, 'plain'],
      [2, 'plain'],
    ]);
    // Each step of its life comes after the one before it.
    expect(life!.writes[0]!.atMs).toBeGreaterThanOrEqual(life!.emissions[0]!.atMs);
    expect(life!.reads[1]!.atMs).toBeGreaterThan(life!.reads[0]!.atMs);
  });

  it('the seed in EXACTLY_ONCE: attempt 1 wrote 17 into a transaction aborted when its task closed, attempt 2 into one committed', () => {
    const [life] = traced('seed', 'EXACTLY_ONCE', 17).lives;
    expect(life!.writes).toHaveLength(2);
    expect(life!.txns.map((t) => [t.attempt, t.end?.state, t.end?.why])).toEqual([
      [1, 'aborted', 'task-closed'],
      [2, 'committed', null],
    ]);
    expect(life!.reads).toEqual([expect.objectContaining({ attempt: 2, path: 'committed' })]);
  });

  it('a value before the restored checkpoint is written once and read once', () => {
    const [life] = traced('seed', 'ATLEAST_ONCE', 5).lives;
    expect(life!.emissions).toHaveLength(1);
    expect(life!.reads).toHaveLength(1);
  });

  it('the strip shows, at a moment, what each kind of reader sees', () => {
    const { lives, scenario } = traced('seed', 'EXACTLY_ONCE', 15, 20);
    const life17 = lives.find((l) => l.value === 17)!;
    const firstTxn = life17.txns[0]!;
    const options = { isolation: 'read_committed' as const, writeLatencyMs: scenario.sink.writeLatencyMs };
    // While attempt 1's transaction is open: a read_uncommitted reader would see 17, a read_committed one not.
    const open = stripAt(lives, firstTxn.end!.atMs - 1, options).find((c) => c.value === 17)!;
    expect(open).toMatchObject({ state: 'open', readCommitted: 0, readUncommitted: 1 });
    const end = stripAt(lives, Number.MAX_SAFE_INTEGER, options).find((c) => c.value === 17)!;
    expect(end).toMatchObject({ state: 'committed', readCommitted: 1, readUncommitted: 2 });
  });

  it('zombie-writer: the old attempt writes 600 after the failover; ATLEAST_ONCE reads both, EXACTLY_ONCE leaves its transaction open', () => {
    const failoverMs = 500;
    const [plain] = traced('zombie-writer', 'ATLEAST_ONCE', 600).lives;
    expect(plain!.emissions.map((e) => e.attempt)).toEqual([1, 2]);
    const zombieWrite = plain!.writes.find((w) => w.attempt === 1)!;
    expect(zombieWrite.atMs).toBeGreaterThan(failoverMs);
    expect(plain!.reads.map((r) => r.attempt)).toEqual([1, 2]);

    const [txnal] = traced('zombie-writer', 'EXACTLY_ONCE', 600).lives;
    const [zombieTxn, restoredTxn] = txnal!.txns;
    expect(zombieTxn).toMatchObject({ attempt: 1, flushedAtMs: null, end: null });
    expect(zombieTxn!.name).toMatch(/^cp[1-9]\d*·s\d$/);
    expect(restoredTxn).toMatchObject({ attempt: 2, end: { state: 'committed' } });
    expect(txnal!.reads).toEqual([expect.objectContaining({ attempt: 2, path: 'committed' })]);
  });

  it('a tracer changes nothing the run does', () => {
    for (const mode of ['ATLEAST_ONCE', 'EXACTLY_ONCE'] as const)
      expect(eventLog('seed', mode, new ValueTrace(1, 50))).toBe(eventLog('seed', mode));
  });
});
