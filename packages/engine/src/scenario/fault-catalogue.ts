/**
 * Every fault kind in one place: how a fault is aimed (its targeting, which fixes the fields a
 * scenario gives it), the stage of the protocol it acts at, the duration a click gives it, and a
 * sentence for people. The scenario schema, the simulation, the sweep, `/api/faults`, the
 * dashboard's fault panel and the docs all read this table; a new kind is added here and the
 * compiler points at the code that must act on it.
 */

export type FaultTargeting =
  /** `atElement` (the mapper's element count in a fresh attempt) or `atMs`. */
  | 'element-or-time'
  /** `checkpoint` K, or `atMs`: the first checkpoint reaching the stage at or after it. */
  | 'checkpoint'
  /** `atMs` and `durationMs`. */
  | 'time-and-duration';

interface FaultSpec {
  targeting: FaultTargeting;
  /** Where in the protocol it acts. */
  stage: string;
  /** The duration a click gives it (time-and-duration faults). */
  defaultDurationMs?: number;
  /** An extra field the fault takes, beyond its targeting. */
  extra?: 'target' | 'subtask';
  description: string;
}

export const FAULT_CATALOGUE = {
  'mapper-exception': {
    targeting: 'element-or-time',
    stage: 'processing an element',
    description:
      "The sample's artificial exception: the mapper throws, the job fails over and restores from its last completed checkpoint.",
  },
  'crash-after-precommit': {
    targeting: 'checkpoint',
    stage: 'after every sink pre-committed K',
    description: 'The job fails after every sink pre-committed checkpoint K, before K completes.',
  },
  'crash-before-notify': {
    targeting: 'checkpoint',
    stage: 'after K completed, before any notification',
    description:
      'Checkpoint K completes at the coordinator, then the job fails before the sinks hear about it.',
  },
  'notify-lost': {
    targeting: 'checkpoint',
    stage: "K's completion notifications",
    extra: 'target',
    description:
      "Checkpoint K's completion notification never reaches its target tasks (all, the source, the sinks or one sink subtask); the job keeps running.",
  },
  'crash-during-commit': {
    targeting: 'checkpoint',
    stage: "after subtask 0 committed K's transactions",
    description: 'On K’s notification subtask 0 commits, then the job fails before subtask 1 does.',
  },
  'checkpoint-abort': {
    targeting: 'checkpoint',
    stage: 'after every sink pre-committed K',
    description:
      'Checkpoint K is declined after the sinks pre-committed; beyond checkpoint.tolerableFailures the job fails over.',
  },
  'commit-rejected': {
    targeting: 'checkpoint',
    stage: "a sink's commit of K",
    extra: 'subtask',
    description:
      "The store answers the commit of checkpoint K's transaction (one sink subtask, 0 unless told) with TxnFailedException: the connector logs it and drops the transaction, so its data is lost (pravega/flink-connectors#376).",
  },
  'store-outage': {
    targeting: 'time-and-duration',
    stage: 'any time',
    defaultDurationMs: 300,
    description:
      'The segment store answers nothing for a while: writers retry and resend, so acknowledgements, flushes and visibility wait; past the retry budget writes fail.',
  },
  'controller-outage': {
    targeting: 'time-and-duration',
    stage: 'any time',
    defaultDurationMs: 500,
    description:
      'The controller is unreachable from the job for a while: transaction begin, commit, abort and lease pings retry with backoff; past the retry budget the call fails. The controller keeps running its own lease timers.',
  },
  'job-pause': {
    targeting: 'time-and-duration',
    stage: 'any time',
    defaultDurationMs: 1_000,
    description:
      'The whole job freezes (a long GC pause): no processing, no lease pings; past the heartbeat timeout the job fails over.',
  },
  'zombie-writer': {
    targeting: 'time-and-duration',
    stage: 'any time',
    defaultDurationMs: 300,
    description: "The job fails over, but the old attempt's tasks keep running and writing for a while.",
  },
} as const satisfies Record<string, FaultSpec>;

export type FaultKind = keyof typeof FAULT_CATALOGUE;
type Catalogue = typeof FAULT_CATALOGUE;
type KindsAimed<T extends FaultTargeting> = {
  [K in FaultKind]: Catalogue[K]['targeting'] extends T ? K : never;
}[FaultKind];

/** Faults tied to a stage of one checkpoint: they name it, or take the first one at or after `atMs`. */
export type CheckpointFaultKind = KindsAimed<'checkpoint'>;
/** Faults that last a while. */
export type DurationFaultKind = KindsAimed<'time-and-duration'>;

const kindsAimed = <T extends FaultTargeting>(targeting: T) =>
  (Object.keys(FAULT_CATALOGUE) as FaultKind[]).filter(
    (k) => FAULT_CATALOGUE[k].targeting === targeting,
  ) as KindsAimed<T>[];

export const FAULT_KINDS = Object.keys(FAULT_CATALOGUE) as [FaultKind, ...FaultKind[]];
export const CHECKPOINT_FAULT_KINDS = kindsAimed('checkpoint');
export const DURATION_FAULT_KINDS = kindsAimed('time-and-duration');

/** One sentence per fault kind, for the CLI, the API and the dashboard. */
export const FAULT_DESCRIPTIONS = Object.fromEntries(
  FAULT_KINDS.map((k) => [k, FAULT_CATALOGUE[k].description]),
) as Record<FaultKind, string>;

/** Durations for click-injected faults that do not name one. */
export const DEFAULT_FAULT_DURATION_MS = Object.fromEntries(
  DURATION_FAULT_KINDS.map((k) => [k, FAULT_CATALOGUE[k].defaultDurationMs]),
) as Record<DurationFaultKind, number>;

export function isCheckpointFaultKind(kind: FaultKind): kind is CheckpointFaultKind {
  return FAULT_CATALOGUE[kind].targeting === 'checkpoint';
}
