import type { Cause } from '@eolab/engine';

/**
 * The "why" links of a cause: each fact the engine named (the failure, the restore, the
 * transaction and what ended it, the zombie, the job's end) as a moment to jump to, labelled.
 */
export interface CauseLink {
  atMs: number;
  label: string;
}

const ms = (t: number) => `${t.toLocaleString('en')} ms`;

export function causeLinks(cause: Cause): CauseLink[] {
  const links: CauseLink[] = [];
  const f = cause.failure;
  if (f !== null) {
    const zombie = f.reason === 'zombie' || cause.zombieAttempt !== null;
    const what = zombie
      ? `the job failed over from attempt ${f.attempt}, left running as a zombie,`
      : `attempt ${f.attempt} failed`;
    links.push({ atMs: f.atMs, label: `${zombie ? 'Zombie' : 'Failure'}: ${what} at ${ms(f.atMs)}` });
  }
  const r = cause.restore;
  if (r !== null)
    links.push({
      atMs: r.atMs,
      label:
        r.checkpointId === null
          ? `Restart: attempt ${r.attempt} started fresh at ${ms(r.atMs)}`
          : `Restore: attempt ${r.attempt} from checkpoint ${r.checkpointId} at ${ms(r.atMs)}`,
    });
  const t = cause.txn;
  if (t !== null)
    links.push({ atMs: t.endedAtMs, label: `Transaction ${t.name} ended at ${ms(t.endedAtMs)}` });
  const j = cause.job;
  if (j !== null) links.push({ atMs: j.atMs, label: `The job failed for good at ${ms(j.atMs)}` });
  return links;
}

/** The first value of each of a cause's ranges (the values a "Find" button offers), at most `limit`. */
export function causeValues(cause: Cause, limit = 3): number[] {
  return cause.ranges.slice(0, limit).map(([from]) => from);
}
