import { END_MARKER, invariant, type SimContext, START_MARKER } from './context';
import { LatencyHistogram } from './histogram';
import { Counter, type Metrics } from './metrics';
import { type MarkerWindowResult, REPORT_LIST_LIMIT } from './report';

export const CHECKER_STARTS = '============== Checker starts ===============';
export const CHECKER_ENDS = '============== Checker ends  ===============';
export const NO_DUPLICATE = 'No duplicate found. EXACTLY_ONCE!';
export const FOUND_DUPLICATES = 'Found duplicates';

/** Values listed per duplicate-found or value-missing event; the count says how many there were. */
const EVENT_SAMPLE = 20;
/** Marker-window lines kept for the report. */
const WINDOW_LINES_LIMIT = 2_000;

/**
 * The two checkers, fed every value the reader sees, in stream order.
 *
 * The marker-window checker is the sample's: it clears its sets at every start marker and, at the
 * end marker, prints its verdict block. The whole-stream checker is never reset: it counts every
 * read of every value 1..N and, at the end, reports duplicates and the values that never arrived.
 * It also measures visibility latency: from a value's first emission to its first read.
 */
export class Checker {
  private readonly readCount: Uint8Array;
  private readonly windowSeen: Uint8Array;
  /** Virtual time + 1 of each value's first emission (0: never emitted). */
  private readonly firstEmitPlusOne: Int32Array;
  readonly latency = new LatencyHistogram();
  private windowDuplicates: number[] = [];
  private windowDuplicateCount = 0;
  private readonly window: MarkerWindowResult = { lines: [], verdict: null, duplicates: 0 };
  private pendingDuplicates: number[] = [];
  private pendingDuplicateCount = 0;
  private missingTotal = 0;

  private readonly metrics: Metrics;

  constructor(
    private readonly ctx: SimContext,
    private readonly numEvents: number,
  ) {
    this.metrics = ctx.metrics;
    this.readCount = new Uint8Array(numEvents + 1);
    this.windowSeen = new Uint8Array(numEvents + 1);
    this.firstEmitPlusOne = new Int32Array(numEvents + 1);
  }

  /** The source calls this for every value it emits; only the first emission counts for latency. */
  emitted(value: number, tMs: number): void {
    if (this.firstEmitPlusOne[value] === 0) this.firstEmitPlusOne[value] = tMs + 1;
  }

  read(value: number, tMs: number): void {
    if (value === START_MARKER) {
      this.startMarker();
      return;
    }
    if (value === END_MARKER) {
      this.endMarker(tMs);
      return;
    }
    if (!(value >= 1 && value <= this.numEvents)) invariant(false, `read a value out of range: ${value}`);
    this.metrics.count(Counter.read, tMs, 1);
    const count = this.readCount[value]!;
    if (count === 0) {
      const emittedPlusOne = this.firstEmitPlusOne[value]!;
      if (emittedPlusOne === 0) invariant(false, `value ${value} read before it was emitted`);
      const latencyMs = tMs - (emittedPlusOne - 1);
      this.latency.record(latencyMs);
      this.metrics.recordLatency(tMs, latencyMs);
    } else if (count === 1) {
      this.metrics.count(Counter.duplicates, tMs, 1);
      this.pendingDuplicateCount++;
      if (this.pendingDuplicates.length < EVENT_SAMPLE) this.pendingDuplicates.push(value);
    }
    // The per-value count saturates at 255; duplicateReads keeps the exact total.
    if (count < 255) this.readCount[value] = count + 1;
    if (count >= 1) this.metrics.extra.duplicateReads++;
    if (this.windowSeen[value] === 1) {
      this.windowDuplicateCount++;
      if (this.windowDuplicates.length < WINDOW_LINES_LIMIT) this.windowDuplicates.push(value);
    } else this.windowSeen[value] = 1;
  }

  private startMarker(): void {
    this.windowSeen.fill(0);
    this.windowDuplicates = [];
    this.windowDuplicateCount = 0;
  }

  private endMarker(tMs: number): void {
    const lines = [CHECKER_STARTS];
    for (const value of this.windowDuplicates) lines.push(`Duplicate event: ${value}`);
    const found = this.windowDuplicateCount > 0;
    lines.push(found ? FOUND_DUPLICATES : NO_DUPLICATE, CHECKER_ENDS);
    for (const line of lines) this.ctx.console('checker', line, tMs);
    // The report keeps the last block the checker printed, as a person reading the terminal would.
    this.window.lines = lines;
    this.window.verdict = found ? 'DUPLICATES' : 'EXACTLY_ONCE';
    this.window.duplicates = this.windowDuplicateCount;
  }

  /** Emits one duplicate-found event for the duplicates seen since the last flush. */
  flush(tMs: number): void {
    if (this.pendingDuplicateCount === 0) return;
    this.ctx.emit({
      t: tMs,
      kind: 'duplicate-found',
      count: this.pendingDuplicateCount,
      values: this.pendingDuplicates,
    });
    this.pendingDuplicates = [];
    this.pendingDuplicateCount = 0;
  }

  /** At the end of the run: reports the values of 1..N never read. */
  finish(tMs: number): void {
    this.flush(tMs);
    const sample: number[] = [];
    let missing = 0;
    for (let v = 1; v <= this.numEvents; v++) {
      if (this.readCount[v] === 0) {
        missing++;
        if (sample.length < EVENT_SAMPLE) sample.push(v);
      }
    }
    this.missingTotal = missing;
    this.metrics.extra.missing = missing;
    if (missing > 0) this.ctx.emit({ t: tMs, kind: 'value-missing', count: missing, values: sample });
  }

  get missingCount(): number {
    return this.missingTotal;
  }

  /** Sorted values read more than once, cut at REPORT_LIST_LIMIT. */
  duplicateValues(): number[] {
    const out: number[] = [];
    for (let v = 1; v <= this.numEvents && out.length < REPORT_LIST_LIMIT; v++)
      if (this.readCount[v]! > 1) out.push(v);
    return out;
  }

  /** Sorted values never read, cut at REPORT_LIST_LIMIT (meaningful once the run ended). */
  missingValues(): number[] {
    const out: number[] = [];
    for (let v = 1; v <= this.numEvents && out.length < REPORT_LIST_LIMIT; v++)
      if (this.readCount[v] === 0) out.push(v);
    return out;
  }

  markerWindow(): MarkerWindowResult {
    return {
      lines: [...this.window.lines],
      verdict: this.window.verdict,
      duplicates: this.window.duplicates,
    };
  }
}
