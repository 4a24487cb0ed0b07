import type { Report, Scenario, SimEvent } from '@eolab/engine';
import type {
  CheckpointCounts,
  CheckpointDetail,
  CheckpointsPage,
  CheckpointsQuery,
  MessagesPage,
  MessagesQuery,
  TransactionsPage,
  TransactionsQuery,
  TxnCounts,
} from '@eolab/protocol';
import { CheckpointFacts, type CheckpointMeta } from './checkpoint-facts';
import { MessageLog, type MessageLogMeta } from './message-log';
import { TxnFacts, type TxnMeta } from './txn-facts';

/** Bumped when the stored layout changes: an older blob is then ignored (its run falls back to its events). */
const FORMAT = 3;

interface Meta {
  format: number;
  tasks: number;
  leaseMs: number | null;
  complete: boolean;
  checkpoints: CheckpointMeta;
  transactions: TxnMeta;
  messages: MessageLogMeta;
}

/**
 * A run's whole record of checkpoints and transactions, fed every event the run emits (deltas
 * thin them at max speed; this never does). Pages of it answer the REST API; its counts agree
 * with the run's report (see `checkpointCounts`).
 */
export class RunFacts {
  readonly checkpoints: CheckpointFacts;
  readonly transactions: TxnFacts;
  /** Every protocol message, for the space-time diagram. */
  readonly messages: MessageLog;

  /**
   * `complete`: fed every event of the run from its start. A run stored before facts were kept, or
   * one interrupted before its end, is rebuilt from its stored window of events: not complete.
   */
  constructor(
    private readonly tasks: number,
    private readonly leaseMs: number | null,
    readonly complete = true,
  ) {
    this.checkpoints = new CheckpointFacts(tasks);
    this.transactions = new TxnFacts(leaseMs);
    this.messages = new MessageLog(tasks - 1);
  }

  static forScenario(scenario: Scenario, complete = true): RunFacts {
    // Kafka's transactions have no lease (a timeout from their first record instead).
    const leaseMs =
      scenario.mode === 'EXACTLY_ONCE' && scenario.system !== 'kafka' ? scenario.sink.txnLeaseMs : null;
    return new RunFacts(scenario.sink.parallelism + 1, leaseMs, complete);
  }

  /** Facts from a window of stored events (a run that has no stored facts). */
  static fromEvents(scenario: Scenario, events: readonly SimEvent[]): RunFacts {
    const facts = RunFacts.forScenario(scenario, false);
    for (const e of events) facts.observe(e);
    return facts;
  }

  /** Counts the events that changed the record: a page asked for twice with no change between is the same page. */
  changes = 0;

  observe(e: SimEvent): void {
    this.changes++;
    this.messages.observe(e);
    switch (e.kind) {
      case 'checkpoint-triggered':
      case 'checkpoint-barrier':
      case 'checkpoint-acknowledged':
      case 'checkpoint-notified':
      case 'checkpoint-completed':
      case 'checkpoint-aborted':
      case 'job-restored':
        this.checkpoints.observe(e);
        break;
      case 'txn-committing':
        // A recovery commit also counts for the checkpoint it was saved in.
        this.checkpoints.observe(e);
        this.transactions.observe(e);
        break;
      case 'txn-begun':
      case 'txn-flushed':
      case 'txn-lease-renewed':
      case 'txn-committed':
      case 'txn-aborted':
      case 'txn-expired':
      case 'txn-commit-failed':
        this.transactions.observe(e);
        break;
      default:
    }
  }

  settle(report: Report | null): void {
    this.checkpoints.settle(report);
  }

  /** The report's counts once the run has one (the report is the run's verdict), else the record's own. */
  checkpointCounts(report: Report | null): CheckpointCounts {
    const own = this.checkpoints.counts();
    if (report === null) return own;
    const { triggered, completed, aborted, failed } = report.checkpoints;
    return { ...own, triggered, completed, aborted, failed, inProgress: triggered - completed - aborted };
  }

  transactionCounts(report: Report | null): TxnCounts {
    const own = this.transactions.counts();
    return report === null ? own : { ...own, ...report.transactions };
  }

