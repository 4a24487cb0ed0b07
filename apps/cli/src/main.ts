import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import {
  PRESETS,
  parseScenarioText,
  presetScenario,
  type Report,
  type Scenario,
  Simulation,
  type SweepResult,
  sweep,
  WRITER_MODES,
  type WriterMode,
} from '@eolab/engine';
import { parseFlags, UsageError } from './args';
import { formatSummary, formatSweepTable } from './format';
import { parallelSweep } from './parallel-sweep';
import { sweepProgress } from './progress';
import { parseBackend, runRealCommand, verifyCommand } from './real-backend';
import { withSweepPool } from './worker-pool';

export const EXIT_OK = 0;
export const EXIT_VIOLATION = 1;
export const EXIT_BAD_INPUT = 2;

const USAGE = `eolab — the Pravega/Flink exactly-once sample, simulated

Usage:
  eolab run --preset NAME [--mode MODE] [--backend model|postgres] [--json]
  eolab run --scenario FILE [--mode MODE] [--backend model|postgres] [--json]
  eolab verify --preset NAME|--scenario FILE [--mode MODE] [--json]
  eolab sweep [--schedules N] [--seed S] [--workers W]
  eolab presets

  MODE is one of ${WRITER_MODES.join(', ')}.
  run     prints the sample's writer and checker lines (or the full report with --json);
          --backend postgres runs the job for real against PostgreSQL (EOLAB_POSTGRES_URL or its own)
  verify  runs the model and PostgreSQL and compares them (a preset without --mode: all modes);
          exits 1 on a difference
  sweep   runs random fault schedules in every mode and prints a table of outcomes;
          exits 1 when a mode breaks its guarantee where its preconditions hold;
          W worker threads share the schedules (default: one per core), same table whatever W
Exit codes: 0 success, 1 a guarantee was violated, 2 bad input.`;

interface Output {
  write(text: string): unknown;
  /** Set on a terminal: the sweep then draws a progress bar instead of progress lines. */
  isTTY?: boolean;
  columns?: number;
}

export async function main(argv: readonly string[], out: Output, err: Output): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return run(rest, out, err);
      case 'sweep':
        return await runSweep(rest, out, err);
      case 'verify':
        return await verifyCommand(rest, loadScenario, parseMode, out, err);
      case 'presets':
        for (const p of PRESETS) out.write(`${p.id.padEnd(14)} ${p.description}\n`);
        return EXIT_OK;
      case undefined:
      case 'help':
      case '--help':
        out.write(`${USAGE}\n`);
        return command === undefined ? EXIT_BAD_INPUT : EXIT_OK;
      default:
        throw new UsageError(`unknown command '${command}' (expected run, sweep, verify or presets)`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      err.write(`eolab: ${error.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
}

function run(args: readonly string[], out: Output, err: Output): number | Promise<number> {
  const flags = parseFlags(args, {
    preset: { type: 'string' },
    scenario: { type: 'string' },
    mode: { type: 'string' },
    json: { type: 'boolean' },
    backend: { type: 'string' },
  });
  const backend = parseBackend(flags.backend as string | undefined);
  const mode = flags.mode === undefined ? undefined : parseMode(String(flags.mode));
  const scenario = loadScenario(
    flags.preset as string | undefined,
    flags.scenario as string | undefined,
    mode,
  );
  if (backend === 'postgres') return runRealCommand(scenario, flags.json === true, out, err);
  const report = new Simulation(scenario).runToEnd();
  if (flags.json === true) out.write(`${JSON.stringify(report, null, 2)}\n`);
  else printRun(report, out);
  return EXIT_OK;
}

function loadScenario(
  preset: string | undefined,
  file: string | undefined,
  mode: WriterMode | undefined,
): Scenario {
  if ((preset === undefined) === (file === undefined))
    throw new UsageError('give exactly one of --preset or --scenario');
  if (preset !== undefined) {
    const scenario = presetScenario(preset, mode ?? 'EXACTLY_ONCE');
    if (scenario === undefined) {
      throw new UsageError(
        `--preset: unknown preset '${preset}' (expected one of ${PRESETS.map((p) => p.id).join(', ')})`,
      );
    }
    return scenario;
  }
  let text: string;
  try {
    text = readFileSync(file!, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--scenario: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  const parsed = parseScenarioText(text);
  if (!parsed.ok) throw new UsageError(`${file} is not a valid scenario:\n  ${parsed.errors.join('\n  ')}`);
  return mode === undefined ? parsed.value : { ...parsed.value, mode };
}

function parseMode(value: string): WriterMode {
  if (!(WRITER_MODES as readonly string[]).includes(value)) {
    throw new UsageError(`--mode: expected one of ${WRITER_MODES.join(', ')}, got '${value}'`);
  }
  return value as WriterMode;
}

/** The sample's console lines (writer and checker, in order), then our whole-stream summary. */
function printRun(report: Report, out: Output): void {
  for (const line of report.log) out.write(`${line}\n`);
  if (report.logOmitted > 0) out.write(`... (${report.logOmitted} more lines)\n`);
  out.write(`\n${formatSummary(report)}\n`);
}

async function runSweep(args: readonly string[], out: Output, err: Output): Promise<number> {
  const flags = parseFlags(args, {
    schedules: { type: 'integer' },
    seed: { type: 'integer' },
    workers: { type: 'integer' },
  });
  const schedules = (flags.schedules as number | undefined) ?? 200;
  const seed = (flags.seed as number | undefined) ?? 1;
  const requested = (flags.workers as number | undefined) ?? availableParallelism();
  if (schedules < 1 || schedules > 1_000_000) throw new UsageError('--schedules: expected 1 to 1,000,000');
  if (requested < 1 || requested > 256) throw new UsageError('--workers: expected 1 to 256');
  const workers = Math.min(requested, schedules);
  err.write(`sweep: ${schedules} schedules x ${WRITER_MODES.length} modes from seed=${seed}\n`);
  const progress = sweepProgress(schedules, err);
  let result: SweepResult;
  try {
    result = await sweepOn(workers, schedules, seed, (done) => progress.update(done));
  } finally {
    progress.finish();
  }
  out.write(`${formatSweepTable(result)}\n`);
  if (result.violations.length === 0) return EXIT_OK;
  for (const v of result.violations.slice(0, 10)) {
    out.write(
      `VIOLATION seed=${v.seed}: ${v.message}\n  reproduce: eolab run --scenario <file with this JSON>\n  ${JSON.stringify(v.scenario)}\n`,
    );
  }
  return EXIT_VIOLATION;
}

/** A single worker runs on this thread: no thread to start, nothing to copy between threads. */
async function sweepOn(
  workers: number,
  schedules: number,
  seed: number,
  onProgress: (done: number) => void,
): Promise<SweepResult> {
  if (workers === 1) return sweep(schedules, seed, onProgress);
  return withSweepPool(workers, (runChunk) => parallelSweep(schedules, seed, workers, runChunk, onProgress));
}
