import type { EventOf, SimEvent, SimEventKind, TxnRef } from '../events';
import type { FaultKind } from '../scenario/fault-catalogue';
import { msText } from './time-text';

/**
 * The run as a conversation: each event becomes the messages the protocol exchanged between its
 * actors (a Lamport space-time diagram's arrows), with the message each one answers. One table
 * below says, for every event kind, who sent what to whom; the compiler asks for a row for every
 * new kind. The model's events and a real PostgreSQL job's events go through the same table.
 *
 * Lanes are actors: the checkpoint coordinator (with Flink's JobMaster, which restarts the job),
 * the source and each sink subtask of every attempt (a restored job is new tasks: a zombie of the
 * old attempt keeps its own lanes), Pravega's controller and segment store, and the checker.
 */

/** A lane's key: `coordinator`, `source·a1`, `sink-0·a1`, `controller`, `store`, `checker`. */
export type LaneKey = string;

export const COORDINATOR: LaneKey = 'coordinator';
export const CONTROLLER: LaneKey = 'controller';
export const STORE: LaneKey = 'store';
export const CHECKER: LaneKey = 'checker';

export const sourceLane = (attempt: number): LaneKey => `source·a${attempt}`;
export const sinkLane = (subtask: number, attempt: number): LaneKey => `sink-${subtask}·a${attempt}`;

export type LaneRole = 'coordinator' | 'source' | 'sink' | 'controller' | 'store' | 'checker';

export interface Lane {
  key: LaneKey;
  role: LaneRole;
  /** The job attempt its task belongs to (source and sinks only). */
  attempt: number | null;
  subtask: number | null;
}

/** Reads a lane key back into its actor. */
export function laneOf(key: LaneKey): Lane {
  const task = /^(source|sink-(\d+))·a(\d+)$/.exec(key);
  if (task === null) return { key, role: key as LaneRole, attempt: null, subtask: null };
  const subtask = task[2] === undefined ? null : Number(task[2]);
  return { key, role: subtask === null ? 'source' : 'sink', attempt: Number(task[3]), subtask };
}

/**
 * Lanes in the order a diagram shows them: the coordinator, then each attempt's source and sink
 * subtasks, then the controller, the segment store and the checker.
 */
export function laneOrder(a: LaneKey, b: LaneKey): number {
  const rank = (l: Lane) =>
    l.role === 'coordinator'
      ? [0, 0, 0]
      : l.attempt !== null
        ? [1, l.attempt, l.subtask === null ? -1 : l.subtask]
        : [2, ['controller', 'store', 'checker'].indexOf(l.role), 0];
  const ra = rank(laneOf(a));
  const rb = rank(laneOf(b));
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
  return 0;
}

/**
 * The protocol's messages (an arrow between two lanes) and marks (a step on one lane: `from` is
 * `to`), each with whether it tells the story: story messages are rare and always drawn one by
 * one; the routine rest (a few dozen per checkpoint) is bundled when a window holds too many to
 * read. The order is the stored kind code's (the server's message log): append, never reorder.
 */
const KINDS = {
  trigger: 'routine',
  barrier: 'routine',
  'pre-commit': 'routine',
  ack: 'routine',
  complete: 'routine',
  'checkpoint-abort': 'story',
  notify: 'routine',
  begin: 'routine',
  ping: 'routine',
  commit: 'routine',
  merge: 'routine',
  'txn-abort': 'story',
  expire: 'story',
  'commit-failed': 'story',
  'write-failed': 'story',
  retry: 'story',
  failure: 'story',
  cancel: 'story',
  restore: 'story',
  zombie: 'story',
  fault: 'story',
  'outage-ended': 'story',
  marker: 'story',
  verdict: 'story',
  job: 'story',
} as const;
export type MessageKind = keyof typeof KINDS;
export const MESSAGE_KINDS = Object.keys(KINDS) as MessageKind[];
export const STORY_MESSAGES: ReadonlySet<MessageKind> = new Set(
  MESSAGE_KINDS.filter((k) => KINDS[k] === 'story'),
);

