import { randomUUID } from 'node:crypto';
import { deflateRaw, inflateRawSync } from 'node:zlib';
import type { Fault, InjectRequest, Report, Scenario, SimEvent } from '@eolab/engine';
import type {
  CheckpointDetail,
  CheckpointsPage,
  CheckpointsQuery,
  MessagesPage,
  MessagesQuery,
  NarrationPage,
  RunDelta,
  RunSnapshot,
  RunSummary,
  Speed,
  TransactionsPage,
  TransactionsQuery,
} from '@eolab/protocol';
import { PROTOCOL_VERSION } from '@eolab/protocol';
import type { Logger } from 'pino';
import type { Limits, RetentionConfig } from '../config';
import { SerializedJson } from '../http/shared-json';
import { type PreparedRealRun, RealBackend, RealJob } from '../real/real-run';
import type { RunFilter, StoredRun } from '../store/db';
import type { RunHistory } from '../store/run-history';
import { StoreHealth } from '../store/store-health';
import { RunFacts } from './facts/run-facts';
import { LiveRun } from './live-run';
import { RunError } from './run-error';
import { SIMULATED } from './run-model';
import { pageOf, storedNarration } from './run-narration';
import { checkRunWork } from './work-limits';

export interface RunListener {
  delta(run: LiveRun, delta: RunDelta, mustArrive: boolean): void;
  /** The run's watchers must redraw it whole (the model was run again): its snapshot, to each. */
  snapshot(run: LiveRun): void;
  changed(summary: RunSummary): void;
  deleted(runId: string): void;
  /** Whether a client watches the run: retention never deletes a watched run. */
  watched(runId: string): boolean;
}

/** An ended run whose final save the store refused: kept in memory and saved again until it is stored. */
interface UnsavedRun {
  stored: StoredRun;
  events: SimEvent[];
  facts: Uint8Array;
}

export interface CreateOptions {
  name?: string;
  speed?: Speed;
  start?: boolean;
  replayOf?: string | null;
  /** For an import: the exported report the re-run must reproduce. */
  expectedReport?: unknown;
  /** Run the job for real against PostgreSQL (from `real.prepare`) instead of simulating it. */
  real?: PreparedRealRun;
}

/** Pacing ticks: each advances every running run by the wall time elapsed since the last one. */
const TICK_MS = 16;
/**
 * Wall time a tick may spend simulating, shared by the running runs. The rest of the tick is left
 * to sockets and HTTP, so a run at max speed never makes the server unresponsive.
 */
const TICK_BUDGET_MS = 11;
/**
 * Each live run's progress is saved this often (metrics and its bounded event window), so a server
 * that dies keeps what it streamed up to then; failed saves are retried at the same pace. At most
 * one run is saved per tick, so saves never pile up in one tick.
 */
const PERSIST_EVERY_MS = 2_000;
/** Serialised snapshots of ended runs kept in memory: a page of runs opened over and over is read once. */
const STORED_SNAPSHOT_CACHE = 16;
/**
 * Ended runs' records of facts kept decoded, with their reports: paging through one reads it once.
 * Few, and few bytes: a 20M-event run's record is ~27 MB (the newest one is always kept).
 */
const STORED_FACTS_CACHE = 4;
const STORED_FACTS_CACHE_BYTES = 64 * 1024 * 1024;
/**
 * A stored record at least this big is deflated after it was saved, off the main thread: a
 * 20M-event run's 23 MB become ~7 MB (deflating them takes ~300 ms, which the event loop must not
 * wait for). Smaller ones are not worth a second write.
 */
const DEFLATE_FACTS_FROM_BYTES = 64 * 1024;
/** States of a run that has not ended. */
const LIVE_STATES: ReadonlySet<string> = new Set(['created', 'running', 'paused']);

/**
 * Owns the live runs: creates them, paces them in real time, sends their deltas at a bounded
 * rate, persists them, and answers for runs that are only in the database.
 */
