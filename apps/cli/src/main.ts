import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import {
  PRESETS,
  parseScenarioText,
  presetScenario,
  type Report,
  type Scenario,
  Simulation,
  type SweepResult,
  type SweepSpec,
  sweepRange,
  WRITER_MODES,
  type WriterMode,
} from '@eolab/engine';
import { parseFlags, UsageError, wantsHelp } from './args';
import { fleetSweepCommand, workerCommand } from './fleet/fleet-command';
import { formatSummary, formatSweepTable } from './format';
import { parallelSweep } from './parallel-sweep';
import { sweepProgress } from './progress';
import { parseBackend, runRealCommand, verifyCommand } from './real-backend';
import { SHRINK_HELP, shrinkCommand } from './shrink-command';
import { SWEEP_DRAW_FLAGS, sweepDraw } from './sweep-draw';
import { onSystem, SYSTEM_HELP } from './system-flag';
import { withSweepPool } from './worker-pool';

/** The CLI's version: its package's, read from src/ and dist/ alike (both sit beside package.json). */
const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

export const EXIT_OK = 0;
export const EXIT_VIOLATION = 1;
export const EXIT_BAD_INPUT = 2;

const USAGE = `eolab — the Pravega/Flink exactly-once sample, simulated

Usage:
  eolab run --preset NAME [--mode MODE] [--system SYSTEM] [--backend model|postgres] [--json]
  eolab run --scenario FILE [--mode MODE] [--system SYSTEM] [--backend model|postgres] [--json]
  eolab verify --preset NAME|--scenario FILE [--mode MODE] [--system SYSTEM] [--json]
  eolab verify --schedules N [--seed S] [--system SYSTEM] [--json]
  eolab sweep [--schedules N] [--seed S] [--workers W | --redis URL] [--preset NAME|--scenario FILE] [--system SYSTEM] [--kinds K,...] [--max-faults F]
  eolab worker --redis URL
  eolab shrink --preset NAME|--scenario FILE [--mode MODE] [--keep KIND] [--out FILE] [--json]
  eolab presets
  eolab --version

  eolab COMMAND --help says more about each command.
  MODE is one of ${WRITER_MODES.join(', ')} (any case; '-' for '_').
Exit codes: 0 success, 1 a guarantee was violated (or verify found a difference), 2 bad input.`;

/** What `eolab COMMAND --help` prints. */
const COMMAND_HELP: Record<string, string> = {
  run: `eolab run --preset NAME|--scenario FILE [--mode MODE] [--system SYSTEM] [--backend model|postgres] [--json]

  Runs one scenario to its end and prints the sample's writer and checker lines, then the
  whole-stream checker's findings (verdict, how the run ended, duplicates, lost and never-emitted
  values, and why each happened).
  --preset NAME     one of the presets (eolab presets lists them)
  --scenario FILE   a scenario file (JSON; see the README's "Scenario files")
  --mode MODE       overrides the writer mode: ${WRITER_MODES.join(', ')}
  --system SYSTEM   ${SYSTEM_HELP}
  --backend         model (default: the deterministic simulation) or postgres (the job for real)
  --json            prints the full report instead`,
  verify: `eolab verify --preset NAME|--scenario FILE [--mode MODE] [--system SYSTEM] [--json]
eolab verify --schedules N [--seed S] [--system SYSTEM] [--json]

  Runs the model and the job for real against PostgreSQL, and compares their reports: the same
  duplicate and missing values where the schedule is deterministic, the same outcome class where
  timing decides. A preset without --mode is verified in every mode. Exits 1 on a difference.
  On Kafka the real job runs Kafka's transaction rules built on PostgreSQL (a partition log with
  markers, producer epochs, the coordinator's timeouts, the last stable offset).
  --system SYSTEM  ${SYSTEM_HELP}; with --schedules, the schedules are drawn and run on that system
  --schedules N  draws N random schedules (from seed S, default 1) of the faults the real backend
                 reproduces, each in one writer mode, and prints an agreement table: agree (value
                 for value), timing decides (the same outcome class, other values, and why), or
                 DIFFER (exits 1). A second or two per schedule, more with a store outage.
  --json         prints JSON alone on stdout (the summary line goes to stderr)`,
  sweep: `eolab sweep [--schedules N] [--seed S] [--workers W | --redis URL] [--preset NAME|--scenario FILE] [--system SYSTEM] [--kinds K,...] [--max-faults F]

  Runs N random fault schedules (default 200) from seed S (default 1) in every writer mode and
  prints a table of outcomes per mode and fault kind. Exits 1 when a mode breaks its guarantee
  where its preconditions hold, printing each such schedule to reproduce it. W worker threads
  share the schedules (default: one per core); the table is the same whatever W.
  --preset NAME|--scenario FILE  sweeps on that scenario: its knobs and faults, 0 to F random
                                 faults added (default: random knobs too)
  --kinds K,...                  draws faults of these kinds only (default: every kind)
  --max-faults F                 at most F random faults per schedule (default 4)
  The dashboard's Sweep page takes the same choices and gives the same table.
  --redis URL puts the schedules on a queue in Redis for a fleet of \`eolab worker\` processes on
  any machines instead, and prints the same table.`,
  worker: `eolab worker --redis URL

  Takes sweep chunks from the queue in Redis that \`eolab sweep --redis URL\` fills, one at a time,
  until Ctrl-C or SIGTERM. Start one per core, on as many machines as you like; a worker that dies
  leaves its chunk to another.`,
  shrink: SHRINK_HELP,
  presets: `eolab presets

  Lists the presets: the sample itself and a gallery of real incidents, each with what it shows.`,
};

