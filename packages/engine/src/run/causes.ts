import type { TaskFailureReason } from '../events';
import { msText } from '../explain/time-text';

/**
 * Why each duplicate and each missing value happened, worked out from facts the engine already
 * has: which attempt wrote a value again and how it came to run (the failure before it, the
 * checkpoint it restored from), and what ended the transaction or write that last held a value
 * never read. The simulation reports the facts as they happen; the checker reports each value's
 * second read. Per value the work is one typed-array store; everything else is per protocol step.
 */

export const CAUSE_KINDS = [
  /** Written again by an attempt restored from a checkpoint older than the value. */
  'replayed-after-restore',
  /** Written by a zombie attempt that kept running after the job failed over. */
  'zombie-writer',
  /** Seen in a transaction that was not committed (read_uncommitted), then again. */
  'read-uncommitted',
  /** Held by a transaction the controller aborted when its lease ran out. */
  'txn-expired',
  /**
   * Held by a transaction the controller aborted when its lease ran out, which the sink went on to
   * commit: the commit found it ABORTED and only logged it, so the values were lost silently, with
   * no failover (FlinkPravegaWriter.commit). When it expired idle, before its pre-commit, the flush
   * still succeeded (TransactionImpl.flush, SegmentOutputStreamImpl.flush) and its checkpoint completed.
   */
  'txn-expired-silently',
  /** Held by a transaction whose commit the store rejected: logged and dropped. */
  'commit-rejected',
  /** Held by a transaction aborted on a failover and never written again. */
  'txn-aborted',
  /** After the last checkpoint when the job finished: its transaction was aborted when the sinks closed. */
  'end-of-input',
  /** Pre-committed, but still uncommitted when the run ended (the sinks never heard of its checkpoint). */
  'left-uncommitted',
  /** A plain write that failed when the writers' reconnect retries ran out. */
  'write-failed',
  /** Emitted, never made visible, because the job failed for good. */
  'job-failed',
  /** Never emitted: the job failed for good before its source reached them (an incomplete output, not a loss). */
  'never-emitted',
] as const;

/** Causes of values that were emitted and never made visible: what a verdict calls lost. */
export function isLoss(kind: CauseKind): boolean {
  return kind !== 'never-emitted';
}
export type CauseKind = (typeof CAUSE_KINDS)[number];

export interface FailureFact {
  attempt: number;
  atMs: number;
  reason: TaskFailureReason | 'zombie';
  /** The element the sample's mapper threw at, for an artificial exception. */
  element: number | null;
  detail: string;
}

export interface RestoreFact {
  /** The attempt that started. */
  attempt: number;
  checkpointId: number | null;
  position: number;
  atMs: number;
}

export interface TxnFact {
  txnId: number;
  name: string;
  subtask: number;
  attempt: number;
  checkpointId: number;
  endedAtMs: number;
  /** A Kafka transaction's producer and timeout (absent in Pravega, whose transactions have leases). */
  kafka?: { transactionalId: string; producerEpoch: number; timeoutMs: number; startedAtMs: number };
}

export interface Cause {
  kind: CauseKind;
  /** Sorted, disjoint runs of consecutive values it explains (the first CAUSE_RANGES_LIMIT). */
  ranges: [number, number][];
  /** How many values it explains in all. */
  count: number;
  text: string;
  failure: FailureFact | null;
  restore: RestoreFact | null;
  txn: TxnFact | null;
  zombieAttempt: number | null;
  job: { reason: string; atMs: number } | null;
}

export interface Causes {
  duplicates: Cause[];
  missing: Cause[];
  /** Values the engine could not attribute: a test holds these at 0 across the sweep. */
  unexplained: { duplicates: number; missing: number };
}

export const CAUSE_RANGES_LIMIT = 200;

/** How a value was read: its writer attempt and the path it took, packed in one integer. */
export const Via = { plain: 0, committed: 1, uncommitted: 2 } as const;
export function readSource(attempt: number, via: number): number {
  return attempt * 4 + via;
}

