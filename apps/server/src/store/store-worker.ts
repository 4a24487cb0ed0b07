import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SimEvent } from '@eolab/engine';
import type { RunState } from '@eolab/protocol';
import { RunStore, type StoredRun, type WriteStep } from './db';

/**
 * The run store with its writes on a worker thread. A disk that stalls (a frozen file system, a
 * dying disk that takes seconds per write) then delays saves, not the event loop: health, live
 * runs and reads go on. Reads stay on this thread (SQLite's WAL lets them run beside the writer)
 * and see every write already accepted, from memory until it is on disk.
 *
 * Writes go to the worker one at a time, in order. While one waits, a newer save of the same run
 * replaces the one still queued (the queue holds at most about one write per run); a write the
 * store refuses is retried every 2 s at the head of the queue, and health says so. A new run is
 * refused while the store fails or the queue is too long: nothing would save it.
 */

/** Writes waiting beyond this refuse new runs (a stalled disk must not grow memory without end). */
const MAX_BACKLOG = 200;
const RETRY_MS = 2_000;

/** The worker: plain JavaScript (the compiled server is one bundle, and tests run TypeScript). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
const stall = workerData.stall ? new Int32Array(workerData.stall) : null;
const statements = new Map();
// A Buffer posted here arrives as a plain Uint8Array, which better-sqlite3 does not bind.
const bindable = (v) => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v);
const args = (params) =>
  Array.isArray(params) ? params.map(bindable) : Object.fromEntries(Object.entries(params).map(([k, v]) => [k, bindable(v)]));
const prepared = (sql) => {
  let s = statements.get(sql);
  if (s === undefined) { s = db.prepare(sql); statements.set(sql, s); }
  return s;
};
parentPort.on('message', ({ seq, steps }) => {
  // Tests hold writes here, as a frozen disk would: the thread blocks in the write.
  if (stall !== null) while (Atomics.load(stall, 0) === 1) Atomics.wait(stall, 0, 1, 1000);
  try {
    const changes = db.transaction(() =>
      steps.map((s) => (Array.isArray(s.params) ? prepared(s.sql).run(...args(s.params)) : prepared(s.sql).run(args(s.params))).changes),
    )();
    parentPort.postMessage({ seq, ok: true, changes });
  } catch (error) {
    parentPort.postMessage({ seq, ok: false, message: String(error && error.message), code: error && error.code });
  }
});
`;

type SaveKind = 'row' | 'progress' | 'final';
/** Whether a save of kind `newer` writes everything a queued one of kind `older` would. */
const RANK: Record<SaveKind, number> = { row: 0, progress: 1, final: 2 };
const covers = (newer: SaveKind, older: SaveKind) => RANK[newer] >= RANK[older];

interface Pending {
  seq: number;
  runId: string;
  steps: WriteStep[];
  /**
   * A save of the run that a newer one may replace while it waits: `row` (its row), `progress` (its
   * row and live event window), `final` (its row and final events). null: never replaced.
   */
  replaceable: SaveKind | null;
  /** Inserts and deletes change what retention counts until they land. */
  changesCount: 'insert' | 'delete' | null;
  queuedAt: number;
}

/** What this thread shows of a run until its writes are on disk. */
interface Overlay {
  /** null: deleted. */
  stored?: StoredRun | null;
  events?: SimEvent[];
  state?: RunState;
  /** The run's record of checkpoints and transactions (see facts/run-facts.ts); null: deleted. */
  facts?: { bytes: Uint8Array; deflated: boolean } | null;
  writes: number;
}

type Reply =
  | { seq: number; ok: true; changes: number[] }
  | { seq: number; ok: false; message: string; code?: string };

/**
 * SQLite's answers that come from the disk or the file system and may pass (a full or failing
 * disk, a lock held elsewhere): such a write is retried. Any other (a constraint) is not.
 */
function diskTrouble(code: string | undefined): boolean {
  return (
    code === undefined ||
    /^SQLITE_(IOERR|FULL|BUSY|LOCKED|READONLY|CANTOPEN|PROTOCOL|NOMEM|CORRUPT|NOTADB|PERM)/.test(code)
  );
}

/** Why a write failed, with SQLite's code, as the store health reports it. */
class StoreWriteError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export interface QueuedStoreOptions {
  /** Tests: while its first int is 1, the worker blocks before each write (a frozen disk). */
  stall?: SharedArrayBuffer;
}

