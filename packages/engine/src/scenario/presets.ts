import type { Verdict } from '../run/report';
import { withDefaults } from './defaults';
import type { Scenario, ScenarioInput, System, WriterMode } from './schema';

/**
 * What a preset run to its end gives in one writer mode: the report's verdict (machine-checked by
 * the engine's presets test against the model) and a sentence a person reads before choosing it.
 */
export interface ExpectedOutcome {
  verdict: Verdict;
  /** How many values the whole-stream checker finds duplicated and missing. */
  duplicates: number;
  missing: number;
  /** Whether the job finishes (true unless told: a preset may show a job that cannot). */
  finished?: boolean;
  note: string;
}

export interface Preset {
  id: string;
  title: string;
  /** The system it runs on (its file says so); any preset can also be run on the other with `--system`. */
  system: System;
  description: string;
  /** The outcome the preset gives in each writer mode, as the model runs it. */
  expected: Record<WriterMode, ExpectedOutcome>;
}

interface PresetDefinition extends Omit<Preset, 'system'> {
  system?: System;
  build(mode: WriterMode): ScenarioInput;
}

/** The sample's mapper exception for N events: at element N/2 + 1 (26 for N=50). */
function sampleFailure(numEvents: number) {
  return { kind: 'mapper-exception' as const, atElement: Math.floor(numEvents / 2) + 1 };
}

