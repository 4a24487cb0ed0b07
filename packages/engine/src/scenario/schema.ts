import { z } from 'zod';
import { FAULT_CATALOGUE, FAULT_KINDS, type Fault } from './fault-catalogue';
import { checkpointMs, ms, positiveMs, WRITER_MODES, type WriterMode } from './units';

/**
 * The scenario file: versioned, shareable JSON. Only `mode` and `numEvents` are required;
 * every other field defaults to the Pravega sample's value. Unknown fields are errors so a
 * typo is never silently ignored.
 */

export { WRITER_MODES, type WriterMode } from './units';

export const ISOLATIONS = ['read_committed', 'read_uncommitted'] as const;
export type Isolation = (typeof ISOLATIONS)[number];

/**
 * The system the job writes to: Pravega (the sample's, the default) or Kafka. Kafka runs the same
 * job, checkpoints, faults and checker against Kafka transactions (model/kafka/).
 */
export const SYSTEMS = ['pravega', 'kafka'] as const;
export type System = (typeof SYSTEMS)[number];

export {
  CHECKPOINT_FAULT_KINDS,
  type CheckpointFault,
  type CheckpointFaultKind,
  DURATION_FAULT_KINDS,
  type DurationFaultKind,
  defaultDurationMs,
  FAULT_CATALOGUE,
  FAULT_KINDS,
  type Fault,
  type FaultKind,
  type FaultOf,
  type FaultTargeting,
  faultEntry,
  faultSummary,
  type InjectRequest,
  isCheckpointFault,
  isCheckpointFaultKind,
  isDurationFaultKind,
  NOTIFY_TARGETS,
  type NotifyTarget,
  type OutageKind,
  PRECOMMIT_CRASH_STAGES,
  type PrecommitCrashStage,
} from './fault-catalogue';

/**
 * Pravega's bounds on a transaction lease: the client refuses less than 10 s
 * (EventWriterConfig.MIN_TRANSACTION_TIMEOUT_TIME_MILLIS) and the controller allows at most 600 s
 * (controller Config.MAX_LEASE_VALUE default).
 */
export const MIN_TXN_LEASE_MS = 10_000;
export const MAX_TXN_LEASE_MS = 600_000;

/** Kafka keeps transaction timeouts in a 32-bit int of milliseconds; a day is far beyond any broker's maximum. */
export const MAX_KAFKA_TIMEOUT_MS = 86_400_000;

/** Virtual time is an integer number of milliseconds that must stay a small integer. */
export const MAX_VIRTUAL_TIME_MS = 2 ** 31 - 1;
export const MAX_NUM_EVENTS = 50_000_000;
export const MAX_FAULTS = 1000;

/** A fault, as the catalogue's entry for its kind describes it. */
export const faultSchema: z.ZodType<Fault> = z.union(
  FAULT_KINDS.map((kind) => FAULT_CATALOGUE[kind].schema),
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `expected a fault with kind one of ${FAULT_KINDS.join(', ')}`
        : undefined,
  },
);

/** The Pravega client's exponential backoff (common/util/Retry.java `withExpBackoff`). */
const retryPolicy = z.strictObject({
  attempts: z.int().min(1).max(100).optional(),
  initialBackoffMs: positiveMs('initialBackoffMs').optional(),
  backoffMultiple: z.int().min(1).max(1000).optional(),
  maxBackoffMs: positiveMs('maxBackoffMs').max(3_600_000).optional(),
});

/** Kafka's own knobs (broker and producer settings), read only when `system` is kafka. */
const kafkaSettings = z.strictObject({
  transactionTimeoutMs: positiveMs('transactionTimeoutMs').max(MAX_KAFKA_TIMEOUT_MS).optional(),
  maxTransactionTimeoutMs: positiveMs('maxTransactionTimeoutMs').max(MAX_KAFKA_TIMEOUT_MS).optional(),
  abortTimedOutIntervalMs: positiveMs('abortTimedOutIntervalMs').max(3_600_000).optional(),
  partitions: z.int().min(1).max(64).optional(),
  producerPoolSize: z.int().min(1).max(64).optional(),
});

