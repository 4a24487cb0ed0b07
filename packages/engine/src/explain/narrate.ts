import type { CheckpointAbortReason, EventOf, SimEvent, SimEventKind, TxnRef } from '../events';
import { txnName } from '../model/names';
import type { WriterMode } from '../scenario/schema';
import { failureText, faultText, KAFKA_OUTAGE_ENDED, OUTAGE_ENDED } from './narration-faults';
import {
  ABORT_WHY,
  addSpan,
  capitalise,
  count,
  joinAnd,
  range,
  retryText,
  txnList,
  type ValueSpan,
  valuesAside,
  valuesPhrase,
} from './narration-phrases';
import { type CheckpointStory, refOf, spanOf, type TxnStory, taskBit, visible } from './narration-story';
import { msRangeText, msText } from './time-text';

/**
 * The run's story in sentences, told from the events' structured fields only (never from the lines
 * the engine prints), one event at a time: the same narrator serves the dashboard (from the events
 * it holds) and the server (from every event of a run, however long), so both tell the same story.
 *
 * Rules it keeps:
 * - Quiet checkpoints (completed, every task notified, every transaction committed on time) are
 *   told one by one for a few, then summed up in ranges. A checkpoint anything went wrong with
 *   (a fault aimed at it, declined or abandoned, a notification lost, committed only on recovery,
 *   a rejected commit, an expired transaction, never committed) is never summed up: it gets its
 *   own sentences, saying what became of its transactions and their values.
 * - Sentences are final once told and come in time order: what one millisecond tells is gathered
 *   (commits of the same instant told together, a burst of failovers told once) and told when the
 *   run moves past that millisecond; `pending()` shows what is still being gathered.
 * - Memory grows with what it tells, not with the run: per checkpoint it keeps only those not yet
 *   settled (one or two in flight, plus those a fault left hanging).
 */

export type SentenceKind = 'info' | 'good' | 'bad' | 'fault';

export interface Sentence {
  /** The time it tells of: virtual ms for a simulation, ms since the start for a real run. */
  t: number;
  kind: SentenceKind;
  text: string;
  /** A summary of quiet checkpoints: the ids it sums up (from..to, every one quiet). */
  summary?: { from: number; to: number };
}

export interface NarratorOptions {
  mode: WriterMode;
  /** Sink subtasks: whom each checkpoint's notification must reach besides the source. */
  parallelism: number;
  /** A real job (PostgreSQL): times are ms of the run, not virtual time. */
  realTime?: boolean;
}

/** Quiet checkpoints told one by one after something notable, before they are summed up. */
const ROUTINE_TOLD = 3;

/** A sentence of the current millisecond, still open to merging. */
interface Draft extends Sentence {
  /** Commits of the same instant with the same key are told in one sentence. */
  commitKey?: string;
  refs?: TxnRef[];
  span?: ValueSpan;
  /** How a commit sentence is built from its transactions and values. */
  build?: (refs: TxnRef[], span: ValueSpan) => string;
  /** A failover: how many in this millisecond, and what to say of the values it leaves behind. */
  failover?: { count: number; cause: string; values: string; restore: string };
}

const ABORT_REASONS: Record<CheckpointAbortReason, string> = {
  declined: 'was declined',
  timeout: 'expired before every task acknowledged it',
  'job-failover': 'was abandoned: the job failed over',
  'job-finished': 'was abandoned: the job finished',
};

export class Narrator {
  private readonly out: Sentence[] = [];
  private drafts: Draft[] = [];
  private draftT = Number.NEGATIVE_INFINITY;
  private quiet: { from: number; to: number; t: number } | null = null;
  private routineRun = 0;
  private readonly checkpoints = new Map<number, CheckpointStory>();
  /** Which checkpoint each pre-committed transaction belongs to, until it ends. */
  private readonly txnCheckpoint = new Map<number, number>();
  /** The checkpoint each sink subtask was last notified of: what a late commit came with. */
  private readonly lastNotified = new Map<string, number>();
  private lastCompletedPosition = -1;
  private completed = 0;
  private aborted = 0;
  /** When a person stopped the run (a real job still ends after it: no second closing sentence). */
  private stoppedAt: number | null = null;
  /** The last fault that fired, to tell the crash it causes in the same millisecond. */
  private lastFault: EventOf<'fault-fired'> | null = null;
  /** The job writes to Kafka (its run-started says so): Kafka's words where the protocols differ. */
  private kafka = false;
  private readonly tasks: number;

