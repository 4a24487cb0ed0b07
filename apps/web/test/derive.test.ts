import { describe, expect, it } from 'vitest';
import { checkpointSpans, txnSpans } from '../src/explain/spans';
import { runPreset } from './sim';

describe('timelines from the event stream', () => {
  it('spans every checkpoint of the seed from trigger to completion', () => {
    const { events, report } = runPreset('seed', 'EXACTLY_ONCE');
    const spans = checkpointSpans(events);
    expect(spans.map((s) => s.outcome)).toEqual(spans.map(() => 'completed'));
    expect(spans).toHaveLength(report.checkpoints.completed);
    expect(spans[0]).toMatchObject({ id: 1, position: 16 });
    for (const s of spans) expect(s.endMs!).toBeGreaterThanOrEqual(s.startMs);
  });

  it('follows each transaction through open, pre-committed and its outcome, one lane per subtask', () => {
    const { events, report } = runPreset('seed', 'EXACTLY_ONCE');
    const spans = txnSpans(events);
    expect(spans.filter((s) => s.outcome === 'committed')).toHaveLength(report.transactions.committed);
    expect(spans.filter((s) => s.outcome === 'aborted')).toHaveLength(report.transactions.aborted);
    expect(new Set(spans.map((s) => s.subtask))).toEqual(new Set([0, 1]));
    const first = spans.filter((s) => s.epoch === 1);
    expect(first.map((s) => s.outcome)).toEqual(['committed', 'committed']);
    for (const s of first) expect(s.flushedMs!).toBeLessThan(s.endMs!);
    // The transactions aborted while open are named after the checkpoint they waited for.
    const abortedWithValues = spans.filter((s) => s.outcome === 'aborted' && s.events > 0);
    expect(abortedWithValues.map((s) => s.epoch)).toEqual([2, 2]);
  });
});
