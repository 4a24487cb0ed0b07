import { describeFault, minimalInput, type Report, type System } from '@eolab/engine';
import type { ScheduleVerification } from '@eolab/postgres-backend';
import { type Flags, UsageError } from './args';

/**
 * `eolab verify --schedules N [--seed S] [--json]`: random schedules of the faults the real backend
 * reproduces, each on the model and on PostgreSQL, and an agreement table. Exits 1 when one
 * differs other than where timing decides.
 */

interface Output {
  write(text: string): unknown;
}

type Backend = typeof import('@eolab/postgres-backend');

const AGREEMENT_WORDS: Record<ScheduleVerification['agreement'], string> = {
  agree: 'agree',
  timing: 'timing decides',
  differ: 'DIFFER',
};

export async function verifySchedulesCommand(
  pg: Backend,
  flags: Flags,
  system: System,
  out: Output,
  err: Output,
): Promise<number> {
  if (flags.preset !== undefined || flags.scenario !== undefined || flags.mode !== undefined)
    throw new UsageError(
      '--schedules draws its own schedules: give it without --preset, --scenario or --mode',
    );
  if (flags.schedules === undefined) throw new UsageError('--seed: only with --schedules N');
  const count = flags.schedules as number;
  const seed = (flags.seed as number | undefined) ?? 1;
  if (count < 1 || count > 1_000) throw new UsageError('--schedules: expected 1 to 1,000');
  const on = system === 'kafka' ? ' (Kafka)' : '';
  err.write(
    `verify: ${count} random schedules${on} from seed=${seed}, each on the model and on PostgreSQL\n`,
  );
  const server = await pg.startPostgres();
  if (!pg.realFaultKindsOn(server, system).includes('store-outage'))
    err.write("verify: no store outages drawn: the server EOLAB_POSTGRES_URL names is not eolab's to stop\n");
  let results: ScheduleVerification[];
  try {
    results = await pg.verifySchedules(
      count,
      seed,
      server,
      (r) => err.write(`verify: ${r.index + 1}/${count} schedules (${AGREEMENT_WORDS[r.agreement]})\n`),
      undefined,
      system,
    );
  } finally {
    await server.stop();
  }
  const tally = { agree: 0, timing: 0, differ: 0 };
  for (const r of results) tally[r.agreement]++;
  const classes = results.filter(
    (r) => r.agreement === 'timing' && r.verification.differences.length > 0,
  ).length;
  const summary = `verify: ${count} schedules: ${tally.agree} agree value for value, ${tally.timing} differ only where timing decides (${classes} of them in outcome class), ${tally.differ} differ otherwise\n`;
  if (flags.json === true) {
    const counts = { ...tally, timingInOutcomeClass: classes };
    out.write(`${JSON.stringify({ seed, counts, schedules: results.map(asJson) }, null, 2)}\n`);
    err.write(summary);
  } else {
    out.write(`${formatTable(results)}\n${formatFindings(results)}${summary}`);
  }
  return tally.differ === 0 ? 0 : 1;
}

function outcome(r: Report) {
  return {
    verdict: r.verdict,
    ending: r.ending,
    duplicates: r.duplicates,
    missing: r.missing,
    counts: { duplicates: r.counts.duplicates, lost: r.counts.lost, neverEmitted: r.counts.neverEmitted },
  };
}

function asJson({ index, agreement, verification: v }: ScheduleVerification) {
  return {
    index,
    seed: v.scenario.seed,
    agreement,
    timingDecides: v.timingDecides,
    scenario: minimalInput(v.scenario),
    model: outcome(v.model),
    postgres: outcome(v.postgres),
    differences: v.differences,
    notes: v.notes,
  };
}

function verdictCell(r: Report): string {
  const n = r.counts.duplicates + r.counts.missing;
  return `${r.verdict}${n > 0 ? ` (${r.counts.duplicates}/${r.counts.missing})` : ''}${r.finished ? '' : ' failed'}`;
}

function formatTable(results: readonly ScheduleVerification[]): string {
  const header = ['#', 'seed', 'mode', 'events', 'faults', 'model', 'postgres', 'agreement'];
  const rows = results.map(({ index, agreement, verification: v }) => [
    String(index),
    String(v.scenario.seed),
    v.scenario.mode,
    String(v.scenario.numEvents),
    v.scenario.faults.map(describeFault).join(', ') || 'none',
    verdictCell(v.model),
    verdictCell(v.postgres),
    AGREEMENT_WORDS[agreement],
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const legend = '(model and postgres: verdict (duplicates/missing), "failed" when the job failed for good)';
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), legend].join('\n');
}

/** Why each schedule that is not `agree` differs, and the scenario file that reproduces a difference. */
function formatFindings(results: readonly ScheduleVerification[]): string {
  const lines: string[] = [];
  for (const { index, agreement, verification: v } of results) {
    if (agreement === 'agree') continue;
    lines.push(`#${index} ${AGREEMENT_WORDS[agreement]}: ${v.timingDecides ?? 'deterministic schedule'}`);
    for (const d of v.differences) lines.push(`  DIFFERENCE: ${d}`);
    for (const n of v.notes) lines.push(`  note: ${n}`);
    if (agreement === 'differ')
      lines.push(
        `  reproduce: eolab verify --scenario FILE with ${JSON.stringify(minimalInput(v.scenario))}`,
      );
  }
  return lines.length === 0 ? '' : `\n${lines.join('\n')}\n`;
}
