import type { RetryPolicy, TxnRef, WriterMode } from '@eolab/engine';
import type pg from 'pg';
import {
  gidOf,
  gidPrefix,
  type PendingTxn,
  type TaskEvent,
  type TaskFailedReason,
  valueFields,
} from '../coordinator/messages';
import { commitPrepared, isUnknownGid, preparedOfRun } from '../postgres/schema';
import { Connection } from './connection';

/**
 * A sink subtask of the task process, with its own connection: the Pravega writer's three modes
 * over PostgreSQL. Writes are sent at once and never awaited one by one (pg queues them on the
 * connection in order); a barrier waits for what its mode needs before the subtask acknowledges.
 * A lost connection (a store outage) is reconnected on `sink.writerRetry`'s backoff and what it
 * had not acknowledged is sent again, as the Pravega writer resends unacknowledged events.
 */
export interface SinkContext {
  run: string;
  url: string;
  attempt: number;
  writerRetry: RetryPolicy;
  log(line: string): void;
  /** A write or commit failed: the task fails, as a Flink task does on an exception. */
  fail(reason: Exclude<TaskFailedReason, 'artificial-exception'>, detail: string): void;
  /** A write PostgreSQL acknowledged (markers included: the sink counts data values only). */
  written(value: number): void;
  txnBegun(): void;
  /** A pending transaction that recovery found rolled back: its data is lost. */
  lost(pending: PendingTxn): void;
  /** A transaction's protocol step, in the engine's vocabulary (gid: its prepared name, once it has one). */
  event(event: TaskEvent, gid?: string): void;
  /** The checkpoint the subtask's first transaction waits for. */
  nextCheckpointId: number;
}

export interface SinkSubtask {
  /** initializeState: connect, and in EXACTLY_ONCE recover the checkpoint's pending commits. */
  start(restored: PendingTxn[] | null): Promise<void>;
  write(value: number, emittedAtMs: number): void;
  /**
   * The checkpoint barrier: resolves with the subtask's state once it may acknowledge, or with why
   * its snapshotState threw (the subtask declines the checkpoint).
   */
  barrier(checkpointId: number): Promise<PendingTxn[] | { declined: string }>;
  notify(checkpointId: number): void;
  /**
   * Closes the subtask: plain writes already sent land (the writer's close flushes them, waiting
   * out an outage within its retries, as the Pravega writer's close does); an open transaction is
   * rolled back (why: for its event).
   */
  close(why: 'task-closed' | 'end-of-input'): Promise<void>;
}

const INSERT =
  'INSERT INTO eolab_events (run, value, subtask, attempt, txn, emitted_at) VALUES ($1, $2, $3, $4, $5, $6)';
/**
 * A plain write sent again after a reconnect: the first may have committed with its answer lost.
 * An attempt writes each value once, so (run, attempt, value) names the write, as the writer id and
 * event number let Pravega's segment store drop a resent event it already has.
 */
const INSERT_ONCE = `INSERT INTO eolab_events (run, value, subtask, attempt, txn, emitted_at)
  SELECT $1, $2, $3, $4, $5, $6
   WHERE NOT EXISTS (SELECT 1 FROM eolab_events WHERE run = $1 AND attempt = $4 AND value = $2)`;

export interface Write {
  value: number;
  emittedAtMs: number;
  acked: boolean;
}

/** How a plain sink's write reaches the store: an autocommit statement (`again`: a resend after a reconnect). */
export type PlainInsert = (client: pg.Client, write: Write, again: boolean) => Promise<unknown>;

/** Pravega's plain writes: rows of eolab_events, visible when PostgreSQL answers. */
function pravegaInsert(subtask: number, ctx: SinkContext): PlainInsert {
  return (client, write, again) =>
    client.query(again ? INSERT_ONCE : INSERT, [
      ctx.run,
      write.value,
      subtask,
      ctx.attempt,
      null,
      write.emittedAtMs,
    ]);
}

/** The Pravega writer's modes (the Kafka producer's are task/kafka-sink.ts). */
export function sinkFor(mode: WriterMode, subtask: number, ctx: SinkContext): SinkSubtask {
  return mode === 'EXACTLY_ONCE'
    ? new TransactionalSink(subtask, ctx)
    : new PlainSink(mode, subtask, ctx, pravegaInsert(subtask, ctx));
}