export class RunManager {
  private readonly live = new Map<string, LiveRun>();
  private readonly unsaved = new Map<string, UnsavedRun>();
  private readonly storedSnapshots = new Map<string, SerializedJson>();
  private readonly storedFacts = new Map<string, { facts: RunFacts; report: Report | null }>();
  /** When each live run's progress was last saved (clock ms). */
  private readonly savedAt = new Map<string, number>();
  readonly storeHealth: StoreHealth;
  /** PostgreSQL and the real runs (`backend: 'postgres'`). */
  readonly real: RealBackend;
  private timer: NodeJS.Timeout | null = null;
  /** Set by `stop`: the store is about to close, and late work (a record deflated) must not write to it. */
  private stopped = false;
  private lastTick = 0;
  private lastDelta = 0;
  private lastPersist = 0;

  constructor(
    private readonly store: RunHistory,
    private readonly limits: Limits,
    private readonly retention: RetentionConfig,
    private readonly listener: RunListener,
    private readonly log: Logger,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.storeHealth = new StoreHealth(log);
    this.real = new RealBackend(log, limits.maxRealRunMs);
  }

  start(): void {
    this.lastTick = this.clock();
    this.lastPersist = this.lastTick;
    this.applyRetention();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.stopped = true;
    for (const run of this.live.values()) this.saveProgress(run);
    this.retryUnsaved();
    if (this.unsaved.size > 0) {
      this.log.error({ runs: [...this.unsaved.keys()] }, 'stopping with ended runs the store never accepted');
    }
  }

  create(scenario: Scenario, options: CreateOptions = {}): RunSummary {
    checkRunWork(scenario, this.limits);
    if (this.activeCount >= this.limits.maxActiveRuns) {
      throw new RunError(429, `too many active runs: at most ${this.limits.maxActiveRuns}; stop one first`);
    }
    const summary: RunSummary = {
      id: randomUUID().slice(0, 12),
      name: options.name ?? scenario.name,
      mode: scenario.mode,
      state: 'created',
      verdict: null,
      numEvents: scenario.numEvents,
      faultCount: scenario.faults.length,
      createdAt: new Date().toISOString(),
      finishedAt: null,
      replayOf: options.replayOf ?? null,
      backend: options.real === undefined ? 'simulated' : 'postgres',
    };
    const real =
      options.real === undefined ? undefined : new RealJob(options.real, this.real, summary.id, this.log);
    // A real run goes in real time: its speed is 1x whatever was asked.
    const speed = real === undefined ? (options.speed ?? '10x') : '1x';
    const run = new LiveRun(scenario, summary, speed, options.expectedReport, real);
    // Stored first: a run that cannot be stored never becomes live (nothing would ever save it).
    this.storeHealth.write('store a new run', () => this.store.insert(run.stored()), {
      refuse: 'the run store is not accepting writes; no new run can be created until it does',
    });
    this.live.set(run.id, run);
    this.savedAt.set(run.id, this.clock());
    this.log.info(
      { runId: run.id, mode: scenario.mode, numEvents: scenario.numEvents, seed: scenario.seed },
      'run created',
    );
    if (options.start !== false) this.control(run.id, 'start');
    else this.listener.changed(run.summary);
    return run.summary;
  }

  control(id: string, action: 'start' | 'pause' | 'resume' | 'stop'): RunSummary {
    const run = this.requireLive(id);
    const now = new Date().toISOString();
    const from = run.state;
    const allowed: Record<typeof action, string[]> = {
      start: ['created'],
      pause: ['running'],
      resume: ['paused'],
      stop: ['created', 'running', 'paused'],
    };
    if (!allowed[action].includes(from)) throw new RunError(409, `cannot ${action} a run that is ${from}`);
    if (run.sim.realTime === true && (action === 'pause' || action === 'resume'))
      throw new RunError(
        409,
        `${action}: a real run (PostgreSQL, real processes) goes in real time and cannot be paused`,
      );
    if (run.sim.realTime === true && action === 'stop' && from !== 'created') {
      // A real job is killed now; its run ends `stopped` once the checker has read what it wrote.
      run.sim.stop();
      return run.summary;
    }
    // Before the state changes: the report the stop computes must say the run was stopped.
    if (action === 'stop' && run.sim.realTime !== true) run.sim.stop();
    run.setState(action === 'pause' ? 'paused' : action === 'stop' ? 'stopped' : 'running', now);
    run.changedSinceDelta = true;
    // A refused write is retried by the next periodic save, which stores the state too.
    this.storeHealth.tryWrite('save a run’s state', () => this.store.setState(id, run.state));
    if (action === 'stop') this.finish(run);
    else this.announce(run, true);
    return run.summary;
  }

