import { presetScenario, type Scenario, WRITER_MODES } from '@eolab/engine';
import type { PostgresReport, Verification } from '@eolab/postgres-backend';
import { parseFlags, UsageError } from './args';
import { formatSummary } from './format';
import { onSystem, parseSystem } from './system-flag';
import { verifySchedulesCommand } from './verify-schedules';

/**
 * `eolab run --backend postgres` and `eolab verify`: the sample's job run for real against
 * PostgreSQL (packages/postgres-backend), and held against the model. Kept apart from main.ts so
 * the simulated commands do not load pg or fork anything.
 */

interface Output {
  write(text: string): unknown;
}

type Backend = typeof import('@eolab/postgres-backend');

/**
 * The real backend (compiled, like the CLI), loaded on first use only: the CLI stays quick for
 * the simulated commands and never loads pg.
 */
function loadBackend(): Promise<Backend> {
  return import('@eolab/postgres-backend');
}

export const BACKENDS = ['model', 'postgres'] as const;

export function parseBackend(value: string | undefined): (typeof BACKENDS)[number] {
  if (value === undefined) return 'model';
  if (!(BACKENDS as readonly string[]).includes(value))
    throw new UsageError(`--backend: expected one of ${BACKENDS.join(', ')}, got '${value}'`);
  return value as (typeof BACKENDS)[number];
}

/** Expected failures of a real run, as exit code 2 with a sentence; anything else is a bug and throws. */
async function guarded(err: Output, body: (pg: Backend) => Promise<number>): Promise<number> {
  const pg = await loadBackend();
  try {
    return await body(pg);
  } catch (error) {
    if (error instanceof UsageError) {
      err.write(`eolab: ${error.message}\n`);
      return 2;
    }
    if (error instanceof pg.UnsupportedScenarioError) {
      err.write(`eolab: the postgres backend cannot run this scenario:\n  ${error.reasons.join('\n  ')}\n`);
      return 2;
    }
    if (error instanceof pg.PostgresUnavailableError) {
      err.write(`eolab: PostgreSQL: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

export function runRealCommand(scenario: Scenario, json: boolean, out: Output, err: Output): Promise<number> {
  return guarded(err, async (pg) => {
    const report = await pg.runOnPostgres(scenario);
    if (json) out.write(`${JSON.stringify(report, null, 2)}\n`);
    else printRealRun(report, out);
    return 0;
  });
}

function printRealRun(report: PostgresReport, out: Output): void {
  for (const line of report.log) out.write(`${line}\n`);
  if (report.logOmitted > 0) out.write(`... (${report.logOmitted} more lines)\n`);
  out.write(`\n${formatSummary(report).replace('of virtual time', 'of real time')}\n`);
  out.write(`Backend: ${report.server.version} (${report.server.kind}), run ${report.runId}\n`);
}

/**
 * `eolab verify`: the scenario in the model and against PostgreSQL, compared. A preset without
 * --mode is verified in all three writer modes on one server.
 */
export function verifyCommand(
  args: readonly string[],
  loadScenario: (
    preset: string | undefined,
    file: string | undefined,
    mode: Scenario['mode'] | undefined,
  ) => Scenario,
  parseMode: (value: string) => Scenario['mode'],
  out: Output,
  err: Output,
): Promise<number> {
  return guarded(err, async (pg) => {
    const flags = parseFlags(args, {
      preset: { type: 'string' },
      scenario: { type: 'string' },
      mode: { type: 'string' },
      json: { type: 'boolean' },
      schedules: { type: 'integer' },
      seed: { type: 'integer' },
      system: { type: 'string' },
    });
    const system = flags.system as string | undefined;
    if (flags.schedules !== undefined || flags.seed !== undefined)
      return verifySchedulesCommand(pg, flags, parseSystem(system) ?? 'pravega', out, err);
    const mode = flags.mode === undefined ? undefined : parseMode(String(flags.mode));
    const preset = flags.preset as string | undefined;
    const first = onSystem(loadScenario(preset, flags.scenario as string | undefined, mode), system);
    const scenarios =
      preset !== undefined && mode === undefined
        ? WRITER_MODES.map((m) => onSystem(presetScenario(preset, m)!, system))
        : [first];
    // What the backend cannot run is refused before PostgreSQL starts (a Kafka coordinator outage among them).
    for (const scenario of scenarios) {
      const reasons = pg.unsupportedReasons(scenario);
      if (reasons.length > 0) throw new pg.UnsupportedScenarioError(reasons);
    }
    const server = await pg.startPostgres();
    const results: Verification[] = [];
    try {
      for (const scenario of scenarios) {
        const result = await pg.verifyScenario(scenario, server);
        results.push(result);
        if (flags.json !== true) out.write(`${formatVerification(result)}\n`);
      }
    } finally {
      await server.stop();
    }
    if (flags.json === true) out.write(`${JSON.stringify(results, null, 2)}\n`);
    const disagreements = results.filter((r) => r.differences.length > 0).length;
    // With --json, stdout is the JSON alone: the summary goes to stderr.
    (flags.json === true ? err : out).write(
      disagreements === 0
        ? `verify: the real run agrees with the model in ${results.length} of ${results.length}\n`
        : `verify: the real run differs from the model in ${disagreements} of ${results.length}\n`,
    );
    return disagreements === 0 ? 0 : 1;
  });
}

function formatVerification(v: Verification): string {
  const line = (
    who: string,
    r: { verdict: string; duplicates: number[]; missing: number[]; finished: boolean },
  ) =>
    `  ${who.padEnd(9)} ${r.verdict.padEnd(19)} duplicates ${values(r.duplicates)}; missing ${values(r.missing)}; ${r.finished ? 'finished' : 'failed'}`;
  return [
    `${v.scenario.name} ${v.scenario.mode}: ${
      v.timingDecides === null
        ? 'deterministic schedule: the duplicate and missing sets must be identical'
        : `timing decides (${v.timingDecides}): the outcome class must be the same`
    }`,
    line('model', v.model),
    line('postgres', v.postgres),
    ...(v.differences.length === 0 ? ['  agree'] : v.differences.map((d) => `  DIFFERENCE: ${d}`)),
    ...v.notes.map((n) => `  note: ${n}`),
  ].join('\n');
}

function values(list: number[]): string {
  if (list.length === 0) return 'none';
  const shown = list.slice(0, 12).join(', ');
  return list.length > 12 ? `${list.length} (${shown}, ...)` : shown;
}