/** A subtask's connection, logging its loss and failing the task when the retries run out. */
export function connectionFor(
  subtask: number,
  role: string,
  ctx: SinkContext,
  /** Sends again what the lost connection had not acknowledged; returns how many writes, when it knows at once. */
  reconnected: (client: pg.Client) => number | undefined,
  gaveUp: () => void = () => {},
): Connection {
  // The reconnects as the engine's events, as the simulated writer's: the narration tells them.
  const retried = (
    outcome: 'retrying' | 'succeeded' | 'exhausted',
    attempts: number,
    waitedMs: number,
    resent?: number,
  ) =>
    ctx.event({
      kind: 'call-retried',
      service: 'segment-store',
      call: 'writer-reconnect',
      outcome,
      attempts,
      waitedMs,
      subtask,
      attempt: ctx.attempt,
      txnId: null,
      ...(resent === undefined ? {} : { resent }),
    });
  let lostAt = 0;
  return new Connection(ctx.url, ctx.writerRetry, {
    lost: (why) => {
      lostAt = Date.now();
      ctx.log(`Sink subtask ${subtask}: ${role} connection lost (${why}): reconnecting`);
      retried('retrying', 1, 0);
    },
    reconnected: (client, afterMs, attempts) => {
      ctx.log(`Sink subtask ${subtask}: ${role} connection back after ${afterMs} ms`);
      retried('succeeded', attempts, afterMs, reconnected(client));
    },
    openedLate: (afterMs, attempts) => {
      ctx.log(`Sink subtask ${subtask}: ${role} connection up after ${afterMs} ms (the store was down)`);
      retried('succeeded', attempts, afterMs, 0);
    },
    gaveUp: (error, attempts) => {
      retried('exhausted', attempts, Date.now() - lostAt);
      gaveUp();
      ctx.fail('write-error', `Sink subtask ${subtask}: ${error.message}`);
    },
  });
}

/** BEST_EFFORT and ATLEAST_ONCE: autocommit inserts, visible when PostgreSQL answers. */
export class PlainSink implements SinkSubtask {
  private conn!: Connection;
  private nextSeq = 0;
  /** Writes sent and not yet acknowledged, in the order they were made (a Map keeps insertion order). */
  private readonly unacked = new Map<number, Write>();
  /** Barriers and the close, each waiting for every write made before it. */
  private flushWaiters: { upTo: number; done: () => void }[] = [];
  /** The connection's retries ran out: nothing will be acknowledged any more. */
  private givenUp = false;

  constructor(
    private readonly mode: WriterMode,
    private readonly subtask: number,
    private readonly ctx: SinkContext,
    private readonly insert: PlainInsert,
  ) {}

  async start(): Promise<void> {
    this.conn = connectionFor(
      this.subtask,
      'write',
      this.ctx,
      () => {
        for (const seq of [...this.unacked.keys()]) this.send(seq, true);
        return this.unacked.size;
      },
      // Given up: nothing more will be acknowledged; the task fails and closes without waiting.
      () => {
        this.givenUp = true;
        for (const w of this.flushWaiters) w.done();
        this.flushWaiters = [];
      },
    );
    await this.conn.open();
  }

  write(value: number, emittedAtMs: number): void {
    const seq = this.nextSeq++;
    this.unacked.set(seq, { value, emittedAtMs, acked: false });
    this.send(seq, false);
  }

  /** Sends a write if the connection is up; while it is down the reconnect sends it. */
  private send(seq: number, again: boolean): void {
    const client = this.conn.now;
    const write = this.unacked.get(seq);
    if (client === null || write === undefined) return;
    const tag = this.conn.tag;
    this.insert(client, write, again).then(
      () => {
        if (!this.unacked.delete(seq)) return;
        this.ctx.written(write.value);
        if (this.flushWaiters.length > 0) this.wakeFlushed();
      },
      (error: Error) => {
        // A lost connection: the reconnect sends it again.
        if (this.conn.failed(tag, error)) return;
        this.ctx.fail('write-error', `write of ${write.value} failed: ${error.message}`);
      },
    );
  }

  /** The oldest write not yet acknowledged, or the next one to be made. */
  private oldestUnacked(): number {
    const first = this.unacked.keys().next();
    return first.done === true ? this.nextSeq : first.value;
  }

