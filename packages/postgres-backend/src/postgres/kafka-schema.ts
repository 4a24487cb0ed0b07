import type pg from 'pg';

/**
 * Kafka's transactions on PostgreSQL: a partition log with markers and the transaction
 * coordinator's state, the coordinator's rules written as SQL functions (Kafka 2.4.1, the version
 * Flink 1.14's connector ships with; docs/architecture.md "Kafka on PostgreSQL").
 *
 * - `eolab_kafka_log` is the topic: every record a producer sends is a row committed at once
 *   (autocommit), transactional or not, so it sits in its partition whatever becomes of its
 *   transaction, as in Kafka's log. A transaction ends with a COMMIT or ABORT marker row in each
 *   partition it wrote to (TransactionMarkerChannelManager). The offset is the row's bigserial:
 *   the order the "broker" appended them.
 * - `eolab_kafka_producers` is the coordinator's transaction log (TransactionStateManager): per
 *   transactional id, its producer id, epoch, state (Empty, Ongoing, CompleteCommit, CompleteAbort),
 *   the epoch of the transaction the state is about, and when its first record came
 *   (txnStartTimestamp: the timeout counts from it).
 * - Each function runs in one PostgreSQL transaction and locks the id's row: a send, an EndTxn, an
 *   InitProducerId and the timeout sweep of one id are serialised as the coordinator serialises
 *   them, and a send checks its epoch in the same transaction that appends it (fenced: nothing
 *   appended).
 *
 * Transactional ids are their numbers (FlinkKafkaProducer's ids "Sink: writer-N" in words). Each
 * Flink transaction runs on a producer fresh from InitProducerId (createTransactionalProducer), so
 * a transaction is named by its id and epoch.
 */
export const KAFKA_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS eolab_kafka_log (
  "offset" bigserial PRIMARY KEY,
  run text NOT NULL,
  partition integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('record', 'commit', 'abort')),
  value integer,
  subtask integer,
  attempt integer,
  transactional_id integer,
  producer_id bigint,
  epoch integer,
  emitted_at double precision,
  written_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS eolab_kafka_log_txn ON eolab_kafka_log (run, transactional_id, epoch);
CREATE INDEX IF NOT EXISTS eolab_kafka_log_value ON eolab_kafka_log (run, attempt, value);
CREATE TABLE IF NOT EXISTS eolab_kafka_producers (
  run text NOT NULL,
  transactional_id integer NOT NULL,
  producer_id bigint NOT NULL,
  epoch integer NOT NULL,
  state text NOT NULL,
  txn_epoch integer,
  txn_partition integer,
  started_at timestamptz,
  timeout_ms integer NOT NULL,
  PRIMARY KEY (run, transactional_id)
);

-- The markers that end transaction (id, epoch): one per partition it wrote to.
CREATE OR REPLACE FUNCTION eolab_kafka_markers(p_run text, p_id integer, p_producer bigint, p_epoch integer, p_kind text)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO eolab_kafka_log (run, partition, kind, transactional_id, producer_id, epoch)
  SELECT DISTINCT p_run, partition, p_kind, p_id, p_producer, p_epoch
    FROM eolab_kafka_log
   WHERE run = p_run AND transactional_id = p_id AND epoch = p_epoch AND kind = 'record'
   ORDER BY partition
$$;

-- InitProducerId (TransactionCoordinator.handleInitProducerId): refuses a timeout above the
-- broker's transaction.max.timeout.ms; gives the id a producer id on its first call; bumps the
-- epoch. An ongoing transaction of the id is aborted and its producer fenced first
-- (prepareFenceProducerEpoch), and the client's retry bumps the epoch again: +2.
CREATE OR REPLACE FUNCTION eolab_kafka_init_producer(p_run text, p_id integer, p_timeout integer, p_max integer,
  OUT producer_id bigint, OUT epoch integer, OUT aborted_epoch integer)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  r eolab_kafka_producers;
BEGIN
  IF p_timeout > p_max THEN
    RAISE EXCEPTION 'InvalidTxnTimeout' USING ERRCODE = 'KT001';
  END IF;
  -- One coordinator: producer ids are handed out in order within the run, as the model numbers them.
  PERFORM pg_advisory_xact_lock(hashtext(p_run));
  INSERT INTO eolab_kafka_producers (run, transactional_id, producer_id, epoch, state, timeout_ms)
  SELECT p_run, p_id, count(*), -1, 'Empty', p_timeout FROM eolab_kafka_producers WHERE run = p_run
  ON CONFLICT DO NOTHING;
  SELECT * INTO r FROM eolab_kafka_producers p WHERE p.run = p_run AND p.transactional_id = p_id FOR UPDATE;
  aborted_epoch := NULL;
  IF r.state = 'Ongoing' THEN
    PERFORM eolab_kafka_markers(p_run, p_id, r.producer_id, r.txn_epoch, 'abort');
    aborted_epoch := r.txn_epoch;
    epoch := r.epoch + 2;
  ELSE
    epoch := r.epoch + 1;
  END IF;
  producer_id := r.producer_id;
  UPDATE eolab_kafka_producers p
     SET epoch = eolab_kafka_init_producer.epoch,
         state = 'Empty', txn_epoch = NULL, started_at = NULL, timeout_ms = p_timeout
   WHERE p.run = p_run AND p.transactional_id = p_id;