  constructor(private readonly options: NarratorOptions) {
    this.tasks = 1 + options.parallelism;
  }

  /** Sentences told for good, in time order. */
  get told(): readonly Sentence[] {
    return this.out;
  }

  /** What is still being gathered (the current millisecond, the quiet checkpoints so far): shown after `told`. */
  pending(): Sentence[] {
    const quiet = this.quiet === null ? [] : [this.quietSentence(this.quiet)];
    return [...quiet, ...this.drafts.map(plain)];
  }

  /** Everything: told and pending. */
  sentences(): Sentence[] {
    return [...this.out, ...this.pending()];
  }

  tell(e: SimEvent): void {
    if (e.t > this.draftT) {
      this.settleInstant();
      this.draftT = e.t;
    }
    this.dispatch(e.kind, e);
  }

  /** The event's handler, found by its kind: the table's type makes it one per kind. */
  private dispatch<K extends SimEventKind>(kind: K, e: EventOf<K>): void {
    this.handlers[kind](e);
  }

  /**
   * What each event kind does to the story. Its type asks for every kind, so a new event kind is
   * named here by the compiler: told, folded into a checkpoint's story, or ignored on purpose.
   */
  private readonly handlers: { [K in SimEventKind]: (e: EventOf<K>) => void } = {
    'run-started': (e) => {
      this.kafka = e.system === 'kafka';
      const on = this.kafka ? ' on Kafka' : '';
      this.say(e.t, 'info', `Run started in ${e.mode}${on}: ${count(e.numEvents, 'event')}, seed ${e.seed}.`);
    },
    'checkpoint-triggered': (e) => {
      this.story(e.checkpointId).position = e.position;
    },
    'checkpoint-completed': (e) => {
      this.checkpointCompleted(e);
    },
    'checkpoint-notified': (e) => {
      this.notified(e);
    },
    'checkpoint-aborted': (e) => {
      this.checkpointAborted(e);
    },
    'txn-flushed': (e) => {
      this.flushed(e);
    },
    'txn-committing': (e) => {
      this.committing(e);
    },
    'txn-committed': (e) => {
      this.committed(e);
    },
    'txn-aborted': (e) => {
      this.txnAborted(e);
    },
    'txn-expired': (e) => {
      this.expired(e);
    },
    'txn-commit-failed': (e) => {
      this.commitFailed(e);
    },
    'lso-released': (e) => {
      this.say(
        e.t,
        'info',
        `Kafka: ${count(e.values, 'committed value')} of partition ${e.partition} waited ${msText(e.heldMs)} behind transaction ${txnName(e)} at the last stable offset; read_committed readers see them only now that it ended.`,
      );
    },
    'call-retried': (e) => {
      if (e.call !== 'writer-reconnect' || e.outcome !== 'succeeded' || e.waitedMs > 0)
        this.say(e.t, e.outcome === 'exhausted' ? 'bad' : 'info', retryText(e, this.kafka));
    },
    'task-failed': (e) => {
      this.taskFailed(e);
    },
    'job-restarting': (e) => {
      this.restarting(e);
    },
    'job-restored': (e) => {
      this.lastCompletedPosition = e.checkpointId === null ? -1 : e.position;
      this.say(
        e.t,
        'info',
        e.checkpointId === null
          ? 'No completed checkpoint: the job restarts from scratch, start marker included.'
          : `Restored from checkpoint ${e.checkpointId} at position ${e.position}: the source resumes at ${e.position + 1}.`,
      );
    },
    'job-failed': (e) => {
      this.jobFailed(e);
    },
    'job-finished': (e) => {
      this.say(e.t, 'good', 'The source is done and the job finished; the sinks closed.');
    },
    'zombie-stopped': (e) => {
      this.say(
        e.t,
        'info',
        this.kafka
          ? `The zombie attempt ${e.attempt} stopped: the restore's InitProducerId had fenced its producers, and its next send failed (ProducerFencedException).`
          : `The zombie attempt ${e.attempt} finally stopped writing.`,
      );
    },
    'fault-injected': (e) => {
      this.say(e.t, 'fault', `Fault injected: ${e.fault.kind}${aimOf(e.fault)}.`);
    },
    'fault-fired': (e) => {
      this.faultFired(e);
    },
    'outage-ended': (e) => {
      this.say(e.t, 'info', (this.kafka ? KAFKA_OUTAGE_ENDED : OUTAGE_ENDED)[e.faultKind]);
    },
    'duplicate-found': (e) => {
      this.say(
        e.t,
        'bad',
        `Checker: ${count(e.count, 'value')} read a second time${readTimes(e)} (${sample(e)}).`,
      );
    },
    'value-missing': (e) => {
      this.say(e.t, 'bad', missingText(e));
    },
    'run-ended': (e) => {
      this.runEnded(e);
    },
    'run-stopped': (e) => {
      this.runStopped(e);
    },
    // Routine steps the story does not tell on their own (their facts reach it through the others).
    'checkpoint-barrier': ignore,
    'checkpoint-acknowledged': ignore,
    'txn-begun': ignore,
    'txn-lease-renewed': ignore,
    'write-failed': ignore,
    'marker-emitted': ignore,
    console: ignore,
  };

