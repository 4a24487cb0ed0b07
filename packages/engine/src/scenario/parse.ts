import type { z } from 'zod';
import { KAFKA_DEFAULTS, withDefaults } from './defaults';
import { faultCrossFieldErrors } from './fault-catalogue';
import { MAX_VIRTUAL_TIME_MS, type Scenario, scenarioInputSchema } from './schema';

/** Untrusted scenario JSON in, a complete scenario or errors that name their field out. */

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
  // A full scenario carries Kafka's defaults whatever its system; only a setting of its own is a mistake.
  if (scenario.system !== 'kafka') {
    for (const [key, value] of Object.entries(parsed.data.kafka ?? {}))
      if (value !== KAFKA_DEFAULTS[key as keyof typeof KAFKA_DEFAULTS])
        errors.unshift(
          `kafka.${key}: Kafka's settings need "system": "kafka" (this scenario runs on Pravega)`,
        );
  }
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
  if (s.restart.heartbeatTimeoutMs < s.restart.heartbeatIntervalMs) {
    errors.push(
      `restart.heartbeatTimeoutMs: must be at least restart.heartbeatIntervalMs (${s.restart.heartbeatIntervalMs} ms): Flink's HeartbeatServices refuses a heartbeat timeout shorter than its interval`,
    );
  }
  s.faults.forEach((fault, i) => {
    if (s.system === 'kafka' && fault.kind === 'commit-rejected')
      errors.push(
        `faults[${i}].kind: commit-rejected is Pravega's TxnFailedException on a commit; Kafka has no such answer (a Kafka commit fails only when its producer was fenced)`,
      );
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