  private wakeFlushed(): void {
    const oldest = this.oldestUnacked();
    const still = [];
    for (const w of this.flushWaiters) {
      if (w.upTo <= oldest) w.done();
      else still.push(w);
    }
    this.flushWaiters = still;
  }

  /** Resolves once every write made so far is acknowledged (across reconnects); later writes are not waited for. */
  private flushed(): Promise<void> {
    const upTo = this.nextSeq;
    if (this.givenUp || this.oldestUnacked() >= upTo) return Promise.resolve();
    return new Promise((done) => this.flushWaiters.push({ upTo, done }));
  }

  async barrier(): Promise<PendingTxn[]> {
    // flushAndVerify: ATLEAST_ONCE acknowledges only once every write sent before the barrier is acknowledged.
    if (this.mode === 'ATLEAST_ONCE') await this.flushed();
    return [];
  }

  notify(): void {}

  async close(): Promise<void> {
    await this.flushed();
    await this.conn.end();
  }
}

/** One checkpoint epoch's transaction on the data connection, kept until PREPARE made it durable. */
interface Epoch {
  txn: string;
  writes: Write[];
  /** Set at the barrier: PREPARE TRANSACTION under this gid. */
  gid: string | null;
  prepared: () => void;
  whenPrepared: Promise<void>;
}

/**
 * EXACTLY_ONCE: one transaction per checkpoint epoch. PREPARE TRANSACTION at the barrier (the
 * pre-commit), COMMIT PREPARED on the completion notification, on a second connection because
 * COMMIT PREPARED cannot run inside the transaction the data connection has open for the next epoch.
 * A lost data connection takes its open transactions with it (PostgreSQL rolls them back; a
 * prepared one survives): after the reconnect each epoch not yet prepared is written again from
 * its start, as the Pravega writer resends a transaction's unacknowledged events.
 */
class TransactionalSink implements SinkSubtask {
  private data!: Connection;
  private committer!: Connection;
  private pending: PendingTxn[] = [];
  private epoch = 0;
  /** Epochs not yet prepared, oldest first; the last one is open for new writes. */
  private open: Epoch[] = [];
  private currentValues: PendingTxn['values'] = null;
  private currentRef: TxnRef | null = null;
  /** The checkpoint the open transaction waits for (its epoch in the engine's events). */
  private waitsFor: number;
  /** While a reconnect works out what to send again, writes wait in their epoch. */
  private replaying = false;
  /** Commits run one after another, in checkpoint order. */
  private commits: Promise<void> = Promise.resolve();

  constructor(
    private readonly subtask: number,
    private readonly ctx: SinkContext,
  ) {
    this.waitsFor = ctx.nextCheckpointId;
  }

  async start(restored: PendingTxn[] | null): Promise<void> {
    this.data = connectionFor(this.subtask, 'transaction', this.ctx, (client) => {
      void this.replay(client);
      return undefined;
    });
    this.committer = connectionFor(this.subtask, 'commit', this.ctx, () => undefined);
    await Promise.all([this.data.open(), this.committer.open()]);
    if (restored !== null) await this.recover(restored);
    this.begin();
  }

  /** recoverAndCommit every pending transaction of the checkpoint, then roll back the subtask's dangling ones. */
  private async recover(restored: PendingTxn[]): Promise<void> {
    for (const txn of restored) {
      const outcome = await this.committer.run((c) => commitPrepared(c, this.ctx.run, txn.gid, txn.txn));
      // Already committed is a no-op, as in the model: only a commit that happened now is told.
      if (outcome === 'committed') recoveredEvents(this.ctx, txn);
      if (outcome === 'gone') {
        this.ctx.lost(txn);
        this.ctx.log(
          `Transaction ${txn.gid}: unexpected transaction status: neither prepared nor committed (rolled back), its data is lost`,
        );
      }
    }
    const suffix = `-s${this.subtask}`;
    const left = await this.committer.run((c) => preparedOfRun(c, gidPrefix(this.ctx.run)));
    for (const { gid } of left) {
      if (!gid.endsWith(suffix)) continue;
      const rolledBack = await this.committer.run(async (c) => {
        try {
          await c.query(`ROLLBACK PREPARED '${gid}'`);
          return true;
        } catch (error) {
          if (!isUnknownGid(error)) throw error;
          return false;
        }
      });
      if (!rolledBack) continue;
      this.ctx.log(`Transaction ${gid}: abort of transaction left prepared by a failed attempt`);
      // The coordinator knows the transaction's name from its pre-commit: it fills in the ref.
      abortedByName(this.ctx, this.subtask, 'restore', gid);
    }
  }