  /** Tells what is still gathered: after the run's last event, so `told` holds the whole story. */
  finish(): void {
    this.settleInstant();
    this.flushQuiet();
  }

  // ---- checkpoints ----

  private story(id: number): CheckpointStory {
    let story = this.checkpoints.get(id);
    if (story === undefined) {
      story = {
        id,
        position: -1,
        completedAt: null,
        touched: false,
        toldAlone: false,
        notified: 0,
        notifiedCount: 0,
        txns: new Map(),
      };
      this.checkpoints.set(id, story);
    }
    return story;
  }

  private checkpointCompleted(e: EventOf<'checkpoint-completed'>): void {
    this.completed++;
    this.lastCompletedPosition = e.position;
    const story = this.story(e.checkpointId);
    story.position = e.position;
    story.completedAt = e.t;
    if (!story.touched && this.routineRun < ROUTINE_TOLD) {
      this.routineRun++;
      story.toldAlone = true;
      this.draft({
        t: e.t,
        kind: 'good',
        text: `Checkpoint ${e.checkpointId} completed at position ${e.position} (${msText(e.durationMs)} after its trigger).`,
      });
    }
    this.settle(story, e.t);
  }

  private notified(e: EventOf<'checkpoint-notified'>): void {
    if (e.task !== 'source') this.lastNotified.set(e.task, e.checkpointId);
    const story = this.checkpoints.get(e.checkpointId);
    if (story === undefined) return;
    const bit = taskBit(e.task);
    if ((story.notified & bit) === 0) {
      story.notified |= bit;
      story.notifiedCount++;
    }
    this.settle(story, e.t);
  }

  /** A quiet checkpoint is settled once every task heard of it and its transactions all committed on time. */
  private settle(story: CheckpointStory, t: number): void {
    if (story.touched || story.completedAt === null || story.notifiedCount < this.tasks) return;
    for (const txn of story.txns.values()) if (txn.state !== 'committed' || txn.recovery) return;
    this.forget(story);
    if (story.toldAlone) return;
    if (this.quiet !== null && this.quiet.to + 1 === story.id) {
      this.quiet.to = story.id;
      this.quiet.t = t;
      return;
    }
    this.flushQuiet();
    this.quiet = { from: story.id, to: story.id, t };
  }

  private forget(story: CheckpointStory): void {
    this.checkpoints.delete(story.id);
    for (const txnId of story.txns.keys()) this.txnCheckpoint.delete(txnId);
  }

  /** A touched checkpoint is forgotten once nothing more can happen to its transactions. */
  private settleTouched(story: CheckpointStory): void {
    if (!story.touched) return;
    for (const txn of story.txns.values()) if (txn.state !== 'committed' && txn.state !== 'ended') return;
    // (an expired transaction keeps its story: a late commit may still find it aborted)
    if (story.completedAt === null && story.txns.size === 0) return;
    this.forget(story);
  }

