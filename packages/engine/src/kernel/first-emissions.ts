/**
 * When each value was first emitted, for the visibility latency of its first read: a few numbers
 * per run of values instead of 4 bytes per value (40 MB at 10,000,000 events, fresh pages the
 * kernel must zero before the run can touch them).
 *
 * The sample's source emits its integers in order, and a restored attempt starts again at or
 * below the highest value emitted so far (its checkpoint's position). So the values emitted so far
 * are always 1..frontier, and a value is emitted for the first time exactly when it passes the
 * frontier: first emissions come in value order, in steady runs (one value every `step` ms). Each
 * run is kept as (first value, its time, step); a run that continues the one before it (the next
 * value, one step later) extends it.
 */
export class FirstEmissions {
  /** Run i holds the values from starts[i] up to the next run's start (the last: to the frontier). */
  private readonly starts: number[] = [];
  private readonly times: number[] = [];
  private readonly steps: number[] = [];
  /** The highest value recorded. */
  private frontier = 0;
  /** The run the last lookup found: a transaction's values, read in order, stay in one run. */
  private cursor = 0;

  /**
   * `count` consecutive values from `first`, emitted at tMs, tMs + stepMs, ...; only those past the
   * frontier are first emissions. A run that starts past frontier + 1 leaves a gap (`checkStream`
   * records only the values it read): the gap's values must not be looked up.
   */
  record(first: number, count: number, tMs: number, stepMs: number): void {
    const last = first + count - 1;
    if (last <= this.frontier) return;
    const from = Math.max(first, this.frontier + 1);
    const at = tMs + (from - first) * stepMs;
    const contiguous = from === this.frontier + 1;
    this.frontier = last;
    const i = this.starts.length - 1;
    if (i >= 0 && contiguous) {
      const span = from - this.starts[i]!;
      // A run of one value has no step yet: the next value's time gives it one.
      const step = span === 1 ? at - this.times[i]! : this.steps[i]!;
      if (this.times[i]! + span * step === at && (from === last || step === stepMs)) {
        this.steps[i] = step;
        return;
      }
    }
    this.starts.push(from);
    this.times.push(at);
    this.steps.push(stepMs);
  }

  /** The highest value emitted so far: every value up to it was emitted, none after it. */
  get emittedUpTo(): number {
    return this.frontier;
  }

  /** When `value` was first emitted, or -1 if it was not. */
  timeOf(value: number): number {
    // A frontier of 1 or more means at least one run.
    if (!(value >= 1 && value <= this.frontier)) return -1;
    let i = this.cursor;
    const starts = this.starts;
    if (!(starts[i]! <= value && (i + 1 === starts.length || value < starts[i + 1]!))) {
      // The last run starting at or below `value`.
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (starts[mid]! <= value) lo = mid;
        else hi = mid - 1;
      }
      i = lo;
      this.cursor = i;
    }
    if (value < starts[i]!) return -1;
    return this.times[i]! + (value - starts[i]!) * this.steps[i]!;
  }
}
