import type { FaultKind, Scenario } from '@eolab/engine';
import type { PostgresServer } from '../postgres/server';

/**
 * Which of the model's faults the real backend reproduces (null), and for each other one what the
 * real job lacks to reproduce it: the reason a refusal gives. One entry per kind, so a new fault
 * kind cannot be added to the model without saying what happens to it here.
 */
const WHY_NOT: Record<FaultKind, string | null> = {
  'mapper-exception': null,
  'crash-after-precommit': null,
  'crash-before-notify': null,
  'notify-lost': null,
  'store-outage': null,
  'job-pause': null,
  'controller-outage':
    'there is no Pravega controller here: PostgreSQL is both the store and the transaction manager',
  'zombie-writer':
    'the real job runs one task process per attempt and kills a failed one: no old attempt is left writing beside its successor',
  'commit-rejected': 'PostgreSQL has no way to reject one COMMIT PREPARED on demand',
  'crash-during-commit':
    "the task process's sinks commit concurrently on a notification: there is no moment between two subtasks' commits to strike reliably",
  'checkpoint-abort':
    'the real coordinator completes every checkpoint all tasks acknowledged: it has no path to decline one after the pre-commits',
};

/**
 * Every reason this scenario cannot run for real, naming the field; empty when it can. Given the
 * server, also what that server cannot do: a store outage stops PostgreSQL, so it needs one eolab
 * started itself, never the one EOLAB_POSTGRES_URL names.
 */
export function unsupportedReasons(scenario: Scenario, server?: Pick<PostgresServer, 'outage'>): string[] {
  const reasons: string[] = [];
  if (scenario.system === 'kafka')
    reasons.push(
      "system: kafka is not supported by the postgres backend: it runs Pravega's protocol (transactions with leases on PostgreSQL); Kafka runs on the model only",
    );
  scenario.faults.forEach((fault, i) => {
    const why = WHY_NOT[fault.kind];
    if (why !== null) {
      reasons.push(`faults[${i}]: ${fault.kind} is not supported by the postgres backend: ${why}`);
    } else if (fault.kind === 'store-outage' && server !== undefined && server.outage === undefined) {
      reasons.push(
        `faults[${i}]: store-outage is not supported with EOLAB_POSTGRES_URL: it stops the PostgreSQL server, and that one is not eolab's to stop (unset EOLAB_POSTGRES_URL to let eolab start its own)`,
      );
    }
  });
  if (scenario.checker.isolation === 'read_uncommitted') {
    reasons.push(
      'checker.isolation: read_uncommitted is not supported by the postgres backend: PostgreSQL never shows uncommitted rows to another session',
    );
  }
  return reasons;
}

/** Why this backend cannot reproduce a fault of this kind, or null when it can. */
export function whyUnsupported(kind: FaultKind): string | null {
  return WHY_NOT[kind];
}
