import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `node --import tsx src/main.ts` as its own process, for tests that need a real exit or a real kill. */
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

export function spawnServer(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the server to its exit (it is expected not to start): its exit code and what it printed. */
export function runToExit(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawnServer(env);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Resolves with the port once the server says it listens (PORT=0 picks a free one). */
export function listening(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Exactly-Once Lab on http:\/\/[^:]+:(\d+)/.exec(out);
      if (match !== null) {
        child.stdout!.off('data', onData);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening: ${out}`)));
  });
}

/** What a test that starts server processes removes and kills when it ends. */
export interface Started {
  dirs: string[];
  servers: ChildProcess[];
}

/**
 * A server process on a fresh data directory (both kept in `started`) with `env` (a cluster's
 * EOLAB_REDIS_URL, EOLAB_DATABASE_URL), listening on a free port.
 */
export async function startServerProcess(
  env: Record<string, string>,
  started: Started,
): Promise<{ child: ChildProcess; port: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'eolab-process-'));
  started.dirs.push(dataDir);
  const child = spawnServer({ PORT: '0', EOLAB_DATA_DIR: dataDir, EOLAB_RUNS_PER_MINUTE: '1000', ...env });
  started.servers.push(child);
  return { child, port: await listening(child) };
}

export function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** A REST call to a server process on a port (GET, or POST with a JSON body); an error names the path. */
export async function api<T>(port: number, path: string, body?: object): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}/api${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
