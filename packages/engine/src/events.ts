import type { PrecommitCrashStage } from './scenario/fault-catalogue';
import type { Fault, FaultKind, NotifyTarget, OutageKind } from './scenario/schema';

/**
 * Every protocol step of a run is one typed event. Data writes, acknowledgements and reads are
 * never logged one by one: they are counted in the metrics (per time bucket) and per transaction.
 * The checker, the metrics and every UI observe this stream; none of them reads engine internals.
 */

export type TxnState = 'OPEN' | 'COMMITTING' | 'COMMITTED' | 'ABORTING' | 'ABORTED';

/** Why a pending checkpoint never completed; only `declined` and `timeout` count against Flink's tolerable failures. */
export type CheckpointAbortReason = 'declined' | 'timeout' | 'job-failover' | 'job-finished';

export type TaskFailureReason =
  | 'artificial-exception'
  | 'write-error'
  | 'flush-failed'
  | 'txn-begin-failed'
  | 'commit-failed'
  | 'abort-failed'
  | 'injected-crash'
  | 'heartbeat-timeout'
  | 'checkpoint-failures'
  /** Kafka: a send, flush or commit of a producer whose epoch was bumped (ProducerFencedException). */
  | 'producer-fenced'
  /** Kafka: InitProducerId refused the transaction timeout (InvalidTxnTimeoutException). */
  | 'txn-timeout-refused';

/** Client calls that are retried while their service is unreachable. */
export type CallKind = 'txn-begin' | 'txn-commit' | 'txn-abort' | 'writer-reconnect';

interface At {
  /** Virtual time in milliseconds. */
  t: number;
}

/**
 * A transaction as the events name it: its store id, its sink subtask, the job attempt that opened
 * it, and its epoch: the checkpoint it is pre-committed under (while open, the one it waits for).
 * `txnName` turns the last three into the name every view uses.
 */
export interface TxnRef {
  txnId: number;
  subtask: number;
  attempt: number;
  epoch: number;
}

