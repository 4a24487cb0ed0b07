import type { FaultKind, Scenario, System } from '@eolab/engine';
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
 * On Kafka, what differs: the zombie is reproduced (its task process is left running beside its
 * successor, and fenced by the epochs), the coordinator's outage is not, and commit-rejected has
 * no Kafka counterpart at all.
 */
const WHY_NOT_ON_KAFKA: Partial<Record<FaultKind, string | null>> = {
  'zombie-writer': null,
  'controller-outage':
    "the transaction coordinator's rules run inside PostgreSQL beside the partition log: it cannot be unreachable while the brokers answer",
  'commit-rejected':
    'Kafka has no way to reject one EndTxn on demand (the model never draws it on Kafka either)',
};

/**
 * Every reason this scenario cannot run for real, naming the field; empty when it can. Given the
 * server, also what that server cannot do: a store outage stops PostgreSQL, so it needs one eolab
 * started itself, never the one EOLAB_POSTGRES_URL names.
 */
export function unsupportedReasons(scenario: Scenario, server?: Pick<PostgresServer, 'outage'>): string[] {
  const reasons: string[] = [];
  scenario.faults.forEach((fault, i) => {
    const why = whyUnsupported(fault.kind, scenario.system);
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
      scenario.system === 'kafka'
        ? "checker.isolation: read_uncommitted is not supported by the postgres backend on Kafka: its reader is read_committed's, up to the last stable offset"
        : 'checker.isolation: read_uncommitted is not supported by the postgres backend: PostgreSQL never shows uncommitted rows to another session',
    );
  }
  return reasons;
}

/** Why this backend cannot reproduce a fault of this kind on this system, or null when it can. */
export function whyUnsupported(kind: FaultKind, system: System = 'pravega'): string | null {
  if (system === 'kafka') {
    const why = WHY_NOT_ON_KAFKA[kind];
    if (why !== undefined) return why;
  }
  return WHY_NOT[kind];
}
