import { invariant } from '../kernel/context';
import {
  FAULT_CATALOGUE,
  type Fault,
  faultEntry,
  type InjectRequest,
  type Refuse,
  type ResolvedAim,
  type RunFacts,
} from '../scenario/fault-catalogue';
import { MAX_VIRTUAL_TIME_MS } from '../scenario/schema';
import type { JobState } from './job-state';

/** A fault the run cannot take, with the reason a person reads. */
export class InjectRefused extends Error {}

/** Where the simulation stands when a request is aimed. */
export interface AimContext extends Omit<RunFacts, 'restarting'> {
  nowMs: number;
  ended: boolean;
  state: JobState;
  /** The id the coordinator gives its next checkpoint. */
  nextCheckpointId: number;
}

const refuse: Refuse = (reason) => {
  throw new InjectRefused(reason);
};

/**
 * Turns a request into the fault the timeline records, or refuses it with a reason: the checks
 * every kind shares, in the order a person meets them, then the kind's own entry.
 */
export function aimFault(request: InjectRequest, at: AimContext): Fault {
  const { kind } = request;
  const entry = faultEntry(kind);
  const run: RunFacts = { mode: at.mode, parallelism: at.parallelism, restarting: at.state === 'restarting' };
  if (at.ended) refuse('the run has ended: no fault can change it');
  if (at.state === 'finished' || at.state === 'failed')
    refuse(`the job has ${at.state}: there is nothing left for a ${kind} to act on`);
  const refusal = entry.refusal(request, run);
  if (refusal !== null) refuse(refusal);
  const fault = entry.aim(request, resolve(request, at), run, refuse);
  if ('durationMs' in fault)
    invariant(
      Number.isInteger(fault.durationMs) && fault.durationMs >= 1,
      'durationMs must be a positive integer',
    );
  return fault;
}

/** The request's time (the next millisecond unless it names one ahead) and checkpoint. */
function resolve(request: InjectRequest, at: AimContext): ResolvedAim {
  const spec = FAULT_CATALOGUE[request.kind];
  if (request.atMs !== undefined && request.checkpoint !== undefined)
    refuse('aim a fault at a time or at a checkpoint, not both');
  const atMs = request.atMs ?? at.nowMs + 1;
  if (atMs <= at.nowMs) refuse(`virtual time ${atMs} ms has passed (the run is at ${at.nowMs} ms)`);
  if (atMs > MAX_VIRTUAL_TIME_MS / 2) refuse(`atMs: must be at most ${MAX_VIRTUAL_TIME_MS / 2}`);
  if (request.checkpoint === undefined) return { atMs };
  if (spec.targeting !== 'checkpoint')
    refuse(`${request.kind} cannot be aimed at a checkpoint: it acts ${spec.stage}`);
  const next = at.nextCheckpointId;
  const id = request.checkpoint === 'next' ? next : request.checkpoint;
  if (id < next) refuse(`checkpoint ${id} was already triggered: aim at ${next} or later`);
  return { atMs, checkpoint: id };
}
