import { z } from 'zod';
import { FAULT_CATALOGUE, FAULT_KINDS, type Fault, faultCrossFieldErrors } from './fault-catalogue';
import { ms, positiveMs, WRITER_MODES, type WriterMode } from './units';

/**
 * The scenario file: versioned, shareable JSON. Only `mode` and `numEvents` are required;
 * every other field defaults to the Pravega sample's value. Unknown fields are errors so a
 * typo is never silently ignored.
 */

export { WRITER_MODES, type WriterMode } from './units';

export const ISOLATIONS = ['read_committed', 'read_uncommitted'] as const;
export type Isolation = (typeof ISOLATIONS)[number];

export {
  CHECKPOINT_FAULT_KINDS,
  type CheckpointFault,
  type CheckpointFaultKind,
  DURATION_FAULT_KINDS,
  type DurationFaultKind,
  defaultDurationMs,
  FAULT_CATALOGUE,
  FAULT_KINDS,
  type Fault,
  type FaultKind,
  type FaultOf,
  type FaultTargeting,
  faultEntry,
  faultSummary,
  type InjectRequest,
  isCheckpointFault,
  isCheckpointFaultKind,
  isDurationFaultKind,
  NOTIFY_TARGETS,
  type NotifyTarget,
  type OutageKind,
} from './fault-catalogue';

/**
 * Pravega's bounds on a transaction lease: the client refuses less than 10 s
 * (EventWriterConfig.MIN_TRANSACTION_TIMEOUT_TIME_MILLIS) and the controller allows at most 600 s
 * (controller Config.MAX_LEASE_VALUE default).
 */
export const MIN_TXN_LEASE_MS = 10_000;
export const MAX_TXN_LEASE_MS = 600_000;

/** Virtual time is an integer number of milliseconds that must stay a small integer. */
export const MAX_VIRTUAL_TIME_MS = 2 ** 31 - 1;
export const MAX_NUM_EVENTS = 50_000_000;
export const MAX_FAULTS = 1000;

/** A fault, as the catalogue's entry for its kind describes it. */
export const faultSchema: z.ZodType<Fault> = z.union(
  FAULT_KINDS.map((kind) => FAULT_CATALOGUE[kind].schema),
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `expected a fault with kind one of ${FAULT_KINDS.join(', ')}`
        : undefined,
  },
);

/** The Pravega client's exponential backoff (common/util/Retry.java `withExpBackoff`). */
const retryPolicy = z.strictObject({
  attempts: z.int().min(1).max(100).optional(),
  initialBackoffMs: positiveMs('initialBackoffMs').optional(),
  backoffMultiple: z.int().min(1).max(1000).optional(),
  maxBackoffMs: positiveMs('maxBackoffMs').max(3_600_000).optional(),
});