export type SimEvent =
  | (At & {
      kind: 'run-started';
      seed: number;
      mode: string;
      numEvents: number;
      /** Set only when the job writes to Kafka (absent: Pravega). */
      system?: 'kafka';
    })
  | (At & { kind: 'checkpoint-triggered'; checkpointId: number; position: number })
  /** A checkpoint's barrier reached a sink subtask of `attempt`: its snapshotState (pre-commit) starts. */
  | (At & { kind: 'checkpoint-barrier'; checkpointId: number; task: string; attempt: number })
  | (At & { kind: 'checkpoint-acknowledged'; checkpointId: number; task: string })
  | (At & { kind: 'checkpoint-completed'; checkpointId: number; position: number; durationMs: number })
  | (At & { kind: 'checkpoint-aborted'; checkpointId: number; reason: CheckpointAbortReason })
  | (At & { kind: 'checkpoint-notified'; checkpointId: number; task: string })
  | (At &
      TxnRef & {
        kind: 'txn-begun';
        /** Kafka: the producer that runs it (transactional id, producer id and epoch) and its partition. */
        transactionalId?: string;
        producerId?: number;
        producerEpoch?: number;
        partition?: number;
      })
  | (At &
      TxnRef & {
        kind: 'txn-flushed';
        checkpointId: number;
        /** Kafka: when its first record reached the broker (its timeout runs from there; absent with none). */
        startedAtMs?: number;
        events: number;
        /** The first and last data value it holds (null when none): what its commit would make visible. */
        firstValue?: number | null;
        lastValue?: number | null;
      })
  /** A ping the controller took: the transaction's lease now ends at `leaseDeadlineMs`. */
  | (At & TxnRef & { kind: 'txn-lease-renewed'; leaseDeadlineMs: number })
  | (At & TxnRef & { kind: 'txn-committing'; checkpointId: number; recovery: boolean })
  | (At &
      TxnRef & {
        kind: 'txn-committed';
        events: number;
        firstValue: number | null;
        lastValue: number | null;
        /** Kafka: read_committed readers do not see its values yet, held at the last stable offset by this open transaction. */
        heldBy?: TxnRef;
      })
  | (At &
      TxnRef & {
        kind: 'txn-aborted';
        events: number;
        /**
         * restore: recoverAndAbort; task-closed: a failed task closed; end-of-input: the job
         * finished; fenced: Kafka's InitProducerId for its transactional id (a restore, or a new
         * transaction on the id) aborted it and fenced its producer.
         */
        why: 'restore' | 'task-closed' | 'end-of-input' | 'commit-rejected' | 'fenced';
        firstValue: number | null;
        lastValue: number | null;
      })
  | (At &
      TxnRef & { kind: 'txn-expired'; events: number; firstValue: number | null; lastValue: number | null })
  | (At &
      TxnRef & {
        kind: 'txn-commit-failed';
        checkpointId: number;
        /** not-open: logged by the connector; rejected: TxnFailedException, logged and dropped; retries-exhausted: fails the task. */
        why: 'not-open' | 'rejected' | 'retries-exhausted';
        state: TxnState;
        /** Kafka: whether it was the restore's commit (recoverAndCommit, which only logs) or the task's (which throws). */
        recovery?: boolean;
      })
  /**
   * Kafka: a read_committed reader moved past the last stable offset of `partition` when the
   * transaction named ended, and read `values` committed values that had waited behind it, the
   * longest for `heldMs` (told from a second on: shorter waits are routine).
   */
  | (At & TxnRef & { kind: 'lso-released'; partition: number; values: number; heldMs: number })
  | (At & { kind: 'write-failed'; attempt: number; subtask: number; writes: number })
  | (At & {
      kind: 'call-retried';
      service: 'controller' | 'segment-store';
      call: CallKind;
      /** retrying: the first attempt failed; then succeeded or exhausted after `attempts` attempts. */
      outcome: 'retrying' | 'succeeded' | 'exhausted';
      attempts: number;
      waitedMs: number;
      /** The sink subtask and job attempt that made the call, -1 and 0 for every writer at once. */
      subtask: number;
      attempt: number;
      txnId: number | null;
      /** A writer that reconnected: the writes it sent again, unacknowledged by the lost connection (a real run's). */
      resent?: number;
    })
  | (At & {
      kind: 'task-failed';
      attempt: number;
      reason: TaskFailureReason;
      position: number;
      /** The element the sample's mapper threw at (artificial-exception at an element), else null. */
      element: number | null;
      detail: string;
      /**
       * The last data value the attempt's sinks had been handed when it failed (null: none). An
       * element still on its way through the channel is not counted: it never reached the store.
       */
      lastWritten?: number | null;
    })
  | (At & { kind: 'job-restarting'; attempt: number; delayMs: number; restartsLeft: number })
  | (At & { kind: 'job-restored'; attempt: number; checkpointId: number | null; position: number })
  | (At & { kind: 'job-finished'; attempt: number })
  | (At & { kind: 'job-failed'; attempt: number; reason: string })
  | (At & {
      kind: 'zombie-stopped';
      attempt: number;
      /** The last data value its sinks had been handed: what it wrote after the failover ends there. */
      lastWritten?: number | null;
    })
  | (At & { kind: 'marker-emitted'; marker: 'start' | 'end'; attempt: number })
  | (At & { kind: 'fault-injected'; fault: Fault })
  | (At & {
      kind: 'fault-fired';
      faultKind: FaultKind;
      checkpointId: number | null;
      detail: string;
      /** How long it lasts (store-outage, controller-outage, job-pause, zombie-writer). */
      durationMs?: number;
      /** Whom a lost notification would have reached (notify-lost). */
      target?: NotifyTarget;
      /** The sink subtask it strikes: whose commit the store rejects (commit-rejected), that dies (crash-after-precommit). */
      subtask?: number;
      /** crash-after-precommit: whether the sink dies before acknowledging, or after every acknowledgement. */
      stage?: PrecommitCrashStage;
    })
  | (At & { kind: 'outage-ended'; faultKind: OutageKind })
  | (At & {
      kind: 'duplicate-found';
      count: number;
      values: number[];
      /** When the checker read the first and the last of these duplicates (the event itself comes later, in a batch). */
      firstReadMs?: number;
      lastReadMs?: number;
    })
  | (At & {
      kind: 'value-missing';
      count: number;
      values: number[];
      /**
       * The values among them the source never emitted (the job failed for good before it reached
       * them): an incomplete output, not a loss. Absent when every value was emitted.
       */
      neverEmitted?: { from: number; to: number };
    })
  | (At & { kind: 'console'; source: 'writer' | 'checker'; line: string })
  | (At & { kind: 'run-ended'; finished: boolean })
  /** A person stopped the run before it ended: what was still on its way is not judged. */
  | (At & { kind: 'run-stopped' });

export type SimEventKind = SimEvent['kind'];
export type EventOf<K extends SimEventKind> = Extract<SimEvent, { kind: K }>;

