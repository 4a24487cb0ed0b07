import { writeFileSync } from 'node:fs';
import {
  describeFault,
  minimalInput,
  NothingToShrinkError,
  type Report,
  type Scenario,
  SHRINK_TARGETS,
  type ShrinkTarget,
  shrink,
} from '@eolab/engine';
import { parseFlags, UsageError } from './args';

/**
 * `eolab shrink`: a smallest schedule with the same kind of outcome (a broken guarantee, a loss,
 * duplicates) as the one given, printing each step, then the shrunk scenario file.
 */

interface Output {
  write(text: string): unknown;
}

export const SHRINK_HELP = `eolab shrink --scenario FILE|--preset NAME [--mode MODE] [--keep KIND] [--out FILE] [--json]

  Finds a smallest schedule with the same kind of outcome as the one given: fewer faults (delta
  debugging over the fault list), each fault as early and as short as it can be, fewer events,
  and every knob as close to its default as keeps the outcome. Prints each step, then the shrunk
  scenario file (only what differs from the defaults), which eolab run --scenario replays.
  --keep KIND   the outcome to keep: ${SHRINK_TARGETS.join(', ')} (default: the first of them the
                run has; a violation is a mode breaking its guarantee where its preconditions hold)
  --out FILE    also writes the shrunk scenario file there
  --json        prints one JSON object instead: the outcome kept, the steps, the scenario file
  Exits 2 when the run has no such outcome.`;

type LoadScenario = (
  preset: string | undefined,
  file: string | undefined,
  mode: Scenario['mode'] | undefined,
) => Scenario;

export function shrinkCommand(
  args: readonly string[],
  loadScenario: LoadScenario,
  parseMode: (value: string) => Scenario['mode'],
  out: Output,
): number {
  const flags = parseFlags(args, {
    preset: { type: 'string' },
    scenario: { type: 'string' },
    mode: { type: 'string' },
    keep: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
  });
  const mode = flags.mode === undefined ? undefined : parseMode(String(flags.mode));
  const target = flags.keep === undefined ? undefined : parseTarget(String(flags.keep));
  const scenario = loadScenario(
    flags.preset as string | undefined,
    flags.scenario as string | undefined,
    mode,
  );
  const json = flags.json === true;
  let result: ReturnType<typeof shrink>;
  try {
    result = shrink(scenario, {
      target,
      onStep: json
        ? undefined
        : (step) => out.write(`  ${step.what} (${step.runs} ${step.runs === 1 ? 'run' : 'runs'})\n`),
    });
  } catch (error) {
    if (error instanceof NothingToShrinkError) throw new UsageError(error.message);
    throw error;
  }
  const file = minimalInput(result.scenario);
  const text = `${JSON.stringify(file, null, 2)}\n`;
  if (flags.out !== undefined) writeFile(String(flags.out), text);
  if (json) {
    const steps = result.steps.map(({ what, runs }) => ({ what, runs }));
    out.write(
      `${JSON.stringify({ kept: result.target, runs: result.runs, steps, scenario: file }, null, 2)}\n`,
    );
    return 0;
  }
  out.write(
    `${summary(result.original, result.scenario, result.target, result.report, result.runs)}\n${text}`,
  );
  return 0;
}

function parseTarget(value: string): ShrinkTarget {
  const target = SHRINK_TARGETS.find((t) => t === value);
  if (target === undefined)
    throw new UsageError(`--keep: expected one of ${SHRINK_TARGETS.join(', ')}, got '${value}'`);
  return target;
}

function writeFile(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new UsageError(`--out: cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

function summary(
  before: Scenario,
  after: Scenario,
  kept: ShrinkTarget,
  report: Report,
  runs: number,
): string {
  const faults = after.faults.map(describeFault).join(', ') || 'no fault';
  return [
    `shrunk in ${runs} runs, keeping the ${kept}: ${before.faults.length} faults -> ${after.faults.length} (${faults}), ${before.numEvents} events -> ${after.numEvents}`,
    `  ${report.verdict}: ${report.counts.duplicates} duplicates, ${report.counts.lost} lost; replay it with eolab run --scenario FILE`,
  ].join('\n');
}