export const scenarioInputSchema = z.strictObject({
  version: z.literal(1).optional(),
  name: z.string().max(200).optional(),
  seed: z.int().min(0).max(0xffffffff).optional(),
  mode: z.enum(WRITER_MODES),
  numEvents: z.int().min(1).max(MAX_NUM_EVENTS),
  source: z
    .strictObject({
      throttleIntervalMs: ms('throttleIntervalMs').optional(),
      throttleUntilPosition: z.int().min(0).optional(),
      waitForFirstCheckpoint: z.boolean().optional(),
      eventIntervalMs: positiveMs('eventIntervalMs').optional(),
      finalCheckpoints: z.int().min(0).max(10).optional(),
    })
    .optional(),
  checkpoint: z
    .strictObject({
      intervalMs: positiveMs('intervalMs').optional(),
      timeoutMs: positiveMs('timeoutMs').optional(),
      barrierTravelMs: ms('barrierTravelMs').optional(),
      notifyLatencyMs: ms('notifyLatencyMs').optional(),
      notifyJitterMs: ms('notifyJitterMs').max(60_000).optional(),
      tolerableFailures: z.int().min(0).max(1000).optional(),
    })
    .optional(),
  sink: z
    .strictObject({
      parallelism: z.int().min(1).max(16).optional(),
      txnLeaseMs: ms('txnLeaseMs')
        .min(MIN_TXN_LEASE_MS, {
          error: `must be at least ${MIN_TXN_LEASE_MS} ms: the Pravega client refuses a shorter transaction lease`,
        })
        .max(MAX_TXN_LEASE_MS, {
          error: `must be at most ${MAX_TXN_LEASE_MS} ms: the Pravega controller caps the transaction lease there`,
        })
        .optional(),
      writeLatencyMs: ms('writeLatencyMs').optional(),
      flushLatencyMs: ms('flushLatencyMs').optional(),
      commitLatencyMs: ms('commitLatencyMs').optional(),
      controllerRetry: retryPolicy.optional(),
      writerRetry: retryPolicy.optional(),
    })
    .optional(),
  restart: z
    .strictObject({
      attempts: z.int().min(0).max(100).optional(),
      delayMs: ms('delayMs').optional(),
      heartbeatTimeoutMs: positiveMs('heartbeatTimeoutMs').optional(),
    })
    .optional(),
  checker: z.strictObject({ isolation: z.enum(ISOLATIONS).optional() }).optional(),
  faults: z.array(faultSchema).max(MAX_FAULTS).optional(),
});

export type ScenarioInput = z.input<typeof scenarioInputSchema>;

/** A scenario with every default filled in: what the engine runs. */
export interface Scenario {
  version: 1;
  name: string;
  seed: number;
  mode: WriterMode;
  numEvents: number;
  source: {
    throttleIntervalMs: number;
    throttleUntilPosition: number;
    waitForFirstCheckpoint: boolean;
    eventIntervalMs: number;
    finalCheckpoints: number;
  };
  checkpoint: {
    intervalMs: number;
    timeoutMs: number;
    barrierTravelMs: number;
    notifyLatencyMs: number;
    /** Each task's notification arrives up to this much later than notifyLatencyMs, drawn per task. */
    notifyJitterMs: number;
    /** Flink's tolerable checkpoint failure number: consecutive declined or expired checkpoints allowed. */
    tolerableFailures: number;
  };
  sink: {
    parallelism: number;
    txnLeaseMs: number;
    writeLatencyMs: number;
    flushLatencyMs: number;
    commitLatencyMs: number;
    /** How the Pravega client retries an unreachable controller (ControllerImplConfig). */
    controllerRetry: RetryPolicy;
    /** How the event writer reconnects to the segment store and resends (EventWriterConfig). */
    writerRetry: RetryPolicy;
  };
  restart: { attempts: number; delayMs: number; heartbeatTimeoutMs: number };
  checker: { isolation: Isolation };
  faults: Fault[];
}

export interface RetryPolicy {
  attempts: number;
  initialBackoffMs: number;
  backoffMultiple: number;
  maxBackoffMs: number;
}

/**
 * ControllerImplConfig defaults: 10 attempts, 1 ms first backoff, x10 each time, at most 20 s
 * between tries: 1 + 10 + 100 + 1,000 + 10,000 + 4 x 20,000 = 91,111 ms before the call fails.
 */
export const CONTROLLER_RETRY_DEFAULTS: RetryPolicy = {
  attempts: 10,
  initialBackoffMs: 1,
  backoffMultiple: 10,
  maxBackoffMs: 20_000,
};

/**
 * EventWriterConfig defaults (retryAttempts 10, backoff 1 ms x10 up to 20 s): the send that found
 * the connection broken, then 10 reconnect attempts, so a write fails 111,111 ms after the store
 * stopped answering.
 */
export const WRITER_RETRY_DEFAULTS: RetryPolicy = {
  attempts: 11,
  initialBackoffMs: 1,
  backoffMultiple: 10,
  maxBackoffMs: 20_000,
};

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** Formats a zod path the way a person writes it: `faults[0].durationMs`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

