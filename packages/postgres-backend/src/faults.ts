import type { Fault, Scenario } from '@eolab/engine';

/**
 * Which of the model's faults the real backend can reproduce. The others need a piece the real
 * job does not have here (a Pravega controller or segment store to make unreachable, a JVM to
 * pause, a zombie TaskManager, a store that rejects one commit): they are refused, with the reason.
 */
const SUPPORTED = new Set<Fault['kind']>([
  'mapper-exception',
  'crash-after-precommit',
  'crash-before-notify',
  'notify-lost',
]);

const WHY_NOT: Partial<Record<Fault['kind'], string>> = {
  'controller-outage':
    'there is no Pravega controller here: PostgreSQL is both the store and the transaction manager',
  'store-outage': 'stopping the shared PostgreSQL server mid-run is not implemented',
  'job-pause': 'freezing the task process (SIGSTOP) with lease pings is not implemented',
  'zombie-writer': 'keeping a failed task process writing after the failover is not implemented',
  'commit-rejected': 'PostgreSQL has no way to reject one COMMIT PREPARED on demand',
  'crash-during-commit': "killing the task between two subtasks' commits is not implemented",
  'checkpoint-abort': 'declining a checkpoint after the pre-commits is not implemented',
};

/** Every reason this scenario cannot run for real, naming the field; empty when it can. */
export function unsupportedReasons(scenario: Scenario): string[] {
  const reasons: string[] = [];
  scenario.faults.forEach((fault, i) => {
    if (!SUPPORTED.has(fault.kind)) {
      reasons.push(
        `faults[${i}]: ${fault.kind} is not supported by the postgres backend: ${WHY_NOT[fault.kind] ?? 'not implemented'}`,
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
