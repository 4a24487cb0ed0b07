import { END_MARKER, invariant, type SimContext, START_MARKER } from '../kernel/context';
import { FirstEmissions } from '../kernel/first-emissions';
import type { LatencyHistogram } from '../kernel/histogram';
import type { ValueTracer } from '../kernel/value-tracer';
import { Explainer } from '../run/causes';
import { Counter, Metrics } from '../run/metrics';
import { type LatencySummary, type MarkerWindowResult, REPORT_LIST_LIMIT } from '../run/report';

export const CHECKER_STARTS = '============== Checker starts ===============';
export const CHECKER_ENDS = '============== Checker ends  ===============';
export const NO_DUPLICATE = 'No duplicate found. EXACTLY_ONCE!';
export const FOUND_DUPLICATES = 'Found duplicates';

/** Values listed per duplicate-found or value-missing event; the count says how many there were. */
const EVENT_SAMPLE = 20;
/** `Duplicate event` lines printed per marker window; past it the rest are counted in one line. */
const WINDOW_LINES_LIMIT = 2_000;

/**
 * The two checkers, fed every value the reader sees, in stream order.
 *
 * The marker-window checker is the sample's ExactlyOnceChecker, which prints as it reads:
 * `Checker starts` at a start marker (clearing its sets), each `Duplicate event: V` when the
 * duplicate arrives, and the verdict and `Checker ends` at an end marker (clearing its sets again
 * when it found duplicates). Markers go through its set too, so a second end marker in one window
 * is itself a duplicate. A job that dies before its end marker leaves the first lines, no verdict. The whole-stream checker is never reset: it counts every
 * read of every value 1..N and, at the end, reports duplicates and the values that never arrived.
 * It also measures visibility latency: from a value's first emission to its first read.
 */
export class Checker {
  private readonly readCount: Uint8Array;
  /** Works out why each duplicate and missing value happened; fed by the checker and the simulation. */
  readonly explainer: Explainer;
  private readonly windowSeen: Uint8Array;
  /** When each value was first emitted, for the latency of its first read. */
  private readonly firstEmissions = new FirstEmissions();
  /** Visibility latency of every value's first read: the metrics fold each bucket's reads into it. */
  get latency(): LatencyHistogram {
    return this.metrics.latencyTotal;
  }
  private windowDuplicateCount = 0;
  /** Whether an end marker went through the sample's set since it was last cleared. */
  private windowSeenEnd = false;
  private window: MarkerWindowResult = { lines: [], verdict: null, duplicates: 0 };
  private pendingDuplicates: number[] = [];
  private pendingDuplicateCount = 0;
  /** When the first and the last pending duplicate were read. */
  private pendingFirstReadMs = 0;
  private pendingLastReadMs = 0;
  private missingTotal = 0;

  private readonly metrics: Metrics;
  private readonly tracer: ValueTracer | null;

  /** Whether each first read looks up its value's emission and records the latency. */
  private readonly measuresLatency: boolean;
  /** Whether the sample's checker lines are printed (and kept for the marker window). */
  private readonly printsLines: boolean;

  /**
   * `summaryOnly`: the run is judged by its summary alone (a sweep's): no latency is measured (a
   * first read only checks that its value was emitted) and no line is printed; the counts, the
   * verdicts and the causes are the same.
   */
  constructor(
    private readonly ctx: CheckerContext,
    private readonly numEvents: number,
    summaryOnly = false,
  ) {
    this.measuresLatency = !summaryOnly;
    this.printsLines = !summaryOnly;
    this.metrics = ctx.metrics;
    this.tracer = ctx.tracer ?? null;
    // The read counts, the window's set and the explainer's causes in one buffer (the garbage
    // collector pays per buffer): a sweep makes thousands a second.
    const slots = numEvents + 1;
    const causesAt = 2 * slots; // even, as 16-bit slots need
    const buffer = new ArrayBuffer(causesAt + 2 * slots);
    this.readCount = new Uint8Array(buffer, 0, slots);
    this.windowSeen = new Uint8Array(buffer, slots, slots);
    this.explainer = new Explainer(numEvents, this.readCount, new Uint16Array(buffer, causesAt, slots));
  }

  /** The source calls this for every value it emits; only the first emission counts for latency. */
  emitted(value: number, tMs: number): void {
    this.firstEmissions.record(value, 1, tMs, 0);
  }

  /** `count` consecutive values from `first`, emitted `stepMs` apart from tMs (a steady run of the source). */
  emittedRun(first: number, count: number, tMs: number, stepMs: number): void {
    this.firstEmissions.record(first, count, tMs, stepMs);
  }

