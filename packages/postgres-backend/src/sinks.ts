import type { TxnRef, WriterMode } from '@eolab/engine';
import pg from 'pg';
import { gidOf, gidPrefix, type PendingTxn, type TaskEvent } from './messages';
import { commitPrepared, isUnknownGid, preparedOfRun } from './schema';

/**
 * A sink subtask of the task process, with its own connection: the Pravega writer's three modes
 * over PostgreSQL. Writes are sent at once and never awaited one by one (pg queues them on the
 * connection in order); a barrier waits for what its mode needs before the subtask acknowledges.
 */
export interface SinkContext {
  run: string;
  url: string;
  attempt: number;
  log(line: string): void;
  /** A write or commit failed: the task fails, as a Flink task does on an exception. */
  fail(reason: 'write-error' | 'commit-failed', detail: string): void;
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
  /** The checkpoint barrier: resolves with the subtask's state once it may acknowledge. */
  barrier(checkpointId: number): Promise<PendingTxn[]>;
  notify(checkpointId: number): void;
  /** Closes the subtask: plain writes already sent land; an open transaction is rolled back (why: for its event). */
  close(why: 'task-closed' | 'end-of-input'): Promise<void>;
}

const INSERT =
  'INSERT INTO eolab_events (run, value, subtask, attempt, txn, emitted_at) VALUES ($1, $2, $3, $4, $5, $6)';