END $$;

-- A record sent by producer (id, epoch): appended unless the producer is fenced (false). The
-- first record makes the transaction Ongoing and starts its timeout (AddPartitionsToTxn).
-- p_once: a resend after a lost connection, appended only if the first send did not land (the
-- idempotent producer's sequence numbers). p_id null: a plain send, never fenced.
CREATE OR REPLACE FUNCTION eolab_kafka_produce(p_run text, p_id integer, p_epoch integer, p_partition integer,
  p_value integer, p_subtask integer, p_attempt integer, p_emitted double precision, p_once boolean)
RETURNS boolean LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  r eolab_kafka_producers;
BEGIN
  IF p_id IS NOT NULL THEN
    SELECT * INTO r FROM eolab_kafka_producers p
     WHERE p.run = p_run AND p.transactional_id = p_id FOR NO KEY UPDATE;
    IF NOT FOUND OR r.epoch <> p_epoch OR r.state NOT IN ('Empty', 'Ongoing') THEN
      RETURN false;
    END IF;
    IF r.state = 'Empty' THEN
      UPDATE eolab_kafka_producers p
         SET state = 'Ongoing', txn_epoch = p_epoch, txn_partition = p_partition, started_at = clock_timestamp()
       WHERE p.run = p_run AND p.transactional_id = p_id;
    END IF;
  END IF;
  IF p_once AND EXISTS (SELECT 1 FROM eolab_kafka_log l
      WHERE l.run = p_run AND l.attempt = p_attempt AND l.value = p_value AND l.kind = 'record') THEN
    RETURN true;
  END IF;
  INSERT INTO eolab_kafka_log (run, partition, kind, value, subtask, attempt, transactional_id, producer_id, epoch, emitted_at)
  VALUES (p_run, p_partition, 'record', p_value, p_subtask, p_attempt, p_id,
          CASE WHEN p_id IS NULL THEN NULL ELSE r.producer_id END, p_epoch, p_emitted);
  RETURN true;
END $$;

-- EndTxn (TransactionCoordinator.handleEndTransaction) from producer (id, epoch). Answers:
-- committed / aborted: the markers are written; empty: the producer sent nothing (its
-- transaction never reached the coordinator: the client's commit is a no-op); already: the same
-- end was done before (a retry, or recoverAndCommit of a committed transaction); fenced-committed,
-- fenced-aborted, fenced-empty: the epoch moved on (ProducerFencedException), and what became of
-- the transaction.
CREATE OR REPLACE FUNCTION eolab_kafka_end_txn(p_run text, p_id integer, p_epoch integer, p_commit boolean)
RETURNS text LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  r eolab_kafka_producers;
  ended text;
BEGIN
  SELECT * INTO r FROM eolab_kafka_producers p WHERE p.run = p_run AND p.transactional_id = p_id FOR UPDATE;
  IF FOUND AND r.epoch = p_epoch THEN
    IF r.state = 'Empty' THEN RETURN 'empty'; END IF;
    IF r.state = 'Ongoing' THEN
      PERFORM eolab_kafka_markers(p_run, p_id, r.producer_id, p_epoch, CASE WHEN p_commit THEN 'commit' ELSE 'abort' END);
      UPDATE eolab_kafka_producers p
         SET state = CASE WHEN p_commit THEN 'CompleteCommit' ELSE 'CompleteAbort' END, started_at = NULL
       WHERE p.run = p_run AND p.transactional_id = p_id;
      RETURN CASE WHEN p_commit THEN 'committed' ELSE 'aborted' END;
    END IF;
    -- (In parentheses: plpgsql's IF reads up to the first THEN.)
    IF (r.state = CASE WHEN p_commit THEN 'CompleteCommit' ELSE 'CompleteAbort' END) THEN RETURN 'already'; END IF;
  END IF;
  SELECT kind INTO ended FROM eolab_kafka_log l
   WHERE l.run = p_run AND l.transactional_id = p_id AND l.epoch = p_epoch AND l.kind <> 'record' LIMIT 1;
  RETURN 'fenced-' || CASE WHEN ended = 'commit' THEN 'committed' WHEN ended = 'abort' THEN 'aborted' ELSE 'empty' END;
END $$;

-- TransactionStateManager.timedOutTransactions + abortTimedOutTransactions: every Ongoing
-- transaction of the run whose first record is older than its timeout gets ABORT markers, and its
-- id's epoch is bumped (prepareFenceProducerEpoch), so its producer is fenced. p_all: every
-- Ongoing one, timed out or not (the run's cleanup, which does not wait for the timeouts).
CREATE OR REPLACE FUNCTION eolab_kafka_abort_timed_out(p_run text, p_all boolean)
RETURNS TABLE (transactional_id integer, producer_id bigint, epoch integer, open_ms double precision)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  r eolab_kafka_producers;
BEGIN
  FOR r IN SELECT * FROM eolab_kafka_producers p
            WHERE p.run = p_run AND p.state = 'Ongoing'
              AND (p_all OR p.started_at + p.timeout_ms * interval '1 millisecond' < clock_timestamp())
            ORDER BY p.transactional_id
              FOR UPDATE SKIP LOCKED LOOP
    PERFORM eolab_kafka_markers(p_run, r.transactional_id, r.producer_id, r.txn_epoch, 'abort');
    UPDATE eolab_kafka_producers p SET epoch = p.epoch + 1, state = 'CompleteAbort', started_at = NULL
     WHERE p.run = p_run AND p.transactional_id = r.transactional_id;
    transactional_id := r.transactional_id;
    producer_id := r.producer_id;
    epoch := r.txn_epoch;
    open_ms := extract(epoch FROM clock_timestamp() - r.started_at) * 1000;
    RETURN NEXT;
  END LOOP;
END $$;
`;

/** Creates the Kafka tables and functions once; the advisory lock keeps two runs from racing. */
export async function ensureKafkaSchema(client: pg.Client): Promise<void> {
  await client.query('SELECT pg_advisory_lock(424243)');
  try {
    await client.query(KAFKA_SCHEMA_SQL);
  } finally {
    await client.query('SELECT pg_advisory_unlock(424243)');
  }
}

/** InitProducerId refused the timeout (the SQLSTATE the function raises). */
export function isInvalidTxnTimeout(error: unknown): boolean {
  return (error as { code?: string }).code === 'KT001';
}

/** What InitProducerId gave: the producer, and the epoch of the ongoing transaction it aborted. */
export interface KafkaProducer {
  producerId: number;
  epoch: number;
  abortedEpoch: number | null;
}

export async function initProducerId(
  client: pg.Client,
  run: string,
  id: number,
  timeoutMs: number,
  maxTimeoutMs: number,
): Promise<KafkaProducer> {
  const result = await client.query(
    'SELECT producer_id, epoch, aborted_epoch FROM eolab_kafka_init_producer($1, $2, $3, $4)',
    [run, id, timeoutMs, maxTimeoutMs],
  );
  const row = result.rows[0];
  return {
    producerId: Number(row.producer_id),
    epoch: Number(row.epoch),
    abortedEpoch: row.aborted_epoch === null ? null : Number(row.aborted_epoch),
  };
}

export type EndTxnOutcome =
  | 'committed'
  | 'aborted'
  | 'empty'
  | 'already'
  | 'fenced-committed'
  | 'fenced-aborted'
  | 'fenced-empty';

export async function endTxn(
  client: pg.Client,
  run: string,
  id: number,
  epoch: number,
  commit: boolean,
): Promise<EndTxnOutcome> {
  const result = await client.query('SELECT eolab_kafka_end_txn($1, $2, $3, $4) AS outcome', [
    run,
    id,
    epoch,
    commit,
  ]);
  return result.rows[0].outcome as EndTxnOutcome;
}

/** A transaction the coordinator aborted: its id, producer, epoch, and how long it had been ongoing. */
export interface AbortedTxn {
  id: number;
  producerId: number;
  epoch: number;
  openMs: number;
}

/** The coordinator's timeout sweep (`all`: every ongoing transaction, the run's cleanup). */
export async function abortTimedOut(client: pg.Client, run: string, all: boolean): Promise<AbortedTxn[]> {
  const result = await client.query(
    'SELECT transactional_id, producer_id, epoch, open_ms FROM eolab_kafka_abort_timed_out($1, $2)',
    [run, all],
  );
  return result.rows.map((r) => ({
    id: Number(r.transactional_id),
    producerId: Number(r.producer_id),
    epoch: Number(r.epoch),
    openMs: Number(r.open_ms),
  }));
}

/** The transactions the run committed (their COMMIT markers, one per transaction and partition). */
export async function kafkaCommittedCount(client: pg.Client, run: string): Promise<number> {
  const result = await client.query(
    `SELECT count(DISTINCT (transactional_id, epoch))::int AS n FROM eolab_kafka_log WHERE run = $1 AND kind = 'commit'`,
    [run],
  );
  return Number(result.rows[0].n);
}