  /** One value the reader sees; `source` packs who wrote it and how (see `readSource`). */
  read(value: number, tMs: number, source: number): void {
    if (value === START_MARKER) {
      this.startMarker(tMs);
      return;
    }
    if (value === END_MARKER) {
      this.endMarker(tMs);
      return;
    }
    if (!(value >= 1 && value <= this.numEvents)) invariant(false, `read a value out of range: ${value}`);
    this.metrics.count(Counter.read, tMs, 1);
    const tracer = this.tracer;
    if (tracer !== null && value >= tracer.fromValue && value <= tracer.toValue)
      tracer.read(value, tMs, source);
    const count = this.readCount[value]!;
    if (count !== 0) {
      this.repeatedRead(value, count, tMs, source);
      return;
    }
    if (this.measuresLatency) {
      const emittedAt = this.firstEmissions.timeOf(value);
      if (emittedAt < 0) invariant(false, `value ${value} read before it was emitted`);
      this.metrics.recordLatency(tMs, tMs - emittedAt);
    } else if (value > this.firstEmissions.emittedUpTo)
      invariant(false, `value ${value} read before it was emitted`);
    this.readCount[value] = 1;
    if (this.windowSeen[value] === 1) this.windowDuplicate(value, tMs);
    else this.windowSeen[value] = 1;
  }

  /**
   * A committed transaction's values, all read at tMs: the hot path of EXACTLY_ONCE, so the read
   * count is added once and markers go through `read`.
   */
  readMany(values: Int32Array, length: number, tMs: number, source: number): void {
    const readCount = this.readCount;
    const firstEmissions = this.firstEmissions;
    const windowSeen = this.windowSeen;
    // Every read here is at tMs: one bucket's histogram takes all their latencies.
    const latency = this.measuresLatency ? this.metrics.latencyAt(tMs) : null;
    const emittedUpTo = firstEmissions.emittedUpTo;
    if (this.tracer !== null) traceReads(this.tracer, values, length, tMs, source);
    let data = 0;
    for (let i = 0; i < length; i++) {
      const value = values[i]!;
      if (value <= 0 || value > this.numEvents) {
        this.read(value, tMs, source);
        continue;
      }
      data++;
      const count = readCount[value]!;
      if (count === 0) {
        if (latency !== null) {
          const emittedAt = firstEmissions.timeOf(value);
          if (emittedAt < 0) invariant(false, `value ${value} read before it was emitted`);
          latency.record(tMs - emittedAt);
        } else if (value > emittedUpTo) invariant(false, `value ${value} read before it was emitted`);
        readCount[value] = 1;
        if (windowSeen[value] === 1) this.windowDuplicate(value, tMs);
        else windowSeen[value] = 1;
        continue;
      }
      this.repeatedRead(value, count, tMs, source);
    }
    if (data > 0) this.metrics.count(Counter.read, tMs, data);
  }

  /** A value read before: a duplicate (counted once per value) and another read. */
  private repeatedRead(value: number, count: number, tMs: number, source: number): void {
    if (count === 1) {
      this.explainer.duplicateRead(value, source);
      this.metrics.count(Counter.duplicates, tMs, 1);
      if (this.pendingDuplicateCount === 0) this.pendingFirstReadMs = tMs;
      this.pendingLastReadMs = tMs;
      this.pendingDuplicateCount++;
      if (this.pendingDuplicates.length < EVENT_SAMPLE) this.pendingDuplicates.push(value);
    }
    // The per-value count saturates at 255; duplicateReads keeps the exact total.
    if (count < 255) this.readCount[value] = count + 1;
    this.metrics.extra.duplicateReads++;
    if (this.windowSeen[value] === 1) this.windowDuplicate(value, tMs);
    else this.windowSeen[value] = 1;
  }

  private print(line: string, tMs: number): void {
    if (!this.printsLines) return;
    if (this.window.lines.length < WINDOW_LINES_LIMIT + 4) this.window.lines.push(line);
    this.ctx.console('checker', line, tMs);
  }

  private windowDuplicate(value: number, tMs: number): void {
    this.windowDuplicateCount++;
    if (this.printsLines && this.windowDuplicateCount <= WINDOW_LINES_LIMIT)
      this.print(`Duplicate event: ${value}`, tMs);
  }

  private clearWindow(): void {
    this.windowSeen.fill(0);
    this.windowSeenEnd = false;
    this.windowDuplicateCount = 0;
  }

  private startMarker(tMs: number): void {
    this.clearWindow();
    this.window = { lines: [], verdict: null, duplicates: 0 };
    this.print(CHECKER_STARTS, tMs);
  }