type Pending = Omit<Cause, 'ranges' | 'count' | 'text'> & { describe: () => string };

interface AttemptFacts {
  restore: RestoreFact | null;
  /** The failure that ended the attempt before this one started. */
  after: FailureFact | null;
  /** The failover this attempt outlived as a zombie (its tasks were not stopped), if it did. */
  outlived: FailureFact | null;
}

export class Explainer {
  /** Per value: 0 none, else 1 + index of the cause in `table`. */
  private readonly causeOf: Uint16Array;
  private readonly table: Pending[] = [];
  private readonly index = new Map<string, number>();
  private readonly attempts = new Map<number, AttemptFacts>();
  private lastFailure: FailureFact | null = null;
  private jobFailure: { reason: string; atMs: number } | null = null;

  /** `causeOf`: numEvents + 1 zeros to file causes in (a view on its owner's buffer), or a fresh array. */
  constructor(
    private readonly numEvents: number,
    private readonly readCount: Uint8Array,
    causeOf: Uint16Array = new Uint16Array(numEvents + 1),
  ) {
    if (causeOf.length !== numEvents + 1) throw new Error(`the explainer needs ${numEvents + 1} cause slots`);
    this.causeOf = causeOf;
  }

  // ---- facts ----

  attemptStarted(attempt: number, restore: RestoreFact | null): void {
    this.attempts.set(attempt, { restore, after: this.lastFailure, outlived: null });
  }

  attemptFailed(failure: FailureFact): void {
    this.lastFailure = failure;
    if (failure.reason === 'zombie') {
      const facts = this.attempts.get(failure.attempt);
      if (facts !== undefined) facts.outlived = failure;
    }
  }

  jobFailed(reason: string, atMs: number): void {
    this.jobFailure = { reason, atMs };
  }

  /** The checker's second read of a value: who wrote it this time, and how. */
  duplicateRead(value: number, source: number): void {
    this.causeOf[value] = this.duplicateCause(source >> 2, source & 3);
  }

  /** A transaction that will never be committed held these values: unless read later, this is their fate. */
  txnLost(
    kind: 'txn-expired' | 'commit-rejected' | 'txn-aborted' | 'end-of-input' | 'left-uncommitted',
    txn: TxnFact,
    values: Int32Array,
    length: number,
  ): void {
    const cause = this.intern(`${kind}:${txn.txnId}`, () => ({
      ...none(),
      kind,
      txn,
      describe: () => describeTxnLoss(kind, txn),
    }));
    for (let i = 0; i < length; i++) this.markMissing(values[i]!, cause);
  }

  /**
   * The sink's commit of checkpoint `checkpointId` found an expired transaction ABORTED and only
   * logged it: its values, already put down to the expiry, were lost silently. `idle`: it expired
   * before its pre-commit, whose flush still succeeded; `recovery`: the commit was the restore's.
   */
  expiredTxnFoundAtCommit(
    txnId: number,
    idle: boolean,
    checkpointId: number,
    atMs: number,
    recovery: boolean,
  ): void {
    const index = this.index.get(`txn-expired:${txnId}`);
    if (index === undefined) return;
    const cause = this.table[index - 1]!;
    if (cause.kind !== 'txn-expired' || cause.txn === null) return;
    const txn = cause.txn;
    cause.kind = 'txn-expired-silently';
    cause.describe = () => describeSilentExpiry(txn, idle, checkpointId, atMs, recovery);
  }

  /** A plain write failed when the writers gave up reconnecting. */
  writeFailed(attempt: number, value: number, atMs: number): void {
    const cause = this.intern(`write-failed:${attempt}`, () => ({
      ...none(),
      kind: 'write-failed',
      describe: () =>
        `written by attempt ${attempt}, but the writers' reconnect retries ran out at ${msText(atMs)} and the write failed; no checkpoint made the source emit it again`,
    }));
    this.markMissing(value, cause);
  }

