import { describe, expect, it } from 'vitest';
import { END_MARKER, START_MARKER } from '../src/kernel/context';
import {
  CHECKER_ENDS,
  CHECKER_STARTS,
  checkStream,
  FOUND_DUPLICATES,
  NO_DUPLICATE,
} from '../src/model/checker';

/** Values read one per ms from `fromMs`, each emitted 3 ms before it is read. */
function reads(values: number[], fromMs = 0) {
  return values.map((value, i) => ({ value, atMs: fromMs + i, emittedAtMs: fromMs + i - 3 }));
}
const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

describe('checkStream: the engine checkers over a stream read elsewhere', () => {
  it("prints the sample's lines for the seed's ATLEAST_ONCE stream: 17..24 read twice", () => {
    const stream = reads([START_MARKER, ...range(1, 24), ...range(17, 50), END_MARKER], 10);
    const result = checkStream(stream, 50);
    expect(result.lines.map((l) => l.line)).toEqual([
      CHECKER_STARTS,
      ...range(17, 24).map((v) => `Duplicate event: ${v}`),
      FOUND_DUPLICATES,
      CHECKER_ENDS,
    ]);
    expect(result.markerWindow.verdict).toBe('DUPLICATES');
    expect(result.duplicates).toEqual(range(17, 24));
    expect(result.duplicateCount).toBe(8);
    expect(result.duplicateReads).toBe(8);
    expect(result.missing).toEqual([]);
    expect(result.read).toBe(58);
    expect(result.latencyMs).toEqual({ p50: 3, p99: 3, max: 3 });
    // Each line at the time of the read that printed it.
    expect(result.lines[1]).toEqual({ line: 'Duplicate event: 17', atMs: 10 + 25 });
  });

  it('says EXACTLY_ONCE and counts what never arrived', () => {
    const result = checkStream(reads([START_MARKER, ...range(17, 50), END_MARKER]), 50);
    expect(result.markerWindow.lines).toContain(NO_DUPLICATE);
    expect(result.missing).toEqual(range(1, 16));
    expect(result.missingCount).toBe(16);
  });

  it('takes a read stamped earlier than the one before it at that one time: the stream order wins', () => {
    const result = checkStream(
      [
        { value: START_MARKER, atMs: 5, emittedAtMs: 0 },
        { value: 1, atMs: 9, emittedAtMs: 1 },
        { value: 1, atMs: 7, emittedAtMs: 1 },
      ],
      1,
    );
    expect(result.lines.at(-1)).toEqual({ line: 'Duplicate event: 1', atMs: 9 });
  });
});
