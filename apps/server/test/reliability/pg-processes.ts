import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Finding a server's PostgreSQL and its other processes from outside, as a person with `ps` would:
 * the data directory its owner file names, the postmaster's pid file, and every process whose
 * environment carries the server's pid as EOLAB_OWNER_PID (task processes, PostgreSQL and its workers).
 */

/** The data directory of the PostgreSQL the server with this pid started, if any. */
export function dataDirOf(ownerPid: number): string | null {
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith('eolab-pg-')) continue;
    try {
      if (Number(readFileSync(join(tmpdir(), entry, 'eolab-owner.pid'), 'utf8').trim()) === ownerPid)
        return join(tmpdir(), entry);
    } catch {
      // Being made or removed.
    }
  }
  return null;
}

export function postmasterOf(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Live (not zombie) processes whose environment names this owner. */
export function processesOf(ownerPid: number): number[] {
  const found: number[] = [];
  const marker = `EOLAB_OWNER_PID=${ownerPid}\0`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/**
 * A PostgreSQL's processes: the postmaster and its children (PostgreSQL writes its status over its
 * environment, so its workers do not show EOLAB_OWNER_PID).
 */
export function postgresProcesses(postmaster: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      if (Number(entry) === postmaster || Number(fields[1]) === postmaster) found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** Everything of the server: its tagged processes and its PostgreSQL's. */
export function everythingOf(ownerPid: number, postmaster: number | null): number[] {
  return [
    ...new Set([...processesOf(ownerPid), ...(postmaster === null ? [] : postgresProcesses(postmaster))]),
  ];
}

/** Resolves once `check` holds, looking every 100 ms; rejects with `what` after `withinMs`. */
export async function eventually(what: string, check: () => boolean, withinMs: number): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > withinMs) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return performance.now() - started;
}