  // ---- the result ----

  /** `emittedUpTo`: the highest value the source emitted; the ones after it were never emitted. */
  causes(jobEnded: boolean, emittedUpTo: number): Causes {
    const dupRanges = new Map<number, [number, number][]>();
    const dupCounts = new Map<number, number>();
    const missRanges = new Map<number, [number, number][]>();
    const missCounts = new Map<number, number>();
    const jobFailed = jobEnded && this.jobFailure !== null ? this.jobFailedCause() : 0;
    const neverEmitted = jobEnded && emittedUpTo < this.numEvents ? this.neverEmittedCause(emittedUpTo) : 0;
    for (let v = 1; v <= this.numEvents; v++) {
      const reads = this.readCount[v]!;
      if (reads === 1) continue;
      let cause = this.causeOf[v]!;
      if (reads === 0) {
        if (!jobEnded) continue;
        if (v > emittedUpTo) cause = neverEmitted;
        // A value the failed job never made visible: whatever last held it, the failure is why.
        else if (cause === 0 || (jobFailed !== 0 && this.table[cause - 1]!.kind === 'txn-aborted'))
          cause = jobFailed;
        if (cause !== 0) add(missRanges, missCounts, cause, v);
      } else if (cause !== 0) add(dupRanges, dupCounts, cause, v);
    }
    return {
      duplicates: this.materialise(dupRanges, dupCounts),
      missing: this.materialise(missRanges, missCounts),
      unexplained: this.unexplained(jobEnded, emittedUpTo),
    };
  }

  /**
   * The values `causes` leaves unexplained, counted without building a cause: all a sweep asks.
   * A value never read is explained once the job ended if it was never emitted, if something last
   * held it, or else by the job's failure for good when there was one.
   */
  unexplained(jobEnded: boolean, emittedUpTo: number): Causes['unexplained'] {
    const unexplained = { duplicates: 0, missing: 0 };
    const missingJudged = jobEnded && this.jobFailure === null;
    const lastEmitted = Math.min(emittedUpTo, this.numEvents);
    const readCount = this.readCount;
    const causeOf = this.causeOf;
    for (let v = 1; v <= this.numEvents; v++) {
      const reads = readCount[v]!;
      if (reads === 1 || causeOf[v] !== 0) continue;
      if (reads > 1) unexplained.duplicates++;
      else if (missingJudged && v <= lastEmitted) unexplained.missing++;
    }
    return unexplained;
  }

  // ---- internals ----

  private markMissing(value: number, cause: number): void {
    if (value > 0 && this.readCount[value] === 0) this.causeOf[value] = cause;
  }

  private duplicateCause(attempt: number, via: number): number {
    return this.intern(`dup:${attempt}:${via}`, () => {
      const facts = this.attempts.get(attempt);
      const after = facts?.after ?? null;
      const restore = facts?.restore ?? null;
      // Written by the zombie itself (the failover it outlived), or by the attempt after one.
      const failover = facts?.outlived ?? (after?.reason === 'zombie' ? after : null);
      if (failover !== null) {
        const zombie = failover.attempt;
        // The attempt that wrote them beside the zombie, and where it restored from.
        const other = zombie === attempt ? zombie + 1 : attempt;
        const otherRestore = this.attempts.get(other)?.restore ?? null;
        return {
          ...none(),
          kind: 'zombie-writer',
          failure: failover,
          restore: otherRestore,
          zombieAttempt: zombie,
          describe: () =>
            `written twice: attempt ${zombie} kept writing after the job failed over at ${msText(failover.atMs)}, beside attempt ${other} restored from ${checkpointText(otherRestore)}`,
        };
      }
      if (via === Via.uncommitted) {
        return {
          ...none(),
          kind: 'read-uncommitted',
          failure: after,
          restore,
          describe: () =>
            `read_uncommitted showed them in a transaction that never committed, then attempt ${attempt} wrote them again${restore === null ? '' : ` after restoring from ${checkpointText(restore)}`}`,
        };
      }
      return {
        ...none(),
        kind: 'replayed-after-restore',
        failure: after,
        restore,
        describe: () =>
          `first visible from attempt ${after?.attempt ?? attempt - 1}; ${failureText(after)}; attempt ${attempt} restored from ${checkpointText(restore)} and wrote them again`,
      };
    });
  }

