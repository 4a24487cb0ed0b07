import { randomUUID } from 'node:crypto';
import type { Fault, InjectRequest, Scenario, SimEvent } from '@eolab/engine';
import type { RunDelta, RunSnapshot, RunSummary, Speed } from '@eolab/protocol';
import { PROTOCOL_VERSION } from '@eolab/protocol';
import type { Logger } from 'pino';
import type { Limits } from './config';
import type { RunFilter, RunStore, StoredRun } from './db';
import { LiveRun, RunError } from './live-run';

export interface RunListener {
  delta(run: LiveRun, delta: RunDelta, mustArrive: boolean): void;
  changed(summary: RunSummary): void;
}

export interface CreateOptions {
  name?: string;
  speed?: Speed;
  start?: boolean;
  replayOf?: string | null;
}

/** Pacing ticks per second; each tick advances every running run by the wall time elapsed. */
const TICK_MS = 16;
/** CPU a tick may spend on max-speed runs, shared between them. */
const MAX_SPEED_BUDGET_MS = 12;

/**
 * Owns the live runs: creates them, paces them in real time, sends their deltas at a bounded
 * rate, persists them, and answers for runs that are only in the database.
 */
export class RunManager {
  private readonly live = new Map<string, LiveRun>();
  private timer: NodeJS.Timeout | null = null;
  private lastTick = 0;
  private lastDelta = 0;

  constructor(
    private readonly store: RunStore,
    private readonly limits: Limits,
    private readonly listener: RunListener,
    private readonly log: Logger,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  start(): void {
    this.lastTick = this.clock();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const run of this.live.values()) this.persist(run);
  }

  create(scenario: Scenario, options: CreateOptions = {}): RunSummary {
    if (scenario.numEvents > this.limits.maxEventsPerRun) {
      throw new RunError(
        413,
        `numEvents: at most ${this.limits.maxEventsPerRun} events per run on this server`,
      );
    }
    const active = [...this.live.values()].filter((r) => r.active).length;
    if (active >= this.limits.maxActiveRuns) {
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
    };
    const run = new LiveRun(scenario, summary, options.speed ?? '10x');
    this.live.set(run.id, run);
    this.store.insert(run.stored().run);
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
    run.setState(action === 'pause' ? 'paused' : action === 'stop' ? 'stopped' : 'running', now);
    this.store.setState(id, run.state);
    if (action === 'stop') this.finish(run);
    else this.announce(run, true);
    return run.summary;
  }

  setSpeed(id: string, speed: Speed): RunSummary {
    const run = this.requireLive(id);
    run.speed = speed;
    this.announce(run, true);
    return run.summary;
  }

  inject(id: string, request: InjectRequest): Fault {
    const run = this.requireLive(id);
    const fault = run.inject(request, this.limits.maxInjectionsPerSecond, this.clock());
    this.log.info({ runId: id, fault }, 'fault injected');
    this.store.save(run.stored().run, null);
    this.announce(run, true);
    return fault;
  }

  list(filter: RunFilter): { runs: RunSummary[]; total: number } {
    return this.store.list(filter);
  }

  /** A snapshot of a live run, or of a stored one. */
  snapshot(id: string): RunSnapshot {
    const run = this.live.get(id);
    if (run !== undefined) return run.snapshot();
    const stored = this.store.get(id);
    if (stored === null) throw new RunError(404, `run ${id} not found`);
    return storedSnapshot(stored, this.store.events(id));
  }

  stored(id: string): StoredRun {
    const run = this.live.get(id);
    if (run !== undefined) return run.stored().run;
    const stored = this.store.get(id);
    if (stored === null) throw new RunError(404, `run ${id} not found`);
    return stored;
  }

  delete(id: string): void {
    const run = this.live.get(id);
    if (run !== undefined) {
      this.live.delete(id);
      run.setState('stopped', new Date().toISOString());
    }
    if (!this.store.delete(id) && run === undefined) throw new RunError(404, `run ${id} not found`);
  }

  /** Wall-clock pacing: every running run advances by the elapsed time times its speed. */
  private tick(): void {
    const now = this.clock();
    const wallMs = Math.min(now - this.lastTick, 250);
    this.lastTick = now;
    const running = [...this.live.values()].filter((r) => r.state === 'running');
    const maxRuns = running.filter((r) => r.speed === 'max').length;
    for (const run of running) {
      try {
        const ended = run.step(wallMs, MAX_SPEED_BUDGET_MS / Math.max(1, maxRuns), this.clock);
        if (ended) {
          run.setState(run.sim.report().finished ? 'finished' : 'failed', new Date().toISOString());
          this.finish(run);
        }
      } catch (error) {
        this.log.error({ runId: run.id, err: error }, 'run crashed: an engine invariant broke');
        run.setState('failed', new Date().toISOString());
        this.finish(run);
      }
    }
    if (now - this.lastDelta >= 1_000 / this.limits.deltaRateHz) {
      this.lastDelta = now;
      for (const run of this.live.values()) this.announce(run, false);
    }
  }

  private announce(run: LiveRun, mustArrive: boolean): void {
    const delta = run.delta(Date.now());
    if (delta !== null) this.listener.delta(run, delta, mustArrive || !run.active);
    if (mustArrive || !run.active) this.listener.changed(run.summary);
  }

  private finish(run: LiveRun): void {
    this.persist(run);
    this.announce(run, true);
    this.live.delete(run.id);
    const report = run.report();
    this.log.info({ runId: run.id, state: run.state, verdict: report?.verdict }, 'run ended');
  }

  private persist(run: LiveRun): void {
    const { run: stored, events } = run.stored();
    this.store.save(stored, events);
  }

  private requireLive(id: string): LiveRun {
    const run = this.live.get(id);
    if (run !== undefined) return run;
    if (this.store.get(id) !== null) throw new RunError(409, `run ${id} has ended`);
    throw new RunError(404, `run ${id} not found`);
  }
}

function storedSnapshot(stored: StoredRun, events: SimEvent[]): RunSnapshot {
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
    report: stored.report,
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
