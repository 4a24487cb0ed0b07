import { describe, expect, it } from 'vitest';
import { pageLabel, pageMoves, pageOfCheckpoint, txnFilter } from '../src/explain/facts-view';

describe('paging the whole checkpoint history and transaction list', () => {
  it('the search box asks the server for a checkpoint, a subtask of it, or a store id', () => {
    expect(txnFilter('')).toEqual({});
    expect(txnFilter(' 5 ')).toEqual({ checkpoint: 5 });
    expect(txnFilter('cp12')).toEqual({ checkpoint: 12 });
    expect(txnFilter('CP12·s1')).toEqual({ checkpoint: 12, subtask: 1 });
    expect(txnFilter('cp12.s0')).toEqual({ checkpoint: 12, subtask: 0 });
    expect(txnFilter('cp3·s1·a2')).toEqual({ checkpoint: 3, subtask: 1 });
    expect(txnFilter('#40')).toEqual({ txnId: 40 });
    expect(txnFilter('committed')).toBeNull();
  });

  it('says which part of a longer list is shown', () => {
    expect(pageLabel(0, 12, 12)).toBe('All 12');
    expect(pageLabel(0, 50, 40_002)).toBe('Showing 50 of 40,002 (1–50, newest first)');
    expect(pageLabel(40_000, 2, 40_002)).toBe('Showing 2 of 40,002 (40,001–40,002, newest first)');
  });

  it('pages go newest, newer, older, oldest, and stop at the ends', () => {
    expect(pageMoves(0, 50, 120)).toEqual({ newest: null, newer: null, older: 50, oldest: 100 });
    expect(pageMoves(50, 50, 120)).toEqual({ newest: 0, newer: 0, older: 100, oldest: 100 });
    expect(pageMoves(100, 50, 120)).toEqual({ newest: 0, newer: 50, older: null, oldest: null });
    expect(pageMoves(0, 50, 50)).toEqual({ newest: null, newer: null, older: null, oldest: null });
  });

  it('goes to the page that holds a checkpoint, newest first', () => {
    expect(pageOfCheckpoint(120, 120, 50)).toBe(0);
    expect(pageOfCheckpoint(71, 120, 50)).toBe(0);
    expect(pageOfCheckpoint(70, 120, 50)).toBe(50);
    expect(pageOfCheckpoint(1, 120, 50)).toBe(100);
    expect(pageOfCheckpoint(0, 120, 50)).toBeNull();
    expect(pageOfCheckpoint(121, 120, 50)).toBeNull();
  });
});