  private jobFailedCause(): number {
    const job = this.jobFailure!;
    return this.intern('job-failed', () => ({
      ...none(),
      kind: 'job-failed',
      failure: this.lastFailure,
      job,
      describe: () =>
        `emitted, but never made visible: the job failed for good at ${msText(job.atMs)} (${job.reason})${this.lastFailure === null ? '' : `; its last failure: ${failureText(this.lastFailure)}`}`,
    }));
  }

  private neverEmittedCause(emittedUpTo: number): number {
    const job = this.jobFailure;
    return this.intern('never-emitted', () => ({
      ...none(),
      kind: 'never-emitted',
      failure: this.lastFailure,
      job,
      describe: () =>
        job === null
          ? `never emitted: the source stopped at value ${emittedUpTo}`
          : `never emitted: the job failed for good at ${msText(job.atMs)} (${job.reason}) ${emittedUpTo === 0 ? 'before its source emitted any value' : `after its source reached value ${emittedUpTo}`}; an incomplete output, not a loss`,
    }));
  }

  private intern(key: string, make: () => Pending): number {
    const known = this.index.get(key);
    if (known !== undefined) return known;
    // Past 65,535 distinct causes the rest share the last one; no real run comes near it.
    if (this.table.length >= 0xfffe) return this.table.length;
    this.table.push(make());
    this.index.set(key, this.table.length);
    return this.table.length;
  }

  private materialise(ranges: Map<number, [number, number][]>, counts: Map<number, number>): Cause[] {
    return [...ranges.entries()]
      .sort((a, b) => a[1][0]![0] - b[1][0]![0])
      .map(([index, runs]) => {
        const { describe, ...facts } = this.table[index - 1]!;
        const count = counts.get(index) ?? 0;
        return { ...facts, ranges: runs, count, text: `${rangesText(runs, count)}: ${describe()}` };
      });
  }
}

function none(): Omit<Pending, 'kind' | 'describe'> {
  return { failure: null, restore: null, txn: null, zombieAttempt: null, job: null };
}

function add(
  ranges: Map<number, [number, number][]>,
  counts: Map<number, number>,
  cause: number,
  v: number,
): void {
  counts.set(cause, (counts.get(cause) ?? 0) + 1);
  let runs = ranges.get(cause);
  if (runs === undefined) {
    runs = [];
    ranges.set(cause, runs);
  }
  const last = runs[runs.length - 1];
  if (last !== undefined && last[1] === v - 1) last[1] = v;
  else if (runs.length < CAUSE_RANGES_LIMIT) runs.push([v, v]);
}