export interface ProtocolMessage {
  /** Its place in the run's sequence of messages (0, 1, ...): what `answers` points at. */
  seq: number;
  kind: MessageKind;
  from: LaneKey;
  to: LaneKey;
  /** When it left `from` and reached `to` (equal for a mark, or a call the model does not delay). */
  sentMs: number;
  receivedMs: number;
  /** The message it answers or follows from (an ack answers its barrier, a commit its notification); null: none. */
  answers: number | null;
  /** The checkpoint it belongs to; for a transaction's messages, the checkpoint it is pre-committed under. */
  checkpointId: number | null;
  /** The store transaction it is about, or null. */
  txnId: number | null;
  /** Values a pre-commit flushed or a commit made visible; null when not about values. */
  values: number | null;
  /**
   * What a rare message says beyond its kind (a failure's reason, a fault's detail). Routine ones
   * say nothing more: the server interns notes, and a note per checkpoint or ping would grow with the run.
   */
  note: string | null;
}

/** How many recent checkpoints' messages stay answerable. */
const KEPT_CHECKPOINTS = 64;

interface Sent {
  seq: number;
  t: number;
}

/** One checkpoint's messages that later ones answer; `task·aN` keys the per-task ones. */
interface CheckpointTrace {
  trigger: Sent | null;
  completion: Sent | null;
  barriers: Map<string, Sent>;
  preCommits: Map<string, number>;
  notifies: Map<string, number>;
}

type Draft = Omit<ProtocolMessage, 'seq' | 'answers' | 'checkpointId' | 'txnId' | 'values' | 'note'> &
  Partial<Pick<ProtocolMessage, 'answers' | 'checkpointId' | 'txnId' | 'values' | 'note'>>;

/** Where each fault strikes: the lane its mark goes on. */
function faultLanes(kind: FaultKind, attempt: number, parallelism: number): LaneKey[] {
  switch (kind) {
    case 'mapper-exception':
    case 'job-pause':
      return [sourceLane(attempt)];
    case 'zombie-writer':
      return sinks(attempt, parallelism);
    case 'commit-rejected':
    case 'controller-outage':
      return [CONTROLLER];
    case 'store-outage':
      return [STORE];
    default:
      return [COORDINATOR];
  }
}

function sinks(attempt: number, parallelism: number): LaneKey[] {
  return Array.from({ length: parallelism }, (_, i) => sinkLane(i, attempt));
}

/** `source` or `sink-3` as events name tasks, on the lane of `attempt`. */
function taskLane(task: string, attempt: number): LaneKey {
  return task === 'source' ? sourceLane(attempt) : `${task}·a${attempt}`;
}

/**
 * Turns a run's events, in order, into its messages. Stateful: an arrow's send time and the
 * message it answers come from earlier events (a barrier leaves when its checkpoint was
 * triggered, a notification when its checkpoint completed).
 */
export class ProtocolTracer {
  private seq = 0;
  private attempt = 1;
  private mode = '';
  private out: ProtocolMessage[] = [];
  /** What recent checkpoints' later messages look up; older ones are forgotten (see `checkpoint`). */
  private readonly checkpoints = new Map<number, CheckpointTrace>();
  /** Store transaction id → its latest message (begin, ping, commit call). */
  private readonly txnLast = new Map<number, number>();
  private readonly commits = new Map<number, { seq: number; t: number }>();
  private restoreSeq: number | null = null;
  /** Each failed attempt's failure: where a zombie's writes after it start. */
  private readonly failures = new Map<number, Sent & { lastWritten: number | null }>();
  private failureSeq: number | null = null;
  /** The sink subtask that last reported trouble at this time: whose failure a task-failed is. */
  private trouble: { attempt: number; subtask: number; t: number } | null = null;

  constructor(private readonly parallelism: number) {}

  /** The messages `e` adds to the run (often none or one). */
  push(e: SimEvent): ProtocolMessage[] {
    this.out = [];
    this.dispatch(e.kind, e);
    return this.out;
  }

  private dispatch<K extends SimEventKind>(kind: K, e: EventOf<K>): void {
    this.rows[kind](e);
  }

  private add(m: Draft): number {
    const seq = this.seq++;
    this.out.push({
      seq,
      answers: null,
      checkpointId: null,
      txnId: null,
      values: null,
      note: null,
      ...m,
    });
    return seq;
  }

  private mark(lane: LaneKey, t: number, kind: MessageKind, rest: Partial<Draft> = {}): number {
    return this.add({ kind, from: lane, to: lane, sentMs: t, receivedMs: t, ...rest });
  }

  /**
   * A checkpoint's trace. Checkpoints run one at a time and their notifications follow within
   * moments, so only the last few are kept: a long run's tracer stays small.
   */
  private checkpoint(id: number): CheckpointTrace {
    let trace = this.checkpoints.get(id);
    if (trace === undefined) {
      trace = {
        trigger: null,
        completion: null,
        barriers: new Map(),
        preCommits: new Map(),
        notifies: new Map(),
      };
      this.checkpoints.set(id, trace);
      this.checkpoints.delete(id - KEPT_CHECKPOINTS);
    }
    return trace;
  }

