import { type CheckpointAbortReason, LatencyHistogram, type Report, type SimEvent } from '@eolab/engine';
import type {
  CheckpointCounts,
  CheckpointFact,
  CheckpointLatest,
  CheckpointStatus,
  DurationSummary,
} from '@eolab/protocol';
import { type Column, NO_TIME, Table, timeCell, timeOrNull } from './columns';

/** Status codes as stored; a new row is in progress. */
const STATUSES: readonly CheckpointStatus[] = [
  'in progress',
  'completed',
  'declined',
  'expired',
  'abandoned',
];
const REASONS: readonly (CheckpointAbortReason | null)[] = [
  null,
  'declined',
  'timeout',
  'job-failover',
  'job-finished',
];

function statusOf(reason: CheckpointAbortReason): number {
  if (reason === 'declined') return 2;
  if (reason === 'timeout') return 3;
  return 4;
}

/**
 * A task's bit in the acknowledgement masks: the source is bit 0, sink subtask i (`sink-i`) is
 * bit i + 1. Looked up, not parsed: six of these come with every checkpoint.
 */
const TASK_BITS = new Map<string, number>([
  ['source', 1],
  ...Array.from({ length: 16 }, (_, i) => [`sink-${i}`, 2 ** (i + 1)] as [string, number]),
]);
const taskBit = (task: string) => TASK_BITS.get(task) ?? 0;
/** A task's column in the per-task times: the source is 0, sink subtask i is i + 1. */
const TASK_INDEX = new Map<string, number>([
  ['source', 0],
  ...Array.from({ length: 16 }, (_, i) => [`sink-${i}`, i + 1] as [string, number]),
]);
const taskIndex = (task: string) => TASK_INDEX.get(task) ?? -1;
/** The task of column `index`. */
export const taskName = (index: number) => (index === 0 ? 'source' : `sink-${index - 1}`);

/**
 * Per-task times are kept as ms after the checkpoint's trigger, two bytes each: NO_DELTA when it
 * never happened, LATE_DELTA when it happened that long after the trigger or later (its time is
 * not kept; a checkpoint's steps take milliseconds, a minute only under a long outage).
 */
const NO_DELTA = 0xffff;
export const LATE_DELTA = 0xfffe;

/** The tasks of `tasks` (the source and tasks - 1 sink subtasks) whose bit `mask` lacks. */
function missingTasks(mask: number, tasks: number): string[] {
  const missing: string[] = [];
  for (let task = 0; task < tasks; task++) {
    if ((mask & (2 ** task)) === 0) missing.push(task === 0 ? 'source' : `sink-${task - 1}`);
  }
  return missing;
}

function bitCount(mask: number): number {
  let n = 0;
  for (let m = mask >>> 0; m !== 0; m &= m - 1) n++;
  return n;
}

/** Stands for a position not known (-1 is the start marker's). */
const NO_POSITION = -(2 ** 31);

/**
 * Every checkpoint of a run, one row each. Checkpoint ids count up from 1 without gaps (the
 * coordinator gives each trigger the next id), so checkpoint K is row K - 1 and the run's
 * `triggered` count is the number of rows, even for a checkpoint whose trigger event never came
 * (aborted by a failover before the source could snapshot: only its abort tells of it).
 */
export class CheckpointFacts {
  private readonly table = new Table();
  // 28 bytes a checkpoint, and 2 per task and per sink subtask below (38 at parallelism 2).
  private readonly triggeredMs = this.table.column(Uint32Array, NO_TIME);
  private readonly position = this.table.column(Int32Array, NO_POSITION);
  private readonly endedMs = this.table.column(Uint32Array, NO_TIME);
  private readonly durationMs = this.table.column(Uint32Array, NO_TIME);
  private readonly status = this.table.column(Uint8Array);
  private readonly reason = this.table.column(Uint8Array);
  /** Bit masks of the tasks (at most 1 + 16) that acknowledged it, and that were told it completed. */
  private readonly acks = this.table.column(Uint32Array);
  private readonly notified = this.table.column(Uint32Array);
  private readonly recoveryCommits = this.table.column(Uint16Array);
  /**
   * Per task (the source, then each sink subtask): when it acknowledged; per sink subtask: when the
   * barrier reached it; ms after the trigger, 2 bytes each (10 more bytes a checkpoint at parallelism 2).
   */
  private readonly ackDelta: Column<Uint16Array>[];
  private readonly barrierDelta: Column<Uint16Array>[];
  /** Restores are few (bounded by the restart budget): a map, not a column. */
  private restoredBy = new Map<number, Restore[]>();
  private counted = { completed: 0, aborted: 0, failed: 0, restores: 0 };
  /** Over the completed checkpoints' durations, kept as they complete. */
  private durations = { sum: 0, min: Number.POSITIVE_INFINITY, max: 0 };