const DEFINITIONS: PresetDefinition[] = [
  {
    id: 'seed',
    title: 'The Pravega sample',
    description:
      'The original exactly-once example: 50 events, a checkpoint every 100 ms, an artificial failure at element 26.',
    expected: {
      BEST_EFFORT: {
        verdict: 'DUPLICATES',
        duplicates: 8,
        missing: 0,
        note: 'Values 17..24 twice: they reached the store before the failure and again after the restore from position 16.',
      },
      ATLEAST_ONCE: {
        verdict: 'DUPLICATES',
        duplicates: 8,
        missing: 0,
        note: 'Values 17..24 twice, nothing lost: the sample\'s "Found duplicates".',
      },
      EXACTLY_ONCE: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'No duplicate, nothing lost: the open transaction holding 17..24 is aborted.',
      },
    },
    build: (mode) => ({
      version: 1,
      name: 'seed',
      seed: 1,
      mode,
      numEvents: 50,
      faults: [sampleFailure(50)],
    }),
  },
  {
    id: 'live-demo',
    title: 'Live demo',
    description:
      '20,000 events, four checkpoints a second, a failure at element 8,000, and 5 restarts 500 ms apart: long enough to watch, and to click a few more faults into without failing the job for good.',
    expected: {
      BEST_EFFORT: {
        verdict: 'DUPLICATES',
        duplicates: 199,
        missing: 0,
        note: '199 duplicates: what reached the store after the last checkpoint before element 8,000 is written again.',
      },
      ATLEAST_ONCE: {
        verdict: 'DUPLICATES',
        duplicates: 201,
        missing: 0,
        note: '201 duplicates (7,798..7,998), nothing lost.',
      },
      EXACTLY_ONCE: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'No duplicate, nothing lost.',
      },
    },
    build: (mode) => ({
      version: 1,
      name: 'live-demo',
      seed: 7,
      mode,
      numEvents: 20_000,
      source: { throttleUntilPosition: 50 },
      checkpoint: { intervalMs: 250 },
      restart: { attempts: 5, delayMs: 500 },
      faults: [{ kind: 'mapper-exception', atElement: 8_000 }],
    }),
  },
  {
    id: 'lease-expiry',
    title: 'Restart slower than the lease',
    description:
      'pravega/flink-connectors#5: checkpoint 3 completes, the job crashes before the sinks commit, and the restart waits 15 s with a 10 s lease. Nobody pings the pending transactions, the controller aborts them, and the recovery commit finds them ABORTED: exactly-once loses their data.',
    expected: {
      BEST_EFFORT: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'Nothing lost or duplicated here: plain writes have no lease to run out.',
      },
      ATLEAST_ONCE: {
        verdict: 'DUPLICATES',
        duplicates: 2,
        missing: 0,
        note: '2 duplicates from the crash, nothing lost.',
      },
      EXACTLY_ONCE: {
        verdict: 'LOSS',
        duplicates: 0,
        missing: 100,
        note: "Checkpoint 3's transactions expire during the 15 s restart: their 100 values are lost.",
      },
    },
    build: (mode) => ({
      version: 1,
      name: 'lease-expiry',
      seed: 3,
      mode,
      numEvents: 1_000,
      source: { throttleUntilPosition: 20 },
      sink: { txnLeaseMs: 10_000 },
      restart: { delayMs: 15_000 },
      faults: [{ kind: 'crash-before-notify', checkpoint: 3 }],
    }),
  },
  {
    id: 'notify-lost',
    title: 'Lost commit notification',
    description:
      "Checkpoint 3's notification never arrives: its transactions wait and commit with checkpoint 4, later but exactly once.",
    expected: {
      BEST_EFFORT: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'No transactions, so nothing waits for a notification: every value once.',
      },
      ATLEAST_ONCE: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'No transactions, so nothing waits for a notification: every value once.',
      },
      EXACTLY_ONCE: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: "Checkpoint 3's transactions commit with checkpoint 4: later, but exactly once.",
      },
    },
    build: (mode) => ({
      version: 1,
      name: 'notify-lost',
      seed: 5,
      mode,
      numEvents: 1_000,
      source: { throttleUntilPosition: 20 },
      faults: [{ kind: 'notify-lost', checkpoint: 3 }],
    }),
  },
  {
    id: 'zombie-writer',
    title: 'Zombie writer',
    description:
      'The job fails over while the old attempt keeps writing for 200 ms: duplicates with plain writes, none with transactions.',
    expected: {
      BEST_EFFORT: {
        verdict: 'DUPLICATES',
        duplicates: 299,
        missing: 0,
        note: "299 duplicates: the old attempt's writes land beside the new attempt's.",
      },
      ATLEAST_ONCE: {
        verdict: 'DUPLICATES',
        duplicates: 299,
        missing: 0,
        note: "299 duplicates: the old attempt's writes land beside the new attempt's.",
      },
      EXACTLY_ONCE: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: "No duplicate: the zombie's writes stay in transactions nobody commits.",
      },
    },
    build: (mode) => ({
      version: 1,
      name: 'zombie-writer',
      seed: 9,
      mode,
      numEvents: 1_000,
      source: { throttleUntilPosition: 20 },
      faults: [{ kind: 'zombie-writer', atMs: 500, durationMs: 200 }],
    }),
  },
  {
    id: 'commit-rejected',
    title: 'A rejected commit is dropped',
    description:
      "pravega/flink-connectors#376: the store answers the commit of checkpoint 3's transaction on sink subtask 0 with TxnFailedException. The connector logs it and moves on, never retrying: that transaction's data is lost.",
    expected: {
      BEST_EFFORT: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'No commit to reject: every value once.',
      },
      ATLEAST_ONCE: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'No commit to reject: every value once.',
      },
      EXACTLY_ONCE: {
        verdict: 'LOSS',
        duplicates: 0,
        missing: 50,
        note: 'The rejected transaction is dropped: its 50 values are lost.',
      },
    },
    build: (mode) => ({
      version: 1,
      name: 'commit-rejected',
      seed: 11,
      mode,
      numEvents: 1_000,
      source: { throttleUntilPosition: 20 },
      faults: [{ kind: 'commit-rejected', checkpoint: 3, subtask: 0 }],
    }),
  },
  {
    id: 'source-does-not-wait',
    title: 'The source waits for one final checkpoint',
    description:
      "pravega/flink-connectors#134: a bounded source that waits for only one checkpoint after its end marker races the sinks' own notifications (each task gets its own, up to 5 ms apart here). When the source hears first, the job finishes, the sinks close and their last pre-committed transactions are never committed.",
    expected: {
      BEST_EFFORT: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'Plain writes are visible without a commit: every value once.',
      },
      ATLEAST_ONCE: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'Plain writes are visible without a commit: every value once.',
      },
      EXACTLY_ONCE: {
        verdict: 'LOSS',
        duplicates: 0,
        missing: 87,
        note: 'The last pre-committed transactions are never committed: the last 87 values are lost.',
      },
    },
    build: (mode) => ({
      version: 1,
      name: 'source-does-not-wait',
      seed: 13,
      mode,
      numEvents: 1_000,
      source: { throttleUntilPosition: 20, finalCheckpoints: 1 },
      checkpoint: { notifyJitterMs: 5 },
    }),
  },
  {
    id: 'end-of-input',
    title: 'End of input without a final checkpoint',
    description:
      'FLIP-147: Flink 1.14 takes no checkpoint once the sources finished. A source that does not wait for final checkpoints ends the job with its last epoch in an open transaction, which closing the sinks aborts: exactly-once loses everything after the last completed checkpoint.',
    expected: {
      BEST_EFFORT: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'Plain writes are visible without a checkpoint: every value once.',
      },
      ATLEAST_ONCE: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'Plain writes are visible without a checkpoint: every value once.',
      },
      EXACTLY_ONCE: {
        verdict: 'LOSS',
        duplicates: 0,
        missing: 233,
        note: 'The last open transaction is aborted at the end: the 233 values after the last checkpoint are lost.',
      },
    },
    build: (mode) => ({
      version: 1,
      name: 'end-of-input',
      seed: 17,
      mode,
      numEvents: 1_000,
      source: { throttleUntilPosition: 20, finalCheckpoints: 0 },
      checkpoint: { intervalMs: 250 },
    }),
  },
  {
    id: 'pause-beyond-lease',
    title: 'Downtime longer than the transaction timeout',
    description:
      "The Kafka sink's FLINK-7784 pitfall, with Pravega's lease: checkpoint 3 completes and the whole job freezes for 40 s (a stop-the-world pause, no longer than the 40 s a heartbeat needs at the least: 50 s after the last of the replies asked every 10 s) before the sinks commit. Nothing pings the pre-committed transactions, the controller aborts them after the 30 s lease, and the late commit finds them ABORTED.",
    expected: {
      BEST_EFFORT: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'The pause only delays plain writes: every value once.',
      },
      ATLEAST_ONCE: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'The pause only delays plain writes: every value once.',
      },
      EXACTLY_ONCE: {
        verdict: 'LOSS',
        duplicates: 0,
        missing: 100,
        note: "Checkpoint 3's transactions expire during the 40 s pause: their 100 values are lost.",
      },
    },
    build: (mode) => ({
      version: 1,
      name: 'pause-beyond-lease',
      seed: 19,
      mode,
      numEvents: 1_000,
      source: { throttleUntilPosition: 20 },
      faults: [{ kind: 'job-pause', atMs: PAUSE_AFTER_CHECKPOINT_3_MS, durationMs: 40_000 }],
    }),
  },
  {
    id: 'slow-flush-expiry',
    title: 'A checkpoint slower than its timeout',
    description:
      "A 2 s store outage just before checkpoint 4, with a 10 s checkpoint timeout. The writers reconnect on the client's backoff (1, 10, 100, 1,000, then 10,000 ms), so the flush waits 11 s, not 2: the checkpoint is still pending at its deadline, expires there (CheckpointCanceller) and, with no failed checkpoint tolerated, fails the job over.",
    expected: {
      BEST_EFFORT: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'A barrier waits for nothing here: every checkpoint completes, the outage only delays the writes.',
      },
      ATLEAST_ONCE: {
        verdict: 'DUPLICATES',
        duplicates: 100,
        missing: 0,
        note: 'Checkpoint 4 expires at 10,400 ms while its flush waits: the job restores from checkpoint 3 and writes its 100 values after it again.',
      },
      EXACTLY_ONCE: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'Checkpoint 4 expires and the job fails over, but its transactions were never committed: the restore aborts them, nothing twice.',
      },
    },
    build: (mode) => ({
      version: 1,
      name: 'slow-flush-expiry',
      seed: 23,
      mode,
      numEvents: 1_000,
      source: { throttleUntilPosition: 20 },
      checkpoint: { timeoutMs: 10_000 },
      faults: [{ kind: 'store-outage', atMs: 399, durationMs: 2_000 }],
    }),
  },
  {
    id: 'idle-lease-expiry',
    title: 'A lease runs out while a transaction sits idle',
    description:
      "The sample's job without its failure, and a 35 s pause while its source waits for the first checkpoint: the first transactions, idle since the pause, expire after the 30 s lease. Their pre-commit flush still succeeds (the client checks only its own closed flag, and nothing is in flight), checkpoint 1 completes, and the commit finds them ABORTED and only logs it: no failure, no failover, values lost silently. The pause stays under the 40 s a heartbeat needs at the least.",
    expected: {
      BEST_EFFORT: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'The pause only delays plain writes: every value once.',
      },
      ATLEAST_ONCE: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'The pause only delays plain writes: every value once.',
      },
      EXACTLY_ONCE: {
        verdict: 'LOSS',
        duplicates: 0,
        missing: 16,
        note: 'Values 1..16 are lost silently with the expired transactions, and with them the start marker: the sample\'s checker never prints "Checker starts" yet still says "No duplicate found. EXACTLY_ONCE!".',
      },
    },
    build: (mode) => ({
      version: 1,
      name: 'idle-lease-expiry',
      seed: 1,
      mode,
      numEvents: 50,
      faults: [{ kind: 'job-pause', atMs: 90, durationMs: 35_000 }],
    }),
  },
  {
    id: 'kafka-restart-past-timeout',
    title: 'Kafka: restart slower than transaction.timeout.ms',
    system: 'kafka',
    description:
      'Flink\'s Kafka connector documentation ("Kafka Producers and Fault Tolerance"): checkpoint 3 completes, the job crashes before the sinks commit, and the restart takes 90 s with a 60 s transaction timeout. Kafka\'s coordinator aborts the pending transactions and fences their producers; the restore\'s recoverAndCommit meets ProducerFencedException and only logs "Presumably this transaction has been already committed before": exactly-once loses their data.',
    expected: {
      BEST_EFFORT: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'Nothing lost or duplicated here: plain sends have no transaction to time out.',
      },
      ATLEAST_ONCE: {
        verdict: 'DUPLICATES',
        duplicates: 2,
        missing: 0,
        note: '2 duplicates from the crash, nothing lost.',
      },
      EXACTLY_ONCE: {
        verdict: 'LOSS',
        duplicates: 0,
        missing: 100,
        note: "Checkpoint 3's transactions time out during the 90 s restart: the recovery commit is fenced and their 100 values are lost silently.",
      },
    },
    build: (mode) => ({
      version: 1,
      name: 'kafka-restart-past-timeout',
      seed: 3,
      system: 'kafka',
      mode,
      numEvents: 1_000,
      source: { throttleUntilPosition: 20 },
      kafka: { transactionTimeoutMs: 60_000, abortTimedOutIntervalMs: 10_000 },
      restart: { delayMs: 90_000 },
      faults: [{ kind: 'crash-before-notify', checkpoint: 3 }],
    }),
  },
  {
    id: 'kafka-timeout-above-max',
    title: "Kafka: the connector's 1 h timeout on a default broker",
    system: 'kafka',
    description:
      'FlinkKafkaProducer sets transaction.timeout.ms to 1 h when the job does not, and a default broker allows at most 15 min (transaction.max.timeout.ms): every InitProducerId fails with "The transaction timeout is larger than the maximum value allowed by the broker", so the exactly-once sink cannot start, attempt after attempt.',
    expected: {
      BEST_EFFORT: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'Plain sends need no transactional id: the timeout is never checked.',
      },
      ATLEAST_ONCE: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'Plain sends need no transactional id: the timeout is never checked.',
      },
      EXACTLY_ONCE: {
        verdict: 'INCOMPLETE',
        duplicates: 0,
        missing: 50,
        finished: false,
        note: 'Every attempt fails in initializeState before the source emits: the job fails for good and nothing is written.',
      },
    },
    build: (mode) => ({
      version: 1,
      name: 'kafka-timeout-above-max',
      seed: 1,
      system: 'kafka',
      mode,
      numEvents: 50,
      kafka: { transactionTimeoutMs: 3_600_000 },
      restart: { attempts: 3, delayMs: 10_000 },
    }),
  },
  {
    id: 'kafka-lso-stall',
    title: 'Kafka: readers held at the last stable offset',
    system: 'kafka',
    description:
      "Kafka's transactions design (KIP-98, the last stable offset): sink 0 never hears that checkpoint 3 completed, then the job crashes and takes 30 s to restart. Sink 0's pre-committed transaction stays open, and read_committed readers of the partition stop at its first record: sink 1's committed values behind it wait the whole 30 s. On Pravega the same schedule loses sink 0's values to the 30 s lease instead.",
    expected: {
      BEST_EFFORT: {
        verdict: 'DUPLICATES',
        duplicates: 49,
        missing: 0,
        note: '49 duplicates: the values after checkpoint 3 are written again after the restore.',
      },
      ATLEAST_ONCE: {
        verdict: 'DUPLICATES',
        duplicates: 49,
        missing: 0,
        note: '49 duplicates: the values after checkpoint 3 are written again after the restore.',
      },
      EXACTLY_ONCE: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: "Exactly once, late: the restore commits sink 0's transaction, and 50 of sink 1's values reach the reader 30 s after their commit.",
      },
    },
    build: (mode) => ({
      version: 1,
      name: 'kafka-lso-stall',
      seed: 5,
      system: 'kafka',
      mode,
      numEvents: 1_000,
      source: { throttleUntilPosition: 20 },
      restart: { delayMs: 30_000 },
      faults: [
        { kind: 'notify-lost', checkpoint: 3, target: 0 },
        { kind: 'mapper-exception', atMs: 350 },
      ],
    }),
  },
  {
    id: 'kafka-zombie-fenced',
    title: 'Kafka: a zombie fenced by the epoch',
    system: 'kafka',
    description:
      "KIP-98's zombie fencing: the job fails over while the old attempt keeps running. The restore runs InitProducerId on every transactional id of the pool, which aborts the zombie's open transactions and bumps their epochs: the zombie's next send fails with ProducerFencedException and it stops at once (on Pravega it writes on for 200 ms into transactions nobody commits).",
    expected: {
      BEST_EFFORT: {
        verdict: 'DUPLICATES',
        duplicates: 299,
        missing: 0,
        note: "299 duplicates: plain sends are not fenced, so the old attempt's writes land beside the new attempt's.",
      },
      ATLEAST_ONCE: {
        verdict: 'DUPLICATES',
        duplicates: 299,
        missing: 0,
        note: "299 duplicates: plain sends are not fenced, so the old attempt's writes land beside the new attempt's.",
      },
      EXACTLY_ONCE: {
        verdict: 'EXACTLY_ONCE',
        duplicates: 0,
        missing: 0,
        note: 'No duplicate: the restore fences the zombie, whose open transactions are aborted and whose next send fails.',
      },
    },
    build: (mode) => ({
      version: 1,
      name: 'kafka-zombie-fenced',
      seed: 9,
      system: 'kafka',
      mode,
      numEvents: 1_000,
      source: { throttleUntilPosition: 20 },
      faults: [{ kind: 'zombie-writer', atMs: 500, durationMs: 200 }],
    }),
  },
  {
    id: 'kafka-zombie-fences-back',
    title: 'Kafka: a zombie fences the new attempt',
    system: 'kafka',
    description:
      "KIP-98's fencing works both ways: a coordinator outage holds the sinks' InitProducerId at checkpoint 3; the job fails over while the old attempt keeps running. The new attempt runs on, until the zombie's InitProducerId gets through 1 s later: it bumps the epochs of the transactional ids both attempts share and fences the new attempt's producers. The live task fails with ProducerFencedException, and with its one restart spent the job fails for good. On Pravega the zombie fences nobody.",
    expected: {
      BEST_EFFORT: {
        verdict: 'DUPLICATES',
        duplicates: 681,
        missing: 0,
        note: "Plain sends fence nobody: the zombie's writes land beside the new attempt's (681 duplicates).",
      },
      ATLEAST_ONCE: {
        verdict: 'DUPLICATES',
        duplicates: 683,
        missing: 0,
        note: "Plain sends fence nobody: the zombie's writes land beside the new attempt's (683 duplicates).",
      },
      EXACTLY_ONCE: {
        verdict: 'LOSS',
        duplicates: 0,
        missing: 182,
        finished: false,
        note: 'The zombie fences the live attempt, whose task fails with no restart left: the job fails for good and its open transactions time out.',
      },
    },
    build: (mode) => ({
      version: 1,
      name: 'kafka-zombie-fences-back',
      seed: 9,
      system: 'kafka',
      mode,
      numEvents: 1_000,
      source: { throttleUntilPosition: 20 },
      faults: [
        { kind: 'controller-outage', atMs: 250, durationMs: 200 },
        { kind: 'zombie-writer', atMs: 500, durationMs: 2_000 },
      ],
    }),
  },
];

/**
 * Checkpoint 3 of these 1,000-event presets completes at 303 ms and its notification reaches the
 * sinks at 304 ms: a pause starting in that millisecond holds the commit back.
 */
const PAUSE_AFTER_CHECKPOINT_3_MS = 304;

export const PRESETS: Preset[] = DEFINITIONS.map(({ id, title, system, description, expected }) => ({
  id,
  title,
  system: system ?? 'pravega',
  description,
  expected,
}));

/** A preset's complete scenario in the given writer mode (EXACTLY_ONCE unless told), or undefined. */
export function presetScenario(id: string, mode: WriterMode = 'EXACTLY_ONCE'): Scenario | undefined {
  const definition = DEFINITIONS.find((d) => d.id === id);
  if (definition === undefined) return undefined;
  const input = definition.build(mode);
  return withDefaults({ ...input, faults: input.faults ?? [] } as Parameters<typeof withDefaults>[0]);
}
