import { z } from 'zod';
import type { Prng } from '../kernel/prng';
import { ms, positiveMs, type WriterMode } from './units';

/**
 * Every fault kind, one entry each. An entry owns all a kind means: its schema (the fields a
 * scenario gives it), how a click is aimed (an inject request becomes the fault the timeline
 * records), how the sweep draws one, how it is injected into a run, the stage of the protocol it
 * acts at and the sentence people read. The scenario schema, the simulation, the sweep,
 * `/api/faults`, the real backend, the server and the dashboard ask these entries; a new kind is
 * one more entry, and the compiler names every other place that must decide something about it
 * (tables typed `Record<FaultKind, …>`, switches ending in `never`).
 */

export type FaultTargeting =
  /** `atElement` (the mapper's element count in a fresh attempt) or `atMs`. */
  | 'element-or-time'
  /** `checkpoint` K, or `atMs`: the first checkpoint reaching the stage at or after it. */
  | 'checkpoint'
  /** `atMs` and `durationMs`. */
  | 'time-and-duration';

/** Whom a lost completion notification would have reached. */
export const NOTIFY_TARGETS = ['all', 'source', 'sinks'] as const;
export type NotifyTarget = (typeof NOTIFY_TARGETS)[number] | number;

/**
 * A fault to inject while the run goes on, aimed: now (the next millisecond), at a later virtual
 * time `atMs` (the time the person saw, when it is still ahead), or, for checkpoint faults, at
 * checkpoint `checkpoint` (a number, or `next`: the next one to be triggered).
 */
export interface InjectRequest {
  kind: FaultKind;
  durationMs?: number;
  atMs?: number;
  checkpoint?: number | 'next';
  /** notify-lost: whom the lost notification was for. */
  target?: NotifyTarget;
  /** commit-rejected: the sink subtask whose commit is rejected. */
  subtask?: number;
}

/** Where the run resolved a request to: its time, and the checkpoint id when it named one. */
export interface ResolvedAim {
  atMs: number;
  checkpoint?: number;
}

/** What an entry may ask of the run it is aimed into. */
export interface RunFacts {
  mode: WriterMode;
  parallelism: number;
  /** The job is between a failure and its restore: no task is running. */
  restarting: boolean;
}

/** Throws the refusal a person reads; the run that aims decides how it is raised. */
export type Refuse = (reason: string) => never;

/** What the sweep gives an entry to draw a fault: a time already drawn, and the run's bounds. */
export interface DrawBounds {
  atMs: number;
  numEvents: number;
  parallelism: number;
}

/** What a fault's fields must agree with in the rest of its scenario. */
export interface ScenarioBounds {
  numEvents: number;
  parallelism: number;
}

/**
 * What a run offers a fault to act on: one method per mechanism, not per kind, so an entry says
 * which mechanism its kind uses. The simulation implements it.
 */
export interface FaultHost {
  /** Arms a fault the coordinator or a sink takes when a checkpoint reaches the fault's stage. */
  armAtCheckpoint(fault: CheckpointFault): void;
  /** Runs `act` at virtual time `atMs`, before any other step of that millisecond. */
  at(atMs: number, act: (t: number) => void): void;
  /** The running task throws now (the mapper's exception). */
  failRunningTask(t: number): void;
  storeOutage(t: number, durationMs: number): void;
  controllerOutage(t: number, durationMs: number): void;
  pauseJob(t: number, durationMs: number): void;
  zombify(t: number, durationMs: number): void;
}

export interface EntryBase<F extends { kind: string }> {
  readonly schema: z.ZodType<F>;
  /** Where in the protocol it acts. */
  readonly stage: string;
  readonly description: string;
  /** Why the run cannot take it now, asked before its aim is resolved; null when it can. */
  refusal(request: InjectRequest, run: RunFacts): string | null;
  /** The fault a request becomes, once the run resolved its time or checkpoint. */
  aim(request: InjectRequest, where: ResolvedAim, run: RunFacts, refuse: Refuse): F;
  /** A random fault of this kind for the sweep (the order of draws is the sweep's schedule). */
  draw(prng: Prng, bounds: DrawBounds): F;
  /** Errors of its fields against the rest of the scenario, as `field: message` under faults[i]. */
  crossFieldErrors(fault: F, scenario: ScenarioBounds): string[];
  inject(fault: F, host: FaultHost): void;
  /** It fails a running task, so the job fails over and spends a restart: preflight counts it. */
  readonly crashesTheJob: boolean;
  /**
   * How long it keeps every transaction's lease from being renewed (the job pings nothing, or its
   * pings do not get through), for the lease preconditions of preflight and the sweep.
   */
  unpingedMs(fault: F, client: ClientBackoff): number;
}

