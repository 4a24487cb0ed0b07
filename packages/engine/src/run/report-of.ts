import type { Checker } from '../model/checker';
import type { StreamStore } from '../model/stream-store';
import type { Fault, Scenario } from '../scenario/schema';
import { countsOf, type MetricsTotals } from './metrics';
import { judge, type Report, type RunEnding, type RunSummary } from './report';

/** What a simulation hands over to be reported: its parts, read, never changed. */
export interface RunParts {
  scenario: Scenario;
  ended: boolean;
  ending: RunEnding;
  finished: boolean;
  nowMs: number;
  totals: MetricsTotals;
  checker: Checker;
  checkpoints: Report['checkpoints'];
  restores: Report['restores'];
  restartsUsed: number;
  store: StreamStore;
  log: readonly string[];
  logOmitted: number;
  faults: Fault[];
}

/** The report of a run so far; missing values are judged only once the job ended. */
export function reportOf(run: RunParts): Report {
  const { scenario, checker } = run;
  const latency = checker.latency;
  const judged = judgeRun(run);
  return {
    version: 2,
    name: scenario.name,
    mode: scenario.mode,
    // Only Kafka's reports name their system: a Pravega report stays what it always was.
    ...(scenario.system === 'kafka' ? { system: 'kafka' as const } : {}),
    seed: scenario.seed,
    numEvents: scenario.numEvents,
    verdict: judged.verdict,
    ending: run.ending,
    duplicates: checker.duplicateValues(),
    // Before the job ended, a value not read yet may still be on its way.
    missing: run.ended ? checker.missingValues() : [],
    markerWindow: checker.markerWindow(),
    counts: {
      ...countsOf((name) => run.totals[name]),
      duplicateReads: run.totals.duplicateReads,
      missing: judged.missing,
      lost: judged.lost,
      neverEmitted: judged.neverEmitted,
      writeFailures: run.totals.writeFailures,
    },
    checkpoints: { ...run.checkpoints },
    restores: run.restores.map((r) => ({ ...r })),
    restarts: { attempts: scenario.restart.attempts, used: run.restartsUsed },
    transactions: transactionsOf(run.store),
    latencyMs: { p50: latency.percentile(0.5), p99: latency.percentile(0.99), max: latency.max },
    causes: checker.explainer.causes(run.ended, checker.emittedUpTo),
    log: [...run.log],
    logOmitted: run.logOmitted,
    finished: run.finished,
    backend: 'simulated',
    durationMs: run.nowMs,
    faults: run.faults,
  };
}

/** The part of `reportOf` a sweep judges by (see `RunSummary`): the same figures, computed alike. */
export function summaryOf(run: SummaryParts): RunSummary {
  const { checker } = run;
  const judged = judgeRun(run);
  return {
    verdict: judged.verdict,
    finished: run.finished,
    restores: run.restores.map((r) => ({ ...r })),
    checkpoints: { ...run.checkpoints },
    counts: {
      duplicates: run.totals.duplicates,
      missing: judged.missing,
      lost: judged.lost,
      neverEmitted: judged.neverEmitted,
    },
    causes: { unexplained: checker.explainer.unexplained(run.ended, checker.emittedUpTo) },
  };
}

/** What `summaryOf` reads of a run. */
export type SummaryParts = Pick<
  RunParts,
  'scenario' | 'ended' | 'ending' | 'finished' | 'totals' | 'checker' | 'checkpoints' | 'restores'
>;

function judgeRun(run: SummaryParts): ReturnType<typeof judge> {
  return judge({
    ending: run.ending,
    numEvents: run.scenario.numEvents,
    emittedUpTo: run.checker.emittedUpTo,
    duplicates: run.totals.duplicates,
    unread: run.checker.missingCount,
  });
}

function transactionsOf(store: StreamStore): Report['transactions'] {
  const c = store.counters;
  return {
    begun: c.txnBegun,
    committed: c.txnCommitted,
    aborted: c.txnAborted,
    expired: c.txnExpired,
    commitFailed: c.txnCommitFailed,
    open: store.openTransactions,
  };
}