  constructor(private readonly tasks: number) {
    this.ackDelta = Array.from({ length: tasks }, () => this.table.column(Uint16Array, NO_DELTA));
    this.barrierDelta = Array.from({ length: tasks - 1 }, () => this.table.column(Uint16Array, NO_DELTA));
  }

  /** Keeps a task's step of checkpoint row r as ms after its trigger (nothing when the trigger is unknown). */
  private setDelta(columns: readonly Column<Uint16Array>[], task: number, r: number, t: number): void {
    const column = columns[task];
    const triggered = this.triggeredMs.values[r]!;
    if (column === undefined || triggered === NO_TIME) return;
    column.values[r] = Math.min(LATE_DELTA, Math.max(0, timeCell(t) - triggered));
  }

  /** Row of checkpoint `id`, the table grown to hold it. */
  private row(id: number): number {
    this.table.grow(id);
    return id - 1;
  }

  observe(e: SimEvent): void {
    switch (e.kind) {
      case 'checkpoint-triggered': {
        const r = this.row(e.checkpointId);
        this.triggeredMs.values[r] = timeCell(e.t);
        this.position.values[r] = e.position;
        break;
      }
      case 'checkpoint-acknowledged': {
        const r = this.row(e.checkpointId);
        this.acks.values[r]! |= taskBit(e.task);
        this.setDelta(this.ackDelta, taskIndex(e.task), r, e.t);
        break;
      }
      case 'checkpoint-barrier':
        // A sink subtask's column is its task index less the source's.
        this.setDelta(this.barrierDelta, taskIndex(e.task) - 1, this.row(e.checkpointId), e.t);
        break;
      case 'checkpoint-notified':
        this.notified.values[this.row(e.checkpointId)]! |= taskBit(e.task);
        break;
      case 'checkpoint-completed': {
        const r = this.row(e.checkpointId);
        if (this.status.values[r] !== 0) break;
        this.status.values[r] = 1;
        this.endedMs.values[r] = timeCell(e.t);
        this.durationMs.values[r] = timeCell(e.durationMs);
        this.position.values[r] = e.position;
        if (this.triggeredMs.values[r] === NO_TIME) this.triggeredMs.values[r] = timeCell(e.t - e.durationMs);
        this.counted.completed++;
        this.durations.sum += e.durationMs;
        this.durations.min = Math.min(this.durations.min, e.durationMs);
        this.durations.max = Math.max(this.durations.max, e.durationMs);
        break;
      }
      case 'checkpoint-aborted': {
        const r = this.row(e.checkpointId);
        if (this.status.values[r] !== 0) break;
        this.status.values[r] = statusOf(e.reason);
        this.reason.values[r] = REASONS.indexOf(e.reason);
        this.endedMs.values[r] = timeCell(e.t);
        const triggered = this.triggeredMs.values[r]!;
        if (triggered !== NO_TIME) this.durationMs.values[r] = timeCell(e.t - triggered);
        this.counted.aborted++;
        if (e.reason === 'declined' || e.reason === 'timeout') this.counted.failed++;
        break;
      }
      case 'job-restored':
        if (e.checkpointId === null) break;
        this.row(e.checkpointId);
        this.restoredBy.set(e.checkpointId, [
          ...(this.restoredBy.get(e.checkpointId) ?? []),
          { attempt: e.attempt, atMs: e.t },
        ]);
        this.counted.restores++;
        break;
      case 'txn-committing':
        if (e.recovery && e.checkpointId > 0) {
          const r = this.row(e.checkpointId);
          this.recoveryCommits.values[r] = Math.min(0xffff, this.recoveryCommits.values[r]! + 1);
        }
        break;
      default:
    }
  }