  setSpeed(id: string, speed: Speed): RunSummary {
    const run = this.requireLive(id);
    if (run.sim.realTime === true)
      throw new RunError(
        409,
        'speed: a real run (PostgreSQL, real processes) goes in real time; speed does not apply',
      );
    run.setSpeed(speed);
    run.changedSinceDelta = true;
    this.announce(run, true);
    return run.summary;
  }

  /** Injects a fault into a live run; `seenMs`: the virtual time the person saw (see LiveRun.inject). */
  inject(id: string, request: InjectRequest, seenMs?: number): Fault {
    const run = this.requireLive(id);
    const rewinds = run.rewinds;
    const fault = run.inject(request, this.limits.maxInjectionsPerSecond, this.clock(), seenMs);
    if (run.rewinds !== rewinds) this.listener.snapshot(run);
    this.log.info({ runId: id, fault }, 'fault injected');
    run.changedSinceDelta = true;
    this.storeHealth.tryWrite('save an injected fault', () => this.store.save(run.stored(), null));
    this.announce(run, true);
    return fault;
  }

  list(filter: RunFilter): { runs: RunSummary[]; total: number } {
    return this.store.list(filter);
  }

  /** A snapshot of a live run, or of a stored one. */
  snapshot(id: string): RunSnapshot {
    return JSON.parse(this.snapshotJson(id).json) as RunSnapshot;
  }

  /**
   * The snapshot serialised: a live run's once per change, an ended run's once while it stays in
   * a small cache. Every watcher and every repeated request shares the same string.
   */
  snapshotJson(id: string): SerializedJson {
    const run = this.live.get(id);
    if (run !== undefined) return run.snapshotJson();
    const cached = this.storedSnapshots.get(id);
    if (cached !== undefined) return cached;
    const unsaved = this.unsaved.get(id);
    const stored = unsaved?.stored ?? this.store.get(id);
    if (stored === null) throw new RunError(404, `run ${id} not found`);
    const json = new SerializedJson(
      JSON.stringify(storedSnapshot(stored, unsaved?.events ?? this.store.events(id))),
    );
    // A run still live in a shared history lives on another server: what history holds of it now
    // is a moment of it, not to be kept.
    if (unsaved === undefined && !LIVE_STATES.has(stored.summary.state)) {
      this.storedSnapshots.set(id, json);
      if (this.storedSnapshots.size > STORED_SNAPSHOT_CACHE) {
        this.storedSnapshots.delete(this.storedSnapshots.keys().next().value!);
      }
    }
    return json;
  }

  /** A page of a run's checkpoints (a CheckpointsPage), live or stored, as JSON. */
  checkpointsJson(id: string, query: CheckpointsQuery): SerializedJson {
    const run = this.live.get(id);
    if (run !== undefined) return run.checkpointsJson(query);
    const { facts, report } = this.endedFacts(id);
    return new SerializedJson(JSON.stringify(facts.checkpointsPage(query, report) satisfies CheckpointsPage));
  }

  /** A run's whole record of checkpoints and transactions, live or stored. */
  factsOf(id: string): RunFacts {
    return this.live.get(id)?.facts ?? this.endedFacts(id).facts;
  }

  /** One checkpoint of a run and each task's part in it, live or stored. */
  checkpointDetail(id: string, checkpoint: number): CheckpointDetail {
    const facts = this.live.get(id)?.facts ?? this.endedFacts(id).facts;
    const detail = facts.checkpointDetail(checkpoint);
    if (detail === null)
      throw new RunError(
        404,
        `checkpoint: run ${id} has no checkpoint ${checkpoint} (it has ${facts.checkpoints.total})`,
      );
    return detail;
  }

  /** A page of a run's transactions (a TransactionsPage), live or stored, as JSON. */
  transactionsJson(id: string, query: TransactionsQuery): SerializedJson {
    const run = this.live.get(id);
    if (run !== undefined) return run.transactionsJson(query);
    const { facts, report } = this.endedFacts(id);
    return new SerializedJson(
      JSON.stringify(facts.transactionsPage(query, report) satisfies TransactionsPage),
    );
  }