export function sinkFor(mode: WriterMode, subtask: number, ctx: SinkContext): SinkSubtask {
  return mode === 'EXACTLY_ONCE' ? new TransactionalSink(subtask, ctx) : new PlainSink(mode, subtask, ctx);
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  // A dropped connection surfaces on the next query; this only keeps the process from crashing.
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** BEST_EFFORT and ATLEAST_ONCE: autocommit inserts, visible when PostgreSQL answers. */
class PlainSink implements SinkSubtask {
  private client!: pg.Client;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly mode: WriterMode,
    private readonly subtask: number,
    private readonly ctx: SinkContext,
  ) {}

  async start(): Promise<void> {
    this.client = await connect(this.ctx.url);
  }

  write(value: number, emittedAtMs: number): void {
    const p = this.client
      .query(INSERT, [this.ctx.run, value, this.subtask, this.ctx.attempt, null, emittedAtMs])
      .then(
        () => this.ctx.written(value),
        (error: Error) => this.ctx.fail('write-error', `write of ${value} failed: ${error.message}`),
      );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  async barrier(): Promise<PendingTxn[]> {
    // flushAndVerify: ATLEAST_ONCE acknowledges only once every write sent so far is acknowledged.
    if (this.mode === 'ATLEAST_ONCE') await Promise.all([...this.inFlight]);
    return [];
  }

  notify(): void {}

  async close(): Promise<void> {
    await Promise.all([...this.inFlight]);
    await this.client.end().catch(() => {});
  }
}

/**
 * EXACTLY_ONCE: one transaction per checkpoint epoch. PREPARE TRANSACTION at the barrier (the
 * pre-commit), COMMIT PREPARED on the completion notification, on a second connection because
 * COMMIT PREPARED cannot run inside the transaction the data connection has open for the next epoch.
 */
class TransactionalSink implements SinkSubtask {
  private data!: pg.Client;
  private committer!: pg.Client;
  private pending: PendingTxn[] = [];
  private epoch = 0;
  private currentTxn = '';
  private currentValues: PendingTxn['values'] = null;
  private currentRef: TxnRef | null = null;
  /** The checkpoint the open transaction waits for (its epoch in the engine's events). */
  private waitsFor: number;
  /** Commits run one after another, in checkpoint order. */
  private commits: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly subtask: number,
    private readonly ctx: SinkContext,
  ) {
    this.waitsFor = ctx.nextCheckpointId;
  }

  async start(restored: PendingTxn[] | null): Promise<void> {
    this.data = await connect(this.ctx.url);
    this.committer = await connect(this.ctx.url);
    if (restored !== null) await this.recover(restored);
    this.begin();
  }

  /** recoverAndCommit every pending transaction of the checkpoint, then roll back the subtask's dangling ones. */
  private async recover(restored: PendingTxn[]): Promise<void> {
    for (const txn of restored) {
      const outcome = await commitPrepared(this.committer, this.ctx.run, txn.gid, txn.txn);
      // Already committed is a no-op, as in the model: only a commit that happened now is told.
      if (outcome === 'committed' && txn.ref !== undefined) {
        this.ctx.event({
          kind: 'txn-committing',
          ...txn.ref,
          checkpointId: txn.checkpointId,
          recovery: true,
        });
        this.committedEvent(txn);
      }
      if (outcome === 'gone') {
        this.ctx.lost(txn);
        this.ctx.log(
          `Transaction ${txn.gid}: unexpected transaction status: neither prepared nor committed (rolled back), its data is lost`,
        );
      }
    }
    const suffix = `-s${this.subtask}`;
    for (const { gid } of await preparedOfRun(this.committer, gidPrefix(this.ctx.run))) {
      if (!gid.endsWith(suffix)) continue;
      try {
        await this.committer.query(`ROLLBACK PREPARED '${gid}'`);
        this.ctx.log(`Transaction ${gid}: abort of transaction left prepared by a failed attempt`);
        // The coordinator knows the transaction's name from its pre-commit: it fills in the ref.
        this.ctx.event(
          {
            kind: 'txn-aborted',
            txnId: 0,
            subtask: this.subtask,
            attempt: 0,
            epoch: 0,
            events: 0,
            why: 'restore',
            firstValue: null,
            lastValue: null,
          },
          gid,
        );
      } catch (error) {
        if (!isUnknownGid(error)) throw error;
      }
    }
  }

  private begin(): void {
    this.epoch++;
    this.currentTxn = `a${this.ctx.attempt}-s${this.subtask}-e${this.epoch}`;
    this.currentValues = null;
    // A number unique in the run: attempt, epoch within it, subtask (at most 16).
    const txnId = (this.ctx.attempt * 100_000 + this.epoch) * 16 + this.subtask;
    this.currentRef = { txnId, subtask: this.subtask, attempt: this.ctx.attempt, epoch: this.waitsFor };
    this.track(this.data.query('BEGIN'), 'cannot begin a transaction');
    this.ctx.txnBegun();
    this.ctx.event({ kind: 'txn-begun', ...this.currentRef });
  }

  private committedEvent(txn: PendingTxn): void {
    if (txn.ref === undefined) return;
    const v = txn.values;
    this.ctx.event(
      {
        kind: 'txn-committed',
        ...txn.ref,
        events: v?.count ?? 0,
        firstValue: v?.first ?? null,
        lastValue: v?.last ?? null,
      },
      txn.gid,
    );
  }

  private track(p: Promise<unknown>, what: string): Promise<unknown> {
    const tracked = p.catch((error: Error) => {
      this.ctx.fail('write-error', `${what}: ${error.message}`);
      throw error;
    });
    this.inFlight.add(tracked);
    void tracked.then(
      () => this.inFlight.delete(tracked),
      () => this.inFlight.delete(tracked),
    );
    return tracked;
  }

  write(value: number, emittedAtMs: number): void {
    if (value > 0) {
      const v = this.currentValues;
      this.currentValues =
        v === null ? { first: value, last: value, count: 1 } : { ...v, last: value, count: v.count + 1 };
    }
    const p = this.data.query(INSERT, [
      this.ctx.run,
      value,
      this.subtask,
      this.ctx.attempt,
      this.currentTxn,
      emittedAtMs,
    ]);
    void this.track(p, `write of ${value} failed`).then(
      () => this.ctx.written(value),
      () => {},
    );
  }

  async barrier(checkpointId: number): Promise<PendingTxn[]> {
    const gid = gidOf(this.ctx.run, checkpointId, this.subtask);
    const txn = this.currentTxn;
    const values = this.currentValues;
    const ref = { ...this.currentRef!, epoch: checkpointId };
    const prepared = this.track(
      this.data.query(`PREPARE TRANSACTION '${gid}'`),
      `flush of transaction ${gid} failed`,
    );
    // Events after the barrier go into the next epoch's transaction, queued behind the PREPARE.
    this.waitsFor = checkpointId + 1;
    this.begin();
    await prepared;
    this.ctx.event({ kind: 'txn-flushed', ...ref, checkpointId, events: values?.count ?? 0 }, gid);
    this.pending.push({ checkpointId, gid, txn, values, ref });
    return [...this.pending];
  }

  notify(checkpointId: number): void {
    this.commits = this.commits.then(async () => {
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
          const outcome = await commitPrepared(this.committer, this.ctx.run, txn.gid, txn.txn);
          if (outcome === 'committed') this.committedEvent(txn);
          if (outcome === 'gone') {
            this.ctx.log(`Transaction ${txn.gid}: unexpected transaction status: gone before its commit`);
            if (txn.ref !== undefined)
              this.ctx.event({
                kind: 'txn-commit-failed',
                ...txn.ref,
                checkpointId: txn.checkpointId,
                why: 'not-open',
                state: 'ABORTED',
              });
          }
        } catch (error) {
          this.ctx.fail(
            'commit-failed',
            `Failed to commit transaction ${txn.gid}: ${(error as Error).message}`,
          );
          return;
        }
        this.pending.shift();
      }
    });
  }

  async close(why: 'task-closed' | 'end-of-input'): Promise<void> {
    await this.commits;
    await Promise.allSettled([...this.inFlight]);
    // Closing the sink aborts its open transaction; prepared ones are left for recovery or the lease.
    await this.data.query('ROLLBACK').catch(() => {});
    const v = this.currentValues;
    if (this.currentRef !== null)
      this.ctx.event({
        kind: 'txn-aborted',
        ...this.currentRef,
        events: v?.count ?? 0,
        why,
        firstValue: v?.first ?? null,
        lastValue: v?.last ?? null,
      });
    await Promise.all([this.data.end().catch(() => {}), this.committer.end().catch(() => {})]);
  }
}