/** The client's backoff, which a call retrying through an outage waits out after it ended. */
export interface ClientBackoff {
  controllerMaxBackoffMs: number;
}

const noUnpinged = (): number => 0;

export interface ElementOrTimeEntry<F extends { kind: string }> extends EntryBase<F> {
  readonly targeting: 'element-or-time';
}
export interface CheckpointEntry<F extends { kind: string }> extends EntryBase<F> {
  readonly targeting: 'checkpoint';
}
/** How a fault that lasts is told to be over. */
export type DurationEnd = 'outage-ended' | 'zombie-stopped';

export interface DurationEntry<F extends { kind: string }, E extends DurationEnd = DurationEnd>
  extends EntryBase<F> {
  readonly targeting: 'time-and-duration';
  /** The duration a click gives it. */
  readonly defaultDurationMs: number;
  /** The event that tells its end: an outage is over, or the zombie attempt is stopped. */
  readonly endsWith: E;
}

// ---- the pieces entries share ----

const noRefusal = (): null => null;
const noCrossFieldErrors = (): string[] => [];
const subtaskIndex = () => z.int().min(0).max(15);

const checkpointAimed = {
  checkpoint: z.int().min(1).optional(),
  atMs: ms('atMs').optional(),
};
const oneTarget = (f: { checkpoint?: number; atMs?: number }) =>
  (f.checkpoint === undefined) !== (f.atMs === undefined);
const oneTargetError = { error: 'this fault needs exactly one of checkpoint or atMs' };

/** A checkpoint fault is aimed at the checkpoint the request named, or at its time. */
const checkpointAim = (where: ResolvedAim): { checkpoint: number } | { atMs: number } =>
  where.checkpoint === undefined ? { atMs: where.atMs } : { checkpoint: where.checkpoint };

/** Half the sweep's checkpoint faults name a checkpoint among the first twelve, half a time. */
const drawCheckpointAim = (prng: Prng, atMs: number): { checkpoint: number } | { atMs: number } =>
  prng.chance(1, 2) ? { checkpoint: prng.int(1, 12) } : { atMs };

const subtaskExists = (field: string, subtask: number, parallelism: number): string[] =>
  subtask >= parallelism
    ? [`${field}: sink subtask ${subtask} does not exist (sink.parallelism is ${parallelism})`]
    : [];

/** The three checkpoint faults with no field beyond their aim share this schema. */
const plainCheckpointSchema = <K extends string>(kind: K) =>
  z.strictObject({ kind: z.literal(kind), ...checkpointAimed }).refine(oneTarget, oneTargetError);

type EntryFields<E> = Omit<E, 'schema' | 'targeting' | 'defaultDurationMs' | 'endsWith'>;

type PlainCheckpointFault<K extends string> = z.output<ReturnType<typeof plainCheckpointSchema<K>>>;

function durationFault<K extends string, E extends DurationEnd>(
  kind: K,
  told: { defaultDurationMs: number; endsWith: E },
  fields: Omit<EntryFields<DurationEntry<TimedFault<K>>>, 'aim' | 'draw'>,
): DurationEntry<TimedFault<K>, E> {
  const schema = z.strictObject({
    kind: z.literal(kind),
    atMs: ms('atMs'),
    durationMs: positiveMs('durationMs'),
  });
  return {
    targeting: 'time-and-duration',
    schema,
    ...told,
    ...timed(kind, told.defaultDurationMs),
    ...fields,
  };
}

interface TimedFault<K extends string> {
  kind: K;
  atMs: number;
  durationMs: number;
}

/** One fault in eight lasts long enough to outlive a retry budget, the heartbeat timeout or the lease. */
const drawDurationMs = (prng: Prng): number =>
  prng.chance(1, 8) ? prng.int(5_000, 130_000) : prng.int(20, 2_000);