  /** A window of a run's protocol messages (a MessagesPage), live or stored, as JSON. */
  messagesJson(id: string, query: MessagesQuery): SerializedJson {
    const run = this.live.get(id);
    if (run !== undefined) return run.messagesJson(query);
    const { facts } = this.endedFacts(id);
    return new SerializedJson(JSON.stringify(facts.messagesPage(query) satisfies MessagesPage));
  }

  /**
   * An ended run's record, from the store (or from its stored events when it has none: a run that
   * was interrupted, or stored by an older server), settled against its report.
   */
  private endedFacts(id: string): { facts: RunFacts; report: Report | null } {
    const cached = this.storedFacts.get(id);
    if (cached !== undefined) return cached;
    const unsaved = this.unsaved.get(id);
    const stored = unsaved?.stored ?? this.store.get(id);
    if (stored === null) throw new RunError(404, `run ${id} not found`);
    const blob = unsaved?.facts ?? this.storedBlob(id);
    const facts =
      (blob === null ? null : RunFacts.decode(blob)) ??
      RunFacts.fromEvents(stored.scenario, unsaved?.events ?? this.store.events(id));
    facts.settle(stored.report);
    const ended = { facts, report: stored.report };
    // An unsaved run is read from memory anyway; it is cached once the store has it (and has ended).
    if (unsaved === undefined && !LIVE_STATES.has(stored.summary.state)) this.cacheFacts(id, ended);
    return ended;
  }

  /** A stored record's bytes, inflated when they were deflated. */
  private storedBlob(id: string): Uint8Array | null {
    const stored = this.store.facts(id);
    if (stored === null || !stored.deflated) return stored?.bytes ?? null;
    try {
      return inflateRawSync(stored.bytes);
    } catch {
      // Damaged: the run falls back to its stored events, as one without a record does.
      return null;
    }
  }

  /** Deflates a saved run's record off the main thread, then stores that instead (see DEFLATE_FACTS_FROM_BYTES). */
  private deflateLater(id: string, facts: Uint8Array): void {
    if (facts.byteLength < DEFLATE_FACTS_FROM_BYTES) return;
    deflateRaw(facts, (error, deflated) => {
      // Stopped meanwhile (its store is closed), or nothing gained: the raw record stays.
      if (error !== null || this.stopped || deflated.byteLength >= facts.byteLength) return;
      this.storeHealth.tryWrite('deflate a run’s record', () => this.store.deflateFacts(id, deflated));
    });
  }

  private cacheFacts(id: string, ended: { facts: RunFacts; report: Report | null }): void {
    this.storedFacts.set(id, ended);
    let bytes = 0;
    for (const { facts } of this.storedFacts.values()) bytes += facts.bytes;
    for (const [oldest, { facts }] of this.storedFacts) {
      if (this.storedFacts.size <= 1) break;
      if (this.storedFacts.size <= STORED_FACTS_CACHE && bytes <= STORED_FACTS_CACHE_BYTES) break;
      this.storedFacts.delete(oldest);
      bytes -= facts.bytes;
    }
  }

  /** A page of a run's narration (the newest when `from` is not given), live or stored. */
  narration(id: string, from: number | undefined, limit: number): NarrationPage {
    const run = this.live.get(id);
    if (run !== undefined) return run.narration(from, limit);
    const unsaved = this.unsaved.get(id);
    const stored = unsaved?.stored ?? this.store.get(id);
    if (stored === null) throw new RunError(404, `run ${id} not found`);
    const told = storedNarration(
      stored.narration,
      stored.scenario,
      stored.narration === undefined ? (unsaved?.events ?? this.store.events(id)) : [],
      stored.summary.backend === 'postgres',
    );
    return pageOf(told, [], from, limit);
  }

  stored(id: string): StoredRun {
    const run = this.live.get(id);
    if (run !== undefined) return run.stored();
    const stored = this.unsaved.get(id)?.stored ?? this.store.get(id);
    if (stored === null) throw new RunError(404, `run ${id} not found`);
    return stored;
  }

  delete(id: string): void {
    const run = this.live.get(id);
    const wasUnsaved = this.unsaved.delete(id);
    const deleted = this.storeHealth.write('delete a run', () => this.store.delete(id), {
      refuse: 'the run store is not accepting writes; the run cannot be deleted now',
    });
    if (!deleted && run === undefined && !wasUnsaved) throw new RunError(404, `run ${id} not found`);
    if (run !== undefined) {
      this.live.delete(id);
      this.savedAt.delete(id);
      run.sim.stop?.();
      run.setState('stopped', new Date().toISOString());
    }
    this.storedSnapshots.delete(id);
    this.storedFacts.delete(id);
    this.listener.deleted(id);
  }

