import type { RunDelta } from '@eolab/protocol';
import Database from 'better-sqlite3';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { RunStore, type StoredRun } from '../../src/store/db';
import { deltasUntilEnd, type Harness, ok, reportOf, startServer } from '../harness';

/** A store on a disk that can be made to fail every write the way a dying disk does. */
class FailingDiskStore extends RunStore {
  failing = false;
  refused = 0;

  private check(): void {
    if (!this.failing) return;
    this.refused++;
    throw new Database.SqliteError('disk I/O error', 'SQLITE_IOERR_WRITE');
  }
  override insert(run: StoredRun): void {
    this.check();
    super.insert(run);
  }
  override save(...args: Parameters<RunStore['save']>): void {
    this.check();
    super.save(...args);
  }
  override setState(...args: Parameters<RunStore['setState']>): void {
    this.check();
    super.setState(...args);
  }
  override delete(id: string): boolean {
    this.check();
    return super.delete(id);
  }
}

let server: Harness | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function nextDelta(
  socket: Awaited<ReturnType<Harness['client']>>,
  runId: string,
  after: number,
): Promise<RunDelta> {
  return new Promise((resolve) => {
    const onDelta = (d: RunDelta) => {
      if (d.runId === runId && d.seq > after) {
        socket.off('run:delta', onDelta);
        resolve(d);
      }
    };
    socket.on('run:delta', onDelta);
  });
}

describe('a disk that stops accepting writes', () => {
  it('makes the server degraded, not dead: runs keep streaming, a run that ends is kept, saving resumes', async () => {
    let store: FailingDiskStore | undefined;
    server = await startServer(
      undefined,
      {},
      {
        openStore: (dir) => {
          store = new FailingDiskStore(dir);
          return store;
        },
      },
    );
    const http = server.app.http;
    const socket = await server.client();
    const { runId: streaming } = await ok<{ runId: string }>(socket, 'run:create', {
      scenario: { mode: 'EXACTLY_ONCE', numEvents: 1_000_000 },
      speed: '1x',
    });
    await ok(socket, 'run:watch', { runId: streaming });
    const { runId: ending } = await ok<{ runId: string }>(socket, 'run:create', {
      preset: 'seed',
      mode: 'ATLEAST_ONCE',
      speed: 'max',
      start: false,
    });
    await ok(socket, 'run:watch', { runId: ending });

    store!.failing = true;
    // A run that ends while the disk fails keeps its report in memory.
    const ended = deltasUntilEnd(socket, ending);
    await ok(socket, 'run:control', { runId: ending, action: 'start' });
    await ended;
    const report = await reportOf(server, ending);
    expect(report!.duplicates).toEqual([17, 18, 19, 20, 21, 22, 23, 24]);
    // The streaming run keeps streaming.
    const before = await nextDelta(socket, streaming, 0);
    const later = await nextDelta(socket, streaming, before.seq + 3);
    expect(later.nowMs).toBeGreaterThan(before.nowMs);

    const degraded = await request(http).get('/api/health').expect(200);
    expect(degraded.body.store).toMatchObject({ writable: false, unsavedRuns: 1 });
    expect(degraded.body.store.lastError).toContain('SQLITE_IOERR_WRITE');
    // New runs are refused with a reason; reading the ended run still works.
    const refused = await request(http).post('/api/runs').send({ preset: 'seed' }).expect(503);
    expect(refused.body.error).toContain('the run store is not accepting writes');
    const kept = await request(http).get(`/api/runs/${ending}`).expect(200);
    expect(kept.body.report).toEqual(report);

    // The disk heals: the next periodic save stores everything kept in memory.
    store!.failing = false;
    await expect
      .poll(async () => (await request(http).get('/api/health')).body.store, { timeout: 10_000 })
      .toMatchObject({ writable: true, unsavedRuns: 0 });
    const stored = store!.get(ending);
    expect(stored?.report).toEqual(report);
    expect(store!.refused).toBeGreaterThan(0);
    await ok(socket, 'run:control', { runId: streaming, action: 'stop' });
  });
});