/** A click gives a duration fault the duration asked for, or its entry's. */
const timed = <K extends string>(kind: K, defaultDurationMs: number) => ({
  aim: (request: InjectRequest, where: ResolvedAim): TimedFault<K> => ({
    kind,
    atMs: where.atMs,
    durationMs: request.durationMs ?? defaultDurationMs,
  }),
  draw: (prng: Prng, { atMs }: DrawBounds): TimedFault<K> => ({
    kind,
    atMs,
    durationMs: drawDurationMs(prng),
  }),
});

// ---- the entries ----

const mapperSchema = z
  .strictObject({
    kind: z.literal('mapper-exception'),
    atElement: z.int().min(1).optional(),
    atMs: ms('atMs').optional(),
  })
  .refine((f) => (f.atElement === undefined) !== (f.atMs === undefined), {
    error: 'mapper-exception needs exactly one of atElement or atMs',
  });

const mapperException: ElementOrTimeEntry<z.output<typeof mapperSchema>> = {
  targeting: 'element-or-time',
  schema: mapperSchema,
  stage: 'processing an element',
  description:
    "The sample's artificial exception: the mapper throws, the job fails over and restores from its last completed checkpoint.",
  refusal: (request, run) =>
    run.restarting && request.atMs === undefined
      ? 'the job is restarting: there is no running task to fail yet'
      : null,
  aim: (_request, where) => ({ kind: 'mapper-exception', atMs: where.atMs }),
  draw: (prng, { atMs, numEvents }) =>
    prng.chance(1, 2)
      ? { kind: 'mapper-exception', atMs }
      : { kind: 'mapper-exception', atElement: prng.int(1, numEvents + 1) },
  crashesTheJob: true,
  unpingedMs: noUnpinged,
  crossFieldErrors: (fault, { numEvents }) =>
    fault.atElement !== undefined && fault.atElement > numEvents + 1
      ? [`atElement: must be at most numEvents + 1 (${numEvents + 1})`]
      : [],
  // At an element, the simulation reads it off the timeline when it starts a fresh attempt.
  inject: (fault, host) => {
    if (fault.atMs !== undefined) host.at(fault.atMs, (t) => host.failRunningTask(t));
  },
};

/**
 * When the sink of a crash-after-precommit dies (Flink 1.14 aborts a pending checkpoint only when
 * the restart restores state, and acknowledgements already sent still complete it):
 * `before-ack`: after its pre-commit, before it acknowledged K, so K never completes;
 * `after-acks`: after every task acknowledged K, so K completes and the restart restores from it.
 */
export const PRECOMMIT_CRASH_STAGES = ['before-ack', 'after-acks'] as const;
export type PrecommitCrashStage = (typeof PRECOMMIT_CRASH_STAGES)[number];

const crashAfterPrecommitSchema = z
  .strictObject({
    kind: z.literal('crash-after-precommit'),
    ...checkpointAimed,
    stage: z
      .enum(PRECOMMIT_CRASH_STAGES, { error: `expected one of ${PRECOMMIT_CRASH_STAGES.join(', ')}` })
      .optional(),
  })
  .refine(oneTarget, oneTargetError);

const crashAfterPrecommit: CheckpointEntry<z.output<typeof crashAfterPrecommitSchema>> = {
  targeting: 'checkpoint',
  schema: crashAfterPrecommitSchema,
  stage: 'after the sinks pre-committed K: before the last acknowledgement, or after every one',
  description:
    'A sink dies after pre-committing checkpoint K. `before-ack` (the default): before it acknowledged K, so K never completes and the restart restores from the checkpoint before. `after-acks`: after every task acknowledged K, so K completes from the acknowledgements already sent (Flink 1.14 aborts a pending checkpoint only when the restart restores state), and the restart restores from K and commits its transactions (recoverAndCommit).',
  refusal: noRefusal,
  aim: (_request, where) => ({ kind: 'crash-after-precommit', ...checkpointAim(where) }),
  draw: (prng, { atMs }) => ({
    kind: 'crash-after-precommit',
    ...drawCheckpointAim(prng, atMs),
    ...(prng.chance(1, 2) ? { stage: 'after-acks' as const } : {}),
  }),
  crashesTheJob: true,
  unpingedMs: noUnpinged,
  crossFieldErrors: noCrossFieldErrors,
  inject: (fault, host) => {
    host.armAtCheckpoint(fault);
  },
};