  checkpointsPage(query: CheckpointsQuery, report: Report | null): CheckpointsPage {
    const { atMs } = query;
    const total = atMs === undefined ? this.checkpoints.total : this.checkpoints.begunBy(atMs);
    const items = [];
    for (let i = query.offset; i < Math.min(total, query.offset + query.limit); i++) {
      const id = query.order === 'newest' ? total - i : i + 1;
      items.push(atMs === undefined ? this.checkpoints.fact(id) : this.checkpoints.factAt(id, atMs));
    }
    const then =
      atMs === undefined
        ? { counts: this.checkpointCounts(report), durations: this.checkpoints.durationSummary() }
        : this.checkpoints.countsAt(atMs);
    const latest = this.checkpoints.latest(atMs);
    return { items, offset: query.offset, total, ...then, latest, complete: this.complete };
  }

  /**
   * Checkpoint `id` and each task's part in it: the barrier's arrival, the acknowledgement, and
   * for each sink subtask the transaction it pre-committed under it (EXACTLY_ONCE). Null when the
   * run has no such checkpoint.
   */
  checkpointDetail(id: number): CheckpointDetail | null {
    if (id > this.checkpoints.total) return null;
    const checkpoint = this.checkpoints.fact(id);
    const tasks = this.checkpoints.taskTimes(id).map((times, index) => {
      const subtask = index - 1;
      // After a restore two attempts may each have had a transaction for this checkpoint: the one flushed under it is its.
      const rows =
        subtask < 0
          ? []
          : this.transactions.select({ offset: 0, limit: 8, order: 'oldest', checkpoint: id, subtask }).rows;
      const candidates = rows.map((r) => this.transactions.fact(r));
      const txn = candidates.find((t) => t.preCommittedMs !== null) ?? candidates[0] ?? null;
      const doneMs = txn?.preCommittedMs ?? (this.leaseMs === null ? times.acknowledgedMs : null);
      const preCommitMs =
        subtask < 0 || times.barrierMs === null || doneMs === null
          ? null
          : Math.max(0, doneMs - times.barrierMs);
      return { ...times, txn, preCommitMs };
    });
    return { checkpoint, tasks };
  }

  transactionsPage(query: TransactionsQuery, report: Report | null): TransactionsPage {
    const { rows, total } = this.transactions.select(query);
    const { atMs } = query;
    return {
      items: rows.map((r) =>
        atMs === undefined ? this.transactions.fact(r) : this.transactions.factAt(r, atMs),
      ),
      offset: query.offset,
      total,
      counts: atMs === undefined ? this.transactionCounts(report) : this.transactions.countsAt(atMs),
      complete: this.complete,
    };
  }

  /** The protocol messages of a window of the run, for the space-time diagram. */
  messagesPage(query: MessagesQuery): MessagesPage {
    return this.messages.window(query, this.complete);
  }

  /** Bytes held by the columns (what a long run's record costs). */
  get bytes(): number {
    return this.checkpoints.bytes + this.transactions.bytes + this.messages.bytes;
  }

  /** One blob for the run store: a small JSON header, then the two tables' columns. */
  encode(): Uint8Array {
    const cp = this.checkpoints.encode();
    const txn = this.transactions.encode();
    const msg = this.messages.encode();
    const meta: Meta = {
      format: FORMAT,
      tasks: this.tasks,
      leaseMs: this.leaseMs,
      complete: this.complete,
      checkpoints: cp.meta,
      transactions: txn.meta,
      messages: msg.meta,
    };
    const header = new TextEncoder().encode(JSON.stringify(meta));
    const parts = [header, cp.table, txn.table, msg.table];
    const out = new Uint8Array(4 + parts.reduce((n, p) => n + p.byteLength, 0));
    new DataView(out.buffer).setUint32(0, header.byteLength, true);
    let at = 4;
    for (const part of parts) {
      out.set(part, at);
      at += part.byteLength;
    }
    return out;
  }

  /** Reads `encode`'s blob; null when it was written in another format or cannot be read. */
  static decode(bytes: Uint8Array): RunFacts | null {
    try {
      return RunFacts.decodeUnguarded(bytes);
    } catch {
      // A damaged blob costs the run its whole record, not the request: it falls back to its events.
      return null;
    }
  }

  private static decodeUnguarded(bytes: Uint8Array): RunFacts | null {
    const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
    const meta = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as Meta;
    if (meta.format !== FORMAT) return null;
    const facts = new RunFacts(meta.tasks, meta.leaseMs, meta.complete);
    const end = facts.checkpoints.decode(bytes, 4 + headerLength, meta.checkpoints);
    const txnEnd = facts.transactions.decode(bytes, end, meta.transactions);
    facts.messages.decode(bytes, txnEnd, meta.messages);
    return facts;
  }
}
