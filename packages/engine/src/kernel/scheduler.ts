/**
 * The virtual clock's agenda: a binary min-heap of timers ordered by (time, insertion order), so
 * two timers at the same millisecond always run in the order they were scheduled. Only protocol
 * steps go through here; data events are processed in tight loops between two timers.
 *
 * Every checkpoint takes a dozen timers, so the heap is kept in typed columns (times, orders and
 * the essential flags in one buffer, grown by doubling) and sifted by moving a hole, not by
 * swapping: the order of (time, seq) is total, so any correct heap pops the same sequence.
 */
/** A timer's action; it gets the time it was due (a recurring timer then needs no closure per run). */
export type TimerAction = (t: number) => void;

const INITIAL_CAPACITY = 64;

export class Scheduler {
  private times: Float64Array;
  private seqs: Float64Array;
  private essential: Uint8Array;
  private actions: (TimerAction | undefined)[] = [];
  private length = 0;
  private nextSeq = 0;
  private essentialCount = 0;

  constructor() {
    [this.times, this.seqs, this.essential] = columns(INITIAL_CAPACITY);
  }

  get size(): number {
    return this.length;
  }

  /**
   * Timers that can still change the run's outcome. Housekeeping timers (periodic checkpoint
   * triggers, checkpoint timeouts) do nothing once the job has ended, so they do not keep a run going.
   */
  get essentialSize(): number {
    return this.essentialCount;
  }

  /** Time of the earliest timer, or Infinity when none is left. */
  peekTime(): number {
    return this.length === 0 ? Number.POSITIVE_INFINITY : this.times[0]!;
  }

  schedule(timeMs: number, action: TimerAction, essential = true): void {
    this.insert(timeMs, this.nextSeq++, action, essential);
  }

  /**
   * A timer that runs before every ordinary timer of the same millisecond: faults use it, so a
   * fault injected during a run and the same fault replayed from the timeline act at the same step.
   */
  scheduleFirst(timeMs: number, action: TimerAction): void {
    this.insert(timeMs, -1 / (1 + this.nextSeq++), action, true);
  }

  private insert(timeMs: number, seq: number, action: TimerAction, essential: boolean): void {
    if (!Number.isFinite(timeMs)) throw new Error(`timer at non-finite time ${timeMs}`);
    if (this.length === this.times.length) this.grow();
    if (essential) this.essentialCount++;
    const { times, seqs, actions, essential: flags } = this;
    let i = this.length++;
    // Move parents down into the hole until the new timer's place is found.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const tp = times[parent]!;
      if (tp < timeMs || (tp === timeMs && seqs[parent]! < seq)) break;
      times[i] = tp;
      seqs[i] = seqs[parent]!;
      actions[i] = actions[parent];
      flags[i] = flags[parent]!;
      i = parent;
    }
    times[i] = timeMs;
    seqs[i] = seq;
    actions[i] = action;
    flags[i] = essential ? 1 : 0;
  }

  /** Removes and returns the earliest timer's action. */
  pop(): TimerAction {
    if (this.length === 0) throw new Error('pop from an empty scheduler');
    const { times, seqs, actions, essential: flags } = this;
    const top = actions[0]!;
    if (flags[0] === 1) this.essentialCount--;
    const last = --this.length;
    const time = times[last]!;
    const seq = seqs[last]!;
    const action = actions[last];
    const flag = flags[last]!;
    // The freed slot holds no closure: a finished timer must not keep its objects alive.
    actions[last] = undefined;
    if (last === 0) return top;
    // Move the smaller child up into the hole until the last timer's place is found.
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= last) break;
      const right = left + 1;
      let child = left;
      if (right < last) {
        const tl = times[left]!;
        const tr = times[right]!;
        if (tr < tl || (tr === tl && seqs[right]! < seqs[left]!)) child = right;
      }
      const tc = times[child]!;
      if (time < tc || (time === tc && seq < seqs[child]!)) break;
      times[i] = tc;
      seqs[i] = seqs[child]!;
      actions[i] = actions[child];
      flags[i] = flags[child]!;
      i = child;
    }
    times[i] = time;
    seqs[i] = seq;
    actions[i] = action;
    flags[i] = flag;
    return top;
  }

  private grow(): void {
    const [times, seqs, essential] = columns(this.times.length * 2);
    times.set(this.times);
    seqs.set(this.seqs);
    essential.set(this.essential);
    this.times = times;
    this.seqs = seqs;
    this.essential = essential;
  }
}

/** The heap's typed columns over one buffer (the garbage collector pays per buffer, not per view). */
function columns(capacity: number): [Float64Array, Float64Array, Uint8Array] {
  const buffer = new ArrayBuffer(capacity * 17);
  return [
    new Float64Array(buffer, 0, capacity),
    new Float64Array(buffer, capacity * 8, capacity),
    new Uint8Array(buffer, capacity * 16, capacity),
  ];
}
