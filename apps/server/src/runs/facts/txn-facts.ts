import { type SimEvent, type TxnRef, txnName } from '@eolab/engine';
import type { TransactionsQuery, TxnCounts, TxnFact, TxnFactState } from '@eolab/protocol';
import { NO_TIME, Table, timeCell, timeOrNull } from './columns';

const STATES: readonly TxnFactState[] = [
  'OPEN',
  'PRE-COMMITTED',
  'COMMITTING',
  'COMMITTED',
  'ABORTED',
  'EXPIRED',
];
const OPEN = 0;
const PRE_COMMITTED = 1;
const COMMITTING = 2;
const COMMITTED = 3;
const ABORTED = 4;
const EXPIRED = 5;

/** Why a transaction did not commit, or why a commit call failed; stored as an index (0: none). */
const WHYS: readonly (string | null)[] = [
  null,
  'restore',
  'task-closed',
  'end-of-input',
  'commit-rejected',
  'lease expired',
  'commit not-open',
  'commit rejected',
  'commit retries-exhausted',
  // Kafka's (appended: the codes are stored).
  'fenced',
  'timed out',
];

/** Stands for a null first or last value (values are 1..N). */
const NO_VALUE = -(2 ** 31);

/**
 * Every transaction of a run, one row each, in the order the run first told of them (their begin).
 * The simulation numbers transactions 1, 2, 3... in that order, so transaction K is row K - 1 and
 * needs no index; ids that do not follow that rule (a real run's) are found through a map.
 */
export class TxnFacts {
  private readonly table = new Table();
  // 46 bytes a transaction. Store ids are below 2^32: the model's count from 1, a real run's are
  // (attempt * 100,000 + epoch) * 16 + subtask with at most 101 attempts.
  private readonly txnId = this.table.column(Uint32Array);
  private readonly subtask = this.table.column(Uint8Array);
  private readonly attempt = this.table.column(Uint16Array);
  private readonly epoch = this.table.column(Int32Array);
  private readonly openedMs = this.table.column(Uint32Array, NO_TIME);
  private readonly preCommittedMs = this.table.column(Uint32Array, NO_TIME);
  private readonly committingMs = this.table.column(Uint32Array, NO_TIME);
  private readonly endedMs = this.table.column(Uint32Array, NO_TIME);
  private readonly leaseDeadlineMs = this.table.column(Uint32Array, NO_TIME);
  private readonly state = this.table.column(Uint8Array);
  private readonly why = this.table.column(Uint8Array);
  private readonly recovery = this.table.column(Uint8Array);
  private readonly values = this.table.column(Int32Array);
  private readonly firstValue = this.table.column(Int32Array, NO_VALUE);
  private readonly lastValue = this.table.column(Int32Array, NO_VALUE);
  /** Rows of the ids not at row `id - 1`. */
  private elsewhere = new Map<number, number>();
  /** Transactions in each state, kept as they move, so counts never scan. */
  private readonly inState = [0, 0, 0, 0, 0, 0];
  private counted = { begun: 0, committed: 0, aborted: 0, expired: 0, commitFailed: 0 };

  /** The run writes to Kafka (seen on its first transaction). */
  private kafka = false;

  constructor(private readonly leaseMs: number | null) {}

  private find(id: number): number {
    const guess = id - 1;
    if (guess >= 0 && guess < this.table.rows && this.txnId.values[guess] === id) return guess;
    return this.elsewhere.get(id) ?? -1;
  }

  /** The row of the transaction `ref` names, a new one (OPEN) when it is new. */
  private row(ref: TxnRef): number {
    const found = this.find(ref.txnId);
    if (found >= 0) {
      this.epoch.values[found] = ref.epoch;
      return found;
    }
    const r = this.table.rows;
    this.table.grow(r + 1);
    this.txnId.values[r] = ref.txnId;
    this.subtask.values[r] = ref.subtask;
    this.attempt.values[r] = ref.attempt;
    this.epoch.values[r] = ref.epoch;
    this.inState[OPEN]!++;
    if (ref.txnId !== r + 1) this.elsewhere.set(ref.txnId, r);
    return r;
  }

  private moveTo(r: number, state: number): void {
    this.inState[this.state.values[r]!]!--;
    this.inState[state]!++;
    this.state.values[r] = state;
  }

  private setValues(r: number, e: { events: number; firstValue: number | null; lastValue: number | null }) {
    this.values.values[r] = e.events;
    this.firstValue.values[r] = e.firstValue ?? NO_VALUE;
    this.lastValue.values[r] = e.lastValue ?? NO_VALUE;
  }