const crashBeforeNotify: CheckpointEntry<PlainCheckpointFault<'crash-before-notify'>> = {
  targeting: 'checkpoint',
  schema: plainCheckpointSchema('crash-before-notify'),
  stage: 'after K completed, before any notification',
  description:
    'Checkpoint K completes at the coordinator, then the job fails before the sinks hear about it.',
  refusal: noRefusal,
  aim: (_request, where) => ({ kind: 'crash-before-notify', ...checkpointAim(where) }),
  draw: (prng, { atMs }) => ({ kind: 'crash-before-notify', ...drawCheckpointAim(prng, atMs) }),
  crashesTheJob: true,
  unpingedMs: noUnpinged,
  crossFieldErrors: noCrossFieldErrors,
  inject: (fault, host) => {
    host.armAtCheckpoint(fault);
  },
};

const notifyLostSchema = z
  .strictObject({
    kind: z.literal('notify-lost'),
    ...checkpointAimed,
    target: z
      .union([z.enum(NOTIFY_TARGETS), subtaskIndex()], {
        error: `expected one of ${NOTIFY_TARGETS.join(', ')} or a sink subtask index`,
      })
      .optional(),
  })
  .refine(oneTarget, oneTargetError);

const notifyLost: CheckpointEntry<z.output<typeof notifyLostSchema>> = {
  targeting: 'checkpoint',
  schema: notifyLostSchema,
  stage: "K's completion notifications",
  description:
    "Checkpoint K's completion notification never reaches its target tasks (all, the source, the sinks or one sink subtask); the job keeps running.",
  refusal: noRefusal,
  aim: (request, where) => ({
    kind: 'notify-lost',
    ...checkpointAim(where),
    ...(request.target === undefined ? {} : { target: request.target }),
  }),
  draw: (prng, { atMs, parallelism }) => {
    const aim = drawCheckpointAim(prng, atMs);
    const target = prng.pick(['all', 'all', 'source', 'sinks', 'subtask'] as const);
    return {
      kind: 'notify-lost',
      ...aim,
      target: target === 'subtask' ? prng.int(0, parallelism - 1) : target,
    };
  },
  crashesTheJob: false,
  unpingedMs: noUnpinged,
  crossFieldErrors: (fault, { parallelism }) =>
    typeof fault.target === 'number' ? subtaskExists('target', fault.target, parallelism) : [],
  inject: (fault, host) => {
    host.armAtCheckpoint(fault);
  },
};

const crashDuringCommit: CheckpointEntry<PlainCheckpointFault<'crash-during-commit'>> = {
  targeting: 'checkpoint',
  schema: plainCheckpointSchema('crash-during-commit'),
  stage: "after subtask 0 committed K's transactions",
  description: 'On K’s notification subtask 0 commits, then the job fails before subtask 1 does.',
  refusal: noRefusal,
  aim: (_request, where) => ({ kind: 'crash-during-commit', ...checkpointAim(where) }),
  draw: (prng, { atMs }) => ({ kind: 'crash-during-commit', ...drawCheckpointAim(prng, atMs) }),
  crashesTheJob: true,
  unpingedMs: noUnpinged,
  crossFieldErrors: noCrossFieldErrors,
  inject: (fault, host) => {
    host.armAtCheckpoint(fault);
  },
};

const checkpointAbort: CheckpointEntry<PlainCheckpointFault<'checkpoint-abort'>> = {
  targeting: 'checkpoint',
  schema: plainCheckpointSchema('checkpoint-abort'),
  stage: 'after every sink pre-committed K',
  description:
    'Checkpoint K is declined after the sinks pre-committed; beyond checkpoint.tolerableFailures the job fails over.',
  refusal: noRefusal,
  aim: (_request, where) => ({ kind: 'checkpoint-abort', ...checkpointAim(where) }),
  draw: (prng, { atMs }) => ({ kind: 'checkpoint-abort', ...drawCheckpointAim(prng, atMs) }),
  crashesTheJob: false,
  unpingedMs: noUnpinged,
  crossFieldErrors: noCrossFieldErrors,
  inject: (fault, host) => {
    host.armAtCheckpoint(fault);
  },
};