  private touch(id: number): CheckpointStory {
    const story = this.story(id);
    story.touched = true;
    return story;
  }

  private checkpointAborted(e: EventOf<'checkpoint-aborted'>): void {
    this.aborted++;
    const story = this.touch(e.checkpointId);
    const waiting = [...story.txns.values()].filter((x) => x.state === 'pre-committed');
    const txns =
      waiting.length === 0
        ? ''
        : ` Its pre-committed ${txnList(waiting.map((x) => x.ref))} (${valuesAside(spanOf(waiting))}) ${waiting.length === 1 ? 'is' : 'are'} not committed with it.`;
    this.say(e.t, 'bad', `Checkpoint ${e.checkpointId} ${ABORT_REASONS[e.reason]}.${txns}`);
    if (story.txns.size === 0) this.forget(story);
  }

  // ---- transactions ----

  private txnStory(txnId: number): { story: CheckpointStory; txn: TxnStory } | null {
    const id = this.txnCheckpoint.get(txnId);
    const story = id === undefined ? undefined : this.checkpoints.get(id);
    const txn = story?.txns.get(txnId);
    return story === undefined || txn === undefined ? null : { story, txn };
  }

  private flushed(e: EventOf<'txn-flushed'>): void {
    const story = this.story(e.checkpointId);
    story.txns.set(e.txnId, {
      ref: refOf(e),
      span: { first: e.firstValue ?? null, last: e.lastValue ?? null, count: e.events },
      state: 'pre-committed',
      recovery: false,
    });
    this.txnCheckpoint.set(e.txnId, e.checkpointId);
  }

  private committing(e: EventOf<'txn-committing'>): void {
    const found = this.txnStory(e.txnId);
    if (found === null) return;
    found.txn.state = 'committing';
    if (e.recovery) {
      found.txn.recovery = true;
      found.story.touched = true;
    }
  }

  private committed(e: EventOf<'txn-committed'>): void {
    const span: ValueSpan = { first: e.firstValue, last: e.lastValue, count: e.events };
    const found = this.txnStory(e.txnId);
    if (found === null) {
      // A transaction the narrator never saw pre-committed (a window of a longer run): told as is.
      this.commitDraft(
        e,
        span,
        'plain',
        (refs, s) => `${capitalise(txnList(refs))} committed: ${visible(s)}.`,
      );
      return;
    }
    const { story, txn } = found;
    txn.state = 'committed';
    txn.span = span;
    if (e.heldBy !== undefined) {
      // Kafka: committed, yet behind an open transaction's first record: not visible yet.
      story.touched = true;
      const holder = txnName(e.heldBy);
      this.commitDraft(
        e,
        span,
        `held-${story.id}-${e.heldBy.txnId}`,
        (refs, s) =>
          `Checkpoint ${story.id}'s ${txnList(refs)} committed, but read_committed readers stop at the last stable offset, the first record of transaction ${holder}, still open: ${refs.length === 1 ? 'its' : 'their'} ${valuesPhrase(s)} behind it wait.`,
      );
    } else if (txn.recovery) {
      this.commitDraft(
        e,
        span,
        `recovery-${story.id}`,
        (refs, s) =>
          `Checkpoint ${story.id}'s ${txnList(refs)} committed on recovery: pre-committed before the failure, never committed until the restore (recoverAndCommit): ${visible(s)}.`,
      );
    } else if (txn.inFlightAtFailure === true) {
      this.commitDraft(
        e,
        span,
        `inflight-${story.id}`,
        (refs, s) =>
          `Checkpoint ${story.id}'s ${txnList(refs)} committed: ${refs.length === 1 ? 'its' : 'their'} commit call had gone out before the failure: ${visible(s)}.`,
      );
    } else if (story.touched) {
      const via = this.lastNotified.get(`sink-${e.subtask}`);
      const late =
        via !== undefined && via > story.id ? ` at last, with checkpoint ${via}'s notification` : '';
      this.commitDraft(
        e,
        span,
        `late-${story.id}-${via}`,
        (refs, s) => `Checkpoint ${story.id}'s ${txnList(refs)} committed${late}: ${visible(s)}.`,
      );
    } else if (story.toldAlone) {
      this.commitDraft(
        e,
        span,
        'routine',
        (refs, s) => `${capitalise(txnList(refs))} committed: ${visible(s)}.`,
      );
    }
    this.settle(story, e.t);
    this.settleTouched(story);
  }