  /** Every event kind's messages. Events that are not protocol messages map to none, on purpose. */
  private readonly rows: { [K in SimEventKind]: (e: EventOf<K>) => void } = {
    'run-started': (e) => {
      this.attempt = 1;
      this.mode = e.mode;
      this.mark(COORDINATOR, e.t, 'job', { note: `run started in ${e.mode}` });
    },
    'checkpoint-triggered': (e) => {
      const seq = this.add({
        kind: 'trigger',
        from: COORDINATOR,
        to: sourceLane(this.attempt),
        sentMs: e.t,
        receivedMs: e.t,
        checkpointId: e.checkpointId,
      });
      this.checkpoint(e.checkpointId).trigger = { seq, t: e.t };
    },
    'checkpoint-barrier': (e) => {
      const trigger = this.checkpoint(e.checkpointId).trigger;
      const seq = this.add({
        kind: 'barrier',
        from: sourceLane(e.attempt),
        to: taskLane(e.task, e.attempt),
        sentMs: trigger?.t ?? e.t,
        receivedMs: e.t,
        answers: trigger?.seq ?? null,
        checkpointId: e.checkpointId,
      });
      this.checkpoint(e.checkpointId).barriers.set(taskLane(e.task, e.attempt), { seq, t: e.t });
    },
    'checkpoint-acknowledged': (e) => {
      const trace = this.checkpoint(e.checkpointId);
      const lane = taskLane(e.task, this.attempt);
      const answered =
        e.task === 'source'
          ? trace.trigger?.seq
          : (trace.preCommits.get(lane) ?? trace.barriers.get(lane)?.seq);
      this.add({
        kind: 'ack',
        from: taskLane(e.task, this.attempt),
        to: COORDINATOR,
        sentMs: e.t,
        receivedMs: e.t,
        answers: answered ?? null,
        checkpointId: e.checkpointId,
      });
    },
    'checkpoint-completed': (e) => {
      const seq = this.mark(COORDINATOR, e.t, 'complete', { checkpointId: e.checkpointId });
      this.checkpoint(e.checkpointId).completion = { seq, t: e.t };
    },
    'checkpoint-aborted': (e) => {
      this.mark(COORDINATOR, e.t, 'checkpoint-abort', { checkpointId: e.checkpointId, note: e.reason });
    },
    'checkpoint-notified': (e) => {
      const completion = this.checkpoint(e.checkpointId).completion;
      const seq = this.add({
        kind: 'notify',
        from: COORDINATOR,
        to: taskLane(e.task, this.attempt),
        sentMs: completion?.t ?? e.t,
        receivedMs: e.t,
        answers: completion?.seq ?? null,
        checkpointId: e.checkpointId,
      });
      this.checkpoint(e.checkpointId).notifies.set(taskLane(e.task, this.attempt), seq);
    },
    'txn-begun': (e) => {
      this.controllerCall('begin', e);
    },
    // The reader's progress past Kafka's last stable offset is the store's, not a message.
    'lso-released': () => {},
    'txn-flushed': (e) => {
      const trace = this.checkpoint(e.checkpointId);
      const lane = sinkLane(e.subtask, e.attempt);
      const barrier = trace.barriers.get(lane);
      const seq = this.add({
        kind: 'pre-commit',
        from: sinkLane(e.subtask, e.attempt),
        to: STORE,
        sentMs: barrier?.t ?? e.t,
        receivedMs: e.t,
        answers: barrier?.seq ?? null,
        checkpointId: e.epoch,
        txnId: e.txnId,
        values: e.events,
      });
      trace.preCommits.set(lane, seq);
      this.txnLast.set(e.txnId, seq);
    },
    'txn-lease-renewed': (e) => {
      this.controllerCall('ping', e);
    },
    'txn-committing': (e) => {
      // A recovery commit is the restored attempt's (recoverAndCommit); else the notified subtask's.
      const by = e.recovery ? this.attempt : e.attempt;
      const answered = e.recovery
        ? this.restoreSeq
        : this.checkpoint(e.checkpointId).notifies.get(sinkLane(e.subtask, by));
      const seq = this.add({
        kind: 'commit',
        from: sinkLane(e.subtask, by),
        to: CONTROLLER,
        sentMs: e.t,
        receivedMs: e.t,
        answers: answered ?? null,
        checkpointId: e.epoch,
        txnId: e.txnId,
        note: e.recovery ? 'recoverAndCommit' : null,
      });
      this.commits.set(e.txnId, { seq, t: e.t });
      this.txnLast.set(e.txnId, seq);
    },
    'txn-committed': (e) => {
      const commit = this.commits.get(e.txnId);
      this.add({
        kind: 'merge',
        from: CONTROLLER,
        to: STORE,
        sentMs: commit?.t ?? e.t,
        receivedMs: e.t,
        answers: commit?.seq ?? null,
        checkpointId: e.epoch,
        txnId: e.txnId,
        values: e.events,
      });
      this.forget(e.txnId);
    },
    'txn-aborted': (e) => {
      // recoverAndAbort is the restored attempt's; a closing task or the end of input aborts its own;
      // Kafka's coordinator aborts a fenced producer's transaction itself (the abort markers).
      const from =
        e.why === 'commit-rejected' || e.why === 'fenced'
          ? CONTROLLER
          : sinkLane(e.subtask, e.why === 'restore' ? this.attempt : e.attempt);
      this.add({
        kind: 'txn-abort',
        from,
        to: from === CONTROLLER ? STORE : CONTROLLER,
        sentMs: e.t,
        receivedMs: e.t,
        answers: e.why === 'restore' ? this.restoreSeq : (this.txnLast.get(e.txnId) ?? null),
        checkpointId: e.epoch,
        txnId: e.txnId,
        values: e.events,
        note: e.why,
      });
      this.forget(e.txnId);
    },
    'txn-expired': (e) => {
      this.add({
        kind: 'expire',
        from: CONTROLLER,
        to: STORE,
        sentMs: e.t,
        receivedMs: e.t,
        answers: this.txnLast.get(e.txnId) ?? null,
        checkpointId: e.epoch,
        txnId: e.txnId,
        values: e.events,
        note: 'lease expired: the controller aborts it',
      });
      this.forget(e.txnId);
    },
    'txn-commit-failed': (e) => {
      this.trouble = { attempt: this.attempt, subtask: e.subtask, t: e.t };
      this.add({
        kind: 'commit-failed',
        from: CONTROLLER,
        to: sinkLane(e.subtask, this.attempt),
        sentMs: e.t,
        receivedMs: e.t,
        // A restored attempt's recoverAndCommit may find the transaction gone before it calls commit.
        answers: this.commits.get(e.txnId)?.seq ?? (e.attempt < this.attempt ? this.restoreSeq : null),
        checkpointId: e.epoch,
        txnId: e.txnId,
        note: `${e.why}: ${e.state}`,
      });
    },
    'write-failed': (e) => {
      this.trouble = { attempt: e.attempt, subtask: e.subtask, t: e.t };
      this.add({
        kind: 'write-failed',
        from: STORE,
        to: sinkLane(e.subtask, e.attempt),
        sentMs: e.t,
        receivedMs: e.t,
        values: e.writes,
      });
    },
    'call-retried': (e) => {
      const attempt = e.attempt > 0 ? e.attempt : this.attempt;
      const to = e.service === 'controller' ? CONTROLLER : STORE;
      const from = e.subtask >= 0 ? [sinkLane(e.subtask, attempt)] : sinks(attempt, this.parallelism);
      if (e.outcome === 'exhausted' && e.subtask >= 0) this.trouble = { attempt, subtask: e.subtask, t: e.t };
      for (const lane of from)
        this.add({
          kind: 'retry',
          from: lane,
          to,
          sentMs: e.t,
          receivedMs: e.t,
          txnId: e.txnId,
          note: `${e.call} ${e.outcome} after ${e.attempts} attempt${e.attempts === 1 ? '' : 's'}`,
        });
    },
    'task-failed': (e) => {
      const trouble = this.trouble;
      const lane =
        trouble !== null && trouble.attempt === e.attempt && trouble.t === e.t
          ? sinkLane(trouble.subtask, e.attempt)
          : sourceLane(e.attempt);
      const note = `${e.reason}: ${e.detail}`;
      // The JobMaster itself declares a silent TaskManager lost, or counts failed checkpoints.
      this.failureSeq =
        e.reason === 'heartbeat-timeout' || e.reason === 'checkpoint-failures'
          ? this.mark(COORDINATOR, e.t, 'failure', { note })
          : this.add({ kind: 'failure', from: lane, to: COORDINATOR, sentMs: e.t, receivedMs: e.t, note });
      this.failures.set(e.attempt, { seq: this.failureSeq, t: e.t, lastWritten: e.lastWritten ?? null });
    },
    'job-restarting': (e) => {
      for (const lane of [sourceLane(e.attempt), ...sinks(e.attempt, this.parallelism)])
        this.add({
          kind: 'cancel',
          from: COORDINATOR,
          to: lane,
          sentMs: e.t,
          receivedMs: e.t,
          answers: this.failureSeq,
          note: `restart in ${msText(e.delayMs)}, ${e.restartsLeft} left`,
        });
    },
    'job-restored': (e) => {
      this.attempt = e.attempt;
      const note = e.checkpointId === null ? 'from the start' : `from checkpoint ${e.checkpointId}`;
      let first: number | null = null;
      for (const lane of [sourceLane(e.attempt), ...sinks(e.attempt, this.parallelism)]) {
        const seq = this.add({
          kind: 'restore',
          from: COORDINATOR,
          to: lane,
          sentMs: e.t,
          receivedMs: e.t,
          answers: this.failureSeq,
          checkpointId: e.checkpointId,
          note: `${note}, position ${e.position}`,
        });
        first ??= seq;
      }
      this.restoreSeq = first;
    },
    'job-finished': (e) => {
      this.mark(COORDINATOR, e.t, 'job', { note: `attempt ${e.attempt} finished` });
    },
    'job-failed': (e) => {
      this.mark(COORDINATOR, e.t, 'job', { note: `job failed: ${e.reason}` });
    },
    'zombie-stopped': (e) => {
      // What it wrote between the failover and now went to the store behind the new attempt's back.
      const failed = this.failures.get(e.attempt);
      const from = (failed?.lastWritten ?? 0) + 1;
      const to = e.lastWritten ?? null;
      const fate =
        this.mode === 'EXACTLY_ONCE'
          ? 'into its open transactions, which no one will commit: no read_committed reader sees them'
          : 'as plain writes: the store made them visible';
      const wrote =
        to !== null && to >= from ? `wrote values ${from}..${to} after the failover, ${fate}; ` : '';
      for (const lane of sinks(e.attempt, this.parallelism))
        this.add({
          kind: 'zombie',
          from: lane,
          to: STORE,
          sentMs: failed?.t ?? e.t,
          receivedMs: e.t,
          answers: failed?.seq ?? null,
          values: wrote === '' ? 0 : to! - from + 1,
          note: `zombie ${wrote}stopped`,
        });
    },
    'marker-emitted': (e) => {
      this.mark(sourceLane(e.attempt), e.t, 'marker', { note: `${e.marker} marker` });
    },
    'fault-injected': () => {},
    'fault-fired': (e) => {
      for (const lane of faultLanes(e.faultKind, this.attempt, this.parallelism))
        this.mark(lane, e.t, 'fault', { checkpointId: e.checkpointId, note: `${e.faultKind}: ${e.detail}` });
    },
    'outage-ended': (e) => {
      this.mark(e.faultKind === 'store-outage' ? STORE : CONTROLLER, e.t, 'outage-ended', {
        note: `${e.faultKind} ended`,
      });
    },
    'duplicate-found': (e) => {
      this.add({
        kind: 'verdict',
        from: STORE,
        to: CHECKER,
        sentMs: e.firstReadMs ?? e.t,
        receivedMs: e.t,
        values: e.count,
        note: `${e.count} duplicate${e.count === 1 ? '' : 's'} read`,
      });
    },
    'value-missing': (e) => {
      this.mark(CHECKER, e.t, 'verdict', {
        values: e.count,
        note: `${e.count} value${e.count === 1 ? '' : 's'} missing`,
      });
    },
    console: () => {},
    'run-ended': (e) => {
      this.mark(COORDINATOR, e.t, 'job', { note: e.finished ? 'run ended' : 'run ended unfinished' });
    },
    'run-stopped': (e) => {
      this.mark(COORDINATOR, e.t, 'job', { note: 'run stopped by you' });
    },
  };

  /** A sink's call to the controller about its transaction, answered at once (a begin, a ping). */
  private controllerCall(kind: 'begin' | 'ping', e: TxnRef & { t: number }): void {
    const seq = this.add({
      kind,
      from: sinkLane(e.subtask, e.attempt),
      to: CONTROLLER,
      sentMs: e.t,
      receivedMs: e.t,
      checkpointId: e.epoch,
      txnId: e.txnId,
    });
    this.txnLast.set(e.txnId, seq);
  }

  /** A transaction that ended needs no more lookups. */
  private forget(txnId: number): void {
    this.txnLast.delete(txnId);
    this.commits.delete(txnId);
  }
}