  /**
   * Makes the rows agree with the run's report at its end: a checkpoint triggered while the job
   * was frozen and never snapshotted left no event, but the report counts it.
   */
  settle(report: Report | null): void {
    if (report !== null) this.table.grow(report.checkpoints.triggered);
  }

  get total(): number {
    return this.table.rows;
  }

  counts(): CheckpointCounts {
    const triggered = this.table.rows;
    const { completed, aborted, failed, restores } = this.counted;
    return { triggered, completed, aborted, failed, inProgress: triggered - completed - aborted, restores };
  }

  /** Min, average, percentiles and max end-to-end duration of the completed checkpoints, or null when none. */
  durationSummary(): DurationSummary | null {
    const count = this.counted.completed;
    if (count === 0) return null;
    const { sum, min, max } = this.durations;
    return { min, avg: Math.round(sum / count), max, count, ...this.percentiles(Number.POSITIVE_INFINITY) };
  }

  /**
   * p50, p90 and p99 of the durations of the checkpoints completed by `atMs`, from a histogram
   * filled by one scan of the duration column (a millisecond for 200,000 checkpoints; pages are
   * built once per change of the run).
   */
  private percentiles(atMs: number): { p50: number; p90: number; p99: number } {
    const histogram = new LatencyHistogram();
    const rows = this.table.rows;
    for (let r = 0; r < rows; r++)
      if (this.status.values[r] === 1 && this.endedMs.values[r]! <= atMs)
        histogram.record(this.durationMs.values[r]!);
    return {
      p50: histogram.percentile(0.5),
      p90: histogram.percentile(0.9),
      p99: histogram.percentile(0.99),
    };
  }

  /** The newest completed and failed checkpoints, and the newest restore, as of `atMs`. */
  latest(atMs = Number.POSITIVE_INFINITY): CheckpointLatest {
    let completed: CheckpointFact | null = null;
    let failed: CheckpointFact | null = null;
    for (let r = this.begunBy(atMs) - 1; r >= 0 && (completed === null || failed === null); r--) {
      if (!this.endedBy(r, atMs)) continue;
      const status = this.status.values[r]!;
      if (status === 1 && completed === null) completed = this.fact(r + 1);
      else if (status > 1 && failed === null) failed = this.fact(r + 1);
    }
    let restore: CheckpointLatest['restore'] = null;
    for (const [checkpointId, list] of this.restoredBy)
      for (const x of list)
        if (x.atMs <= atMs && (restore === null || x.atMs >= restore.atMs)) restore = { checkpointId, ...x };
    return { completed, failed, restore };
  }

  /**
   * When each task acknowledged checkpoint `id`, and when its barrier reached each sink subtask
   * (null: never; `late`: 65,534 ms or more after the trigger).
   */
  taskTimes(
    id: number,
  ): { task: string; barrierMs: number | null; acknowledgedMs: number | null; late: boolean }[] {
    const r = id - 1;
    const triggered = this.triggeredMs.values[r]!;
    const at = (column: Column<Uint16Array> | undefined) => {
      const delta = column?.values[r] ?? NO_DELTA;
      return triggered === NO_TIME || delta === NO_DELTA || delta === LATE_DELTA ? null : triggered + delta;
    };
    return this.ackDelta.map((ack, task) => ({
      task: taskName(task),
      barrierMs: task === 0 ? timeOrNull(triggered) : at(this.barrierDelta[task - 1]),
      acknowledgedMs: at(ack),
      late: ack.values[r] === LATE_DELTA || this.barrierDelta[task - 1]?.values[r] === LATE_DELTA,
    }));
  }

  // ---- as the run stood at a moment (a finished run scrubbed back) ----

  /** When row r began as far as the record knows: its snapshot, else its end (aborted before one). */
  private startOf(r: number): number {
    const triggered = this.triggeredMs.values[r]!;
    return triggered !== NO_TIME ? triggered : this.endedMs.values[r]!;
  }