export class QueuedRunStore extends RunStore {
  private readonly worker: Worker;
  private readonly queue: Pending[] = [];
  private inFlight: Pending | null = null;
  private readonly overlay = new Map<string, Overlay>();
  private seq = 0;
  private failure: StoreWriteError | null = null;
  private retry: NodeJS.Timeout | null = null;
  private drained: (() => void)[] = [];
  /** Runs inserted or deleted here but not yet on disk: retention counts them as they will be. */
  private readonly pendingInserts = new Set<string>();
  private readonly pendingDeletes = new Set<string>();
  private closed = false;
  /** Told of each write's outcome (null: it succeeded), so health can say the store refuses writes. */
  onOutcome: (what: string, error: Error | null) => void = () => {};
  /** Told of a write dropped because SQLite refused it for a reason retrying cannot fix. */
  onDropped: (runId: string, why: string) => void = () => {};

  constructor(dataDir: string, options: QueuedStoreOptions = {}) {
    super(dataDir);
    this.db.pragma('busy_timeout = 5000');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        file: this.file,
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        stall: options.stall,
      },
    });
    this.worker.on('message', (reply: Reply) => this.settle(reply));
    this.worker.on('error', (error) => {
      this.failure = new StoreWriteError(`the store's writer thread failed: ${error.message}`, undefined);
      this.onOutcome('write', this.failure);
    });
    // The worker must not keep a server that is done from exiting.
    this.worker.unref();
  }

  // ---- writes: queued ----

  protected override write(steps: WriteStep[], runId: string): null {
    this.enqueue(runId, steps);
    return null;
  }

  override insert(run: StoredRun): void {
    if (this.failure !== null) throw this.failure;
    if (this.backlog().writes >= MAX_BACKLOG)
      throw new StoreWriteError(
        `the run store is behind: ${this.queue.length} writes wait for the disk`,
        'EOLAB_STORE_BEHIND',
      );
    this.note(run.summary.id, { stored: run });
    this.pendingInserts.add(run.summary.id);
    this.counting = 'insert';
    super.insert(run);
  }

  // Every argument goes on to the base's save, whatever it grows to take.
  override save(...args: Parameters<RunStore['save']>): void {
    const [run, events, facts] = args;
    this.note(run.summary.id, {
      stored: run,
      ...(events === null ? {} : { events }),
      ...(facts == null ? {} : { facts: { bytes: facts, deflated: false } }),
    });
    this.replacing = events === null ? 'row' : 'final';
    super.save(...args);
  }

  override saveProgress(run: StoredRun, events: SimEvent[]): void {
    this.note(run.summary.id, { stored: run, events });
    this.replacing = 'progress';
    super.saveProgress(run, events);
  }

  override setState(id: string, state: RunState): void {
    this.note(id, { state });
    super.setState(id, state);
  }

  override delete(id: string): boolean {
    const existed = this.get(id) !== null;
    this.note(id, { stored: null, events: [], state: undefined, facts: null });
    if (existed) {
      this.pendingDeletes.add(id);
      this.counting = 'delete';
    }
    super.delete(id);
    return existed;
  }

  override prune(...[retention, keep]: Parameters<RunStore['prune']>): string[] {
    // A run whose delete waits is already counted out (usage): it is not a victim twice.
    return super.prune(retention, (id) => this.pendingDeletes.has(id) || keep(id));
  }

  /** What retention counts: the runs on disk, as they will be once the writes waiting land. */
  override usage(): { runs: number; bytes: number } {
    const onDisk = super.usage();
    return { runs: onDisk.runs + this.pendingInserts.size - this.pendingDeletes.size, bytes: onDisk.bytes };
  }

  // ---- reads: what was accepted, on disk or not ----

  override get(id: string): StoredRun | null {
    const o = this.overlay.get(id);
    if (o?.stored === null) return null;
    const stored = o?.stored ?? super.get(id);
    if (stored === null || o?.state === undefined) return stored;
    return { ...stored, summary: { ...stored.summary, state: o.state } };
  }

  override events(id: string): SimEvent[] {
    const o = this.overlay.get(id);
    if (o?.stored === null) return [];
    return o?.events ?? super.events(id);
  }

  override facts(id: string): { bytes: Uint8Array; deflated: boolean } | null {
    const o = this.overlay.get(id);
    if (o?.stored === null) return null;
    return o?.facts ?? super.facts(id);
  }

  override deflateFacts(id: string, deflated: Uint8Array): void {
    this.note(id, { facts: { bytes: deflated, deflated: true } });
    super.deflateFacts(id, deflated);
  }

  override stateOf(id: string): RunState | null {
    const o = this.overlay.get(id);
    if (o?.stored === null) return null;
    return o?.state ?? o?.stored?.summary.state ?? super.stateOf(id);
  }

  /** Writes waiting, and how long the oldest has waited (health). */
  backlog(): { writes: number; oldestMs: number | null } {
    const oldest = this.inFlight ?? this.queue[0];
    return {
      writes: this.queue.length + (this.inFlight === null ? 0 : 1),
      oldestMs: oldest === undefined ? null : Math.round(performance.now() - oldest.queuedAt),
    };
  }

  /** Runs whose writes are not on disk yet. */
  unwritten(): string[] {
    return [...this.overlay.keys()];
  }

  override settled(withinMs: number): Promise<void> {
    if (this.inFlight === null && this.queue.length === 0) return Promise.resolve();
    // A store that refuses writes, or a write already stuck longer than a reader would wait: the
    // disk is stalled, and reads answer now (from memory for what waits) rather than wait in vain.
    const stuck = this.inFlight !== null && performance.now() - this.inFlight.queuedAt > withinMs;
    if (this.failure !== null || stuck) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, withinMs);
      this.drained.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  override close(): void {
    this.closed = true;
    if (this.retry !== null) clearTimeout(this.retry);
    void this.worker.terminate();
    super.close();
  }

  // ---- the queue ----

  /** Set by save/saveProgress just before they write: whether a newer save may replace this one. */
  private replacing: Pending['replaceable'] = null;
  /** Set by insert/delete just before they write. */
  private counting: Pending['changesCount'] = null;

  private note(id: string, change: Omit<Overlay, 'writes'>): void {
    const o = this.overlay.get(id) ?? { writes: 0 };
    Object.assign(o, change);
    if (change.stored != null && o.state !== undefined && change.state === undefined) o.state = undefined;
    o.writes++;
    this.overlay.set(id, o);
  }

  private enqueue(runId: string, steps: WriteStep[]): void {
    const replaceable = this.replacing;
    const changesCount = this.counting;
    this.replacing = null;
    this.counting = null;
    const last = this.queue.findLast((p) => p.runId === runId);
    // A newer save of the run replaces a queued one that nothing of the run follows.
    if (replaceable !== null && last?.replaceable != null && covers(replaceable, last.replaceable)) {
      last.steps = steps;
      last.replaceable = replaceable;
      const o = this.overlay.get(runId);
      if (o !== undefined) o.writes--;
      return;
    }
    this.queue.push({
      seq: ++this.seq,
      runId,
      steps,
      replaceable,
      changesCount,
      queuedAt: performance.now(),
    });
    this.pump();
  }

  private pump(): void {
    if (this.closed || this.inFlight !== null || this.retry !== null) return;
    const next = this.queue.shift();
    if (next === undefined) {
      for (const done of this.drained.splice(0)) done();
      return;
    }
    this.inFlight = next;
    this.worker.postMessage({ seq: next.seq, steps: next.steps });
  }

  private settle(reply: Reply): void {
    const done = this.inFlight;
    if (done === null || done.seq !== reply.seq) return;
    this.inFlight = null;
    if (!reply.ok && !diskTrouble(reply.code)) {
      // Not the disk (a constraint, a bug): retrying would block every later write for ever.
      this.onDropped(done.runId, `${reply.code ?? 'error'}: ${reply.message}`);
      this.forget(done);
      this.pump();
      return;
    }
    if (!reply.ok) {
      // Retried at the head of the queue, so writes stay in order; health says the store refuses them.
      this.failure = new StoreWriteError(reply.message, reply.code);
      this.onOutcome(`write run ${done.runId}`, this.failure);
      this.queue.unshift(done);
      this.retry = setTimeout(() => {
        this.retry = null;
        this.pump();
      }, RETRY_MS);
      return;
    }
    if (this.failure !== null) {
      this.failure = null;
      this.onOutcome(`write run ${done.runId}`, null);
    }
    this.forget(done);
    this.pump();
  }

  /** The write is done with (on disk, or dropped): what this thread kept for it goes. */
  private forget(done: Pending): void {
    if (done.changesCount === 'insert') this.pendingInserts.delete(done.runId);
    if (done.changesCount === 'delete') this.pendingDeletes.delete(done.runId);
    const o = this.overlay.get(done.runId);
    if (o !== undefined && --o.writes <= 0) this.overlay.delete(done.runId);
  }
}
