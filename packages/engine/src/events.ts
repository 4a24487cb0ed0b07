import type { Fault, FaultKind } from './scenario';

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
  | 'checkpoint-failures';

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
  | (At & { kind: 'run-started'; seed: number; mode: string; numEvents: number })
  | (At & { kind: 'checkpoint-triggered'; checkpointId: number; position: number })
  | (At & { kind: 'checkpoint-acknowledged'; checkpointId: number; task: string })
  | (At & { kind: 'checkpoint-completed'; checkpointId: number; position: number; durationMs: number })
  | (At & { kind: 'checkpoint-aborted'; checkpointId: number; reason: CheckpointAbortReason })
  | (At & { kind: 'checkpoint-notified'; checkpointId: number; task: string })
  | (At & TxnRef & { kind: 'txn-begun' })
  | (At & TxnRef & { kind: 'txn-flushed'; checkpointId: number; events: number })
  | (At & TxnRef & { kind: 'txn-committing'; checkpointId: number; recovery: boolean })
  | (At &
      TxnRef & { kind: 'txn-committed'; events: number; firstValue: number | null; lastValue: number | null })
  | (At &
      TxnRef & {
        kind: 'txn-aborted';
        events: number;
        /** restore: recoverAndAbort; task-closed: a failed task closed; end-of-input: the job finished. */
        why: 'restore' | 'task-closed' | 'end-of-input' | 'commit-rejected';
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
      })
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
    })
  | (At & {
      kind: 'task-failed';
      attempt: number;
      reason: TaskFailureReason;
      position: number;
      /** The element the sample's mapper threw at (artificial-exception at an element), else null. */
      element: number | null;
      detail: string;
    })
  | (At & { kind: 'job-restarting'; attempt: number; delayMs: number; restartsLeft: number })
  | (At & { kind: 'job-restored'; attempt: number; checkpointId: number | null; position: number })
  | (At & { kind: 'job-finished'; attempt: number })
  | (At & { kind: 'job-failed'; attempt: number; reason: string })
  | (At & { kind: 'zombie-stopped'; attempt: number })
  | (At & { kind: 'marker-emitted'; marker: 'start' | 'end'; attempt: number })
  | (At & { kind: 'fault-injected'; fault: Fault })
  | (At & { kind: 'fault-fired'; faultKind: FaultKind; checkpointId: number | null; detail: string })
  | (At & { kind: 'outage-ended'; faultKind: FaultKind })
  | (At & { kind: 'duplicate-found'; count: number; values: number[] })
  | (At & { kind: 'value-missing'; count: number; values: number[] })
  | (At & { kind: 'console'; source: 'writer' | 'checker'; line: string })
  | (At & { kind: 'run-ended'; finished: boolean });

export type SimEventKind = SimEvent['kind'];
export type EventOf<K extends SimEventKind> = Extract<SimEvent, { kind: K }>;

/** Groups for filters and narration. */
export const EVENT_GROUPS = {
  checkpoint: [
    'checkpoint-triggered',
    'checkpoint-acknowledged',
    'checkpoint-completed',
    'checkpoint-aborted',
    'checkpoint-notified',
  ],
  transaction: [
    'txn-begun',
    'txn-flushed',
    'txn-committing',
    'txn-committed',
    'txn-aborted',
    'txn-expired',
    'txn-commit-failed',
  ],
  fault: [
    'write-failed',
    'call-retried',
    'task-failed',
    'job-restarting',
    'job-restored',
    'job-finished',
    'job-failed',
    'zombie-stopped',
    'fault-injected',
    'fault-fired',
    'outage-ended',
    'run-started',
    'run-ended',
  ],
  checker: ['marker-emitted', 'duplicate-found', 'value-missing', 'console'],
} as const satisfies Record<string, readonly SimEventKind[]>;

export type EventGroup = keyof typeof EVENT_GROUPS;

export function groupOf(kind: SimEventKind): EventGroup {
  for (const [group, kinds] of Object.entries(EVENT_GROUPS) as [EventGroup, readonly SimEventKind[]][]) {
    if (kinds.includes(kind)) return group;
  }
  throw new Error(`event kind ${kind} has no group`);
}

export type EventListener = (event: SimEvent) => void;