  /**
   * How many checkpoints had begun by `atMs`. One runs at a time and ids count up, so each begins
   * after the one before ended: those begun by then are the first ones, found by bisection.
   */
  begunBy(atMs: number): number {
    let lo = 0;
    let hi = this.table.rows;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.startOf(mid) <= atMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  endedBy(r: number, atMs: number): boolean {
    return this.endedMs.values[r]! <= atMs;
  }

  /** Counts and durations as they stood at `atMs` (a scan: a few milliseconds for 200,000 checkpoints). */
  countsAt(atMs: number): { counts: CheckpointCounts; durations: DurationSummary | null } {
    const triggered = this.begunBy(atMs);
    let completed = 0;
    let aborted = 0;
    let failed = 0;
    let sum = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (let r = 0; r < triggered; r++) {
      if (!this.endedBy(r, atMs)) continue;
      const status = this.status.values[r]!;
      if (status === 1) {
        completed++;
        const d = this.durationMs.values[r]!;
        sum += d;
        min = Math.min(min, d);
        max = Math.max(max, d);
      } else if (status !== 0) {
        aborted++;
        if (status === 2 || status === 3) failed++;
      }
    }
    let restores = 0;
    for (const list of this.restoredBy.values()) restores += list.filter((x) => x.atMs <= atMs).length;
    return {
      counts: {
        triggered,
        completed,
        aborted,
        failed,
        inProgress: triggered - completed - aborted,
        restores,
      },
      durations:
        completed === 0
          ? null
          : { min, avg: Math.round(sum / completed), max, count: completed, ...this.percentiles(atMs) },
    };
  }

  /** Checkpoint `id` as it stood at `atMs`: in progress until it ended, restored from once it was. */
  factAt(id: number, atMs: number): CheckpointFact {
    const fact = this.fact(id);
    const restores = (this.restoredBy.get(id) ?? []).filter((x) => x.atMs <= atMs);
    const restoredBy = restores.map((x) => x.attempt);
    const committedOnRecovery = restores.length === 0 ? 0 : fact.committedOnRecovery;
    if (this.endedBy(id - 1, atMs)) return { ...fact, restoredBy, committedOnRecovery };
    return {
      ...fact,
      status: 'in progress',
      endedMs: null,
      durationMs: null,
      reason: null,
      acknowledged: null,
      unacknowledged: [],
      notified: 0,
      restoredBy,
      committedOnRecovery,
    };
  }

  /** Checkpoint `id` as the API shows it. */
  fact(id: number): CheckpointFact {
    const r = id - 1;
    const status = this.status.values[r]!;
    const acks = this.acks.values[r]!;
    return {
      id,
      status: STATUSES[status]!,
      triggeredMs: timeOrNull(this.triggeredMs.values[r]!),
      position: this.position.values[r] === NO_POSITION ? null : this.position.values[r]!,
      endedMs: timeOrNull(this.endedMs.values[r]!),
      durationMs: timeOrNull(this.durationMs.values[r]!),
      reason: REASONS[this.reason.values[r]!] ?? null,
      // A completed checkpoint had every task's acknowledgement, even those whose event was not seen.
      acknowledged: status === 1 ? this.tasks : Math.min(this.tasks, bitCount(acks)),
      tasks: this.tasks,
      unacknowledged: status === 1 ? [] : missingTasks(acks, this.tasks),
      notified: Math.min(this.tasks, bitCount(this.notified.values[r]!)),
      restoredBy: (this.restoredBy.get(id) ?? []).map((r) => r.attempt),
      committedOnRecovery: this.recoveryCommits.values[r]!,
    };
  }

  get bytes(): number {
    return this.table.bytes;
  }

  encode(): { table: Uint8Array; meta: CheckpointMeta } {
    return {
      table: this.table.encode(),
      meta: {
        counted: { ...this.counted },
        durations: { ...this.durations },
        restoredBy: [...this.restoredBy],
      },
    };
  }

  /** Reads what `encode` wrote; returns where its table ended in `bytes`. */
  decode(bytes: Uint8Array, from: number, meta: CheckpointMeta): number {
    this.counted = { ...meta.counted };
    this.durations = { ...meta.durations, min: meta.durations.min ?? Number.POSITIVE_INFINITY };
    this.restoredBy = new Map(meta.restoredBy);
    return this.table.decode(bytes, from);
  }
}

/** An attempt restored from a checkpoint, and when. */
interface Restore {
  attempt: number;
  atMs: number;
}

/** What the checkpoint facts keep beside their table. */
export interface CheckpointMeta {
  counted: { completed: number; aborted: number; failed: number; restores: number };
  /** min is null in JSON while no checkpoint completed (Infinity does not survive it). */
  durations: { sum: number; min: number | null; max: number };
  restoredBy: [number, Restore[]][];
}
