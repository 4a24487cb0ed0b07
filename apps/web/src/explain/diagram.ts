import {
  type LaneKey,
  laneOf,
  type MessageKind,
  msRangeText,
  type ProtocolMessage,
  type Sentence,
  type System,
} from '@eolab/engine';
import type { MessageBundle } from '@eolab/protocol';

/** Words for the space-time diagram: lanes, messages and the sentence of the story each belongs to. */

/** The system the run writes to, which names the store's lanes: Pravega's, or Kafka's. */
export interface SystemWords {
  system: System;
  /** Kafka's partitions of the topic (the broker lane holds them all). */
  partitions: number;
}

export const PRAVEGA_WORDS: SystemWords = { system: 'pravega', partitions: 1 };

/** Kafka's broker lane: the partition the sinks write to, or the range of them. */
function brokerLabel(partitions: number): string {
  return partitions === 1 ? 'broker (partition 0)' : `brokers (partitions 0–${partitions - 1})`;
}

export function laneLabel(key: LaneKey, words: SystemWords = PRAVEGA_WORDS): string {
  const lane = laneOf(key);
  const kafka = words.system === 'kafka';
  switch (lane.role) {
    case 'coordinator':
      return 'checkpoint coordinator';
    case 'source':
      return `source · attempt ${lane.attempt}`;
    case 'sink':
      return `sink ${lane.subtask} · attempt ${lane.attempt}`;
    case 'controller':
      return kafka ? 'transaction coordinator' : 'Pravega controller';
    case 'store':
      return kafka ? brokerLabel(words.partitions) : 'segment store';
    default:
      return 'checker';
  }
}

