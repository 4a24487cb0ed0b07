import type { z } from 'zod';
import type { RetryPolicy, Scenario, scenarioInputSchema } from './schema';

/**
 * Every default a scenario leaves out, filled in: the Pravega sample's values, and the real
 * defaults of Flink 1.14 and the Pravega 0.13 client where the sample does not set them.
 */

/**
 * ControllerImplConfig defaults: 10 attempts, 1 ms first backoff, x10 each time, at most 20 s
 * between tries: 1 + 10 + 100 + 1,000 + 10,000 + 4 x 20,000 = 91,111 ms before the call fails.
 */
export const CONTROLLER_RETRY_DEFAULTS: RetryPolicy = {
  attempts: 10,
  initialBackoffMs: 1,
  backoffMultiple: 10,
  maxBackoffMs: 20_000,
};

/**
 * EventWriterConfig defaults (retryAttempts 10, backoff 1 ms x10 up to 20 s): the send that found
 * the connection broken, then 10 reconnect attempts, so a write fails 111,111 ms after the store
 * stopped answering.
 */
export const WRITER_RETRY_DEFAULTS: RetryPolicy = {
  attempts: 11,
  initialBackoffMs: 1,
  backoffMultiple: 10,
  maxBackoffMs: 20_000,
};

export function withDefaults(input: z.output<typeof scenarioInputSchema>): Scenario {
  const n = input.numEvents;
  return {
    version: 1,
    name: input.name ?? 'untitled',
    seed: input.seed ?? 1,
    mode: input.mode,
    numEvents: n,
    source: {
      throttleIntervalMs: input.source?.throttleIntervalMs ?? 5,
      throttleUntilPosition: input.source?.throttleUntilPosition ?? Math.floor(n / 3),
      waitForFirstCheckpoint: input.source?.waitForFirstCheckpoint ?? true,
      eventIntervalMs: input.source?.eventIntervalMs ?? 1,
      finalCheckpoints: input.source?.finalCheckpoints ?? 2,
    },
    checkpoint: {
      intervalMs: input.checkpoint?.intervalMs ?? 100,
      timeoutMs: input.checkpoint?.timeoutMs ?? 600_000,
      barrierTravelMs: input.checkpoint?.barrierTravelMs ?? 1,
      notifyLatencyMs: input.checkpoint?.notifyLatencyMs ?? 1,
      notifyJitterMs: input.checkpoint?.notifyJitterMs ?? 0,
      tolerableFailures: input.checkpoint?.tolerableFailures ?? 0,
    },
    sink: {
      parallelism: input.sink?.parallelism ?? 2,
      txnLeaseMs: input.sink?.txnLeaseMs ?? 30_000,
      writeLatencyMs: input.sink?.writeLatencyMs ?? 2,
      flushLatencyMs: input.sink?.flushLatencyMs ?? 2,
      commitLatencyMs: input.sink?.commitLatencyMs ?? 5,
      controllerRetry: { ...CONTROLLER_RETRY_DEFAULTS, ...input.sink?.controllerRetry },
      writerRetry: { ...WRITER_RETRY_DEFAULTS, ...input.sink?.writerRetry },
    },
    restart: {
      attempts: input.restart?.attempts ?? 1,
      delayMs: input.restart?.delayMs ?? 0,
      // Flink's heartbeat.interval and heartbeat.timeout defaults (HeartbeatManagerOptions).
      heartbeatIntervalMs: input.restart?.heartbeatIntervalMs ?? 10_000,
      heartbeatTimeoutMs: input.restart?.heartbeatTimeoutMs ?? 50_000,
    },
    checker: { isolation: input.checker?.isolation ?? 'read_committed' },
    faults: input.faults ?? [],
  };
}
