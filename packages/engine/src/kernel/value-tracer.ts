/**
 * What the model tells a value tracer: every emission, write and read of the values it follows.
 * Runs are counted, never logged value by value (events.ts); a tracer is how one value's life can
 * be followed anyway, by replaying the run with one attached. Unattached, the model pays one null
 * check per batch of values (a steady run of emissions, a batch of writes or reads), none per value.
 */
/** What a tracer reads of a transaction as a value goes into it: its id, its epoch then, its begin. */
export interface TracedTxnRef {
  readonly txnId: number;
  /** The checkpoint it will be pre-committed under (its name's `cpK`). */
  readonly epoch: number;
  readonly begunAtMs: number;
}

export interface ValueTracer {
  /** The first and last value followed (inclusive): the model calls only for values in between. */
  readonly fromValue: number;
  readonly toValue: number;
  /** The source of job attempt `attempt` emitted `value` at tMs. */
  emitted(value: number, attempt: number, tMs: number): void;
  /**
   * A sink subtask handed `value` to the store at tMs: a plain write (`txn` null) or a write into
   * a transaction (the store's own record of it: read at once, never kept).
   */
  written(value: number, attempt: number, subtask: number, txn: TracedTxnRef | null, tMs: number): void;
  /** The checker read `value` at tMs; `source` packs the writer's attempt and the path (causes.ts `readSource`). */
  read(value: number, tMs: number, source: number): void;
}