/** The event log's filters, in the order it shows them. */
export const EVENT_GROUPS = ['checkpoint', 'transaction', 'job', 'checker'] as const;
export type EventGroup = (typeof EVENT_GROUPS)[number];

export interface EventEntry {
  /** The event log's filter it falls under. */
  group: EventGroup;
  /** It tells the run's story: rare, kept for the whole run and carried by every delta. */
  story: boolean;
  /** Worth sending even at full speed: the story, and routine events that show progress. */
  milestone: boolean;
}

/**
 * Every event kind in one place: its group (the event log's filters) and whether it tells the
 * run's story. Story events are rare: a snapshot keeps them for the whole run and every delta
 * carries them whatever the speed; the routine rest (thousands a second at full speed) is
 * thinned. Checkpoint completions and transactions' ends are routine but show progress (and a
 * sample of the transaction lanes), so they travel as milestones.
 * The mapped type makes the compiler ask for an entry for every new kind.
 */
export const EVENT_CATALOGUE: { [K in SimEventKind]: EventEntry } = {
  'run-started': { group: 'job', story: true, milestone: true },
  'checkpoint-triggered': { group: 'checkpoint', story: false, milestone: false },
  'checkpoint-barrier': { group: 'checkpoint', story: false, milestone: false },
  'checkpoint-acknowledged': { group: 'checkpoint', story: false, milestone: false },
  'checkpoint-completed': { group: 'checkpoint', story: false, milestone: true },
  'checkpoint-aborted': { group: 'checkpoint', story: true, milestone: true },
  'checkpoint-notified': { group: 'checkpoint', story: false, milestone: false },
  'txn-begun': { group: 'transaction', story: false, milestone: false },
  'txn-flushed': { group: 'transaction', story: false, milestone: false },
  'txn-lease-renewed': { group: 'transaction', story: false, milestone: false },
  'txn-committing': { group: 'transaction', story: false, milestone: false },
  'txn-committed': { group: 'transaction', story: false, milestone: true },
  'txn-aborted': { group: 'transaction', story: false, milestone: true },
  'txn-expired': { group: 'transaction', story: true, milestone: true },
  'txn-commit-failed': { group: 'transaction', story: true, milestone: true },
  'lso-released': { group: 'checker', story: true, milestone: true },
  'write-failed': { group: 'job', story: true, milestone: true },
  'call-retried': { group: 'job', story: true, milestone: true },
  'task-failed': { group: 'job', story: true, milestone: true },
  'job-restarting': { group: 'job', story: true, milestone: true },
  'job-restored': { group: 'job', story: true, milestone: true },
  'job-finished': { group: 'job', story: true, milestone: true },
  'job-failed': { group: 'job', story: true, milestone: true },
  'zombie-stopped': { group: 'job', story: true, milestone: true },
  'marker-emitted': { group: 'checker', story: true, milestone: true },
  'fault-injected': { group: 'job', story: true, milestone: true },
  'fault-fired': { group: 'job', story: true, milestone: true },
  'outage-ended': { group: 'job', story: true, milestone: true },
  'duplicate-found': { group: 'checker', story: true, milestone: true },
  'value-missing': { group: 'checker', story: true, milestone: true },
  console: { group: 'checker', story: false, milestone: false },
  'run-ended': { group: 'job', story: true, milestone: true },
  'run-stopped': { group: 'job', story: true, milestone: true },
};

export function groupOf(kind: SimEventKind): EventGroup {
  return EVENT_CATALOGUE[kind].group;
}

/** Rare events that tell the run's story; the checker's own lines count (the writer's are routine). */
export function isStory(e: SimEvent): boolean {
  return EVENT_CATALOGUE[e.kind].story || (e.kind === 'console' && e.source === 'checker');
}

/**
 * Worth sending even at full speed: the story, completed checkpoints (how a view shows progress)
 * and transactions' ends (a sample of the transaction lanes).
 */
export function isMilestone(e: SimEvent): boolean {
  return EVENT_CATALOGUE[e.kind].milestone || isStory(e);
}

export type EventListener = (event: SimEvent) => void;

/** Who listens to a run's events (the simulation's, or a real job's): added, removed, told in order. */
export class EventListeners {
  private readonly listeners: EventListener[] = [];

  /** Adds a listener; the function returned removes it. */
  add(listener: EventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  get size(): number {
    return this.listeners.length;
  }

  tell(event: SimEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
