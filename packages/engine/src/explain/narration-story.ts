import type { TxnRef } from '../events';
import { addSpan, type ValueSpan, valuesPhrase } from './narration-phrases';

/** What the narrator keeps of checkpoints and their transactions while their story is open. */

export interface TxnStory {
  ref: TxnRef;
  span: ValueSpan;
  /** `expired`: the controller aborted it; its story is kept for the late commit that may find it so. */
  state: 'pre-committed' | 'committing' | 'committed' | 'expired' | 'ended';
  recovery: boolean;
  /** Its commit call had gone out when the job failed: it lands anyway. */
  inFlightAtFailure?: boolean;
}

/** What the narrator keeps of a checkpoint until it is settled. */
export interface CheckpointStory {
  id: number;
  position: number;
  completedAt: number | null;
  /** Something went wrong with it: never summed up. */
  touched: boolean;
  /** Told one by one (its completion and its commits). */
  toldAlone: boolean;
  /** The tasks that heard it completed, one bit each (see `taskBit`), and how many. */
  notified: number;
  notifiedCount: number;
  txns: Map<number, TxnStory>;
}

/** A task's bit among a checkpoint's notifications: the source's is 1, sink i's is 2^(i+1). */
export function taskBit(task: string): number {
  return task === 'source' ? 1 : 2 ** (Number(task.slice('sink-'.length)) + 1);
}

export function refOf(e: TxnRef): TxnRef {
  return { txnId: e.txnId, subtask: e.subtask, attempt: e.attempt, epoch: e.epoch };
}

/** The values of some transactions together. */
export function spanOf(txns: readonly TxnStory[]): ValueSpan {
  const span: ValueSpan = { first: null, last: null, count: 0 };
  for (const x of txns) addSpan(span, x.span);
  return span;
}

/** `values 1–20 are now visible`, `value 7 is now visible`, or `no values`. */
export function visible(span: ValueSpan): string {
  const values = valuesPhrase(span);
  if (values === 'no values') return 'no values';
  return `${values} ${span.count === 1 ? 'is' : 'are'} now visible`;
}
