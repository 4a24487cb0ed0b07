import type { EventOf, TaskFailureReason } from '../events';
import { txnName } from '../model/names';
import { msText } from './time-text';

/** The phrases the narrator builds its sentences from: numbers, ranges and lists said right. */

/** `a–b`, or `a` when they are the same. */
export function range(a: number, b: number): string {
  return a === b ? `${a}` : `${a}–${b}`;
}

/** `n thing` or `n things`. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? singular : plural}`;
}

/** `a`, `a and b`, `a, b and c`. */
export function joinAnd(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** 2nd, 3rd, 4th, 11th, 21st. */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] ?? 'th'}`;
}

/** Values a transaction or a batch of them holds: the first, the last and how many. */
export interface ValueSpan {
  first: number | null;
  last: number | null;
  count: number;
}

/**
 * What a set of values is, from its exact count: `values 1–20` when it is every value between,
 * `values 1–19 (every 2nd)` when it is every p-th (a sink subtask's share under round robin),
 * else `12 values between 3 and 40`. Never claims a range holds more than it does.
 */
export function valuesPhrase(span: ValueSpan): string {
  const { first, last, count: n } = span;
  if (n === 0) return 'no values';
  // A real run's pre-commit says how many, not which (its task process does not track them).
  if (first === null || last === null) return count(n, 'value');
  if (n === 1) return `value ${first}`;
  const width = last - first;
  if (width + 1 === n) return `values ${range(first, last)}`;
  if (n > 1 && width % (n - 1) === 0) {
    const stride = width / (n - 1);
    return `values ${range(first, last)} (every ${ordinal(stride)})`;
  }
  return `${n.toLocaleString('en')} values between ${first} and ${last}`;
}

/** The same, to stand inside parentheses: `values 1–19, every 2nd`. */
export function valuesAside(span: ValueSpan): string {
  return valuesPhrase(span).replace(/ \((every \w+)\)$/, ', $1');
}

/** Adds one span to another (a batch of transactions), keeping the exact count. */
export function addSpan(into: ValueSpan, span: ValueSpan): void {
  if (span.count === 0 || span.first === null || span.last === null) return;
  into.first = into.first === null ? span.first : Math.min(into.first, span.first);
  into.last = into.last === null ? span.last : Math.max(into.last, span.last);
  into.count += span.count;
}

/** `Transaction cp3·s0` or `Transactions cp3·s0 and cp3·s1`. */
export function txnList(refs: readonly { epoch: number; subtask: number; attempt: number }[]): string {
  const names = refs.map(txnName);
  return `${names.length === 1 ? 'transaction' : 'transactions'} ${joinAnd(names)}`;
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const ABORT_WHY: Record<EventOf<'txn-aborted'>['why'], string> = {
  restore: 'on restore (recoverAndAbort)',
  'task-closed': 'as the failed task closed',
  'end-of-input': 'as the job finished and the sinks closed (no checkpoint came after its values)',
  'commit-rejected': 'by the store, which rejected its commit',
  fenced:
    "by Kafka's transaction coordinator, when InitProducerId for its transactional id fenced its producer",
};

export const CALLS: Record<EventOf<'call-retried'>['call'], string> = {
  'txn-begin': 'begin a transaction',
  'txn-commit': 'commit',
  'txn-abort': 'abort',
  'writer-reconnect': 'reconnect to the segment store',
};

/** Kafka's names for the calls and the services that answer them. */
const KAFKA_CALLS: Record<EventOf<'call-retried'>['call'], string> = {
  'txn-begin': 'begin a transaction (InitProducerId)',
  'txn-commit': 'commit',
  'txn-abort': 'abort',
  'writer-reconnect': 'reconnect to the brokers',
};
const KAFKA_SERVICES: Record<EventOf<'call-retried'>['service'], string> = {
  controller: 'transaction coordinator',
  'segment-store': 'brokers',
};

export function retryText(e: EventOf<'call-retried'>, kafka = false): string {
  const who = e.subtask < 0 ? 'The writers' : `Sink ${e.subtask}`;
  const call = kafka ? KAFKA_CALLS[e.call] : CALLS[e.call];
  const what = `${call}${e.txnId === null ? '' : ` (store transaction ${e.txnId})`}`;
  if (e.outcome === 'retrying') {
    const service = kafka ? KAFKA_SERVICES[e.service] : e.service;
    return `${who} cannot ${what}: the ${service} ${kafka && e.service === 'segment-store' ? 'do' : 'does'} not answer; the client retries with backoff.`;
  }
  if (e.outcome === 'succeeded') {
    const resent =
      e.resent === undefined || e.resent === 0
        ? ''
        : `, and resent ${count(e.resent, 'unacknowledged write')}`;
    return `${who} got through to ${what} at attempt ${e.attempts}, ${msText(e.waitedMs)} after the first${resent}.`;
  }
  return `${who} gave up trying to ${what} after ${count(e.attempts, 'attempt')} (${msText(e.waitedMs)}).`;
}

export const FAILURE_REASONS: Record<TaskFailureReason, string> = {
  'artificial-exception': 'The mapper throws (injected)',
  'write-error': 'A sink finds that one of its earlier writes failed',
  'flush-failed': 'A sink cannot flush its writes',
  'txn-begin-failed':
    "A sink could not open its next transaction: the controller stayed unreachable past the client's retries",
  'commit-failed': "A commit call failed: the controller stayed unreachable past the client's retries",
  'abort-failed': "An abort on restore failed: the controller stayed unreachable past the client's retries",
  'injected-crash': 'The job crashes (injected)',
  'heartbeat-timeout': 'The TaskManager missed its heartbeats for longer than the timeout',
  'checkpoint-failures': 'Too many checkpoints in a row failed (tolerable checkpoint failures exceeded)',
  'producer-fenced':
    "A sink's Kafka producer is fenced (ProducerFencedException): its transactional id's epoch was bumped, by a newer InitProducerId or by the coordinator's timeout",
  'txn-timeout-refused':
    "InitProducerId refuses the transaction timeout, larger than the broker's transaction.max.timeout.ms (InvalidTxnTimeoutException): the exactly-once sink cannot start",
};
