import { compareReports, type Report, type Scenario, Simulation, timingDecides } from '@eolab/engine';
import type { PostgresServer } from '../postgres/server';
import { type RunOptions, runOnPostgres } from '../run';
import type { PostgresReport } from './report';

/**
 * Holding the real run against the model. Where the schedule is deterministic the two must agree
 * value for value (the same duplicate and missing sets); where timing decides (a fault at a time,
 * a checkpoint whose position depends on how fast the source ran) only the outcome class must
 * agree: duplicates or not, loss or not, finished or not.
 */
export interface Verification {
  scenario: Scenario;
  /** null when the schedule is deterministic; otherwise why timing decides. */
  timingDecides: string | null;
  model: Report;
  postgres: PostgresReport;
  /** Every difference that breaks the agreement, in words. Empty: they agree. */
  differences: string[];
  /** Differences that are expected between virtual and real time, stated but not counted. */
  notes: string[];
}

export async function verifyScenario(
  scenario: Scenario,
  server: PostgresServer,
  options: RunOptions = {},
): Promise<Verification> {
  const model = new Simulation(scenario).runToEnd();
  const postgres = await runOnPostgres(scenario, { ...options, server });
  const timing = timingDecides(scenario);
  return {
    scenario,
    timingDecides: timing,
    model,
    postgres,
    ...compareReports(model, postgres, timing === null),
  };
}