const commitRejectedSchema = z
  .strictObject({
    kind: z.literal('commit-rejected'),
    ...checkpointAimed,
    subtask: subtaskIndex().optional(),
  })
  .refine(oneTarget, oneTargetError);

const commitRejected: CheckpointEntry<z.output<typeof commitRejectedSchema>> = {
  targeting: 'checkpoint',
  schema: commitRejectedSchema,
  stage: "a sink's commit of K",
  description:
    "The store answers the commit of checkpoint K's transaction (one sink subtask, 0 unless told) with TxnFailedException: the connector logs it and drops the transaction, so its data is lost (pravega/flink-connectors#376).",
  refusal: (_request, run) =>
    run.mode === 'EXACTLY_ONCE' ? null : `commit-rejected needs transactions: this run is ${run.mode}`,
  aim: (request, where, run, refuse) => {
    const subtask = request.subtask ?? 0;
    for (const error of subtaskExists('subtask', subtask, run.parallelism)) refuse(error);
    return { kind: 'commit-rejected', ...checkpointAim(where), subtask };
  },
  draw: (prng, { atMs, parallelism }) => ({
    kind: 'commit-rejected',
    ...drawCheckpointAim(prng, atMs),
    subtask: prng.int(0, parallelism - 1),
  }),
  crashesTheJob: false,
  unpingedMs: noUnpinged,
  crossFieldErrors: (fault, { parallelism }) => subtaskExists('subtask', fault.subtask ?? 0, parallelism),
  inject: (fault, host) => {
    host.armAtCheckpoint(fault);
  },
};

const storeOutage = durationFault(
  'store-outage',
  { defaultDurationMs: 300, endsWith: 'outage-ended' },
  {
    stage: 'any time',
    description:
      'The segment store answers nothing for a while: writers retry and resend, so acknowledgements, flushes and visibility wait; past the retry budget writes fail.',
    refusal: noRefusal,
    crashesTheJob: false,
    unpingedMs: noUnpinged,
    crossFieldErrors: noCrossFieldErrors,
    inject: (fault, host) => host.at(fault.atMs, (t) => host.storeOutage(t, fault.durationMs)),
  },
);

const controllerOutage = durationFault(
  'controller-outage',
  { defaultDurationMs: 500, endsWith: 'outage-ended' },
  {
    stage: 'any time',
    description:
      'The controller is unreachable from the job for a while: transaction begin, commit, abort and lease pings retry with backoff; past the retry budget the call fails. The controller keeps running its own lease timers.',
    refusal: noRefusal,
    crashesTheJob: false,
    // A call retrying through the outage gets through at its next attempt, up to one backoff later.
    unpingedMs: (fault, client) => fault.durationMs + client.controllerMaxBackoffMs,
    crossFieldErrors: noCrossFieldErrors,
    inject: (fault, host) => host.at(fault.atMs, (t) => host.controllerOutage(t, fault.durationMs)),
  },
);

const jobPause = durationFault(
  'job-pause',
  { defaultDurationMs: 1_000, endsWith: 'outage-ended' },
  {
    stage: 'any time',
    description:
      'The whole job freezes (a long GC pause): no processing, no lease pings; past the heartbeat timeout the job fails over.',
    refusal: noRefusal,
    crashesTheJob: false,
    unpingedMs: (fault) => fault.durationMs,
    crossFieldErrors: noCrossFieldErrors,
    inject: (fault, host) => host.at(fault.atMs, (t) => host.pauseJob(t, fault.durationMs)),
  },
);

const zombieWriter = durationFault(
  'zombie-writer',
  { defaultDurationMs: 300, endsWith: 'zombie-stopped' },
  {
    stage: 'any time',
    description: "The job fails over, but the old attempt's tasks keep running and writing for a while.",
    refusal: noRefusal,
    crashesTheJob: false,
    unpingedMs: noUnpinged,
    crossFieldErrors: noCrossFieldErrors,
    inject: (fault, host) => host.at(fault.atMs, (t) => host.zombify(t, fault.durationMs)),
  },
);

