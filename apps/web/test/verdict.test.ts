import { FOUND_DUPLICATES, NO_DUPLICATE } from '@eolab/engine';
import { describe, expect, it } from 'vitest';
import { summarizeValues, verdictText } from '../src/panels/CheckerPanel';
import { runPreset } from './sim';

describe('the verdict line', () => {
  it("reads the sample's words for the seed in both modes", () => {
    expect(verdictText(runPreset('seed', 'EXACTLY_ONCE').report, 0, false)).toBe(NO_DUPLICATE);
    expect(verdictText(runPreset('seed', 'ATLEAST_ONCE').report, 8, false)).toBe(FOUND_DUPLICATES);
  });

  it('names loss, which the sample cannot see', () => {
    const { report } = runPreset('seed', 'ATLEAST_ONCE');
    const lossy = { ...report, counts: { ...report.counts, missing: 3 } };
    expect(verdictText(lossy, 8, false)).toBe('Found duplicates · 3 values lost');
    const onlyLoss = { ...lossy, counts: { ...lossy.counts, duplicates: 0 } };
    expect(verdictText(onlyLoss, 0, false)).toBe('No duplicate found, but 3 values lost');
  });

  it('says what it knows while the run streams', () => {
    expect(verdictText(null, 0, true)).toBe('Checking… no duplicate so far');
    expect(verdictText(null, 2, true)).toBe('Found duplicates (so far)');
  });

  it('summarizes runs of values', () => {
    expect(summarizeValues([17, 18, 19, 20, 21, 22, 23, 24])).toBe('17..24');
    expect(summarizeValues([1, 3, 4, 9])).toBe('1, 3..4, 9');
  });
});
