/**
 * The virtual clock's agenda: a binary min-heap of timers ordered by (time, insertion order), so
 * two timers at the same millisecond always run in the order they were scheduled. Only protocol
 * steps go through here; data events are processed in tight loops between two timers.
 */
/** A timer's action; it gets the time it was due (a recurring timer then needs no closure per run). */
export type TimerAction = (t: number) => void;

export class Scheduler {
  private times: number[] = [];
  private seqs: number[] = [];
  private actions: TimerAction[] = [];
  private essential: boolean[] = [];
  private nextSeq = 0;
  private essentialCount = 0;

  get size(): number {
    return this.times.length;
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
    return this.times.length === 0 ? Number.POSITIVE_INFINITY : this.times[0]!;
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
    let i = this.times.length;
    this.times.push(timeMs);
    this.seqs.push(seq);
    this.actions.push(action);
    this.essential.push(essential);
    if (essential) this.essentialCount++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes and returns the earliest timer's action. */
  pop(): TimerAction {
    const top = this.actions[0];
    if (top === undefined) throw new Error('pop from an empty scheduler');
    if (this.essential[0]) this.essentialCount--;
    const last = this.times.length - 1;
    this.swap(0, last);
    this.times.pop();
    this.seqs.pop();
    this.actions.pop();
    this.essential.pop();
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < this.times.length && this.less(left, smallest)) smallest = left;
      if (right < this.times.length && this.less(right, smallest)) smallest = right;
      if (smallest === i) break;
      this.swap(i, smallest);
      i = smallest;
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const ta = this.times[a]!;
    const tb = this.times[b]!;
    return ta < tb || (ta === tb && this.seqs[a]! < this.seqs[b]!);
  }

  private swap(a: number, b: number): void {
    const t = this.times[a]!;
    this.times[a] = this.times[b]!;
    this.times[b] = t;
    const s = this.seqs[a]!;
    this.seqs[a] = this.seqs[b]!;
    this.seqs[b] = s;
    const f = this.actions[a]!;
    this.actions[a] = this.actions[b]!;
    this.actions[b] = f;
    const e = this.essential[a]!;
    this.essential[a] = this.essential[b]!;
    this.essential[b] = e;
  }
}