  observe(e: SimEvent): void {
    switch (e.kind) {
      case 'txn-begun': {
        const r = this.row(e);
        this.counted.begun++;
        // Only a Kafka transaction names its producer: its expiry is a timeout, not a lease.
        if (e.transactionalId !== undefined) this.kafka = true;
        this.openedMs.values[r] = timeCell(e.t);
        if (this.leaseMs !== null) this.leaseDeadlineMs.values[r] = timeCell(e.t + this.leaseMs);
        break;
      }
      case 'txn-lease-renewed':
        this.leaseDeadlineMs.values[this.row(e)] = timeCell(e.leaseDeadlineMs);
        break;
      case 'txn-flushed': {
        const r = this.row(e);
        this.preCommittedMs.values[r] = timeCell(e.t);
        this.values.values[r] = e.events;
        if (this.state.values[r] === OPEN) this.moveTo(r, PRE_COMMITTED);
        break;
      }
      case 'txn-committing': {
        const r = this.row(e);
        this.committingMs.values[r] = timeCell(e.t);
        this.recovery.values[r] = e.recovery ? 1 : 0;
        if (this.state.values[r]! < COMMITTING) this.moveTo(r, COMMITTING);
        break;
      }
      case 'txn-committed':
      case 'txn-aborted':
      case 'txn-expired': {
        const r = this.row(e);
        const end = e.kind === 'txn-committed' ? COMMITTED : e.kind === 'txn-aborted' ? ABORTED : EXPIRED;
        if (e.kind === 'txn-committed') this.counted.committed++;
        else if (e.kind === 'txn-aborted') this.counted.aborted++;
        else this.counted.expired++;
        this.moveTo(r, end);
        this.endedMs.values[r] = timeCell(e.t);
        this.setValues(r, e);
        if (e.kind !== 'txn-committed')
          this.why.values[r] = WHYS.indexOf(
            e.kind === 'txn-aborted' ? e.why : this.kafka ? 'timed out' : 'lease expired',
          );
        break;
      }
      case 'txn-commit-failed': {
        const r = this.row(e);
        this.counted.commitFailed++;
        // The abort that may follow (a rejected commit) says why it ended; keep that one.
        if (this.state.values[r]! < COMMITTED) this.why.values[r] = WHYS.indexOf(`commit ${e.why}`);
        break;
      }
      default:
    }
  }

  get total(): number {
    return this.table.rows;
  }

  counts(): TxnCounts {
    const s = this.inState;
    return {
      ...this.counted,
      open: s[OPEN]! + s[PRE_COMMITTED]! + s[COMMITTING]!,
      preCommitted: s[PRE_COMMITTED]!,
      committing: s[COMMITTING]!,
    };
  }

  /** Rows matching the query's filters, newest (latest begun) first unless `order` is oldest. */
  select(query: TransactionsQuery): { rows: number[]; total: number } {
    const { offset, limit, order, checkpoint, subtask, txnId, atMs } = query;
    const n = this.table.rows;
    if (txnId !== undefined) {
      const r = this.find(txnId);
      const rows = r >= 0 && this.matches(r, checkpoint, subtask, atMs) ? [r] : [];
      return { rows: rows.slice(offset, offset + limit), total: rows.length };
    }
    const filtered = checkpoint !== undefined || subtask !== undefined || atMs !== undefined;
    if (!filtered) {
      const rows: number[] = [];
      for (let i = offset; i < Math.min(n, offset + limit); i++)
        rows.push(order === 'newest' ? n - 1 - i : i);
      return { rows, total: n };
    }
    const rows: number[] = [];
    let total = 0;
    for (let i = 0; i < n; i++) {
      const r = order === 'newest' ? n - 1 - i : i;
      if (!this.matches(r, checkpoint, subtask, atMs)) continue;
      if (total >= offset && rows.length < limit) rows.push(r);
      total++;
    }
    return { rows, total };
  }

  private matches(
    r: number,
    checkpoint: number | undefined,
    subtask: number | undefined,
    atMs: number | undefined,
  ): boolean {
    return (
      (checkpoint === undefined || this.epoch.values[r] === checkpoint) &&
      (subtask === undefined || this.subtask.values[r] === subtask) &&
      (atMs === undefined || this.startOf(r) <= atMs)
    );
  }

  // ---- as the run stood at a moment (a finished run scrubbed back) ----

  /** When row r began as far as the record knows: its begin, else the first step of it seen. */
  private startOf(r: number): number {
    return Math.min(
      this.openedMs.values[r]!,
      this.preCommittedMs.values[r]!,
      this.committingMs.values[r]!,
      this.endedMs.values[r]!,
    );
  }