interface Output {
  write(text: string): unknown;
  /** Set on a terminal: the sweep then draws a progress bar instead of progress lines. */
  isTTY?: boolean;
  columns?: number;
}

export async function main(argv: readonly string[], out: Output, err: Output): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command !== undefined && COMMAND_HELP[command] !== undefined && wantsHelp(rest)) {
      out.write(`${COMMAND_HELP[command]}\n`);
      return EXIT_OK;
    }
    switch (command) {
      case 'run':
        return run(rest, out, err);
      case 'sweep':
        return await runSweep(rest, out, err);
      case 'worker':
        return await workerCommand(rest, out, err);
      case 'verify':
        return await verifyCommand(rest, loadScenario, parseMode, out, err);
      case 'shrink':
        return shrinkCommand(rest, loadScenario, parseMode, out);
      case 'presets': {
        parseFlags(rest, {});
        const width = Math.max(...PRESETS.map((p) => p.id.length));
        for (const p of PRESETS) out.write(`${p.id.padEnd(width)}  ${p.description}\n`);
        return EXIT_OK;
      }
      case '--version':
      case '-v':
        out.write(`eolab ${VERSION}\n`);
        return EXIT_OK;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out.write(`${USAGE}\n`);
        return command === undefined ? EXIT_BAD_INPUT : EXIT_OK;
      default:
        throw new UsageError(
          `unknown command '${command}' (expected run, sweep, worker, verify, shrink or presets)`,
        );
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
    system: { type: 'string' },
    json: { type: 'boolean' },
    backend: { type: 'string' },
  });
  const backend = parseBackend(flags.backend as string | undefined);
  const mode = flags.mode === undefined ? undefined : parseMode(String(flags.mode));
  const scenario = onSystem(
    loadScenario(flags.preset as string | undefined, flags.scenario as string | undefined, mode),
    flags.system as string | undefined,
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

/** A writer mode in any case, with '-' for '_' (`exactly-once` is EXACTLY_ONCE). */
function parseMode(value: string): WriterMode {
  const mode = WRITER_MODES.find((m) => m === value.toUpperCase().replaceAll('-', '_'));
  if (mode === undefined)
    throw new UsageError(`--mode: expected one of ${WRITER_MODES.join(', ')}, got '${value}'`);
  return mode;
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
    redis: { type: 'string' },
    ...SWEEP_DRAW_FLAGS,
  });
  const draw = sweepDraw(flags, loadScenario);
  const schedules = (flags.schedules as number | undefined) ?? 200;
  const seed = (flags.seed as number | undefined) ?? 1;
  const requested = (flags.workers as number | undefined) ?? availableParallelism();
  if (schedules < 1 || schedules > 1_000_000) throw new UsageError('--schedules: expected 1 to 1,000,000');
  if (requested < 1 || requested > 256) throw new UsageError('--workers: expected 1 to 256');
  const workers = Math.min(requested, schedules);
  if (flags.redis !== undefined && flags.workers !== undefined)
    throw new UsageError('--workers: not with --redis (the fleet has as many workers as are started)');
  err.write(`sweep: ${schedules} schedules x ${WRITER_MODES.length} modes from seed=${seed}\n`);
  const progress = sweepProgress(schedules, err);
  let result: SweepResult;
  try {
    result =
      flags.redis === undefined
        ? await sweepOn(workers, { schedules, seed, ...draw }, (done) => progress.update(done))
        : await fleetSweepCommand(
            String(flags.redis),
            { schedules, seed, ...draw },
            (done) => progress.update(done),
            err,
          );
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
  spec: SweepSpec,
  onProgress: (done: number) => void,
): Promise<SweepResult> {
  const { schedules, seed, ...draw } = spec;
  if (workers === 1) return sweepRange(spec, 0, schedules, { onProgress });
  return withSweepPool(workers, (runChunk) =>
    parallelSweep(
      schedules,
      seed,
      workers,
      runChunk,
      onProgress,
      Object.keys(draw).length > 0 ? draw : undefined,
    ),
  );
}
