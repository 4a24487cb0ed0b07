import type { SimEvent, TxnRef } from '@eolab/engine';
import { type PendingTxn, type TaskEvent, valueFields } from './messages';

interface KnownTxn {
  ref: TxnRef;
  values: PendingTxn['values'];
}

/**
 * The real job's protocol steps as the engine's events, so the dashboard's charts, narration and
 * event log show a real run as they show a simulated one. Stamps each step in ms since the job's
 * start, and keeps what the task process cannot say itself: the name of a prepared transaction
 * that a restore or the lease reaper rolls back (known from its pre-commit), and the transactions
 * a killed task process left open (PostgreSQL rolled them back when its connections dropped).
 */
export class JobEvents {
  private readonly byGid = new Map<string, KnownTxn>();
  /** Transactions begun and not yet pre-committed or ended, per attempt. */
  private readonly open = new Map<number, Map<number, TxnRef>>();

  constructor(
    private readonly out: (event: SimEvent) => void,
    /** The job's start on the wall clock (0 before it started). */
    private readonly startMs: () => number,
  ) {}

  emit(event: TaskEvent, atMs: number): void {
    const start = this.startMs();
    const t = start === 0 ? 0 : Math.max(0, Math.round(atMs - start));
    this.out({ ...event, t } as SimEvent);
  }

  /** A step the task process told; gid names the prepared transaction it concerns. */
  fromTask(event: TaskEvent, atMs: number, gid?: string): void {
    let e = event;
    if (gid !== undefined && 'epoch' in e) {
      const known = this.byGid.get(gid);
      // Named at its pre-commit (Pravega's gid, Kafka's id and epoch), or at its begin on Kafka,
      // whose open transactions a restore or the coordinator's timeout may end.
      if (e.kind === 'txn-flushed' || e.kind === 'txn-begun')
        this.byGid.set(gid, { ref: refOf(e), values: known?.values ?? null });
      else if (known !== undefined) e = { ...e, ...known.ref };
      // A rollback of a transaction whose pre-commit this run never saw cannot be drawn.
      else if (e.kind === 'txn-aborted') return;
    }
    if ('epoch' in e) this.track(e);
    this.emit(e, atMs);
  }

  /** A pending transaction a sink acknowledged in a checkpoint: its values, to tell its expiry. */
  known(txn: PendingTxn): void {
    if (txn.ref !== undefined) this.byGid.set(txn.gid, { ref: txn.ref, values: txn.values });
  }

  /** The lease reaper rolled a prepared transaction back. */
  expired(gid: string, atMs: number): void {
    const known = this.byGid.get(gid);
    if (known === undefined) return;
    const v = known.values;
    this.emit(
      {
        kind: 'txn-expired',
        ...known.ref,
        ...valueFields(v),
      },
      atMs,
    );
  }

  /** The attempt's process is gone: what it had open was rolled back with its connections. */
  attemptEnded(attempt: number, why: 'task-closed', atMs: number): void {
    const open = this.open.get(attempt);
    if (open === undefined) return;
    this.open.delete(attempt);
    for (const ref of open.values())
      this.emit({ kind: 'txn-aborted', ...ref, events: 0, why, firstValue: null, lastValue: null }, atMs);
  }

  private track(e: TaskEvent & TxnRef): void {
    let open = this.open.get(e.attempt);
    if (open === undefined) {
      open = new Map();
      this.open.set(e.attempt, open);
    }
    if (e.kind === 'txn-begun') open.set(e.txnId, refOf(e));
    else open.delete(e.txnId);
  }
}

function refOf(e: TxnRef): TxnRef {
  return { txnId: e.txnId, subtask: e.subtask, attempt: e.attempt, epoch: e.epoch };
}
