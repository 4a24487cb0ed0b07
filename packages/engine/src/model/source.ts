import { END_MARKER, START_MARKER } from '../kernel/context';
import type { Scenario } from '../scenario/schema';

/**
 * The sample's ThrottledIntegerEventProducer, its state and decisions without a clock: the model's
 * attempt (job.ts) and the real task process (postgres-backend's source.ts) each drive one on
 * their own time. A fresh attempt emits the start marker, then 1..N; until a checkpoint above -1 is
 * confirmed it waits throttleIntervalMs before each value and blocks at throttleUntilPosition; then
 * one value every eventIntervalMs; after N the end marker, then it waits for `finalCheckpoints`
 * more confirmed checkpoints. Restored, it resumes after its position with lastCheckpointTriggered
 * and lastCheckpointConfirmed hard-coded to 1 ("at least one checkpoint must have happened so
 * far"), unthrottled, without a start marker.
 */
export class SampleSource {
  position: number;
  /** The position of the last snapshot (-1: none above the initial state yet). */
  checkpointPosition: number;
  private confirmedId: number;
  private lastTriggeredId: number;
  private startMarkerPending: boolean;
  /** The end marker is out: the source only waits for its final checkpoints. */
  endEmitted = false;
  /** The checkpoint id the source waits to see confirmed after its end marker. */
  private finalTargetId = 0;
  private readonly source: Scenario['source'];
  private readonly numEvents: number;

  constructor(scenario: Scenario, restoredPosition: number | null) {
    this.source = scenario.source;
    this.numEvents = scenario.numEvents;
    this.position = restoredPosition ?? -1;
    this.checkpointPosition = this.position;
    this.confirmedId = restoredPosition === null ? 0 : 1;
    this.lastTriggeredId = restoredPosition === null ? 0 : 1;
    this.startMarkerPending = restoredPosition === null;
  }

  /** The next element: the start marker, the next integer, or the end marker. */
  next(): number {
    if (this.startMarkerPending) {
      this.startMarkerPending = false;
      return START_MARKER;
    }
    if (this.position < this.numEvents) {
      this.position = Math.max(this.position, 0) + 1;
      return this.position;
    }
    this.endEmitted = true;
    // The sample captures the last triggered checkpoint once, then waits for more to complete.
    this.finalTargetId = this.lastTriggeredId + this.source.finalCheckpoints;
    return END_MARKER;
  }

  /**
   * How many of the next elements are plain integers, the first due now and each later one
   * `steadyStepMs` after the one before: what the attempt may emit in one batch. 0 when the next
   * element is a marker. The run stops at the last value, and, while throttled with
   * waitForFirstCheckpoint, at throttleUntilPosition (the source then blocks).
   */
  steadyCount(): number {
    if (this.startMarkerPending || this.position >= this.numEvents) return 0;
    const current = Math.max(this.position, 0);
    const last =
      this.confirmedId >= 1 || !this.source.waitForFirstCheckpoint
        ? this.numEvents
        : Math.min(this.numEvents, Math.max(this.source.throttleUntilPosition, current + 1));
    return last - current;
  }

  /** The gap between the elements of a steady run (see `dueAfter`). */
  get steadyStepMs(): number {
    return this.confirmedId >= 1 ? this.source.eventIntervalMs : this.source.throttleIntervalMs;
  }

  /** Takes the next `count` integers of a steady run at once; returns the first. */
  takeSteady(count: number): number {
    const first = Math.max(this.position, 0) + 1;
    this.position = first + count - 1;
    return first;
  }

  /**
   * When the element after one emitted at `t` is due: at once for the end marker, the throttle
   * until a checkpoint is confirmed, never (Infinity) while blocked at throttleUntilPosition or
   * after the end marker.
   */
  dueAfter(t: number): number {
    if (this.endEmitted) return Number.POSITIVE_INFINITY;
    if (this.position >= this.numEvents) return t;
    if (this.confirmedId >= 1) return t + this.source.eventIntervalMs;
    const current = Math.max(this.position, 0);
    if (current < this.source.throttleUntilPosition || !this.source.waitForFirstCheckpoint)
      return t + this.source.throttleIntervalMs;
    return Number.POSITIVE_INFINITY;
  }

  /** snapshotState: the source's state is its position. */
  snapshot(checkpointId: number): number {
    this.lastTriggeredId = checkpointId;
    this.checkpointPosition = this.position;
    return this.position;
  }

  /** notifyCheckpointComplete: confirms only after a real checkpoint (position above -1); says whether it did. */
  confirm(checkpointId: number): boolean {
    if (this.checkpointPosition <= -1) return false;
    this.confirmedId = checkpointId;
    return true;
  }

  /** The end marker is out and its final checkpoints are confirmed: the source is done. */
  get finalReached(): boolean {
    return this.endEmitted && this.confirmedId >= this.finalTargetId;
  }
}