/** The transaction a message is about, as every view names it: `cp5·s0 (#9)`. */
function txnOf(m: ProtocolMessage): string {
  const sink = [m.from, m.to].map(laneOf).find((l) => l.role === 'sink');
  const name = m.checkpointId !== null && sink ? `cp${m.checkpointId}·s${sink.subtask}` : 'transaction';
  return m.txnId === null ? name : `${name} (#${m.txnId})`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const WORDS: { [K in MessageKind]: (m: ProtocolMessage) => string } = {
  trigger: (m) => `trigger checkpoint ${m.checkpointId}`,
  barrier: (m) => `barrier of checkpoint ${m.checkpointId}`,
  'pre-commit': (m) => `pre-commit ${txnOf(m)}: flush ${plural(m.values ?? 0, 'value')}`,
  ack: (m) => `acknowledge checkpoint ${m.checkpointId}`,
  complete: (m) => `checkpoint ${m.checkpointId} complete`,
  'checkpoint-abort': (m) => `checkpoint ${m.checkpointId} aborted`,
  notify: (m) => `notifyCheckpointComplete(${m.checkpointId})`,
  begin: (m) => `begin ${txnOf(m)}`,
  ping: (m) => `ping ${txnOf(m)} (lease renewed)`,
  commit: (m) => `commit ${txnOf(m)}`,
  merge: (m) => `${txnOf(m)} committed: ${plural(m.values ?? 0, 'value')} visible`,
  'txn-abort': (m) => `abort ${txnOf(m)}`,
  expire: (m) => `${txnOf(m)} expired`,
  'commit-failed': (m) => `commit of ${txnOf(m)} failed`,
  'write-failed': (m) => `${plural(m.values ?? 0, 'write')} failed`,
  retry: () => 'call retried',
  failure: () => 'task failed',
  cancel: () => 'cancel task',
  restore: (m) =>
    m.checkpointId === null ? 'restart from the start' : `restore from checkpoint ${m.checkpointId}`,
  zombie: () => 'zombie writer',
  fault: () => 'fault',
  'outage-ended': () => 'outage ended',
  marker: () => 'marker',
  verdict: () => 'checker',
  job: () => 'job',
};

/** Where Kafka says it otherwise: nothing renews a transaction, its timeout runs from its first record. */
const KAFKA_WORDS: Partial<{ [K in MessageKind]: (m: ProtocolMessage) => string }> = {
  expire: (m) => `${txnOf(m)} timed out (transaction.timeout.ms): aborted, its producer fenced`,
  merge: (m) =>
    `${txnOf(m)} committed: ${plural(m.values ?? 0, 'value')}, read once the last stable offset passes them`,
};

const wordFor = (m: ProtocolMessage, words: SystemWords): string =>
  ((words.system === 'kafka' ? KAFKA_WORDS[m.kind] : undefined) ?? WORDS[m.kind])(m);

const betweenText = (from: LaneKey, to: LaneKey, words: SystemWords): string =>
  from === to ? `at ${laneLabel(from, words)}` : `${laneLabel(from, words)} → ${laneLabel(to, words)}`;

/** A message in words: what it says, between whom, when, and its note. */
export function messageText(m: ProtocolMessage, words: SystemWords = PRAVEGA_WORDS): string {
  const between = betweenText(m.from, m.to, words);
  const when = msRangeText(m.sentMs, m.receivedMs);
  return `${wordFor(m, words)}, ${between}, ${when}${m.note === null ? '' : `: ${m.note}`}`;
}

export function bundleText(b: MessageBundle, words: SystemWords = PRAVEGA_WORDS): string {
  const between = betweenText(b.from, b.to, words);
  return `${plural(b.count, `${b.kind} message`)}, ${between}, ${msRangeText(b.fromMs, b.toMs)}`;
}

/** A message's word on its arrow, when the window is sparse enough to label each one. */
export const SHORT_WORD: { [K in MessageKind]: string } = {
  trigger: 'trigger',
  barrier: 'barrier',
  'pre-commit': 'flush',
  ack: 'ack',
  complete: 'complete',
  'checkpoint-abort': 'abort',
  notify: 'notify',
  begin: 'begin',
  ping: 'ping',
  commit: 'commit',
  merge: 'merge',
  'txn-abort': 'abort',
  expire: 'expire',
  'commit-failed': 'commit failed',
  'write-failed': 'write failed',
  retry: 'retry',
  failure: 'failure',
  cancel: 'cancel',
  restore: 'restore',
  zombie: 'zombie writes',
  fault: 'fault',
  'outage-ended': 'outage ended',
  marker: 'marker',
  verdict: 'read',
  job: '',
};

export type MessageFamily = 'checkpoint' | 'transaction' | 'trouble' | 'fault' | 'recovery' | 'checker';

export const FAMILY_OF: { [K in MessageKind]: MessageFamily } = {
  trigger: 'checkpoint',
  barrier: 'checkpoint',
  ack: 'checkpoint',
  complete: 'checkpoint',
  notify: 'checkpoint',
  'pre-commit': 'transaction',
  begin: 'transaction',
  ping: 'transaction',
  commit: 'transaction',
  merge: 'transaction',
  'checkpoint-abort': 'trouble',
  'txn-abort': 'trouble',
  expire: 'trouble',
  'commit-failed': 'trouble',
  'write-failed': 'trouble',
  retry: 'trouble',
  failure: 'trouble',
  fault: 'fault',
  'outage-ended': 'fault',
  zombie: 'fault',
  cancel: 'recovery',
  restore: 'recovery',
  marker: 'checker',
  verdict: 'checker',
  job: 'checker',
};

/** Whether the moment picked in the story (a sentence's time) is this message's. */
export function atMoment(m: { sentMs: number; receivedMs: number }, ms: number | null): boolean {
  return ms !== null && (m.receivedMs === ms || m.sentMs === ms);
}

/**
 * The sentence of the story a message belongs to: told at the moment it arrived (or left), or
 * the quiet summary that sums up its checkpoint. Built once per drawing: a window holds hundreds
 * of messages and the story up to thousands of sentences.
 */
export function sentenceFinder(sentences: readonly Sentence[]): (m: ProtocolMessage) => Sentence | null {
  const atTime = new Map<number, Sentence>();
  for (const s of sentences) if (!atTime.has(s.t)) atTime.set(s.t, s);
  const summaries = sentences.filter((s) => s.summary !== undefined);
  return (m) => {
    const found = atTime.get(m.receivedMs) ?? atTime.get(m.sentMs);
    if (found !== undefined) return found;
    const cp = m.checkpointId;
    if (cp === null) return null;
    return summaries.find((s) => s.summary!.from <= cp && cp <= s.summary!.to) ?? null;
  };
}

/** Where in its millisecond a message is drawn: fractional times, so that causes come before effects. */
export interface Placed {
  sentAt: number;
  receivedAt: number;
}

/**
 * The model's calls take no time, so many messages share a millisecond; drawn at the same x they
 * would hide each other and their order. Within a millisecond they are spread in the order they
 * happened (their sequence), over its first nine tenths, and an arrow leaves where the message
 * it answers arrived when that was in the same millisecond: a causal chain reads left to right.
 */
export function placeInMillisecond(messages: readonly ProtocolMessage[]): Map<number, Placed> {
  const perMs = new Map<number, number[]>();
  for (const m of messages) {
    const seqs = perMs.get(m.receivedMs);
    if (seqs === undefined) perMs.set(m.receivedMs, [m.seq]);
    else seqs.push(m.seq);
  }
  const receivedAt = new Map<number, number>();
  for (const [ms, seqs] of perMs) {
    seqs.sort((a, b) => a - b);
    for (const [i, seq] of seqs.entries()) receivedAt.set(seq, ms + ((i + 0.5) / seqs.length) * 0.9);
  }
  const placed = new Map<number, Placed>();
  for (const m of messages) {
    const at = receivedAt.get(m.seq)!;
    const answered = m.answers === null ? undefined : receivedAt.get(m.answers);
    const sentAt =
      answered !== undefined && Math.floor(answered) === m.sentMs
        ? answered
        : m.sentMs === m.receivedMs
          ? at
          : m.sentMs + 0.95;
    placed.set(m.seq, { sentAt: Math.min(sentAt, at), receivedAt: at });
  }
  return placed;
}
