import { z } from 'zod';

/**
 * The scenario file: versioned, shareable JSON. Only `mode` and `numEvents` are required;
 * every other field defaults to the Pravega sample's value. Unknown fields are errors so a
 * typo is never silently ignored.
 */

export const WRITER_MODES = ['BEST_EFFORT', 'ATLEAST_ONCE', 'EXACTLY_ONCE'] as const;
export type WriterMode = (typeof WRITER_MODES)[number];

export const ISOLATIONS = ['read_committed', 'read_uncommitted'] as const;
export type Isolation = (typeof ISOLATIONS)[number];

export const FAULT_KINDS = [
  'mapper-exception',
  'crash-after-precommit',
  'crash-before-notify',
  'notify-lost',
  'crash-during-commit',
  'checkpoint-abort',
  'store-outage',
  'controller-outage',
  'job-pause',
  'zombie-writer',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults tied to a stage of one checkpoint: they name it, or take the first one at or after `atMs`. */
export const CHECKPOINT_FAULT_KINDS = [
  'crash-after-precommit',
  'crash-before-notify',
  'notify-lost',
  'crash-during-commit',
  'checkpoint-abort',
] as const satisfies readonly FaultKind[];
export type CheckpointFaultKind = (typeof CHECKPOINT_FAULT_KINDS)[number];

/** Faults that last a while. */
export const DURATION_FAULT_KINDS = [
  'store-outage',
  'controller-outage',
  'job-pause',
  'zombie-writer',
] as const satisfies readonly FaultKind[];
export type DurationFaultKind = (typeof DURATION_FAULT_KINDS)[number];

/** One sentence per fault kind, for the CLI, the API and the dashboard. */
export const FAULT_DESCRIPTIONS: Record<FaultKind, string> = {
  'mapper-exception':
    "The sample's artificial exception: the mapper throws, the job fails over and restores from its last completed checkpoint.",
  'crash-after-precommit': 'The job fails after every sink pre-committed checkpoint K, before K completes.',
  'crash-before-notify':
    'Checkpoint K completes at the coordinator, then the job fails before the sinks hear about it.',
  'notify-lost': "Checkpoint K's completion notification never reaches the tasks; the job keeps running.",
  'crash-during-commit': 'On K’s notification subtask 0 commits, then the job fails before subtask 1 does.',
  'checkpoint-abort': 'Checkpoint K is declined after the sinks pre-committed, so it never completes.',
  'store-outage': 'The segment store rejects writes and flushes for a while.',
  'controller-outage': 'The controller is unreachable: transaction begin, commit and lease renewal fail.',
  'job-pause': 'The whole job freezes (a long GC pause): no processing, no lease renewal.',
  'zombie-writer': "The job fails over, but the old attempt's tasks keep running and writing for a while.",
};

/** Virtual time is an integer number of milliseconds that must stay a small integer. */
export const MAX_VIRTUAL_TIME_MS = 2 ** 31 - 1;
export const MAX_NUM_EVENTS = 50_000_000;
export const MAX_FAULTS = 1000;

const ms = (what: string) => z.int({ error: `${what} must be a whole number of milliseconds` }).min(0);
const positiveMs = (what: string) => ms(what).min(1, { error: `${what} must be at least 1 ms` });

const mapperFault = z
  .strictObject({
    kind: z.literal('mapper-exception'),
    atElement: z.int().min(1).optional(),
    atMs: ms('atMs').optional(),
  })
  .refine((f) => (f.atElement === undefined) !== (f.atMs === undefined), {
    error: 'mapper-exception needs exactly one of atElement or atMs',
  });

const checkpointFault = z
  .strictObject({
    kind: z.enum(CHECKPOINT_FAULT_KINDS),
    checkpoint: z.int().min(1).optional(),
    atMs: ms('atMs').optional(),
  })
  .refine((f) => (f.checkpoint === undefined) !== (f.atMs === undefined), {
    error: 'this fault needs exactly one of checkpoint or atMs',
  });

const durationFault = z.strictObject({
  kind: z.enum(DURATION_FAULT_KINDS),
  atMs: ms('atMs'),
  durationMs: positiveMs('durationMs'),
});

export const faultSchema = z.union([mapperFault, checkpointFault, durationFault], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `expected a fault with kind one of ${FAULT_KINDS.join(', ')}`
      : undefined,
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
    })
    .optional(),
  sink: z
    .strictObject({
      parallelism: z.int().min(1).max(16).optional(),
      txnLeaseMs: positiveMs('txnLeaseMs').optional(),
      writeLatencyMs: ms('writeLatencyMs').optional(),
      flushLatencyMs: ms('flushLatencyMs').optional(),
      commitLatencyMs: ms('commitLatencyMs').optional(),
    })
    .optional(),
  restart: z
    .strictObject({
      attempts: z.int().min(0).max(100).optional(),
      delayMs: ms('delayMs').optional(),
    })
    .optional(),
  checker: z.strictObject({ isolation: z.enum(ISOLATIONS).optional() }).optional(),
  faults: z.array(faultSchema).max(MAX_FAULTS).optional(),
});

export type ScenarioInput = z.input<typeof scenarioInputSchema>;
export type Fault = z.output<typeof faultSchema>;

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
  checkpoint: { intervalMs: number; timeoutMs: number; barrierTravelMs: number; notifyLatencyMs: number };
  sink: {
    parallelism: number;
    txnLeaseMs: number;
    writeLatencyMs: number;
    flushLatencyMs: number;
    commitLatencyMs: number;
  };
  restart: { attempts: number; delayMs: number };
  checker: { isolation: Isolation };
  faults: Fault[];
}

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
    },
    sink: {
      parallelism: input.sink?.parallelism ?? 2,
      txnLeaseMs: input.sink?.txnLeaseMs ?? 30_000,
      writeLatencyMs: input.sink?.writeLatencyMs ?? 2,
      flushLatencyMs: input.sink?.flushLatencyMs ?? 2,
      commitLatencyMs: input.sink?.commitLatencyMs ?? 5,
    },
    restart: { attempts: input.restart?.attempts ?? 1, delayMs: input.restart?.delayMs ?? 0 },
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
    if (
      fault.kind === 'mapper-exception' &&
      fault.atElement !== undefined &&
      fault.atElement > s.numEvents + 1
    ) {
      errors.push(`faults[${i}].atElement: must be at most numEvents + 1 (${s.numEvents + 1})`);
    }
    if ('atMs' in fault && fault.atMs !== undefined && fault.atMs > MAX_VIRTUAL_TIME_MS / 2) {
      errors.push(`faults[${i}].atMs: must be at most ${MAX_VIRTUAL_TIME_MS / 2}`);
    }
  });
  return errors;
}
