import { MAX_VIRTUAL_TIME_MS, type Scenario } from '../scenario/schema';

/**
 * A bound on virtual time, so a run whose job can never finish still ends: far beyond anything the
 * scenario's own timing and faults can explain.
 */
export function horizonOf(s: Scenario): number {
  const perEvent = Math.max(s.source.eventIntervalMs, 1);
  const natural = s.source.throttleUntilPosition * s.source.throttleIntervalMs + s.numEvents * perEvent;
  let faultsEnd = 0;
  for (const f of s.faults) {
    const at = 'atMs' in f && f.atMs !== undefined ? f.atMs : 0;
    const duration = 'durationMs' in f && typeof f.durationMs === 'number' ? f.durationMs : 0;
    faultsEnd = Math.max(faultsEnd, at + duration);
  }
  const perAttempt = natural + s.restart.delayMs + s.checkpoint.intervalMs * (s.source.finalCheckpoints + 3);
  const bound =
    faultsEnd +
    (s.restart.attempts + 2) * perAttempt * 2 +
    s.sink.txnLeaseMs * 3 +
    s.checkpoint.timeoutMs * 2 +
    // Kafka's coordinator aborts what a failed job left open only after the transaction timeout.
    (s.system === 'kafka' ? s.kafka.transactionTimeoutMs + s.kafka.abortTimedOutIntervalMs : 0) +
    60_000;
  return Math.min(bound, MAX_VIRTUAL_TIME_MS);
}
