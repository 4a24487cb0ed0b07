import type { Fault, Scenario } from '@eolab/engine';
import type { PostgresServer } from './server';

/**
 * Which of the model's faults the real backend can reproduce. The others need a piece the real
 * job does not have here (a Pravega controller to make unreachable, a zombie TaskManager, a store
 * that rejects one commit): they are refused, with the reason.
 */
const SUPPORTED = new Set<Fault['kind']>([
  'mapper-exception',
  'crash-after-precommit',
  'crash-before-notify',
  'notify-lost',
  'store-outage',
  'job-pause',
]);

const WHY_NOT: Partial<Record<Fault['kind'], string>> = {
  'controller-outage':
    'there is no Pravega controller here: PostgreSQL is both the store and the transaction manager',
  'zombie-writer': 'keeping a failed task process writing after the failover is not implemented',
  'commit-rejected': 'PostgreSQL has no way to reject one COMMIT PREPARED on demand',
  'crash-during-commit': "killing the task between two subtasks' commits is not implemented",
  'checkpoint-abort': 'declining a checkpoint after the pre-commits is not implemented',
};

/**
 * Every reason this scenario cannot run for real, naming the field; empty when it can. Given the
 * server, also what that server cannot do: a store outage stops PostgreSQL, so it needs one eolab
 * started itself, never the one EOLAB_POSTGRES_URL names.
 */
export function unsupportedReasons(scenario: Scenario, server?: Pick<PostgresServer, 'outage'>): string[] {
  const reasons: string[] = [];
  scenario.faults.forEach((fault, i) => {
    if (!SUPPORTED.has(fault.kind)) {
      reasons.push(
        `faults[${i}]: ${fault.kind} is not supported by the postgres backend: ${WHY_NOT[fault.kind] ?? 'not implemented'}`,
      );
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
export function whyUnsupported(kind: Fault['kind']): string | null {
  return SUPPORTED.has(kind) ? null : (WHY_NOT[kind] ?? 'not implemented');
}