  private begin(): void {
    this.epoch++;
    let prepared!: () => void;
    const whenPrepared = new Promise<void>((resolve) => {
      prepared = resolve;
    });
    const epoch: Epoch = {
      txn: `a${this.ctx.attempt}-s${this.subtask}-e${this.epoch}`,
      writes: [],
      gid: null,
      prepared,
      whenPrepared,
    };
    this.open.push(epoch);
    this.currentValues = null;
    // A number unique in the run: attempt, epoch within it, subtask (at most 16).
    const txnId = (this.ctx.attempt * 100_000 + this.epoch) * 16 + this.subtask;
    this.currentRef = { txnId, subtask: this.subtask, attempt: this.ctx.attempt, epoch: this.waitsFor };
    this.send('BEGIN', [], 'cannot begin a transaction');
    this.ctx.txnBegun();
    this.ctx.event({ kind: 'txn-begun', ...this.currentRef });
  }

  /** Sends a statement of the data connection's transaction, unless the connection is down or being replayed. */
  private send(text: string, params: unknown[], what: string, then: () => void = () => {}): void {
    const client = this.data.now;
    if (client === null || this.replaying) return;
    const tag = this.data.tag;
    client.query(text, params).then(then, (error: Error) => {
      if (this.data.failed(tag, error)) return;
      this.ctx.fail('write-error', `${what}: ${error.message}`);
    });
  }

  private sendWrite(epoch: Epoch, write: Write): void {
    const params = [this.ctx.run, write.value, this.subtask, this.ctx.attempt, epoch.txn, write.emittedAtMs];
    this.send(INSERT, params, `write of ${write.value} failed`, () => {
      if (write.acked) return;
      write.acked = true;
      this.ctx.written(write.value);
    });
  }

  private sendPrepare(epoch: Epoch): void {
    this.send(`PREPARE TRANSACTION '${epoch.gid}'`, [], `flush of transaction ${epoch.gid} failed`, () =>
      this.prepared(epoch),
    );
  }

  private prepared(epoch: Epoch): void {
    const i = this.open.indexOf(epoch);
    if (i < 0) return;
    this.open.splice(i, 1);
    epoch.prepared();
  }

  /**
   * The data connection is back: PostgreSQL rolled back the transactions it had open. An epoch
   * whose PREPARE got through (its answer lost) is prepared; every other one is written again.
   */
  private async replay(client: pg.Client): Promise<void> {
    this.replaying = true;
    try {
      for (const epoch of [...this.open]) {
        if (epoch.gid === null) continue;
        const found = await client.query('SELECT 1 FROM pg_prepared_xacts WHERE gid = $1', [epoch.gid]);
        if (found.rowCount! > 0) this.prepared(epoch);
      }
    } catch (error) {
      this.replaying = false;
      // Lost again: the next reconnect replays.
      if (!this.data.failed(this.data.tag, error))
        this.ctx.fail('write-error', `cannot resend after a reconnect: ${(error as Error).message}`);
      return;
    }
    this.replaying = false;
    for (const epoch of this.open) {
      this.send('BEGIN', [], 'cannot begin a transaction');
      for (const write of epoch.writes) this.sendWrite(epoch, write);
      if (epoch.gid !== null) this.sendPrepare(epoch);
    }
  }

  write(value: number, emittedAtMs: number): void {
    if (value > 0) {
      const v = this.currentValues;
      this.currentValues =
        v === null ? { first: value, last: value, count: 1 } : { ...v, last: value, count: v.count + 1 };
    }
    const epoch = this.open[this.open.length - 1]!;
    const write = { value, emittedAtMs, acked: false };
    epoch.writes.push(write);
    this.sendWrite(epoch, write);
  }