function rangesText(runs: [number, number][], count: number): string {
  const first = runs[0]!;
  const last = runs[runs.length - 1]!;
  if (runs.length === 1) return first[0] === first[1] ? `${first[0]}` : `${first[0]}..${first[1]}`;
  // Round robin over p sink subtasks gives each transaction every p-th value.
  const stride = runs.length > 2 && runs[1]![0] - first[0];
  if (
    stride &&
    runs.every(([lo, hi], i) => lo === hi && lo === first[0] + i * stride) &&
    runs.length === count
  ) {
    return `${first[0]}..${last[1]} (every ${ordinal(stride)}, ${count} values)`;
  }
  const shown = runs.slice(0, 4).map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}..${hi}`));
  return `${shown.join(', ')}${runs.length > 4 ? `, ... (${count} values)` : ''}`;
}

function ordinal(n: number): string {
  return n === 2 ? '2nd' : n === 3 ? '3rd' : `${n}th`;
}

function checkpointText(restore: RestoreFact | null): string {
  if (restore === null || restore.checkpointId === null) return 'the beginning (no completed checkpoint)';
  return `checkpoint ${restore.checkpointId} at position ${restore.position}`;
}

function failureText(failure: FailureFact | null): string {
  if (failure === null) return 'the attempt failed';
  if (failure.element === null)
    return `attempt ${failure.attempt} failed at ${msText(failure.atMs)} (${failure.detail})`;
  const what = `the mapper's artificial exception at element ${failure.element} (Artificial failure at position ${failure.element})`;
  return `${what} failed attempt ${failure.attempt} at ${msText(failure.atMs)}`;
}

function describeSilentExpiry(
  txn: TxnFact,
  idle: boolean,
  checkpointId: number,
  atMs: number,
  recovery: boolean,
): string {
  const name = `transaction ${txn.name}`;
  if (txn.kafka !== undefined) return describeSilentTimeout(txn, txn.kafka, checkpointId, atMs);
  const how = idle
    ? `whose lease ran out at ${msText(txn.endedAtMs)} while it sat idle: the controller aborted it, yet its pre-commit flush succeeded (nothing was in flight, and the client checks only its own closed flag), checkpoint ${checkpointId} completed`
    : `whose lease ran out at ${msText(txn.endedAtMs)} after its pre-commit, while it waited for its commit: the controller aborted it`;
  const commit = recovery
    ? `the restore's commit (recoverAndCommit) at ${msText(atMs)}`
    : `the commit at ${msText(atMs)}`;
  return `held in ${name}, ${how}, and ${commit} found it ABORTED and only logged it: lost silently, with no failover`;
}

/** Kafka: FlinkKafkaProducer.recoverAndCommit catches the fencing and only logs it. */
function describeSilentTimeout(
  txn: TxnFact,
  kafka: NonNullable<TxnFact['kafka']>,
  checkpointId: number,
  atMs: number,
): string {
  return `held in transaction ${txn.name} (${kafka.transactionalId}), pre-committed for checkpoint ${checkpointId}, which Kafka's coordinator aborted at ${msText(txn.endedAtMs)}, more than transaction.timeout.ms (${msText(kafka.timeoutMs)}) after its first record, fencing its producer; the restore's commit (recoverAndCommit) at ${msText(atMs)} met ProducerFencedException and only logged it ("Presumably this transaction has been already committed before"): lost silently`;
}

function describeTxnLoss(kind: CauseKind, txn: TxnFact): string {
  const name = `transaction ${txn.name}`;
  if (kind === 'txn-expired' && txn.kafka !== undefined)
    return `held in ${name} (${txn.kafka.transactionalId}), which Kafka's coordinator aborted at ${msText(txn.endedAtMs)}, more than transaction.timeout.ms (${msText(txn.kafka.timeoutMs)}) after its first record, before it was committed`;
  switch (kind) {
    case 'txn-expired':
      return `held in ${name}, whose lease ran out at ${msText(txn.endedAtMs)} before it was committed: the controller aborted it`;
    case 'commit-rejected':
      return `held in ${name}, whose commit the store rejected at ${msText(txn.endedAtMs)} (TxnFailedException): the connector logged it and dropped it`;
    case 'end-of-input':
      return `written after the last checkpoint into ${name}, which the sinks aborted when the job finished at ${msText(txn.endedAtMs)}: Flink 1.14 takes no final checkpoint`;
    case 'left-uncommitted':
      return `held in ${name}, pre-committed for checkpoint ${txn.checkpointId} but never committed: the job ended before its sink heard that the checkpoint completed`;
    default:
      return `held in ${name}, aborted at ${msText(txn.endedAtMs)} on a failover and never written again`;
  }
}
