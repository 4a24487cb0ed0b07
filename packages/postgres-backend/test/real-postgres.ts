import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseScenario, type Scenario } from '@eolab/engine';
import pg from 'pg';
import { afterAll, beforeAll, expect } from 'vitest';
import { type PostgresServer, startPostgres } from '../src/index';

/** The template cache every suite shares (it is slow to make). */
export const sharedCache = process.env.EOLAB_POSTGRES_CACHE ?? join(tmpdir(), 'eolab-postgres');

/**
 * One PostgreSQL for the calling test file, its data directory in a temporary directory of the
 * file's own: other suites start servers at the same time (turbo runs the packages' tests side by
 * side), and what is left behind is counted for this file's servers only. After the file: every
 * task process in `pids` is gone and no data directory is left. Call it at the file's top level.
 */
export function ownPostgres(prefix: string): { readonly server: PostgresServer; pids: number[] } {
  const ownTmp = mkdtempSync(join(tmpdir(), prefix));
  // As root, PostgreSQL runs as the postgres user, who must get through to its data directory.
  chmodSync(ownTmp, 0o755);
  process.env.TMPDIR = ownTmp;
  process.env.EOLAB_POSTGRES_CACHE = sharedCache;
  let server: PostgresServer | undefined;
  const pids: number[] = [];
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
    for (const pid of pids) expect(alive(pid)).toBe(false);
    const left = readdirSync(ownTmp).filter((d) => d.startsWith('eolab-pg-'));
    rmSync(ownTmp, { recursive: true, force: true });
    expect(left).toEqual([]);
  });
  return {
    get server() {
      if (server === undefined) throw new Error('PostgreSQL is not started yet (beforeAll)');
      return server;
    },
    pids,
  };
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A scenario as a user writes it, through the schema (bounds such as the 10 s minimum lease apply). */
export function parsed(input: unknown): Scenario {
  const result = parseScenario(input);
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.value;
}

/** One query on a fresh connection to `url`: its rows. */
export async function queryOn<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}