export const scenarioInputSchema = z.strictObject({
  version: z.literal(1).optional(),
  name: z.string().max(200).optional(),
  seed: z.int().min(0).max(0xffffffff).optional(),
  system: z.enum(SYSTEMS).optional(),
  mode: z.enum(WRITER_MODES),
  numEvents: z.int().min(1).max(MAX_NUM_EVENTS),
  source: z
    .strictObject({
      throttleIntervalMs: ms('throttleIntervalMs').optional(),
      throttleUntilPosition: z.int().min(0).optional(),
      waitForFirstCheckpoint: z.boolean().optional(),
      eventIntervalMs: positiveMs('eventIntervalMs').optional(),
      finalCheckpoints: z.int().min(0).max(10).optional(),
    })
    .optional(),
  checkpoint: z
    .strictObject({
      intervalMs: checkpointMs('intervalMs').optional(),
      timeoutMs: checkpointMs('timeoutMs').optional(),
      barrierTravelMs: ms('barrierTravelMs').optional(),
      notifyLatencyMs: ms('notifyLatencyMs').optional(),
      notifyJitterMs: ms('notifyJitterMs').max(60_000).optional(),
      tolerableFailures: z.int().min(0).max(1000).optional(),
    })
    .optional(),
  sink: z
    .strictObject({
      parallelism: z.int().min(1).max(16).optional(),
      txnLeaseMs: ms('txnLeaseMs')
        .min(MIN_TXN_LEASE_MS, {
          error: `must be at least ${MIN_TXN_LEASE_MS} ms: the Pravega client refuses a shorter transaction lease`,
        })
        .max(MAX_TXN_LEASE_MS, {
          error: `must be at most ${MAX_TXN_LEASE_MS} ms: the Pravega controller caps the transaction lease there`,
        })
        .optional(),
      writeLatencyMs: ms('writeLatencyMs').optional(),
      flushLatencyMs: ms('flushLatencyMs').optional(),
      commitLatencyMs: ms('commitLatencyMs').optional(),
      controllerRetry: retryPolicy.optional(),
      writerRetry: retryPolicy.optional(),
    })
    .optional(),
  restart: z
    .strictObject({
      attempts: z.int().min(0).max(100).optional(),
      delayMs: ms('delayMs').optional(),
      heartbeatIntervalMs: positiveMs('heartbeatIntervalMs').optional(),
      heartbeatTimeoutMs: positiveMs('heartbeatTimeoutMs').optional(),
    })
    .optional(),
  checker: z.strictObject({ isolation: z.enum(ISOLATIONS).optional() }).optional(),
  kafka: kafkaSettings.optional(),
  faults: z.array(faultSchema).max(MAX_FAULTS).optional(),
});

export type ScenarioInput = z.input<typeof scenarioInputSchema>;

/** A scenario with every default filled in: what the engine runs. */
export interface Scenario {
  version: 1;
  name: string;
  seed: number;
  /** The system the job writes to (pravega when the file says nothing). */
  system: System;
  mode: WriterMode;
  numEvents: number;
  source: {
    throttleIntervalMs: number;
    throttleUntilPosition: number;
    waitForFirstCheckpoint: boolean;
    eventIntervalMs: number;
    finalCheckpoints: number;
  };
  checkpoint: {
    intervalMs: number;
    timeoutMs: number;
    barrierTravelMs: number;
    notifyLatencyMs: number;
    /** Each task's notification arrives up to this much later than notifyLatencyMs, drawn per task. */
    notifyJitterMs: number;
    /** Flink's tolerable checkpoint failure number: consecutive declined or expired checkpoints allowed. */
    tolerableFailures: number;
  };
  sink: {
    parallelism: number;
    txnLeaseMs: number;
    writeLatencyMs: number;
    flushLatencyMs: number;
    commitLatencyMs: number;
    /** How the Pravega client retries an unreachable controller (ControllerImplConfig). */
    controllerRetry: RetryPolicy;
    /** How the event writer reconnects to the segment store and resends (EventWriterConfig). */
    writerRetry: RetryPolicy;
  };
  restart: {
    attempts: number;
    delayMs: number;
    /** Flink's heartbeat.interval: how often the JobMaster asks each TaskManager for a heartbeat. */
    heartbeatIntervalMs: number;
    /** Flink's heartbeat.timeout: how long after its last reply a TaskManager is declared lost. */
    heartbeatTimeoutMs: number;
  };
  checker: { isolation: Isolation };
  /** Kafka's broker and producer settings (their defaults when the system is Pravega, and unused). */
  kafka: KafkaSettings;
  faults: Fault[];
}

export interface KafkaSettings {
  /** The producer's transaction.timeout.ms: the coordinator aborts a transaction this long after its first record. */
  transactionTimeoutMs: number;
  /** The broker's transaction.max.timeout.ms: InitProducerId refuses a longer transaction timeout. */
  maxTransactionTimeoutMs: number;
  /** The broker's transaction.abort.timed.out.transaction.cleanup.interval.ms: how often the coordinator looks. */
  abortTimedOutIntervalMs: number;
  /** Partitions of the topic; FlinkFixedPartitioner sends sink subtask i to partition i mod partitions. */
  partitions: number;
  /** FlinkKafkaProducer's kafkaProducersPoolSize: transactional ids per sink subtask. */
  producerPoolSize: number;
}

export interface RetryPolicy {
  attempts: number;
  initialBackoffMs: number;
  backoffMultiple: number;
  maxBackoffMs: number;
}
