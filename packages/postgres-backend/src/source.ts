import type { Scenario } from '@eolab/engine';

/** The stream's special values, as the sample's IntegerEvent defines them. */
export const START_MARKER = -1;
export const END_MARKER = -9999;

export interface SourceHooks {
  log(line: string): void;
  /** One element out of the source, through the mapper, to the partitioner. */
  emit(value: number): void;
  finished(): void;
}

/**
 * The sample's ThrottledIntegerEventProducer in real time, as the model has it (docs/model.md,
 * "The job"): a fresh attempt emits -1 then 1..N; until a checkpoint above -1 is confirmed it
 * sleeps throttleIntervalMs before each value and blocks at throttleUntilPosition; then one value
 * every eventIntervalMs; after N the end marker, then it waits for `finalCheckpoints` more
 * confirmed checkpoints. Restored, it resumes after its position with lastCheckpointTriggered and
 * lastCheckpointConfirmed hard-coded to 1, unthrottled, without a start marker.
 *
 * Emission times follow a schedule on the wall clock the coordinator shares (due times, caught up
 * when the event loop is late) rather than a chain of sleeps, and every element already due is
 * emitted before a barrier or a notification is handled: as in the model, where both are ordered by
 * time. So a loaded machine does not change which positions the checkpoints see.
 */
export class Source {
  position: number;
  private confirmedId: number;
  private lastTriggeredId: number;
  private checkpointPosition: number;
  private startMarkerPending: boolean;
  private endEmitted = false;
  private finalTargetId = 0;
  private done = false;
  private stopped = false;
  /** Frozen by a job pause: nothing is emitted until `resume`. */
  private paused = false;
  private nextDueMs = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly scenario: Scenario,
    restoredPosition: number | null,
    private readonly hooks: SourceHooks,
    private readonly now: () => number,
  ) {
    this.position = restoredPosition ?? -1;
    this.checkpointPosition = this.position;
    this.confirmedId = restoredPosition === null ? 0 : 1;
    this.lastTriggeredId = restoredPosition === null ? 0 : 1;
    this.startMarkerPending = restoredPosition === null;
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
    this.lastTriggeredId = checkpointId;
    this.checkpointPosition = this.position;
    this.hooks.log(`Start checkpointing at position ${this.position}`);
    return this.position;
  }

  /** notifyCheckpointComplete: confirms only after a real checkpoint (position above -1). */
  notify(checkpointId: number): void {
    if (this.checkpointPosition > -1) {
      const wasBlocked = this.nextDueMs === Number.POSITIVE_INFINITY && !this.endEmitted;
      this.confirmedId = checkpointId;
      this.hooks.log(`Complete checkpointing at position ${this.checkpointPosition}`);
      if (wasBlocked) {
        this.nextDueMs = this.now();
        this.schedule();
      }
    }
    if (this.endEmitted) this.checkFinal();
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
    const n = this.scenario.numEvents;
    let value: number;
    if (this.startMarkerPending) {
      value = START_MARKER;
      this.startMarkerPending = false;
    } else if (this.position < n) {
      value = Math.max(this.position, 0) + 1;
      this.position = value;
    } else {
      value = END_MARKER;
      this.endEmitted = true;
      this.finalTargetId = this.lastTriggeredId + this.scenario.source.finalCheckpoints;
    }
    const due = this.nextDueMs;
    this.nextDueMs = this.nextDue(due);
    // The mapper may throw here (the sample's artificial failure): the task then fails.
    this.hooks.emit(value);
    if (this.endEmitted) this.checkFinal();
  }

  private nextDue(due: number): number {
    const source = this.scenario.source;
    if (this.endEmitted) return Number.POSITIVE_INFINITY;
    if (this.position >= this.scenario.numEvents) return due;
    if (this.confirmedId >= 1) return due + source.eventIntervalMs;
    const current = Math.max(this.position, 0);
    if (current < source.throttleUntilPosition || !source.waitForFirstCheckpoint)
      return due + source.throttleIntervalMs;
    return Number.POSITIVE_INFINITY;
  }

  private checkFinal(): void {
    if (this.done || this.confirmedId < this.finalTargetId) return;
    this.done = true;
    this.stop();
    this.hooks.finished();
  }
}
