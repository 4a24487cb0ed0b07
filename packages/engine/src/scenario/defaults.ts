import type { z } from 'zod';
import type { KafkaSettings, RetryPolicy, Scenario, System, scenarioInputSchema } from './schema';

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

/**
 * The Kafka producer's budgets where the lab's retry policies stand for them (kafka-clients 2.4.1):
 * a record that the brokers do not acknowledge fails after delivery.timeout.ms (120 s), and a call
 * to the transaction coordinator (initTransactions) after max.block.ms (60 s). The client retries
 * every retry.backoff.ms (100 ms); the lab retries every 1.25 s and 1 s, which moves a reconnect by
 * at most that much but keeps the budgets, which decide the outcome.
 */
export const KAFKA_WRITER_RETRY_DEFAULTS: RetryPolicy = {
  attempts: 97,
  initialBackoffMs: 1_250,
  backoffMultiple: 1,
  maxBackoffMs: 1_250,
};
export const KAFKA_COORDINATOR_RETRY_DEFAULTS: RetryPolicy = {
  attempts: 61,
  initialBackoffMs: 1_000,
  backoffMultiple: 1,
  maxBackoffMs: 1_000,
};

/**
 * Kafka's defaults (broker and kafka-clients 2.4.1, the version Flink 1.14's connector ships with),
 * but one: FlinkKafkaProducer sets transaction.timeout.ms to 1 h when the job does not, which a
 * broker refuses at its default transaction.max.timeout.ms of 15 min (InvalidTxnTimeoutException).
 * Flink's Kafka documentation tells every exactly-once job to set it; the lab's Kafka sample sets
 * it to the broker's maximum, as the Pravega sample sets its lease. The preset
 * `kafka-timeout-above-max` runs FlinkKafkaProducer's own default.
 */
export const KAFKA_DEFAULTS: KafkaSettings = {
  transactionTimeoutMs: 900_000,
  maxTransactionTimeoutMs: 900_000,
  // TransactionStateManager.DefaultAbortTimedOutTransactionsIntervalMs in Kafka 2.4: one minute.
  abortTimedOutIntervalMs: 60_000,
  // The broker's num.partitions.
  partitions: 1,
  // FlinkKafkaProducer.DEFAULT_KAFKA_PRODUCERS_POOL_SIZE.
  producerPoolSize: 5,
};

/** FlinkKafkaProducer.DEFAULT_KAFKA_TRANSACTION_TIMEOUT: what it sets when the job sets nothing. */
export const FLINK_KAFKA_TRANSACTION_TIMEOUT_MS = 3_600_000;

export function withDefaults(input: z.output<typeof scenarioInputSchema>): Scenario {
  const n = input.numEvents;
  const system: System = input.system ?? 'pravega';
  const kafka = system === 'kafka';
  return {
    version: 1,
    name: input.name ?? 'untitled',
    seed: input.seed ?? 1,
    system,
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
      controllerRetry: {
        ...(kafka ? KAFKA_COORDINATOR_RETRY_DEFAULTS : CONTROLLER_RETRY_DEFAULTS),
        ...input.sink?.controllerRetry,
      },
      writerRetry: {
        ...(kafka ? KAFKA_WRITER_RETRY_DEFAULTS : WRITER_RETRY_DEFAULTS),
        ...input.sink?.writerRetry,
      },
    },
    restart: {
      attempts: input.restart?.attempts ?? 1,
      delayMs: input.restart?.delayMs ?? 0,
      // Flink's heartbeat.interval and heartbeat.timeout defaults (HeartbeatManagerOptions).
      heartbeatIntervalMs: input.restart?.heartbeatIntervalMs ?? 10_000,
      heartbeatTimeoutMs: input.restart?.heartbeatTimeoutMs ?? 50_000,
    },
    checker: { isolation: input.checker?.isolation ?? 'read_committed' },
    kafka: { ...KAFKA_DEFAULTS, ...input.kafka },
    faults: input.faults ?? [],
  };
}
