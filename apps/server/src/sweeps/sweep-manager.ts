import { randomBytes } from 'node:crypto';
import { withdrawFleetSweep } from '@eolab/fleet';
import type {
  StoredSweepSpec,
  SweepDetail,
  SweepProgress,
  SweepSummary,
  VerifiedSchedule,
} from '@eolab/protocol';
import type { Logger } from 'pino';
import type { PreparedRealSweep, RealBackend } from '../real/real-run';
import { RunError } from '../runs/run-error';
import { OWNER_DEAD_S } from '../store/pg-store';
import { runFleetSweep } from './fleet-sweep';
import { runRealSweep } from './real-sweep';
import { runSweep, SweepCancelled, type SweepJob } from './sweep-pool';
import type { SweepStore } from './sweep-store';

export interface RealSweepDeps {
  backend: RealBackend;
  prepared: PreparedRealSweep;
}

/**
 * The Sweeps page's sweeps: one runs at a time where they are kept (this server with files; the
 * whole cluster with PostgreSQL: see sweep-store.ts), on this server's threads, or with a Redis URL
 * (EOLAB_REDIS_URL) on the fleet's `eolab worker`s. A sweep runs on the server that started it; its
 * progress goes to every dashboard a few times a second, and to the store every second, so other
 * servers list it with its progress; its end is stored before it is told, so a server that hears
 * of it reads its result. A cancel that arrives at another server is forwarded here (sweep-cancels.ts).
 */
const PROGRESS_EVERY_MS = 200;
/** How often the store hears a running sweep's progress (what other servers list). */
const STORED_PROGRESS_EVERY_MS = 1_000;
/** How often running sweeps of servers that died are looked for (and marked failed). */
const ORPHANS_EVERY_MS = 2_000;
/** How long a dead server's fleet sweep waits for Redis to withdraw its chunks before it is told failed. */
const WITHDRAW_MS = 2_000;
/** A sweep's end the store refused is written again this often (until it takes it, or the server stops). */
const STORE_RETRY_MS = 2_000;

interface Entry {
  summary: SweepSummary;
  job: SweepJob<unknown> | null;
  /** Its end, held here until the store has it. */
  detail: SweepDetail | null;
  /** Settles once its end was given to the store: what close() waits for. */
  written: Promise<void>;
}

/** Asks the other servers of a cluster to cancel a sweep; null when none runs it. */
export type CancelElsewhere = (id: string) => Promise<SweepSummary | null>;

export class SweepManager {
  /** This server's sweeps, from their start until the store has their end. */
  private readonly entries = new Map<string, Entry>();
  private cancelElsewhere: CancelElsewhere | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;
  /** Why the last look for dead servers' sweeps failed (said once until it changes or passes). */
  private orphansTrouble: string | null = null;

  constructor(
    private readonly store: SweepStore,
    private readonly workers: number,
    private readonly tell: (progress: SweepProgress) => void,
    private readonly log: Logger,
    /** The fleet's Redis: sweeps on the model go to its `eolab worker`s (null: this server's threads). */
    private readonly fleetRedisUrl: string | null = null,
  ) {
    void this.failOrphans();
    const timer = setInterval(() => void this.failOrphans(), ORPHANS_EVERY_MS);
    timer.unref();
    this.timers.push(timer);
  }

  /** In a cluster: a cancel of a sweep another server runs is sent there. */
  cancelOtherServersWith(cancelElsewhere: CancelElsewhere): void {
    this.cancelElsewhere = cancelElsewhere;
  }

