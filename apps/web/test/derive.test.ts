import { describe, expect, it } from 'vitest';
import { checkpointSpans, duplicateCauses, txnSpans } from '../src/derive';
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
    const first = spans.filter((s) => s.checkpointId === 1);
    expect(first.map((s) => s.outcome)).toEqual(['committed', 'committed']);
    for (const s of first) expect(s.flushedMs!).toBeLessThan(s.endMs!);
    // Every transaction has a checkpoint.subtask name, even the ones aborted while open.
    expect(spans.every((s) => s.checkpointId !== null)).toBe(true);
  });

  it('explains the seed duplicates by the failure and the restore from position 16', () => {
    const { events, report } = runPreset('seed', 'ATLEAST_ONCE');
    const causes = duplicateCauses(events, report.duplicates);
    expect(causes).toHaveLength(1);
    expect(causes[0]!.values).toEqual([17, 18, 19, 20, 21, 22, 23, 24]);
    expect(causes[0]!.text).toMatch(/restore from checkpoint 1 at position 16/);
  });
});
