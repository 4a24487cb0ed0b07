import type { EventListener, Fault, InjectRequest, JobState, Metrics, Report } from '@eolab/engine';
import type { RunBackend } from '@eolab/protocol';

/**
 * What a live run drives and shows: the engine's Simulation is one, a real job against PostgreSQL
 * (real-run.ts) another. The live run paces, streams and stores either the same way.
 */
export interface RunModel {
  readonly metrics: Metrics;
  readonly nowMs: number;
  readonly done: boolean;
  readonly jobState: JobState;
  on(listener: EventListener): () => void;
  /** A simulation runs up to the time; a real job only catches its metrics up with the wall clock. */
  advanceTo(targetMs: number): void;
  faultTimeline(): Fault[];
  refusal(request: InjectRequest): string | null;
  inject(request: InjectRequest): Fault;
  report(): Report;
  /** Set for a job that runs on the wall clock: speed and pause do not apply to it. */
  readonly realTime?: boolean;
  /** Absent for the simulation. */
  readonly backend?: RunBackend;
  /**
   * A person stops the run: the model stops where it is and its report says so; a real job is
   * killed, and its run ends once the checker has read what it wrote.
   */
  stop(): void;
  /** Whether a stop was asked for (the run then ends `stopped`). */
  readonly stopRequested?: boolean;
}

export const SIMULATED: RunBackend = { kind: 'simulated', version: null };