  /** Commits of one instant with the same key are told in one sentence, whatever came between. */
  private commitDraft(
    ref: TxnRef,
    span: ValueSpan,
    key: string,
    build: (refs: TxnRef[], span: ValueSpan) => string,
  ): void {
    const same = this.drafts.findLast((d) => d.commitKey === key);
    if (same?.refs !== undefined && same.span !== undefined && same.build !== undefined) {
      same.refs.push(refOf(ref));
      addSpan(same.span, span);
      same.text = same.build(same.refs, same.span);
      return;
    }
    const refs = [refOf(ref)];
    const total: ValueSpan = { first: null, last: null, count: 0 };
    addSpan(total, span);
    this.draft({
      t: this.draftT,
      kind: 'good',
      text: build(refs, total),
      commitKey: key,
      refs,
      span: total,
      build,
    });
  }

  private txnAborted(e: EventOf<'txn-aborted'>): void {
    const found = this.txnStory(e.txnId);
    if (found !== null) {
      found.txn.state = 'ended';
      found.story.touched = true;
      this.settleTouched(found.story);
    }
    if (e.events === 0) return;
    const of = found === null ? '' : `checkpoint ${found.story.id}'s pre-committed `;
    const span = { first: e.firstValue, last: e.lastValue, count: e.events };
    this.say(
      e.t,
      e.why === 'end-of-input' || e.why === 'commit-rejected' || found !== null ? 'bad' : 'info',
      `${capitalise(`${of}transaction`)} ${txnName(e)} aborted ${ABORT_WHY[e.why]}: its ${valuesPhrase(span)} never ${e.events === 1 ? 'becomes' : 'become'} visible from it.`,
    );
  }

  private expired(e: EventOf<'txn-expired'>): void {
    const found = this.txnStory(e.txnId);
    const of = found === null ? '' : ` (checkpoint ${found.story.id}'s, pre-committed)`;
    if (found !== null) {
      // Kept until its late commit (if one comes) finds it aborted: that sentence names its values.
      found.txn.state = 'expired';
      found.story.touched = true;
    }
    const span = { first: e.firstValue, last: e.lastValue, count: e.events };
    this.say(
      e.t,
      'bad',
      this.kafka
        ? `Kafka's transaction coordinator timed out transaction ${txnName(e)}${of}, more than transaction.timeout.ms after its first record: it aborted it with its ${valuesPhrase(span)} and fenced its producer.`
        : `The lease of transaction ${txnName(e)}${of} ran out: the controller aborted it with its ${valuesPhrase(span)}.`,
    );
    if (found !== null) this.settleTouched(found.story);
  }

  private commitFailed(e: EventOf<'txn-commit-failed'>): void {
    const found = this.txnStory(e.txnId);
    if (found !== null) {
      found.txn.state = 'ended';
      found.story.touched = true;
    }
    const name = txnName(e);
    const values =
      found === null
        ? 'its data is'
        : `its ${valuesPhrase(found.txn.span)} ${found.txn.span.count === 1 ? 'is' : 'are'}`;
    // Kafka: the restore's commit only logs the fencing (values lost); the task's own commit throws.
    const kafkaThrows = this.kafka && e.why === 'not-open' && e.recovery === false;
    const text =
      this.kafka && e.why === 'not-open'
        ? kafkaThrows
          ? `Committing transaction ${name} threw ProducerFencedException: Kafka's coordinator had aborted it and bumped its epoch. The task fails, and the restore will find it aborted too.`
          : `The restore's commit of transaction ${name} (recoverAndCommit) met ProducerFencedException: Kafka's coordinator had aborted it. The connector only logs "Presumably this transaction has been already committed before", and ${values} lost.`
        : e.why === 'rejected'
          ? `The store rejected transaction ${name}'s commit (TxnFailedException): logged and dropped, never retried; ${values} lost.`
          : e.why === 'retries-exhausted'
            ? `Transaction ${name}'s commit failed: the controller stayed unreachable past the client's retries, so the task fails and the restore commits it again.`
            : `Transaction ${name} was ${e.state} when its commit got through: the connector only logs it, and ${values} lost.`;
    this.say(e.t, 'bad', text);
    if (found !== null && e.why !== 'retries-exhausted' && !kafkaThrows) this.settleTouched(found.story);
    else if (found !== null) found.txn.state = 'pre-committed';
  }

