import { existsSync } from 'node:fs';
import type { Report } from '@eolab/engine';
import type { HealthResponse, RunDelta, RunSnapshot } from '@eolab/protocol';
import { io as connect } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../harness';
import { api, killHard, listening, spawnServer } from '../process';
import { dataDirOf, everythingOf, postmasterOf, processesOf } from './pg-processes';

/**
 * PostgreSQL killed under a real run (issue 24: the run failed 111 s later as a LOSS, every later
 * real run too, health said ok, and SIGTERM then hung the server for good). A server process of its
 * own; its PostgreSQL's postmaster gets SIGKILL mid-run.
 */

const dataDir = tempDir('eolab-pgdeath-');
afterAll(() => removeDir(dataDir));

/** The run's snapshot once it has its report (the run ended), looking every 100 ms. */
async function untilReport(port: number, runId: string, withinMs: number): Promise<RunSnapshot> {
  const started = performance.now();
  for (;;) {
    const snapshot = await api<RunSnapshot>(port, `/runs/${runId}`);
    if (snapshot.report !== null) return snapshot;
    if (performance.now() - started > withinMs)
      throw new Error(`run ${runId} did not end within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('reliability: PostgreSQL dies', () => {
  it('mid-run: the run ends in seconds as a backend failure, health says why, the next real run succeeds, SIGTERM ends the server', {
    timeout: 180_000,
  }, async () => {
    const child = spawnServer({ PORT: '0', EOLAB_DATA_DIR: dataDir });
    try {
      const port = await listening(child);
      const socket = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true });
      // A long real run: still writing when PostgreSQL is killed.
      const { run } = await api<{ run: { id: string } }>(port, '/runs', {
        scenario: { name: 'long-real', mode: 'EXACTLY_ONCE', numEvents: 20_000 },
        backend: 'postgres',
        start: false,
      });
      const events: RunDelta['events'] = [];
      const committed = new Promise<void>((resolve) => {
        socket.on('run:delta', (d: RunDelta) => {
          if (d.runId !== run.id) return;
          events.push(...d.events);
          if (d.events.some((e) => e.kind === 'txn-committed')) resolve();
        });
      });
      await new Promise<void>((resolve) => socket.emit('run:watch', { runId: run.id }, () => resolve()));
      await new Promise<void>((resolve) =>
        socket.emit('run:control', { runId: run.id, action: 'start' }, () => resolve()),
      );
      await committed;

      const pgDir = dataDirOf(child.pid!);
      expect(pgDir).not.toBeNull();
      const postmaster = postmasterOf(pgDir!)!;
      const killedAt = performance.now();
      process.kill(postmaster, 'SIGKILL');
      const snapshot = await untilReport(port, run.id, 30_000);
      const ended = performance.now() - killedAt;
      const report = snapshot.report as Report;
      const health = await api<HealthResponse>(port, '/health');
      console.log(
        `postgres death: run ended ${ended.toFixed(0)} ms after the postmaster's SIGKILL: state ${snapshot.run.state}, ` +
          `ending ${report?.ending}, verdict ${report?.verdict}; log: ${report?.log.join(' | ')}; ` +
          `health.postgres ${JSON.stringify(health.postgres)}`,
      );
      expect(report.ending).toBe('backend-failed');
      expect(report.verdict).toBe('INCOMPLETE');
      expect(report.log.join('\n')).toContain('PostgreSQL died');
      expect(ended).toBeLessThan(15_000);
      expect(events.some((e) => e.kind === 'console' && e.line.startsWith('PostgreSQL died'))).toBe(true);
      expect(health.postgres?.lastFailure?.reason).toContain('exited without being asked');

      // The next real run gets a fresh PostgreSQL and succeeds.
      const next = await api<{ run: { id: string } }>(port, '/runs', {
        preset: 'seed',
        mode: 'EXACTLY_ONCE',
        backend: 'postgres',
      });
      const after = await untilReport(port, next.run.id, 90_000);
      expect(after.report?.verdict).toBe('EXACTLY_ONCE');
      expect((await api<HealthResponse>(port, '/health')).postgres?.state).toBe('ready');
      socket.disconnect();

      // PostgreSQL dies again, and the server is asked to stop: it ends within seconds.
      const secondDir = dataDirOf(child.pid!)!;
      process.kill(postmasterOf(secondDir)!, 'SIGKILL');
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const termAt = performance.now();
      child.kill('SIGTERM');
      const code = await exited;
      const termMs = performance.now() - termAt;
      console.log(`postgres death: SIGTERM after PostgreSQL died: exit ${code} in ${termMs.toFixed(0)} ms`);
      expect(termMs).toBeLessThan(5_000);
      expect(existsSync(secondDir)).toBe(false);
      expect(processesOf(child.pid!)).toEqual([]);
    } finally {
      await killHard(child);
    }
  });

  it('SIGTERM during a real run: the server ends within 5 s, its PostgreSQL and task process with it', {
    timeout: 120_000,
  }, async () => {
    const child = spawnServer({ PORT: '0', EOLAB_DATA_DIR: dataDir });
    try {
      const port = await listening(child);
      const socket = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true });
      const { run } = await api<{ run: { id: string } }>(port, '/runs', {
        scenario: { name: 'long-real', mode: 'EXACTLY_ONCE', numEvents: 20_000 },
        backend: 'postgres',
        start: false,
      });
      const committed = new Promise<void>((resolve) => {
        socket.on('run:delta', (d: RunDelta) => {
          if (d.runId === run.id && d.events.some((e) => e.kind === 'txn-committed')) resolve();
        });
      });
      await new Promise<void>((resolve) => socket.emit('run:watch', { runId: run.id }, () => resolve()));
      await new Promise<void>((resolve) =>
        socket.emit('run:control', { runId: run.id, action: 'start' }, () => resolve()),
      );
      await committed;
      socket.disconnect();
      const pgDir = dataDirOf(child.pid!)!;
      const postmaster = postmasterOf(pgDir);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const termAt = performance.now();
      child.kill('SIGTERM');
      const code = await exited;
      const termMs = performance.now() - termAt;
      console.log(`postgres death: SIGTERM during a real run: exit ${code} in ${termMs.toFixed(0)} ms`);
      expect(termMs).toBeLessThan(5_000);
      expect(code).toBe(0);
      expect(existsSync(pgDir)).toBe(false);
      expect(everythingOf(child.pid!, postmaster)).toEqual([]);
    } finally {
      await killHard(child);
    }
  });
});
