import {
  defaultDurationMs,
  type Fault,
  type FaultKind,
  faultEntry,
  isCheckpointFaultKind,
  isDurationFaultKind,
  parseScenario,
  type Scenario,
} from '@eolab/engine';

/**
 * The fault-timeline editor's arithmetic and words, pure: where each fault sits on a time axis (a
 * time, or an estimate for a checkpoint or an element), a new fault of a kind, a fault moved, and
 * why a placement does not work or does not do what it seems to.
 */

/** About how long the job runs without faults: its throttled start, its events, four checkpoint intervals. */
export function runLengthMs(s: Scenario): number {
  return (
    s.source.throttleUntilPosition * s.source.throttleIntervalMs +
    s.numEvents * s.source.eventIntervalMs +
    4 * s.checkpoint.intervalMs
  );
}

/** When element `n` (the start marker is 1) reaches the mapper, about, without faults. */
function elementMs(s: Scenario, n: number): number {
  const throttled = Math.min(n, s.source.throttleUntilPosition + 1);
  const after = Math.max(0, n - throttled);
  // The source blocks at the throttle position until the first checkpoint completes.
  const blocked = after > 0 ? Math.max(throttled * s.source.throttleIntervalMs, s.checkpoint.intervalMs) : 0;
  return after > 0 ? blocked + after * s.source.eventIntervalMs : throttled * s.source.throttleIntervalMs;
}

/** Where a fault sits on the axis, in ms, and whether that is exact (a time) or an estimate. */
export function placeOf(s: Scenario, f: Fault): { atMs: number; estimated: boolean } {
  if ('atMs' in f && f.atMs !== undefined) return { atMs: f.atMs, estimated: false };
  if ('checkpoint' in f && f.checkpoint !== undefined)
    return { atMs: f.checkpoint * s.checkpoint.intervalMs, estimated: true };
  if ('atElement' in f && f.atElement !== undefined)
    return { atMs: elementMs(s, f.atElement), estimated: true };
  return { atMs: 0, estimated: true };
}

/** The axis: the run's length, stretched to show a fault placed beyond it. */
export function axisMs(s: Scenario): number {
  const furthest = Math.max(
    0,
    ...s.faults.map((f) => placeOf(s, f).atMs + (('durationMs' in f && f.durationMs) || 0)),
  );
  return Math.max(runLengthMs(s), Math.ceil(furthest * 1.1));
}

/** A new fault of `kind` in the middle of the run (a checkpoint fault on checkpoint 2, the mapper's at N/2 + 1). */
export function newFault(s: Scenario, kind: FaultKind): Fault {
  const middle = Math.round(runLengthMs(s) / 2);
  if (kind === 'mapper-exception') return { kind, atElement: Math.floor(s.numEvents / 2) + 1 };
  if (isDurationFaultKind(kind)) return { kind, atMs: middle, durationMs: defaultDurationMs(kind) } as Fault;
  if (isCheckpointFaultKind(kind)) return { kind, checkpoint: 2 } as Fault;
  return { kind, atMs: middle } as Fault;
}

/** The fault moved to about `atMs` on the axis: its time, or the checkpoint or element nearest it. */
export function movedTo(s: Scenario, f: Fault, atMs: number): Fault {
  const t = Math.max(0, Math.round(atMs));
  if ('atMs' in f && f.atMs !== undefined) return { ...f, atMs: t };
  if ('checkpoint' in f && f.checkpoint !== undefined)
    return { ...f, checkpoint: Math.max(1, Math.round(t / s.checkpoint.intervalMs)) };
  if ('atElement' in f && f.atElement !== undefined) {
    let n = 1;
    while (n <= s.numEvents && elementMs(s, n + 1) <= t) n++;
    return { ...f, atElement: n };
  }
  return f;
}

/**
 * Why the timeline cannot run (the scenario's own field errors), and what a placement does that it
 * may not seem to: a crash before the first checkpoint restarts from scratch, a fault after the end
 * strikes a job that has finished, a crash beyond the restart budget fails the job for good.
 */
export function placementNotes(s: Scenario): string[] {
  const parsed = parseScenario(s);
  const notes = parsed.ok ? [] : parsed.errors;
  const end = runLengthMs(s);
  const first = s.checkpoint.intervalMs;
  let crashes = 0;
  s.faults.forEach((f, i) => {
    const { atMs } = placeOf(s, f);
    const crashing = faultEntry(f.kind).crashesTheJob;
    if (crashing && atMs < first)
      notes.push(
        `faults[${i}] (${f.kind}) is before the first checkpoint (about ${first} ms): there is nothing to restore, the job starts again from scratch`,
      );
    if (atMs > end)
      notes.push(
        `faults[${i}] (${f.kind}) is after the end: the job finishes at about ${end} ms without faults, so it may strike nothing`,
      );
    if (crashing && ++crashes === s.restart.attempts + 1)
      notes.push(
        `faults[${i}] (${f.kind}) is beyond the restart budget (${s.restart.attempts} restarts): if every crash before it strikes, this one fails the job for good`,
      );
  });
  return notes;
}