  /** Whether the run is live on this server (in a cluster, commands for it are answered here). */
  isLive(id: string): boolean {
    return this.live.has(id);
  }

  /** Runs created, running or paused: what the concurrency limit counts. */
  get activeCount(): number {
    let n = 0;
    for (const run of this.live.values()) if (run.active) n++;
    return n;
  }

  /**
   * Wall-clock pacing: every running run advances by the elapsed wall time times its speed, max-speed
   * runs as far as the tick's budget allows. Paced runs go first (they need little); the budget
   * left is shared evenly, and what one run does not use passes to the next.
   */
  private tick(): void {
    // A timer's callback must never throw: an exception escaping setInterval ends the process.
    try {
      this.tickUnguarded();
    } catch (error) {
      this.log.error({ err: error }, 'tick failed; the next one carries on');
    }
  }

  private tickUnguarded(): void {
    const now = this.clock();
    const wallMs = Math.min(now - this.lastTick, 250);
    this.lastTick = now;
    const running = [...this.live.values()].filter((r) => r.state === 'running');
    running.sort((a, b) => Number(a.speed === 'max') - Number(b.speed === 'max'));
    let budgetMs = TICK_BUDGET_MS;
    for (const [i, run] of running.entries()) {
      budgetMs -= this.stepRun(run, wallMs, budgetMs / (running.length - i));
    }
    if (now - this.lastDelta >= 1_000 / this.limits.deltaRateHz) {
      this.lastDelta = now;
      for (const run of this.live.values()) this.guarded(run, () => this.announce(run, false));
    }
    for (const run of this.live.values()) {
      if (now - (this.savedAt.get(run.id) ?? 0) < PERSIST_EVERY_MS) continue;
      this.savedAt.set(run.id, now);
      this.saveProgress(run);
      break;
    }
    if (now - this.lastPersist >= PERSIST_EVERY_MS) {
      this.lastPersist = now;
      this.retryUnsaved();
    }
  }

  /** One run's work in a tick; what goes wrong with it is logged and leaves the other runs alone. */
  private guarded(run: LiveRun, work: () => void): void {
    try {
      work();
    } catch (error) {
      this.log.error({ err: error, runId: run.id }, 'sending a run’s update failed');
    }
  }

  /** Steps one run; returns the wall time spent. An engine invariant that breaks fails the run, not the server. */
  private stepRun(run: LiveRun, wallMs: number, budgetMs: number): number {
    try {
      const spent = run.step(wallMs, Math.max(budgetMs, 1), this.clock);
      if (run.sim.done) {
        const state = run.sim.stopRequested
          ? 'stopped'
          : run.sim.jobState === 'finished'
            ? 'finished'
            : 'failed';
        run.setState(state, new Date().toISOString());
        this.finish(run);
      }
      return spent;
    } catch (error) {
      this.log.error(
        { runId: run.id, err: error, seed: run.scenario.seed },
        'run crashed: an engine invariant broke',
      );
      run.setState('failed', new Date().toISOString());
      this.finish(run);
      return 0;
    }
  }

  private announce(run: LiveRun, mustArrive: boolean): void {
    const delta = run.delta(Date.now());
    if (delta !== null) this.listener.delta(run, delta, mustArrive || !run.active);
    if (mustArrive || !run.active) this.listener.changed(run.summary);
  }

  private finish(run: LiveRun): void {
    const facts = run.facts.encode();
    if (this.persist(run, facts)) this.deflateLater(run.id, facts);
    else this.unsaved.set(run.id, { stored: run.stored(), events: run.storedEvents(), facts });
    this.announce(run, true);
    this.live.delete(run.id);
    this.savedAt.delete(run.id);
    this.applyRetention();
    const report = run.report();
    this.log.info({ runId: run.id, state: run.state, verdict: report?.verdict }, 'run ended');
    if (run.summary.reproducesExport === false) {
      this.log.error(
        { runId: run.id, seed: run.scenario.seed },
        'an imported run did not reproduce its exported report: the simulation is not deterministic',
      );
    }
  }

