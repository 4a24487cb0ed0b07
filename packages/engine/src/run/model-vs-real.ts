import type { Scenario } from '../scenario/schema';
import type { Report } from './report';

/**
 * Holding a real run against the model (the postgres backend's `eolab verify`, and the
 * dashboard's "Simulated vs real"). Where the schedule is deterministic the two must agree value
 * for value (the same duplicate and missing sets); where timing decides (a fault at a time, a
 * checkpoint whose position depends on how fast the source ran) only the outcome class must agree:
 * duplicates or not, loss or not, finished or not. Pure: it runs in the browser too.
 */

/** Margin for the real source and coordinator timers on a loaded machine. */
function marginMs(intervalMs: number): number {
  return Math.max(10, Math.round(intervalMs * 0.2));
}

/**
 * Whether real timing can change which values are duplicated or lost, and why. The schedule is
 * deterministic when the first checkpoint is pinned (the source blocks at throttleUntilPosition
 * well before the first trigger) and every failure is the mapper's at an element reached before
 * the second checkpoint, or a checkpoint fault on checkpoint 1.
 */
export function timingDecides(s: Scenario): string | null {
  const interval = s.checkpoint.intervalMs;
  const margin = marginMs(interval);
  const throttled = s.source.throttleUntilPosition * s.source.throttleIntervalMs;
  const pinned = s.source.waitForFirstCheckpoint && throttled + margin <= interval;
  const fresh = s.faults.findIndex(
    (f) => f.kind === 'crash-after-precommit' && f.checkpoint === 1 && f.stage !== 'after-acks',
  );
  if (fresh >= 0 && s.faults.some((f) => f.kind === 'mapper-exception'))
    return `faults[${fresh}] (crash-after-precommit) leaves no completed checkpoint: the fresh restart fails at the mapper again, after checkpoints that depend on how fast its process started`;
  for (const [i, fault] of s.faults.entries()) {
    if ('atMs' in fault && fault.atMs !== undefined)
      return `faults[${i}] (${fault.kind}) fires at a time, and real time is not virtual time`;
    if ('checkpoint' in fault && fault.checkpoint !== undefined) {
      if (fault.checkpoint !== 1 || !pinned)
        return `faults[${i}] (${fault.kind}) strikes checkpoint ${fault.checkpoint}, whose position depends on how fast the source ran`;
    }
    if (fault.kind === 'mapper-exception' && fault.atElement !== undefined) {
      const element = fault.atElement;
      // Elements before the source blocks: the start marker and values 1..throttleUntilPosition.
      const beforeBlock = s.source.throttleUntilPosition + 1;
      if (element <= beforeBlock) {
        if ((element - 1) * s.source.throttleIntervalMs + margin > interval)
          return `faults[${i}]: element ${element} comes near the first checkpoint`;
        continue;
      }
      if (!pinned) return `the first checkpoint's position depends on how fast the throttled source ran`;
      if ((element - beforeBlock) * s.source.eventIntervalMs + margin > interval)
        return `faults[${i}]: element ${element} comes after the first checkpoint by more than a margin under the interval: which checkpoint completed before it depends on timing`;
    }
  }
  return null;
}

/**
 * The model's report against a real run's, in words: `differences` break the agreement (value for
 * value where `deterministic`, the outcome class where timing decides); `notes` are what virtual
 * and real time are expected to change.
 */
export function compareReports(
  model: Report,
  real: Report,
  deterministic: boolean,
): { differences: string[]; notes: string[] } {
  const differences: string[] = [];
  const notes: string[] = [];
  if (model.finished !== real.finished)
    differences.push(`the model's job ${ended(model)}, the real job ${ended(real)}`);
  if (deterministic) {
    sameSet('duplicates', model.duplicates, real.duplicates, differences);
    sameSet('missing values', model.missing, real.missing, differences);
    if (model.markerWindow.verdict !== real.markerWindow.verdict)
      differences.push(
        `the sample's checker said ${model.markerWindow.verdict ?? 'nothing'} in the model, ${real.markerWindow.verdict ?? 'nothing'} for real`,
      );
  } else {
    const dup = (r: Report) => r.counts.duplicates > 0;
    const loss = (r: Report) => r.counts.missing > 0;
    if (dup(model) !== dup(real))
      differences.push(
        `duplicates: the model ${has(dup(model), model.counts.duplicates)}, the real run ${has(dup(real), real.counts.duplicates)}`,
      );
    if (loss(model) !== loss(real))
      differences.push(
        `loss: the model ${has(loss(model), model.counts.missing)}, the real run ${has(loss(real), real.counts.missing)}`,
      );
    if (!sameValues(model.duplicates, real.duplicates))
      notes.push(
        `duplicate values differ (timing decides): model ${list(model.duplicates)}, real ${list(real.duplicates)}`,
      );
    if (!sameValues(model.missing, real.missing))
      notes.push(
        `missing values differ (timing decides): model ${list(model.missing)}, real ${list(real.missing)}`,
      );
  }
  if (model.checkpoints.completed !== real.checkpoints.completed)
    notes.push(
      `checkpoints completed: model ${model.checkpoints.completed}, real ${real.checkpoints.completed} (real time runs slower between them)`,
    );
  const positions = (r: Report) => r.restores.map((x) => x.position).join(', ') || 'none';
  if (positions(model) !== positions(real))
    notes.push(`restore positions: model ${positions(model)}, real ${positions(real)}`);
  return { differences, notes };
}

function ended(r: Report): string {
  return r.finished ? 'finished' : 'failed';
}

function has(yes: boolean, n: number): string {
  return yes ? `has ${n}` : 'has none';
}

function sameValues(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function sameSet(what: string, model: number[], real: number[], out: string[]): void {
  const inReal = new Set(real);
  const inModel = new Set(model);
  const onlyModel = model.filter((v) => !inReal.has(v));
  const onlyReal = real.filter((v) => !inModel.has(v));
  if (onlyModel.length > 0) out.push(`${what} only in the model: ${list(onlyModel)}`);
  if (onlyReal.length > 0) out.push(`${what} only in the real run: ${list(onlyReal)}`);
}

function list(values: number[]): string {
  if (values.length === 0) return 'none';
  const shown = values.slice(0, 20).join(', ');
  return values.length > 20 ? `${shown}, ... (${values.length} in all)` : shown;
}
