import type { ValueLifeResponse, ValueStripResponse } from '@eolab/protocol';

/**
 * The value-search slice ("Find a value"): the value asked for, its life as the server traced it,
 * and the strip of values around it at one moment. Loading and errors are per request, so a slow
 * answer for an older value never replaces a newer one (actions/values.ts checks the value).
 */
export interface ValuesSlice {
  valueSearch: {
    /** The value asked for, or null before any. */
    value: number | null;
    /** The run it was traced in: a life from another run is never shown. */
    runId: string | null;
    life: ValueLifeResponse | null;
    strip: ValueStripResponse | null;
    /** The moment the strip shows (virtual ms), or null for the run's end. */
    stripAtMs: number | null;
    loading: boolean;
    error: string | null;
  };
}

export const createValuesSlice = (): ValuesSlice => ({
  valueSearch: {
    value: null,
    runId: null,
    life: null,
    strip: null,
    stripAtMs: null,
    loading: false,
    error: null,
  },
});

/** Values shown either side of the one asked for in the strip. */
export const STRIP_HALF_WIDTH = 12;

/** The strip's values around `value`, inside 1..numEvents. */
export function stripRange(value: number, numEvents: number): { from: number; to: number } {
  const from = Math.max(1, Math.min(value - STRIP_HALF_WIDTH, numEvents - 2 * STRIP_HALF_WIDTH));
  return { from, to: Math.min(numEvents, from + 2 * STRIP_HALF_WIDTH) };
}