  /** Newest first; this server's running sweep with its latest progress. */
  async list(): Promise<SweepSummary[]> {
    const stored = await this.store.list();
    const mine = new Map([...this.entries.values()].map((e) => [e.summary.id, e.summary]));
    const listed = stored.map((s) => mine.get(s.id) ?? s);
    const unlisted = [...mine.values()].filter((s) => !stored.some((t) => t.id === s.id));
    return [...listed, ...unlisted].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async get(id: string): Promise<SweepDetail> {
    const entry = this.entries.get(id);
    if (entry !== undefined) return entry.detail ?? { ...entry.summary, result: null };
    const stored = await this.store.get(id);
    if (stored === null) throw new RunError(404, `no sweep ${id}`);
    return stored.detail;
  }

  /** Starts a sweep; one on PostgreSQL needs the real backend, prepared (PostgreSQL up, the slot free). */
  async start(spec: StoredSweepSpec, real?: RealSweepDeps): Promise<SweepSummary> {
    if (spec.backend === 'postgres' && real === undefined)
      throw new Error('a sweep on PostgreSQL needs the real backend');
    const mine = [...this.entries.values()].find((e) => e.job !== null);
    if (mine !== undefined) throw alreadyRunning(mine.summary.id, null);
    // A sweep left running by a server that died must not hold the slot until the next look.
    await this.failOrphans();
    const summary: SweepSummary = {
      id: randomBytes(6).toString('base64url'),
      state: 'running',
      spec,
      done: 0,
      createdAt: new Date().toISOString(),
      finishedAt: null,
      violations: null,
      error: null,
    };
    const running = await this.store.claim(summary);
    if (running !== null) throw alreadyRunning(running.id, running.owner);
    const entry: Entry = { summary, job: null, detail: null, written: Promise.resolve() };
    this.entries.set(summary.id, entry);
    try {
      this.run(entry, real);
    } catch (error) {
      // Not started: stored as failed, so it does not hold the slot.
      entry.written = this.finish(entry, 'failed', null, (error as Error).message);
      throw error;
    }
    this.tellAbout(summary);
    return summary;
  }

  async cancel(id: string): Promise<SweepSummary> {
    const here = this.cancelHere(id);
    if (here !== null) return here;
    const entry = this.entries.get(id);
    if (entry !== undefined) throw notRunning(id, entry.summary.state);
    const stored = await this.store.get(id);
    if (stored === null) throw new RunError(404, `no sweep ${id}`);
    if (stored.detail.state !== 'running') throw notRunning(id, stored.detail.state);
    const owner = stored.owner ?? 'another';
    if (this.cancelElsewhere === null)
      throw new RunError(
        409,
        `sweep ${id} runs on server ${owner}, which this server cannot reach: it is not in its cluster (EOLAB_REDIS_URL)`,
      );
    const cancelled = await this.cancelElsewhere(id);
    if (cancelled !== null) return cancelled;
    throw new RunError(
      503,
      `sweep ${id} runs on server ${owner}, which did not answer: once it has been silent for ${OWNER_DEAD_S} s its sweep is marked failed`,
    );
  }

  /** Cancels the sweep when it runs here (its summary); null when it does not. */
  cancelHere(id: string): SweepSummary | null {
    const entry = this.entries.get(id);
    if (entry?.job == null) return null;
    entry.job.cancel();
    return entry.summary;
  }

  /** Cancels a running sweep and waits for its end to be stored. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const entry of this.entries.values()) entry.job?.cancel();
    await Promise.all([...this.entries.values()].map((e) => e.written));
    this.store.close();
  }

  private run(entry: Entry, real: RealSweepDeps | undefined): void {
    const { summary } = entry;
    const spec = summary.spec;
    let toldAt = 0;
    let storedAt = Date.now();
    const progress = (done: number) => {
      summary.done = done;
      const now = Date.now();
      if (done >= spec.schedules) return;
      if (now - toldAt >= PROGRESS_EVERY_MS) {
        toldAt = now;
        this.tellAbout(summary);
      }
      if (now - storedAt >= STORED_PROGRESS_EVERY_MS) {
        storedAt = now;
        this.store.progress(summary);
      }
    };
    const stopped = (error: Error) => (error instanceof SweepCancelled ? 'cancelled' : 'failed');
    if (spec.backend === 'postgres') {
      let verified = 0;
      const job = runRealSweep(
        summary.id,
        { count: spec.schedules, seed: spec.seed, system: spec.system ?? 'pravega' },
        real!.backend,
        real!.prepared,
        () => progress(++verified),
      );
      entry.job = job;
      entry.written = job.result.then(
        (schedules) => this.finish(entry, 'done', null, null, schedules),
        (error: Error & { partial?: VerifiedSchedule[] }) =>
          this.finish(entry, stopped(error), null, error.message, error.partial ?? []),
      );
      return;
    }
    const { base, baseLabel: _label, backend: _backend, ...draw } = spec;
    const sweepSpec = { ...draw, ...(base === null ? {} : { base }) };
    const job =
      this.fleetRedisUrl === null
        ? runSweep(sweepSpec, this.workers, progress)
        : runFleetSweep(
            this.fleetRedisUrl,
            summary.id,
            sweepSpec,
            progress,
            (workers) => {
              // Told at once when it changes: "waiting for workers" must not wait for progress.
              if (summary.fleetWorkers === workers) return;
              summary.fleetWorkers = workers;
              this.tellAbout(summary);
              this.store.progress(summary);
            },
            this.log,
          );
    entry.job = job;
    entry.written = job.result.then(
      (result) => this.finish(entry, 'done', { ...result, schedules: result.schedules ?? [] }),
      (error: Error) => this.finish(entry, stopped(error), null, error.message),
    );
  }

  /** Stores the sweep's end, then tells it: a server that hears of it finds its result stored. */
  private async finish(
    entry: Entry,
    state: SweepSummary['state'],
    result: SweepDetail['result'],
    error: string | null = null,
    verified: VerifiedSchedule[] | null = null,
  ): Promise<void> {
    // A sweep on PostgreSQL counts the schedules that differ other than where timing decides.
    const violations =
      result !== null ? result.violations.length : verified?.filter((v) => v.agreement === 'differ').length;
    const summary: SweepSummary = {
      ...entry.summary,
      state,
      finishedAt: new Date().toISOString(),
      violations: violations ?? null,
      error: state === 'failed' ? error : null,
    };
    if (state === 'failed') this.log.error({ sweepId: summary.id, error }, 'a sweep failed');
    entry.summary = summary;
    entry.detail = { ...summary, result, verification: verified === null ? null : { schedules: verified } };
    entry.job = null;
    const stored = await this.storeEnd(entry.detail);
    this.tellAbout(summary);
    if (stored) this.entries.delete(summary.id);
  }

  /**
   * Gives a sweep's end to the store; when refused, says so and tries again in the background (the
   * entry, and so its result on this server, stays until the store takes it). True: stored now.
   */
  private async storeEnd(detail: SweepDetail): Promise<boolean> {
    try {
      await this.store.finish(detail);
      return true;
    } catch (err) {
      this.log.error({ sweepId: detail.id, err }, 'a sweep could not be stored: trying again');
      const again = setInterval(() => {
        if (this.closed) return clearInterval(again);
        this.store.finish(detail).then(
          () => {
            clearInterval(again);
            this.entries.delete(detail.id);
          },
          () => {},
        );
      }, STORE_RETRY_MS);
      again.unref();
      return false;
    }
  }

  /** Running sweeps of servers that died, now marked failed in the shared store: told to every dashboard. */
  private async failOrphans(): Promise<void> {
    try {
      for (const s of await this.store.failOrphans()) {
        if (this.closed) return;
        this.log.warn({ sweepId: s.id, error: s.error }, 'sweep failed: the server running it is gone');
        // Before it is told (a next sweep may start on that): the fleet sweeps no chunk for nobody.
        if (this.fleetRedisUrl !== null && s.spec.backend !== 'postgres')
          await this.withdrawChunks(this.fleetRedisUrl, s);
        this.tellAbout(s);
      }
    } catch (err) {
      // Once per kind of trouble: PostgreSQL away would say it every two seconds.
      const why = (err as Error).message;
      if (why !== this.orphansTrouble)
        this.log.warn({ err }, 'could not look for sweeps of servers that are gone');
      this.orphansTrouble = why;
      return;
    }
    this.orphansTrouble = null;
  }

  /** The chunks a dead server's fleet sweep left waiting on the queue, withdrawn (Redis given WITHDRAW_MS). */
  private async withdrawChunks(redisUrl: string, s: SweepSummary): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), WITHDRAW_MS);
    });
    try {
      const outcome = await Promise.race([withdrawFleetSweep(redisUrl, s.id, s.spec.schedules), late]);
      if (outcome === 'late') this.log.warn({ sweepId: s.id }, 'Redis did not withdraw its chunks in time');
      else this.log.warn({ sweepId: s.id }, 'its chunks still waiting on the queue were withdrawn');
    } catch (err) {
      this.log.warn({ sweepId: s.id, err }, 'its chunks still waiting on the queue could not be withdrawn');
    } finally {
      clearTimeout(timer);
    }
  }

  private tellAbout(s: SweepSummary): void {
    const fleet = s.fleetWorkers === undefined ? {} : { fleetWorkers: s.fleetWorkers };
    this.tell({ sweepId: s.id, state: s.state, done: s.done, total: s.spec.schedules, ...fleet });
  }
}

function alreadyRunning(id: string, owner: string | null): RunError {
  const where = owner === null ? '' : ` on server ${owner}`;
  return new RunError(409, `a sweep is already running (${id}${where}): cancel it or wait for it`);
}

function notRunning(id: string, state: SweepSummary['state']): RunError {
  return new RunError(409, `sweep ${id} is not running: it is ${state}`);
}