/** The catalogue. Its order is the sweep's: the sweep picks a kind by its index here. */
export const FAULT_CATALOGUE = {
  'mapper-exception': mapperException,
  'crash-after-precommit': crashAfterPrecommit,
  'crash-before-notify': crashBeforeNotify,
  'notify-lost': notifyLost,
  'crash-during-commit': crashDuringCommit,
  'checkpoint-abort': checkpointAbort,
  'commit-rejected': commitRejected,
  'store-outage': storeOutage,
  'controller-outage': controllerOutage,
  'job-pause': jobPause,
  'zombie-writer': zombieWriter,
};

type Catalogue = typeof FAULT_CATALOGUE;
export type FaultKind = keyof Catalogue;
/** The fault of one kind, as its entry's schema gives it. */
export type FaultOf<K extends FaultKind> = z.output<Catalogue[K]['schema']>;
export type Fault = { [K in FaultKind]: FaultOf<K> }[FaultKind];

type KindsAimed<T extends FaultTargeting> = {
  [K in FaultKind]: Catalogue[K]['targeting'] extends T ? K : never;
}[FaultKind];

/** Faults tied to a stage of one checkpoint: they name it, or take the first one at or after `atMs`. */
export type CheckpointFaultKind = KindsAimed<'checkpoint'>;
export type CheckpointFault = FaultOf<CheckpointFaultKind>;
/** Faults that last a while. */
export type DurationFaultKind = KindsAimed<'time-and-duration'>;
/** Faults that last a while and end with an `outage-ended` event. */
export type OutageKind = {
  [K in DurationFaultKind]: Catalogue[K]['endsWith'] extends 'outage-ended' ? K : never;
}[DurationFaultKind];

type FaultMap = { [K in FaultKind]: FaultOf<K> };
type AnyEntry = EntryBase<{ kind: string }> & { targeting: FaultTargeting; defaultDurationMs?: number };

/**
 * The catalogue seen as one entry type per kind, so code generic in a kind reaches the entry of
 * its fault: `faultEntry(fault.kind).inject(fault, host)` type-checks without a cast, and the
 * assignment checks every entry against the schema it declares.
 */
const ENTRIES: { [K in FaultKind]: EntryBase<FaultMap[K]> } = FAULT_CATALOGUE;

/** The entry of one kind: what to ask of a fault whose kind is known only at run time. */
export function faultEntry<K extends FaultKind>(kind: K): EntryBase<FaultMap[K]> {
  return ENTRIES[kind];
}

/** Errors of a fault's fields against the rest of its scenario, as `field: message`. */
export function faultCrossFieldErrors(fault: Fault, scenario: ScenarioBounds): string[] {
  return faultEntry(fault.kind).crossFieldErrors(fault, scenario);
}

export const FAULT_KINDS = Object.keys(FAULT_CATALOGUE) as [FaultKind, ...FaultKind[]];

export function isCheckpointFaultKind(kind: FaultKind): kind is CheckpointFaultKind {
  return FAULT_CATALOGUE[kind].targeting === 'checkpoint';
}

export function isDurationFaultKind(kind: FaultKind): kind is DurationFaultKind {
  return FAULT_CATALOGUE[kind].targeting === 'time-and-duration';
}

export function isCheckpointFault(fault: Fault): fault is CheckpointFault {
  return isCheckpointFaultKind(fault.kind);
}

export const CHECKPOINT_FAULT_KINDS = FAULT_KINDS.filter(isCheckpointFaultKind);
export const DURATION_FAULT_KINDS = FAULT_KINDS.filter(isDurationFaultKind);

/** The duration a click gives a fault that lasts, when the click names none. */
export function defaultDurationMs(kind: DurationFaultKind): number {
  return FAULT_CATALOGUE[kind].defaultDurationMs;
}

/** What `/api/faults` tells of each kind: its entry without the code. */
export function faultSummary(kind: FaultKind) {
  const entry: AnyEntry = FAULT_CATALOGUE[kind];
  return {
    kind,
    targeting: entry.targeting,
    stage: entry.stage,
    ...(entry.defaultDurationMs === undefined ? {} : { defaultDurationMs: entry.defaultDurationMs }),
    description: entry.description,
  };
}