export function formatZodError(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

/** Parses untrusted JSON (already decoded) into a complete scenario, or field-named errors. */
export function parseScenario(input: unknown): ParseResult<Scenario> {
  const parsed = scenarioInputSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: formatZodError(parsed.error) };
  const scenario = withDefaults(parsed.data);
  const errors = crossFieldErrors(scenario);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: scenario };
}

/** Parses scenario text; JSON syntax errors are reported like field errors. */
export function parseScenarioText(text: string): ParseResult<Scenario> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [`(root): not valid JSON: ${(error as Error).message}`] };
  }
  return parseScenario(json);
}

export function withDefaults(input: z.output<typeof scenarioInputSchema>): Scenario {
  const n = input.numEvents;
  return {
    version: 1,
    name: input.name ?? 'untitled',
    seed: input.seed ?? 1,
    mode: input.mode,
    numEvents: n,
    source: {
      throttleIntervalMs: input.source?.throttleIntervalMs ?? 5,
      throttleUntilPosition: input.source?.throttleUntilPosition ?? Math.floor(n / 3),
      waitForFirstCheckpoint: input.source?.waitForFirstCheckpoint ?? true,
      eventIntervalMs: input.source?.eventIntervalMs ?? 1,
      finalCheckpoints: input.source?.finalCheckpoints ?? 2,
    },
    checkpoint: {
      intervalMs: input.checkpoint?.intervalMs ?? 100,
      timeoutMs: input.checkpoint?.timeoutMs ?? 600_000,
      barrierTravelMs: input.checkpoint?.barrierTravelMs ?? 1,
      notifyLatencyMs: input.checkpoint?.notifyLatencyMs ?? 1,
      notifyJitterMs: input.checkpoint?.notifyJitterMs ?? 0,
      tolerableFailures: input.checkpoint?.tolerableFailures ?? 0,
    },
    sink: {
      parallelism: input.sink?.parallelism ?? 2,
      txnLeaseMs: input.sink?.txnLeaseMs ?? 30_000,
      writeLatencyMs: input.sink?.writeLatencyMs ?? 2,
      flushLatencyMs: input.sink?.flushLatencyMs ?? 2,
      commitLatencyMs: input.sink?.commitLatencyMs ?? 5,
      controllerRetry: { ...CONTROLLER_RETRY_DEFAULTS, ...input.sink?.controllerRetry },
      writerRetry: { ...WRITER_RETRY_DEFAULTS, ...input.sink?.writerRetry },
    },
    restart: {
      attempts: input.restart?.attempts ?? 1,
      delayMs: input.restart?.delayMs ?? 0,
      // Flink's heartbeat.timeout default.
      heartbeatTimeoutMs: input.restart?.heartbeatTimeoutMs ?? 50_000,
    },
    checker: { isolation: input.checker?.isolation ?? 'read_committed' },
    faults: input.faults ?? [],
  };
}

function crossFieldErrors(s: Scenario): string[] {
  const errors: string[] = [];
  if (s.source.throttleUntilPosition > s.numEvents) {
    errors.push(`source.throttleUntilPosition: must be at most numEvents (${s.numEvents})`);
  }
  if (s.source.throttleUntilPosition === 0 && s.source.waitForFirstCheckpoint) {
    errors.push(
      'source.throttleUntilPosition: must be at least 1 while source.waitForFirstCheckpoint is true: the source would block before its first value, waiting for a checkpoint of a position above -1 that can never come',
    );
  }
  s.faults.forEach((fault, i) => {
    for (const error of faultCrossFieldErrors(fault, {
      numEvents: s.numEvents,
      parallelism: s.sink.parallelism,
    }))
      errors.push(`faults[${i}].${error}`);
    if ('atMs' in fault && fault.atMs !== undefined && fault.atMs > MAX_VIRTUAL_TIME_MS / 2) {
      errors.push(`faults[${i}].atMs: must be at most ${MAX_VIRTUAL_TIME_MS / 2}`);
    }
  });
  return errors;
}