  async barrier(checkpointId: number): Promise<PendingTxn[]> {
    const gid = gidOf(this.ctx.run, checkpointId, this.subtask);
    const epoch = this.open[this.open.length - 1]!;
    const values = this.currentValues;
    const ref = { ...this.currentRef!, epoch: checkpointId };
    epoch.gid = gid;
    this.sendPrepare(epoch);
    // Events after the barrier go into the next epoch's transaction, queued behind the PREPARE.
    this.waitsFor = checkpointId + 1;
    this.begin();
    await epoch.whenPrepared;
    this.ctx.event(
      {
        kind: 'txn-flushed',
        ...ref,
        checkpointId,
        ...valueFields(values),
      },
      gid,
    );
    this.pending.push({ checkpointId, gid, txn: epoch.txn, values, ref });
    return [...this.pending];
  }

  /**
   * notifyCheckpointComplete: commits every pending transaction up to the checkpoint, in order. As
   * TwoPhaseCommitSinkFunction does, a commit that throws does not stop the others: each is tried,
   * then the first failure fails the task.
   */
  notify(checkpointId: number): void {
    this.commits = this.commits.then(async () => {
      let firstFailure: string | null = null;
      while (this.pending.length > 0 && this.pending[0]!.checkpointId <= checkpointId) {
        const txn = this.pending[0]!;
        try {
          if (txn.ref !== undefined)
            this.ctx.event({
              kind: 'txn-committing',
              ...txn.ref,
              checkpointId: txn.checkpointId,
              recovery: false,
            });
          const outcome = await this.committer.run((c) => commitPrepared(c, this.ctx.run, txn.gid, txn.txn));
          if (outcome === 'committed') committedEvent(this.ctx, txn);
          if (outcome === 'gone') {
            // Rolled back before its commit (by the lease reaper, during a long pause): its data is lost.
            this.ctx.lost(txn);
            this.ctx.log(`Transaction ${txn.gid}: unexpected transaction status: gone before its commit`);
            commitFoundClosed(this.ctx, txn, 'ABORTED');
          }
        } catch (error) {
          firstFailure ??= `Failed to commit transaction ${txn.gid}: ${(error as Error).message}`;
        }
        this.pending.shift();
      }
      if (firstFailure !== null) this.ctx.fail('commit-failed', firstFailure);
    });
  }

  async close(why: 'task-closed' | 'end-of-input'): Promise<void> {
    await this.commits;
    // Closing the sink aborts its open transaction (queued behind every statement sent); prepared
    // ones are left for recovery or the lease.
    await this.data.now?.query('ROLLBACK').catch(() => {});
    const v = this.currentValues;
    if (this.currentRef !== null)
      this.ctx.event({
        kind: 'txn-aborted',
        ...this.currentRef,
        ...valueFields(v),
        why,
      });
    await Promise.all([this.data.end(), this.committer.end()]);
  }
}

/** A committed transaction told in the engine's vocabulary (its values, when it had any). */
export function committedEvent(ctx: SinkContext, txn: PendingTxn): void {
  if (txn.ref === undefined) return;
  const v = txn.values;
  ctx.event(
    {
      kind: 'txn-committed',
      ...txn.ref,
      ...valueFields(v),
    },
    txn.gid,
  );
}

/** A restore's recoverAndCommit that committed a transaction now: its commit, told as a recovery. */
export function recoveredEvents(ctx: SinkContext, txn: PendingTxn): void {
  if (txn.ref === undefined) return;
  ctx.event({ kind: 'txn-committing', ...txn.ref, checkpointId: txn.checkpointId, recovery: true });
  committedEvent(ctx, txn);
}

/**
 * A transaction another attempt left, aborted now: told by its store name only (`name`), and the
 * coordinator, which knows that name from the transaction's begin or pre-commit, fills in the ref.
 */
export function abortedByName(
  ctx: SinkContext,
  subtask: number,
  why: 'restore' | 'fenced',
  name: string,
): void {
  ctx.event(
    { kind: 'txn-aborted', txnId: 0, subtask, attempt: 0, epoch: 0, ...valueFields(null), why },
    name,
  );
}

/** A commit that found its transaction no longer open (the store's answer: `state`). */
export function commitFoundClosed(ctx: SinkContext, txn: PendingTxn, state: 'ABORTED' | 'COMMITTED'): void {
  if (txn.ref === undefined) return;
  ctx.event({
    kind: 'txn-commit-failed',
    ...txn.ref,
    checkpointId: txn.checkpointId,
    why: 'not-open',
    state,
  });
}
