import { SampleSource, type Scenario } from '@eolab/engine';

export interface SourceHooks {
  log(line: string): void;
  /** One element out of the source, through the mapper, to the partitioner. */
  emit(value: number): void;
  finished(): void;
}

/**
 * The sample's ThrottledIntegerEventProducer in real time: the engine's SampleSource (the same
 * state and decisions as the model's attempt) driven by the wall clock.
 *
 * Emission times follow a schedule on the wall clock the coordinator shares (due times, caught up
 * when the event loop is late) rather than a chain of sleeps, and every element already due is
 * emitted before a barrier or a notification is handled: as in the model, where both are ordered by
 * time. So a loaded machine does not change which positions the checkpoints see.
 */
export class Source {
  private readonly state: SampleSource;
  private done = false;
  private stopped = false;
  /** Frozen by a job pause: nothing is emitted until `resume`. */
  private paused = false;
  private nextDueMs = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    scenario: Scenario,
    restoredPosition: number | null,
    private readonly hooks: SourceHooks,
    private readonly now: () => number,
  ) {
    this.state = new SampleSource(scenario, restoredPosition);
  }

  get position(): number {
    return this.state.position;
  }

  /** Starts emitting on the schedule that began at `atMs` (the job's start, on the shared clock). */
  start(atMs: number): void {
    this.nextDueMs = atMs;
    this.catchUp();
    this.schedule();
  }

  /** Emits every element due by now: the task calls it before it handles a barrier or a notification. */
  catchUp(): void {
    while (!this.stopped && !this.paused && this.nextDueMs <= this.now()) this.emitOne();
  }

  /**
   * A job pause: the source stops where it is. The sample's source sleeps between events, so a
   * process frozen for a while goes on at its pace afterwards, without a burst of the elements it
   * missed: `resume` moves the schedule to the thaw, as the model's attempt does.
   */
  pause(): void {
    this.paused = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  resume(atMs: number): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.nextDueMs < atMs) this.nextDueMs = atMs;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** snapshotState: the source's state is its position. */
  snapshot(checkpointId: number): number {
    const position = this.state.snapshot(checkpointId);
    this.hooks.log(`Start checkpointing at position ${position}`);
    return position;
  }

  /** notifyCheckpointComplete: confirms only after a real checkpoint (position above -1). */
  notify(checkpointId: number): void {
    const wasBlocked = this.nextDueMs === Number.POSITIVE_INFINITY && !this.state.endEmitted;
    if (this.state.confirm(checkpointId)) {
      this.hooks.log(`Complete checkpointing at position ${this.state.checkpointPosition}`);
      if (wasBlocked) {
        this.nextDueMs = this.now();
        this.schedule();
      }
    }
    if (this.state.endEmitted) this.checkFinal();
  }

  private schedule(): void {
    if (this.stopped || this.paused || this.nextDueMs === Number.POSITIVE_INFINITY) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), Math.max(0, this.nextDueMs - this.now()));
  }

  private run(): void {
    this.timer = null;
    // Catch up with every element already due, then sleep until the next one.
    this.catchUp();
    this.schedule();
  }

  private emitOne(): void {
    const value = this.state.next();
    this.nextDueMs = this.state.dueAfter(this.nextDueMs);
    // The mapper may throw here (the sample's artificial failure): the task then fails.
    this.hooks.emit(value);
    if (this.state.endEmitted) this.checkFinal();
  }

  private checkFinal(): void {
    if (this.done || !this.state.finalReached) return;
    this.done = true;
    this.stop();
    this.hooks.finished();
  }
}
