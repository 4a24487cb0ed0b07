import { describe, expect, it } from 'vitest';
import type { SimEvent } from '../src/events';
import { END_MARKER, type SimContext, START_MARKER } from '../src/kernel/context';
import { Scheduler } from '../src/kernel/scheduler';
import { Checker } from '../src/model/checker';
import { readSource, Via } from '../src/run/causes';
import { Metrics } from '../src/run/metrics';
import { scenario } from './helpers';

/** A read of a plain write by attempt 1. */
const PLAIN = readSource(1, Via.plain);

function checker(numEvents: number, summaryOnly = false, emitted = numEvents) {
  const events: SimEvent[] = [];
  const lines: string[] = [];
  const ctx: SimContext = {
    scenario: scenario({ mode: 'EXACTLY_ONCE', numEvents, source: { throttleUntilPosition: 1 } }),
    scheduler: new Scheduler(),
    metrics: new Metrics(10, 100),
    emit: (e) => events.push(e),
    console: (_source, line) => lines.push(line),
    listening: true,
    keepsLog: true,
    tracer: null,
  };
  const c = new Checker(ctx, numEvents, summaryOnly);
  for (let v = 1; v <= emitted; v++) c.emitted(v, 0);
  return { c, events, lines, metrics: ctx.metrics };
}

describe('a checker for a summary alone (a sweep run)', () => {
  it('judges the reads alike, without latencies or lines, and still refuses a value read before it was emitted', () => {
    const reads = [START_MARKER, 1, 2, 3, 2, 4, END_MARKER];
    const measured = checker(6);
    const unmeasured = checker(6, true);
    for (const { c } of [measured, unmeasured]) {
      for (const v of reads) c.read(v, 10, PLAIN);
      c.readMany(Int32Array.of(5, 5), 2, 12, PLAIN);
      c.finish(20);
    }
    expect(unmeasured.c.duplicateValues()).toEqual(measured.c.duplicateValues());
    expect(unmeasured.c.missingValues()).toEqual([6]);
    expect(unmeasured.lines).toEqual([]);
    expect(measured.lines).toContain('Duplicate event: 2');
    expect(unmeasured.c.markerWindow().verdict).toBe(measured.c.markerWindow().verdict);
    expect(unmeasured.c.latency.count).toBe(0);
    expect(measured.c.latency.count).toBe(5);

    for (const summaryOnly of [false, true]) {
      const { c } = checker(6, summaryOnly, 3);
      expect(() => c.read(4, 10, PLAIN)).toThrow(/value 4 read before it was emitted/);
      expect(() => c.readMany(Int32Array.of(5), 1, 10, PLAIN)).toThrow(/value 5 read before it was emitted/);
    }
  });
});

describe('checker canary', () => {
  it('catches a duplicate planted on purpose, in both checkers', () => {
    const { c, events, lines } = checker(5);
    for (const v of [START_MARKER, 1, 2, 3, 2, 4, 5, END_MARKER]) c.read(v, 10, PLAIN);
    c.finish(20);
    expect(c.duplicateValues()).toEqual([2]);
    expect(c.missingValues()).toEqual([]);
    expect(lines).toContain('Duplicate event: 2');
    expect(lines).toContain('Found duplicates');
    expect(events.some((e) => e.kind === 'duplicate-found' && e.values.includes(2))).toBe(true);
  });

  it('catches a value that never arrived', () => {
    const { c, events } = checker(5);
    for (const v of [START_MARKER, 1, 2, 4, 5, END_MARKER]) c.read(v, 10, PLAIN);
    c.finish(20);
    expect(c.missingValues()).toEqual([3]);
    expect(events.find((e) => e.kind === 'value-missing')).toMatchObject({ count: 1, values: [3] });
  });

  it('the marker-window checker forgets everything before a start marker; the whole-stream one does not', () => {
    const { c } = checker(3);
    for (const v of [START_MARKER, 1, 2, START_MARKER, 1, 2, 3, END_MARKER]) c.read(v, 10, PLAIN);
    c.finish(20);
    expect(c.markerWindow().verdict).toBe('EXACTLY_ONCE');
    expect(c.duplicateValues()).toEqual([1, 2]);
  });

  it("prints as it reads, and a second end marker in one window is itself a duplicate, as the sample's set makes it", () => {
    const { c, lines } = checker(2);
    for (const v of [START_MARKER, 1, 2, END_MARKER, END_MARKER]) c.read(v, 10, PLAIN);
    expect(lines).toEqual([
      '============== Checker starts ===============',
      'No duplicate found. EXACTLY_ONCE!',
      '============== Checker ends  ===============',
      'No duplicate found. EXACTLY_ONCE!',
      '============== Checker ends  ===============',
      'Duplicate event: -9999',
    ]);
  });

  it('measures visibility latency from first emission to first read', () => {
    const { c } = checker(2);
    c.read(1, 40, PLAIN);
    c.read(2, 90, PLAIN);
    expect(c.latency.max).toBe(90);
    expect(c.latency.percentile(0.5)).toBe(40);
  });
});
