import { isMilestone, isStory, type SimEvent } from '@eolab/engine';

/**
 * At max speed a delta carries at most this many events of one kind: thousands of checkpoints a
 * second would otherwise fill every delta with `checkpoint-completed` and make each 20 KB, which is
 * what a thousand watchers cannot parse (two of each keep the timelines moving; four made the
 * deltas half as big again for nothing a person sees at that speed). Injected faults are exempt: the dashboard builds its fault
 * timeline from them, and injections are rate-limited anyway.
 */
const SAME_KIND_PER_THINNED_DELTA = 2;

/** A bounded FIFO of events with their arrival order, oldest first. */
class EventRing {
  private readonly events: SimEvent[] = [];
  private readonly orders: number[] = [];

  constructor(private readonly capacity: number) {}

  push(event: SimEvent, order: number): void {
    this.events.push(event);
    this.orders.push(order);
    // Trim in batches so a push stays O(1) amortised.
    if (this.events.length >= this.capacity * 2) {
      this.events.splice(0, this.events.length - this.capacity);
      this.orders.splice(0, this.orders.length - this.capacity);
    }
  }

  /** The last `capacity` entries. */
  entries(): { events: SimEvent[]; orders: number[] } {
    const from = Math.max(0, this.events.length - this.capacity);
    return { events: this.events.slice(from), orders: this.orders.slice(from) };
  }
}

/**
 * A run's protocol events for watchers: what is new since the last delta (bounded per delta, with
 * a count of what was left out), and what a newcomer's snapshot shows (the recent window plus the
 * story events before it, at most `snapshotLimit` in all, in the order they happened).
 */
export class EventBuffer {
  private pending: SimEvent[] = [];
  private pendingNumbers: number[] = [];
  private droppedSinceDelta = 0;
  private readonly sameKind = new Map<SimEvent['kind'], number>();
  private readonly recent: EventRing;
  private readonly story: EventRing;
  private total = 0;

  constructor(
    private readonly perDelta: number,
    snapshotLimit: number,
  ) {
    // A quarter of the snapshot for story events older than the recent window.
    this.story = new EventRing(Math.floor(snapshotLimit / 4));
    this.recent = new EventRing(snapshotLimit - Math.floor(snapshotLimit / 4));
  }

  /**
   * Records an event. When `thinned` (max speed, where no one can read them anyway), routine
   * events stay out of deltas and each kind is capped per delta; every delta is bounded.
   */
  push(event: SimEvent, thinned: boolean): void {
    const order = this.total++;
    this.recent.push(event, order);
    if (isStory(event)) this.story.push(event, order);
    if (this.admit(event, thinned)) {
      this.pending.push(event);
      this.pendingNumbers.push(order);
    } else this.droppedSinceDelta++;
  }

  private admit(event: SimEvent, thinned: boolean): boolean {
    if (this.pending.length >= this.perDelta) return false;
    if (!thinned) return true;
    if (!isMilestone(event)) return false;
    if (event.kind === 'fault-injected') return true;
    const seen = this.sameKind.get(event.kind) ?? 0;
    if (seen >= SAME_KIND_PER_THINNED_DELTA) return false;
    this.sameKind.set(event.kind, seen + 1);
    return true;
  }

  /** Events recorded so far: it changes whenever the snapshot's events do. */
  get count(): number {
    return this.total;
  }

  /** Events since the last call with their numbers in the run's sequence, and how many were left out. */
  takeDelta(): { events: SimEvent[]; numbers: number[]; dropped: number } {
    const out = { events: this.pending, numbers: this.pendingNumbers, dropped: this.droppedSinceDelta };
    this.pending = [];
    this.pendingNumbers = [];
    this.droppedSinceDelta = 0;
    this.sameKind.clear();
    return out;
  }

  /**
   * The recent window and the story before it, in order; `dropped` counts every event not
   * included; `cursor` is the number the next event will get.
   */
  snapshot(): { events: SimEvent[]; dropped: number; cursor: number } {
    const recent = this.recent.entries();
    const story = this.story.entries();
    const firstRecent = recent.orders[0] ?? Number.POSITIVE_INFINITY;
    const older = story.events.filter((_, i) => story.orders[i]! < firstRecent);
    const events = [...older, ...recent.events];
    return { events, dropped: this.total - events.length, cursor: this.total };
  }
}