  /** Saves an ended run with its final event window and facts; false when the store refused (it is retried later). */
  private persist(run: LiveRun, facts: Uint8Array): boolean {
    return this.storeHealth.tryWrite('save a run', () =>
      this.store.save(run.stored(), run.storedEvents(), facts),
    );
  }

  /** Saves a live run's progress; a refusal is retried at its next turn. */
  private saveProgress(run: LiveRun): void {
    this.storeHealth.tryWrite('save a run’s progress', () =>
      this.store.saveProgress(run.stored(), run.storedEvents()),
    );
  }

  private retryUnsaved(): void {
    for (const [id, { stored, events, facts }] of this.unsaved) {
      if (!this.storeHealth.tryWrite('save an ended run', () => this.store.save(stored, events, facts)))
        return;
      this.unsaved.delete(id);
      this.storedSnapshots.delete(id);
      this.storedFacts.delete(id);
    }
  }

  /** Ended runs the store has not accepted yet (health reports them). */
  get unsavedCount(): number {
    return this.unsaved.size;
  }

  /** Deletes the oldest stored runs beyond the retention limits; never a live, unsaved or watched run. */
  private applyRetention(): void {
    // Pruning finds nothing to say about a failing disk; it waits until saves succeed again.
    if (!this.storeHealth.writable) return;
    const keep = (id: string) => this.live.has(id) || this.unsaved.has(id) || this.listener.watched(id);
    let deleted: string[] = [];
    this.storeHealth.tryWrite('apply retention', () => {
      deleted = this.store.prune(this.retention, keep);
    });
    if (deleted.length === 0) return;
    this.log.info({ deleted: deleted.length, retention: this.retention }, 'old runs deleted by retention');
    for (const id of deleted) {
      this.storedSnapshots.delete(id);
      this.storedFacts.delete(id);
      this.listener.deleted(id);
    }
  }

  private requireLive(id: string): LiveRun {
    const run = this.live.get(id);
    if (run !== undefined) return run;
    if (this.unsaved.has(id))
      throw new RunError(409, `run ${id} has ended (${this.unsaved.get(id)!.stored.summary.state})`);
    const state = this.store.stateOf(id);
    if (state !== null) throw new RunError(409, `run ${id} has ended (${state})`);
    throw new RunError(404, `run ${id} not found`);
  }
}

function storedSnapshot(stored: StoredRun, events: SimEvent[]): RunSnapshot {
  const told = storedNarration(
    stored.narration,
    stored.scenario,
    events,
    stored.summary.backend === 'postgres',
  );
  return {
    protocolVersion: PROTOCOL_VERSION,
    run: stored.summary,
    scenario: stored.scenario,
    faultTimeline: stored.faultTimeline,
    speed: '10x',
    nowMs: stored.nowMs,
    totals: totalsOf(stored),
    bucketMs: stored.bucketMs,
    layoutVersion: 0,
    buckets: stored.buckets,
    events,
    eventsDropped: 0,
    eventCursor: events.length,
    report: stored.report,
    backend: backendOf(stored.report),
    narration: pageOf(told, [], undefined),
  };
}

function totalsOf(stored: StoredRun): RunSnapshot['totals'] {
  const r = stored.report;
  const sum = (f: 'emitted' | 'written' | 'committed' | 'read') =>
    stored.buckets.reduce((n, b) => n + b[f], 0);
  return {
    emitted: r?.counts.emitted ?? sum('emitted'),
    written: r?.counts.written ?? sum('written'),
    committed: r?.counts.committed ?? sum('committed'),
    read: r?.counts.read ?? sum('read'),
    duplicates: r?.counts.duplicates ?? 0,
    duplicateReads: r?.counts.duplicateReads ?? 0,
    missing: r?.counts.missing ?? 0,
    writeFailures: r?.counts.writeFailures ?? 0,
    openTxns: 0,
  };
}

/** A stored run's backend, as its report says (a real run's report carries its server's version). */
function backendOf(report: Report | null): RunSnapshot['backend'] {
  if (report?.backend !== 'postgres') return SIMULATED;
  const server = (report as Report & { server?: { version?: unknown } }).server;
  return { kind: 'postgres', version: typeof server?.version === 'string' ? server.version : null };
}
