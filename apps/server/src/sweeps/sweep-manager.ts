import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
import { runFleetSweep } from './fleet-sweep';
import { runRealSweep } from './real-sweep';
import { runSweep, SweepCancelled, type SweepJob } from './sweep-pool';

export interface RealSweepDeps {
  backend: RealBackend;
  prepared: PreparedRealSweep;
}

/**
 * The server's sweeps: one runs at a time (it takes the machine's cores), its progress is told a
 * few times a second, and each sweep ends in a file of its own under the data directory
 * (`sweeps/<id>.json`: its spec, state and result), so the list and any result survive a restart
 * and a link to a sweep keeps working. The newest KEPT_SWEEPS are kept. With a Redis URL
 * (EOLAB_REDIS_URL) a sweep on the model goes to the fleet's queue instead of the server's threads.
 */
const KEPT_SWEEPS = 50;
const PROGRESS_EVERY_MS = 200;

interface Entry {
  summary: SweepSummary;
  job: SweepJob<unknown> | null;
  /** The result while it is being written; read from its file after. */
  detail: SweepDetail | null;
  /** Its file, once written. */
  written: Promise<void>;
}

export class SweepManager {
  private readonly entries = new Map<string, Entry>();
  private readonly dir: string;

  constructor(
    dataDir: string,
    private readonly workers: number,
    private readonly tell: (progress: SweepProgress) => void,
    private readonly log: Logger,
    /** The fleet's Redis: sweeps on the model go to its `eolab worker`s (null: this server's threads). */
    private readonly fleetRedisUrl: string | null = null,
  ) {
    this.dir = join(dataDir, 'sweeps');
    mkdirSync(this.dir, { recursive: true });
    for (const file of readdirSync(this.dir).filter((f) => f.endsWith('.json'))) {
      try {
        const detail = JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as SweepDetail;
        const { result: _result, ...summary } = detail;
        this.entries.set(summary.id, { summary, job: null, detail: null, written: Promise.resolve() });
      } catch (error) {
        log.warn({ file, err: error }, 'a stored sweep cannot be read: left out of the list');
      }
    }
  }

  /** Newest first. */
  list(): SweepSummary[] {
    return [...this.entries.values()]
      .map((e) => e.summary)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  get(id: string): SweepDetail {
    const entry = this.entryOf(id);
    if (entry.detail !== null) return entry.detail;
    if (entry.job !== null) return { ...entry.summary, result: null };
    const stored = JSON.parse(readFileSync(this.fileOf(id), 'utf8')) as SweepDetail;
    return { ...stored, ...entry.summary };
  }

  /** Starts a sweep; one on PostgreSQL needs the real backend, prepared (PostgreSQL up, the slot free). */
  start(spec: StoredSweepSpec, real?: RealSweepDeps): SweepSummary {
    const running = [...this.entries.values()].find((e) => e.job !== null);
    if (running !== undefined)
      throw new RunError(409, `a sweep is already running (${running.summary.id}): cancel it or wait for it`);
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
    let toldAt = 0;
    const progress = (done: number) => {
      summary.done = done;
      const now = Date.now();
      if (now - toldAt >= PROGRESS_EVERY_MS && done < spec.schedules) {
        toldAt = now;
        this.tellAbout(summary);
      }
    };
    const entry: Entry = { summary, job: null, detail: null, written: Promise.resolve() };
    const stopped = (error: Error) => (error instanceof SweepCancelled ? 'cancelled' : 'failed');
    // `written` settles once the sweep's file is written: what close() waits for.
    if (spec.backend === 'postgres') {
      if (real === undefined) throw new Error('a sweep on PostgreSQL needs the real backend');
      let verified = 0;
      const job = runRealSweep(summary.id, spec.schedules, spec.seed, real.backend, real.prepared, () =>
        progress(++verified),
      );
      entry.job = job;
      entry.written = job.result.then(
        (schedules) => this.finish(entry, 'done', null, null, schedules),
        (error: Error & { partial?: VerifiedSchedule[] }) =>
          this.finish(entry, stopped(error), null, error.message, error.partial ?? []),
      );
    } else {
      const { base, baseLabel: _label, backend: _backend, ...draw } = spec;
      const sweepSpec = { ...draw, ...(base === null ? {} : { base }) };
      const job =
        this.fleetRedisUrl === null
          ? runSweep(sweepSpec, this.workers, progress)
          : runFleetSweep(
              this.fleetRedisUrl,
              sweepSpec,
              progress,
              (workers) => {
                // Told at once when it changes: "waiting for workers" must not wait for progress.
                if (summary.fleetWorkers === workers) return;
                summary.fleetWorkers = workers;
                this.tellAbout(summary);
              },
              this.log,
            );
      entry.job = job;
      entry.written = job.result.then(
        (result) => this.finish(entry, 'done', { ...result, schedules: result.schedules ?? [] }),
        (error: Error) => this.finish(entry, stopped(error), null, error.message),
      );
    }
    this.entries.set(summary.id, entry);
    this.tellAbout(summary);
    return summary;
  }

  cancel(id: string): SweepSummary {
    const entry = this.entryOf(id);
    if (entry.job === null)
      throw new RunError(409, `sweep ${id} is not running: it is ${entry.summary.state}`);
    entry.job.cancel();
    return entry.summary;
  }

  /** Cancels a running sweep and waits for its file to be written. */
  async close(): Promise<void> {
    for (const entry of this.entries.values()) entry.job?.cancel();
    await Promise.all([...this.entries.values()].map((e) => e.written));
  }

  private finish(
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
    this.tellAbout(summary);
    return writeFile(this.fileOf(summary.id), JSON.stringify(entry.detail))
      .then(() => {
        entry.detail = null;
        return this.prune();
      })
      .catch((err: unknown) => this.log.error({ sweepId: summary.id, err }, 'a sweep could not be stored'));
  }

  private async prune(): Promise<void> {
    const old = this.list()
      .filter((s) => s.state !== 'running')
      .slice(KEPT_SWEEPS);
    for (const s of old) {
      this.entries.delete(s.id);
      await rm(this.fileOf(s.id), { force: true });
    }
  }

  private tellAbout(s: SweepSummary): void {
    const fleet = s.fleetWorkers === undefined ? {} : { fleetWorkers: s.fleetWorkers };
    this.tell({ sweepId: s.id, state: s.state, done: s.done, total: s.spec.schedules, ...fleet });
  }

  private entryOf(id: string): Entry {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new RunError(404, `no sweep ${id}`);
    return entry;
  }

  private fileOf(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}