  // ---- the job ----

  private taskFailed(e: EventOf<'task-failed'>): void {
    // Several failovers in one millisecond (a burst) are told once.
    const burst = this.drafts.findLast((d) => d.failover !== undefined);
    if (burst?.failover !== undefined) {
      burst.failover.count++;
      burst.failover.cause = failureText(e, this.faultAt(e.t));
      burst.text = failoverText(burst.failover);
      return;
    }
    // Completed checkpoints whose transactions wait for their commit: the restore commits them.
    const waiting = [...this.checkpoints.values()].filter((s) => s.completedAt !== null);
    for (const story of waiting) {
      story.touched = true;
      for (const txn of story.txns.values()) if (txn.state === 'committing') txn.inFlightAtFailure = true;
    }
    const lastWritten = e.lastWritten ?? (e.element !== null ? e.position - 1 : e.position);
    const failover = {
      count: 1,
      cause: failureText(e, this.faultAt(e.t)),
      values: this.leftBehind(waiting, lastWritten),
      restore:
        lastWritten > this.lastCompletedPosition && this.lastCompletedPosition >= 0
          ? ` A restore writes values ${range(this.lastCompletedPosition + 1, lastWritten)} again.`
          : '',
    };
    this.routineRun = 0;
    this.draft({ t: e.t, kind: 'bad', text: failoverText(failover), failover });
  }

  /** The fault that fired in this millisecond, if any: the failure it causes is told in its words. */
  private faultAt(t: number): EventOf<'fault-fired'> | null {
    return this.lastFault !== null && this.lastFault.t === t ? this.lastFault : null;
  }

  /** What a failure leaves in the sinks' transactions (exactly-once) or already in the stream (plain writes). */
  private leftBehind(waiting: CheckpointStory[], lastWritten: number): string {
    const from = this.lastCompletedPosition + 1;
    if (this.options.mode !== 'EXACTLY_ONCE') {
      if (lastWritten < from || this.lastCompletedPosition < 0) return '';
      return ` Values ${range(from, lastWritten)} were already written: plain writes, visible once the store acknowledges them.`;
    }
    const parts: string[] = [];
    for (const story of waiting) {
      const going = [...story.txns.values()].filter((x) => x.state === 'committing');
      const txns = [...story.txns.values()].filter((x) => x.state === 'pre-committed');
      if (going.length > 0)
        parts.push(
          ` The commit of checkpoint ${story.id}'s ${txnList(going.map((x) => x.ref))} (${valuesAside(spanOf(going))}) had already gone out.`,
        );
      if (txns.length === 0) continue;
      parts.push(
        ` Checkpoint ${story.id} completed but its ${txnList(txns.map((x) => x.ref))} (${valuesAside(spanOf(txns))}) ${txns.length === 1 ? 'was' : 'were'} not committed yet: the restore commits ${txns.length === 1 ? 'it' : 'them'} (recoverAndCommit).`,
      );
    }
    // Pre-committed for a checkpoint that never completed: not the restore's to commit.
    let precommittedTo = this.lastCompletedPosition;
    for (const story of this.checkpoints.values()) {
      if (story.completedAt !== null) continue;
      const txns = [...story.txns.values()].filter((x) => x.state === 'pre-committed');
      if (txns.length === 0) continue;
      precommittedTo = Math.max(precommittedTo, story.position);
      parts.push(
        ` ${capitalise(valuesPhrase(spanOf(txns)))} sat in ${txnList(txns.map((x) => x.ref))}, pre-committed for checkpoint ${story.id}, which never completes.`,
      );
    }
    const openFrom = Math.max(from, precommittedTo + 1);
    if (lastWritten >= openFrom && this.lastCompletedPosition >= 0)
      parts.push(` Values ${range(openFrom, lastWritten)} sat in open transactions: they are aborted.`);
    return parts.join('');
  }

