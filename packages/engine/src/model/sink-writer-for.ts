import type { Scenario } from '../scenario/schema';
import { KafkaTransactionalWriter } from './kafka/kafka-writer';
import { plainWriterFor, type SinkTask, type SinkWriter, TransactionalWriter } from './sink-writers';

/**
 * The sink writer of a run, chosen once: plain writes in BEST_EFFORT and ATLEAST_ONCE (the same on
 * both systems), Pravega's or Kafka's transactional writer in EXACTLY_ONCE.
 */
export function sinkWriterFor(scenario: Scenario, task: SinkTask): SinkWriter {
  if (scenario.mode !== 'EXACTLY_ONCE') return plainWriterFor(scenario.mode, task);
  return scenario.system === 'kafka' ? new KafkaTransactionalWriter(task) : new TransactionalWriter(task);
}
