import type { SimEvent } from '@eolab/engine';

/** Events that tell the story of a run; they are kept (bounded) even when routine ones are dropped. */
const MILESTONES = new Set<SimEvent['kind']>([
  'run-started',
  'checkpoint-completed',
  'checkpoint-aborted',
  'task-failed',
  'job-restarting',
  'job-restored',
  'job-finished',
  'job-failed',
  'zombie-stopped',
  'fault-injected',
  'fault-fired',
  'outage-ended',
  'duplicate-found',
  'value-missing',
  'marker-emitted',
  'txn-expired',
  'txn-commit-failed',
  'run-ended',
]);

function isMilestone(e: SimEvent): boolean {
  return MILESTONES.has(e.kind) || (e.kind === 'console' && e.source === 'checker');
}

/**
 * A run's protocol events for watchers: what is new since the last delta (bounded per delta), and
 * what a newcomer's snapshot shows (the recent ones plus every milestone, both bounded).
 */
export class EventBuffer {
  private pending: SimEvent[] = [];
  private droppedSinceDelta = 0;
  private readonly recent: SimEvent[] = [];
  private readonly milestones: SimEvent[] = [];
  private readonly order = new WeakMap<SimEvent, number>();
  private nextOrder = 0;

  constructor(
    private readonly perDelta: number,
    private readonly kept: number,
  ) {}

  /**
   * Records an event. Routine events go into the next delta while there is room, and not at all
   * when `milestonesOnly` (max speed, where no one can read them anyway); both are bounded per delta.
   */
  push(event: SimEvent, milestonesOnly: boolean): void {
    this.order.set(event, this.nextOrder++);
    const milestone = isMilestone(event);
    const room = this.pending.length < this.perDelta;
    if (room && (milestone || !milestonesOnly)) this.pending.push(event);
    else this.droppedSinceDelta++;
    this.recent.push(event);
    if (this.recent.length > this.kept * 2) this.recent.splice(0, this.recent.length - this.kept);
    if (milestone) {
      this.milestones.push(event);
      if (this.milestones.length > this.kept * 2)
        this.milestones.splice(0, this.milestones.length - this.kept);
    }
  }

  /** Events since the last call, and how many routine ones were left out. */
  takeDelta(): { events: SimEvent[]; dropped: number } {
    const out = { events: this.pending, dropped: this.droppedSinceDelta };
    this.pending = [];
    this.droppedSinceDelta = 0;
    return out;
  }

  /** Recent events and milestones, in the order they happened, at most `kept` of each. */
  snapshot(): { events: SimEvent[]; dropped: number } {
    const recent = this.recent.slice(-this.kept);
    const seen = new Set(recent);
    const merged = [...this.milestones.slice(-this.kept).filter((e) => !seen.has(e)), ...recent];
    merged.sort((a, b) => (this.order.get(a) ?? 0) - (this.order.get(b) ?? 0));
    return { events: merged, dropped: Math.max(0, this.nextOrder - merged.length) };
  }
}