  private restarting(e: EventOf<'job-restarting'>): void {
    this.say(
      e.t,
      e.restartsLeft === 0 ? 'bad' : 'info',
      `Restarting in ${msText(e.delayMs)}: ${count(e.restartsLeft, 'restart')} left after this one.`,
    );
  }

  private jobFailed(e: EventOf<'job-failed'>): void {
    // No restore comes: what the failover sentence promised is taken back.
    const failover = this.drafts.findLast((d) => d.failover !== undefined);
    if (failover?.failover !== undefined && failover.failover.restore !== '') {
      failover.failover.restore = ' No restart is left: nothing writes them again.';
      failover.text = failoverText(failover.failover);
    }
    this.say(e.t, 'bad', `The job failed: ${e.reason}.`);
  }

  private faultFired(e: EventOf<'fault-fired'>): void {
    this.lastFault = e;
    // The failover it causes says so in the same millisecond ("The mapper throws (injected at …)").
    if (e.faultKind === 'mapper-exception' && !e.detail.startsWith('no running job')) return;
    const story = e.checkpointId === null ? null : this.touch(e.checkpointId);
    this.say(e.t, 'fault', `Fault: ${faultText(e, story, this.options.mode, this.kafka)}`);
    if (story !== null && story.completedAt !== null && story.txns.size === 0) this.forget(story);
  }

  // ---- the end ----

  private runEnded(e: EventOf<'run-ended'>): void {
    // Stopped by a person: already told, and nothing in flight is judged.
    if (this.stoppedAt !== null) return;
    // Checkpoints left hanging: completed, but some task never heard of it or its transactions never committed.
    for (const story of [...this.checkpoints.values()].sort((a, b) => a.id - b.id)) {
      if (story.completedAt === null) continue;
      const missed = this.missedNotifications(story);
      const waiting = [...story.txns.values()].filter(
        (x) => x.state === 'pre-committed' || x.state === 'committing',
      );
      if (missed.length === 0 && waiting.length === 0) continue;
      const heard = missed.length === 0 ? '' : `: ${joinAnd(missed)} never heard that it completed`;
      const txns =
        waiting.length > 0
          ? ` Its ${txnList(waiting.map((x) => x.ref))} (${valuesAside(spanOf(waiting))}) ${waiting.length === 1 ? 'was' : 'were'} pre-committed and never committed.`
          : this.options.mode === 'EXACTLY_ONCE'
            ? ''
            : ' Plain writes: nothing waited on it.';
      this.say(
        e.t,
        waiting.length > 0 ? 'bad' : 'info',
        `Checkpoint ${story.id} completed at position ${story.position}${heard}.${txns}`,
      );
      this.forget(story);
    }
    const when = this.options.realTime ? `after ${msText(e.t)}` : `at ${msText(e.t)} of virtual time`;
    this.say(
      e.t,
      e.finished ? 'good' : 'bad',
      `Run ended ${when}: ${count(this.completed, 'checkpoint')} completed${this.aborted > 0 ? `, ${this.aborted} aborted` : ''}.`,
    );
  }

  /**
   * A person stopped the run: what was in flight is not judged (a pre-committed transaction may
   * still have been on its way to its commit), so no checkpoint is told as left hanging. A real
   * job is checked after its stop: its run still ends, without a second closing sentence.
   */
  private runStopped(e: EventOf<'run-stopped'>): void {
    this.stoppedAt = e.t;
    const when = this.options.realTime ? `after ${msText(e.t)}` : `at ${msText(e.t)} of virtual time`;
    this.say(
      e.t,
      'info',
      `Run stopped by you ${when}: ${count(this.completed, 'checkpoint')} completed${this.aborted > 0 ? `, ${this.aborted} aborted` : ''}. The checker judges only what it read so far; whether values were lost is not judged.`,
    );
  }

  private missedNotifications(story: CheckpointStory): string[] {
    const missed: string[] = [];
    if ((story.notified & taskBit('source')) === 0) missed.push('the source');
    for (let i = 0; i < this.options.parallelism; i++)
      if ((story.notified & taskBit(`sink-${i}`)) === 0) missed.push(`sink ${i}`);
    return missed;
  }

  // ---- telling ----

