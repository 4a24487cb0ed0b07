import { describe, expect, it } from 'vitest';
import { differenceLine, runLabel, valueRanges } from '../src/explain/compare-difference';
import { runPreset } from './sim';

describe('the difference between compared runs, in numbers', () => {
  it('names duplicates with their values, and an exact run with 0', () => {
    expect(differenceLine('ATLEAST_ONCE', runPreset('seed', 'ATLEAST_ONCE').report)).toBe(
      'ATLEAST_ONCE: 8 duplicates (values 17..24), 0 missing',
    );
    expect(differenceLine('EXACTLY_ONCE', runPreset('seed', 'EXACTLY_ONCE').report)).toBe(
      'EXACTLY_ONCE: 0 duplicates, 0 missing',
    );
  });

  it('names missing values too', () => {
    expect(differenceLine('EXACTLY_ONCE', runPreset('commit-rejected', 'EXACTLY_ONCE').report)).toMatch(
      /^EXACTLY_ONCE: 0 duplicates, 50 missing \(values [\d,.]+/,
    );
  });

  it('cuts long lists after a few ranges', () => {
    expect(valueRanges([1, 2, 3, 7, 9, 11, 12], 3)).toBe('1..3, 7, 9, …');
    expect(valueRanges([7298, 7299, 7300])).toBe('7,298..7,300');
  });

  it('a run is named by mode, backend and id', () => {
    expect(runLabel({ mode: 'EXACTLY_ONCE', backend: 'postgres', runId: 'r1' })).toBe(
      'EXACTLY_ONCE · PostgreSQL · run r1',
    );
  });
});
