import { CHECKER_ENDS, CHECKER_STARTS, FOUND_DUPLICATES, NO_DUPLICATE } from '../model/checker';

/**
 * The fixed words of every console line the engine prints: the sample's writer and checker, and
 * the connector's log lines it reproduces. Views show these lines as they are and never parse
 * them (events carry every fact a sentence needs): a dashboard test checks that none of its
 * files contains one, and an engine test that every printed line contains one.
 */
export const CONSOLE_LINE_FRAGMENTS = [
  'Start checkpointing at position',
  'Complete checkpointing at position',
  'Restore from checkpoint at position',
  'Artificial failure',
  'Job failed: restart attempts exhausted',
  'lease expired: the controller aborted it',
  'unexpected transaction status',
  'commit failed.',
  'Failed to commit transaction',
  'Failed to abort transaction',
  'an earlier write failed',
  'flush failed',
  'flush of transaction',
  'cannot begin a transaction',
  'commit of transaction',
  'abort of transaction',
  'Exceeded checkpoint tolerable failure threshold',
  'TaskManager heartbeat timed out',
  'died after pre-committing checkpoint',
  'died after every task acknowledged checkpoint',
  'crash after',
  'crash while committing',
  'timed out: its first record is older than transaction.timeout.ms',
  'Presumably this transaction has been already committed before',
  'failed: ProducerFencedException',
  'Too many ongoing snapshots',
  'This is close to or even exceeding the transaction timeout',
  'InvalidTxnTimeoutException',
  'ProducerFencedException: Producer attempted an operation with an old epoch',
  'the transaction coordinator did not answer',
  'Duplicate event:',
  'more duplicate events',
  CHECKER_STARTS,
  CHECKER_ENDS,
  NO_DUPLICATE,
  FOUND_DUPLICATES,
] as const;
