import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { RunDelta } from '@eolab/protocol';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../harness';
import { killHard, listening, spawnServer } from '../process';
import { dataDirOf, eventually, everythingOf, postmasterOf, processesOf } from './pg-processes';

/**
 * kill -9 of the server (issue 24: PostgreSQL and its workers ran on until some later real run;
 * a task process stopped by a job pause stayed forever). Nothing of a killed server may be left
 * within 10 s (its watchdog), or after the next start (when the watchdog was killed too).
 */

const dataDir = tempDir('eolab-orphans-');
const started: ChildProcess[] = [];
afterAll(async () => {
  for (const child of started) await killHard(child);
  removeDir(dataDir);
});

async function startedServer(): Promise<{ child: ChildProcess; port: number; socket: Socket }> {
  const child = spawnServer({ PORT: '0', EOLAB_DATA_DIR: dataDir });
  started.push(child);
  const port = await listening(child);
  const socket = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true });
  return { child, port, socket };
}

function send<T>(socket: Socket, event: string, payload: object): Promise<T> {
  return new Promise((resolve, reject) =>
    socket.emit(event, payload, (r: { ok: boolean; data?: T; error?: string }) =>
      r.ok ? resolve(r.data as T) : reject(new Error(`${event}: ${r.error}`)),
    ),
  );
}

/** A long real run, started and watched; resolves once its first transaction is committed. */
async function realRunWriting(socket: Socket): Promise<string> {
  const { runId } = await send<{ runId: string }>(socket, 'run:create', {
    scenario: { name: 'long-real', mode: 'EXACTLY_ONCE', numEvents: 20_000 },
    backend: 'postgres',
    start: false,
  });
  const committed = new Promise<void>((resolve) => {
    const onDelta = (d: RunDelta) => {
      if (d.runId === runId && d.events.some((e) => e.kind === 'txn-committed')) {
        socket.off('run:delta', onDelta);
        resolve();
      }
    };
    socket.on('run:delta', onDelta);
  });
  await send(socket, 'run:watch', { runId });
  await send(socket, 'run:control', { runId, action: 'start' });
  await committed;
  return runId;
}

const stateOf = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
};

/** The watchdog of the server with this pid (a `node -e … watch <pid>` process). */
function watchdogOf(ownerPid: number): number | null {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.trimEnd().endsWith(`watch ${ownerPid}`));
  return line === undefined ? null : Number(line.trim().split(/\s+/)[0]);
}

describe('reliability: nothing outlives a killed server', () => {
  it('kill -9 during a real run: PostgreSQL, its workers and the task process are gone within 10 s', {
    timeout: 120_000,
  }, async () => {
    const { child, socket } = await startedServer();
    await realRunWriting(socket);
    const pid = child.pid!;
    const pgDir = dataDirOf(pid)!;
    const postmaster = postmasterOf(pgDir);
    const before = everythingOf(pid, postmaster);
    // The task process, the postmaster and its workers (checkpointer, walwriter, backends, ...).
    expect(before.length).toBeGreaterThan(5);
    socket.disconnect();
    await killHard(child);
    const ms = await eventually(
      'no process of the killed server left',
      () => everythingOf(pid, postmaster).length === 0,
      10_000,
    );
    console.log(
      `orphans: kill -9 mid-run: ${before.length} processes (PostgreSQL, its workers, the task process) gone ${ms.toFixed(0)} ms later`,
    );
    await eventually('its data directory removed', () => !existsSync(pgDir), 5_000);
  });

  it('kill -9 while the task process is stopped by a job pause: it is killed too', {
    timeout: 120_000,
  }, async () => {
    const { child, socket } = await startedServer();
    const runId = await realRunWriting(socket);
    const pid = child.pid!;
    await send(socket, 'run:inject', { runId, fault: { kind: 'job-pause', durationMs: 60_000 } });
    await eventually(
      'a stopped task process',
      () => processesOf(pid).some((p) => stateOf(p) === 'T'),
      10_000,
    );
    socket.disconnect();
    await killHard(child);
    const ms = await eventually('no process left', () => processesOf(pid).length === 0, 10_000);
    console.log(
      `orphans: kill -9 during a job pause: the stopped task process and PostgreSQL gone ${ms.toFixed(0)} ms later`,
    );
  });

  it('kill -9 of the server and its watchdog: the next start ends what they left', {
    timeout: 120_000,
  }, async () => {
    const first = await startedServer();
    await realRunWriting(first.socket);
    const pid = first.child.pid!;
    const postmaster = postmasterOf(dataDirOf(pid)!);
    const watchdog = await eventually('the watchdog runs', () => watchdogOf(pid) !== null, 5_000).then(() =>
      watchdogOf(pid),
    );
    process.kill(watchdog!, 'SIGKILL');
    first.socket.disconnect();
    await killHard(first.child);
    expect(everythingOf(pid, postmaster).length).toBeGreaterThan(0);
    const second = await startedServer();
    const ms = await eventually(
      'the next start ended them',
      () => everythingOf(pid, postmaster).length === 0,
      10_000,
    );
    console.log(
      `orphans: server and watchdog killed: the next start ended what they left in ${ms.toFixed(0)} ms`,
    );
    second.socket.disconnect();
  });
});