  /** The state row r was in at `atMs`, from the times it reached each one. */
  private stateAt(r: number, atMs: number): number {
    if (this.endedMs.values[r]! <= atMs) return this.state.values[r]!;
    if (this.committingMs.values[r]! <= atMs) return COMMITTING;
    if (this.preCommittedMs.values[r]! <= atMs) return PRE_COMMITTED;
    return OPEN;
  }

  /**
   * Counts as they stood at `atMs` (a scan: a few milliseconds for 400,000 transactions). A failed
   * commit call is counted once its transaction ended (its own time is not kept).
   */
  countsAt(atMs: number): TxnCounts {
    const inState = [0, 0, 0, 0, 0, 0];
    let begun = 0;
    let commitFailed = 0;
    for (let r = 0; r < this.table.rows; r++) {
      if (this.startOf(r) > atMs) continue;
      if (this.openedMs.values[r]! <= atMs) begun++;
      inState[this.stateAt(r, atMs)]!++;
      const why = WHYS[this.why.values[r]!];
      if (why?.startsWith('commit') === true && this.endedMs.values[r]! <= atMs) commitFailed++;
    }
    return {
      begun,
      committed: inState[COMMITTED]!,
      aborted: inState[ABORTED]!,
      expired: inState[EXPIRED]!,
      commitFailed,
      open: inState[OPEN]! + inState[PRE_COMMITTED]! + inState[COMMITTING]!,
      preCommitted: inState[PRE_COMMITTED]!,
      committing: inState[COMMITTING]!,
    };
  }

  /** Row r as it stood at `atMs`: what it had reached by then, its values once pre-committed. */
  factAt(r: number, atMs: number): TxnFact {
    const fact = this.fact(r);
    const state = this.stateAt(r, atMs);
    if (state >= COMMITTED) return fact;
    const reached = (cell: number | null) => (cell !== null && cell <= atMs ? cell : null);
    return {
      ...fact,
      state: STATES[state]!,
      preCommittedMs: reached(fact.preCommittedMs),
      committingMs: reached(fact.committingMs),
      endedMs: null,
      recovery: state === COMMITTING && fact.recovery,
      why: null,
      events: state === OPEN ? 0 : fact.events,
      firstValue: null,
      lastValue: null,
    };
  }

  fact(r: number): TxnFact {
    const ref = {
      epoch: this.epoch.values[r]!,
      subtask: this.subtask.values[r]!,
      attempt: this.attempt.values[r]!,
    };
    const first = this.firstValue.values[r]!;
    const last = this.lastValue.values[r]!;
    return {
      name: txnName(ref),
      txnId: this.txnId.values[r]!,
      subtask: ref.subtask,
      attempt: ref.attempt,
      checkpointId: ref.epoch,
      state: STATES[this.state.values[r]!]!,
      openedMs: timeOrNull(this.openedMs.values[r]!),
      preCommittedMs: timeOrNull(this.preCommittedMs.values[r]!),
      committingMs: timeOrNull(this.committingMs.values[r]!),
      endedMs: timeOrNull(this.endedMs.values[r]!),
      leaseDeadlineMs: timeOrNull(this.leaseDeadlineMs.values[r]!),
      recovery: this.recovery.values[r] === 1,
      why: WHYS[this.why.values[r]!] ?? null,
      events: this.values.values[r]!,
      firstValue: first === NO_VALUE ? null : first,
      lastValue: last === NO_VALUE ? null : last,
    };
  }

  get bytes(): number {
    // The map holds only a real run's ids (a few tens of bytes each), none of a simulated run's.
    return this.table.bytes + this.elsewhere.size * 40;
  }

  encode(): { table: Uint8Array; meta: TxnMeta } {
    return { table: this.table.encode(), meta: { counted: { ...this.counted } } };
  }

  /** Reads what `encode` wrote; returns where its table ended in `bytes`. */
  decode(bytes: Uint8Array, from: number, meta: TxnMeta): number {
    const end = this.table.decode(bytes, from);
    this.counted = { ...meta.counted };
    this.elsewhere = new Map();
    this.inState.fill(0);
    for (let r = 0; r < this.table.rows; r++) {
      const id = this.txnId.values[r]!;
      if (id !== r + 1) this.elsewhere.set(id, r);
      this.inState[this.state.values[r]!]!++;
    }
    return end;
  }
}

/** What the transaction facts keep beside their table. */
export interface TxnMeta {
  counted: { begun: number; committed: number; aborted: number; expired: number; commitFailed: number };
}