  /** A sentence that ends routine: the next quiet checkpoints are told one by one again. */
  private say(t: number, kind: SentenceKind, text: string): void {
    this.routineRun = 0;
    this.draft({ t, kind, text });
  }

  private draft(d: Draft): void {
    this.drafts.push(d);
  }

  /** The millisecond is over: its sentences are told, after the quiet checkpoints summed up before them. */
  private settleInstant(): void {
    if (this.drafts.length === 0) return;
    this.flushQuiet();
    for (const d of this.drafts) this.out.push(plain(d));
    this.drafts = [];
  }

  private flushQuiet(): void {
    if (this.quiet === null) return;
    this.out.push(this.quietSentence(this.quiet));
    this.quiet = null;
  }

  /** Quiet checkpoints summed up, in the words of the writer mode's own step at a checkpoint. */
  private quietSentence(q: { from: number; to: number; t: number }): Sentence {
    const one = q.from === q.to;
    const which = one ? `Checkpoint ${q.from}` : `Checkpoints ${range(q.from, q.to)}`;
    const text = {
      EXACTLY_ONCE: `${which} completed and ${one ? 'its' : 'their'} transactions committed as usual.`,
      ATLEAST_ONCE: `${which} completed as usual: at ${one ? 'it' : 'each'} the sinks flushed and waited for every write's acknowledgement (plain writes: nothing to commit).`,
      BEST_EFFORT: `${which} completed as usual: best effort neither flushes nor waits for acknowledgements at a checkpoint, so ${one ? 'it vouches' : 'they vouch'} for no write.`,
    }[this.options.mode];
    return { t: q.t, kind: 'info', text, summary: { from: q.from, to: q.to } };
  }
}

/** The whole story of a list of events (the dashboard's window, a test's run). */
export function narrate(events: readonly SimEvent[], options: NarratorOptions): Sentence[] {
  const narrator = new Narrator(options);
  for (const e of events) narrator.tell(e);
  return narrator.sentences();
}

function plain(d: Draft): Sentence {
  const s: Sentence = { t: d.t, kind: d.kind, text: d.text };
  if (d.summary !== undefined) s.summary = d.summary;
  return s;
}

function failoverText(f: { count: number; cause: string; values: string; restore: string }): string {
  if (f.count > 1) return `${f.count} failovers in the same millisecond; the last: ${f.cause}.`;
  return `${f.cause}; the job fails over.${f.values}${f.restore}`;
}

function aimOf(fault: EventOf<'fault-injected'>['fault']): string {
  if ('checkpoint' in fault && fault.checkpoint !== undefined) return ` at checkpoint ${fault.checkpoint}`;
  if ('atElement' in fault && fault.atElement !== undefined) return ` at element ${fault.atElement}`;
  if ('atMs' in fault && fault.atMs !== undefined) return ` at ${msText(fault.atMs)}`;
  return '';
}

function readTimes(e: EventOf<'duplicate-found'>): string {
  if (e.firstReadMs === undefined || e.lastReadMs === undefined) return '';
  return e.firstReadMs === e.lastReadMs
    ? `, at ${msText(e.firstReadMs)}`
    : `, at ${msRangeText(e.firstReadMs, e.lastReadMs)}`;
}

/** Values never read: lost ones apart from those the source never emitted (an incomplete output). */
function missingText(e: EventOf<'value-missing'>): string {
  if (e.neverEmitted === undefined)
    return `Checker: ${count(e.count, 'value')} never arrived (${sample(e)}).`;
  const { from, to } = e.neverEmitted;
  const never = to - from + 1;
  const incomplete = `${count(never, 'value')} never emitted (${from === to ? from : `${from}–${to}`}): the job failed for good before its source reached them, an incomplete output, not a loss`;
  const lost = e.count - never;
  if (lost === 0) return `Checker: ${incomplete}.`;
  const lostValues = e.values.filter((v) => v < from);
  return `Checker: ${count(lost, 'value')} emitted and never made visible (${sample({ count: lost, values: lostValues })}); ${incomplete}.`;
}

function sample(e: { count: number; values: number[] }): string {
  return `${e.values.slice(0, 8).join(', ')}${e.count > 8 ? ', …' : ''}`;
}

/** An event the story does not tell on its own (its facts reach the story through others). */
function ignore(): void {}
