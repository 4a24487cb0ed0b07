import { msText } from '../explain/time-text';
import { FAULT_CATALOGUE, faultEntry } from './fault-catalogue';
import type { Scenario } from './schema';

/**
 * What to check before Start: the preconditions a writer mode's guarantee needs, in the spirit of
 * Kafka's rule that `transaction.timeout.ms` must exceed the checkpoint interval plus the recovery
 * time. Each warning names the knob and says what will happen; none stops a run (showing where a
 * guarantee breaks is the point), and the sweep's `guaranteeFor` uses the same rules.
 */

export interface PreflightWarning {
  /** The scenario field it is about, as a path: `sink.txnLeaseMs`. */
  field: string;
  text: string;
}

export function preflight(s: Scenario): PreflightWarning[] {
  const warnings: PreflightWarning[] = [];
  const warn = (field: string, text: string) => warnings.push({ field, text });
  const failures = s.faults.filter((f) => FAULT_CATALOGUE[f.kind].targeting !== 'time-and-duration').length;
  const crashes = s.faults.filter((f) => FAULT_CATALOGUE[f.kind].crashesTheJob).length;
  if (crashes > s.restart.attempts) {
    warn(
      'restart.attempts',
      `${crashes} faults fail the job over but only ${s.restart.attempts} restart${s.restart.attempts === 1 ? '' : 's'} are allowed: the job will fail for good and the rest of the values go missing.`,
    );
  }
  if (s.mode === 'EXACTLY_ONCE') {
    if (s.system === 'kafka') kafkaWarnings(s, warn);
    else leaseWarnings(s, warn);
    if (s.source.finalCheckpoints < 2) {
      warn(
        'source.finalCheckpoints',
        `The source waits for ${s.source.finalCheckpoints} checkpoint${s.source.finalCheckpoints === 1 ? '' : 's'} after its end marker: Flink 1.14 takes none when sources finish, so the sinks may close with their last transactions uncommitted.`,
      );
    }
    if (s.checker.isolation === 'read_uncommitted') {
      warn(
        'checker.isolation',
        'read_uncommitted shows writes of transactions that are later aborted: the checker will see duplicates exactly-once did not write.',
      );
    }
  }
  if (s.mode === 'BEST_EFFORT' && failures > 0) {
    warn('mode', 'BEST_EFFORT promises nothing: a failure can duplicate values, and failed writes are lost.');
  }
  return warnings;
}

/**
 * Kafka's preconditions for EXACTLY_ONCE (Flink's Kafka documentation, "Kafka Producers and Fault
 * Tolerance"): the broker must accept the transaction timeout, and the timeout must outlast a
 * checkpoint interval plus a restart, or a transaction times out before its commit.
 */
function kafkaWarnings(s: Scenario, warn: (field: string, text: string) => void): void {
  const { transactionTimeoutMs, maxTransactionTimeoutMs, producerPoolSize } = s.kafka;
  if (transactionTimeoutMs > maxTransactionTimeoutMs) {
    warn(
      'kafka.transactionTimeoutMs',
      `The transaction timeout (${msText(transactionTimeoutMs)}) is above the broker's transaction.max.timeout.ms (${msText(maxTransactionTimeoutMs)}): every InitProducerId fails (InvalidTxnTimeoutException) and the exactly-once sink cannot start.`,
    );
    return;
  }
  const downtimeMs = s.restart.delayMs + s.checkpoint.intervalMs;
  if (transactionTimeoutMs <= downtimeMs) {
    warn(
      'kafka.transactionTimeoutMs',
      `The transaction timeout (${msText(transactionTimeoutMs)}) is not longer than a restart delay plus a checkpoint interval (${msText(downtimeMs)}): Kafka's coordinator can abort a pre-committed transaction before the restore commits it, and the recovery commit only logs that it was fenced.`,
    );
  }
  if (producerPoolSize < 2) {
    warn(
      'kafka.producerPoolSize',
      `A pool of ${producerPoolSize} transactional id leaves none for the next transaction while one waits for its commit: every checkpoint is declined ("Too many ongoing snapshots").`,
    );
  }
}

/** Pravega's: the lease must outlast what keeps a transaction unpinged. */
function leaseWarnings(s: Scenario, warn: (field: string, text: string) => void): void {
  const downtimeMs = s.restart.delayMs + s.checkpoint.intervalMs;
  if (s.sink.txnLeaseMs <= downtimeMs) {
    warn(
      'sink.txnLeaseMs',
      `The lease (${msText(s.sink.txnLeaseMs)}) is not longer than a restart delay plus a checkpoint interval (${msText(downtimeMs)}): a transaction pre-committed before a failure can expire before the restore commits it.`,
    );
  }
  const backoff = { controllerMaxBackoffMs: s.sink.controllerRetry.maxBackoffMs };
  for (const f of s.faults) {
    if (!('durationMs' in f)) continue;
    const unpingedMs = faultEntry(f.kind).unpingedMs(f, backoff);
    if (unpingedMs >= s.sink.txnLeaseMs) {
      warn(
        'sink.txnLeaseMs',
        `A ${f.kind} of ${msText(f.durationMs)} outlasts the ${msText(s.sink.txnLeaseMs)} lease${f.kind === 'controller-outage' ? ' once the client backoff (up to 20 s past its end) is counted' : ''}: nothing pings the transactions meanwhile, and the controller aborts them.`,
      );
    }
  }
}