  private endMarker(tMs: number): void {
    const found = this.windowDuplicateCount > 0;
    const omitted = this.windowDuplicateCount - WINDOW_LINES_LIMIT;
    if (omitted > 0) this.print(`... (${omitted} more duplicate events)`, tMs);
    this.window.verdict = found ? 'DUPLICATES' : 'EXACTLY_ONCE';
    this.window.duplicates = this.windowDuplicateCount;
    this.print(found ? FOUND_DUPLICATES : NO_DUPLICATE, tMs);
    this.print(CHECKER_ENDS, tMs);
    if (found) this.clearWindow();
    // The end marker itself then goes into the sample's set: a second one in the window is a duplicate.
    if (this.windowSeenEnd) this.windowDuplicate(END_MARKER, tMs);
    else this.windowSeenEnd = true;
  }

  /** Emits one duplicate-found event for the duplicates seen since the last flush. */
  flush(tMs: number): void {
    if (this.pendingDuplicateCount === 0) return;
    this.ctx.emit({
      t: tMs,
      kind: 'duplicate-found',
      count: this.pendingDuplicateCount,
      values: this.pendingDuplicates,
      firstReadMs: this.pendingFirstReadMs,
      lastReadMs: this.pendingLastReadMs,
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
    if (missing === 0) return;
    const emittedUpTo = this.emittedUpTo;
    this.ctx.emit({
      t: tMs,
      kind: 'value-missing',
      count: missing,
      values: sample,
      ...(emittedUpTo < this.numEvents
        ? { neverEmitted: { from: emittedUpTo + 1, to: this.numEvents } }
        : {}),
    });
  }

  /** The highest value the source emitted: the values after it were never emitted. */
  get emittedUpTo(): number {
    return this.firstEmissions.emittedUpTo;
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

/** A committed transaction's reads of traced values (markers go through `read`, which traces nothing). */
function traceReads(
  tracer: ValueTracer,
  values: Int32Array,
  length: number,
  tMs: number,
  source: number,
): void {
  for (let i = 0; i < length; i++) {
    const value = values[i]!;
    if (value >= tracer.fromValue && value <= tracer.toValue && value >= 1) tracer.read(value, tMs, source);
  }
}

/** What the checkers need from their surroundings: the metrics they count into, and where lines and events go. */
export type CheckerContext = Pick<SimContext, 'metrics' | 'console' | 'emit'> & {
  readonly tracer?: ValueTracer | null;
};

/** One value as a reader saw it, outside the simulation (ms from the run's start, in read order). */
export interface StreamRead {
  value: number;
  atMs: number;
  /** When the value was emitted; its first emission counts for latency. */
  emittedAtMs: number;
}

export interface StreamCheck {
  /** The sample's checker lines, each at the read that printed it. */
  lines: { line: string; atMs: number }[];
  markerWindow: MarkerWindowResult;
  /** Sorted, cut at REPORT_LIST_LIMIT; the counts are exact. */
  duplicates: number[];
  missing: number[];
  duplicateCount: number;
  missingCount: number;
  duplicateReads: number;
  read: number;
  latencyMs: LatencySummary;
}

/**
 * The engine's two checkers over a stream read elsewhere (the real backend's committed rows, in
 * commit order): the same `Checker` the simulation feeds as it runs, so both backends print the
 * same lines and reach the same verdict from the same reads. Times are whole ms from the run's
 * start; a read earlier than the one before it is taken at that one's time (the stream's order wins).
 * Values are the markers or 1..numEvents: anything else fails the checker's invariant, as in a run.
 */
export function checkStream(reads: readonly StreamRead[], numEvents: number): StreamCheck {
  const lines: StreamCheck['lines'] = [];
  const metrics = new Metrics(100, 256);
  const checker = new Checker(
    { metrics, console: (_source, line, t) => lines.push({ line, atMs: t }), emit: () => {} },
    numEvents,
  );
  const firstEmitted = new Map<number, number>();
  for (const { value, emittedAtMs } of reads) {
    const at = Math.max(0, Math.round(emittedAtMs));
    const seen = firstEmitted.get(value);
    if (seen === undefined || at < seen) firstEmitted.set(value, at);
  }
  // In value order, as the engine's source emits (a value's own time is kept whatever the order of times).
  const emittedValues = [...firstEmitted.keys()]
    .filter((v) => v >= 1 && v <= numEvents)
    .sort((a, b) => a - b);
  for (const value of emittedValues) checker.emitted(value, firstEmitted.get(value)!);
  let last = 0;
  for (const { value, atMs } of reads) {
    last = Math.max(last, Math.round(atMs));
    checker.read(value, last, 0);
  }
  checker.finish(last);
  const totals = metrics.totals;
  const latency = checker.latency;
  return {
    lines,
    markerWindow: checker.markerWindow(),
    duplicates: checker.duplicateValues(),
    missing: checker.missingValues(),
    duplicateCount: totals.duplicates,
    missingCount: checker.missingCount,
    duplicateReads: totals.duplicateReads,
    read: totals.read,
    latencyMs: { p50: latency.percentile(0.5), p99: latency.percentile(0.99), max: latency.max },
  };
}
