import { presetScenario, type SimEvent } from '@eolab/engine';
import { afterEach, describe, expect, it } from 'vitest';
import { RunStore, type StoredRun } from '../src/store/db';
import { QueuedRunStore } from '../src/store/store-worker';
import { removeDir, tempDir } from './harness';

/** The run store whose writes go to a worker thread: order, what reads see meanwhile, what it drops. */

const dirs: string[] = [];
const stores: RunStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) removeDir(d);
});

function open(stall?: SharedArrayBuffer): { store: QueuedRunStore; disk: () => RunStore } {
  const dir = tempDir('eolab-store-');
  dirs.push(dir);
  const store = new QueuedRunStore(dir, { stall });
  stores.push(store);
  // Another connection to the same file: what is on disk.
  const disk = () => {
    const other = new RunStore(dir);
    stores.push(other);
    return other;
  };
  return { store, disk };
}

function run(id: string, nowMs = 0): StoredRun {
  return {
    summary: {
      id,
      name: 'seed',
      mode: 'EXACTLY_ONCE',
      state: 'running',
      verdict: null,
      numEvents: 100,
      faultCount: 0,
      createdAt: new Date(0).toISOString(),
      finishedAt: null,
      replayOf: null,
      backend: 'simulated',
    },
    scenario: presetScenario('seed')!,
    faultTimeline: [],
    report: null,
    bucketMs: 100,
    buckets: [],
    nowMs,
  };
}

const events = (n: number): SimEvent[] => [{ t: n, kind: 'console', source: 'writer', line: `line ${n}` }];

function stalled(): { stall: SharedArrayBuffer; release(): void } {
  const stall = new SharedArrayBuffer(4);
  const flag = new Int32Array(stall);
  Atomics.store(flag, 0, 1);
  return {
    stall,
    release() {
      Atomics.store(flag, 0, 0);
      Atomics.notify(flag, 0);
    },
  };
}

describe('a store that writes on a worker thread', () => {
  it('shows accepted writes before they are on disk, and lands them in order', async () => {
    const disk = stalled();
    const { store, disk: onDisk } = open(disk.stall);
    store.insert(run('a'));
    store.saveProgress(run('a', 500), events(1));
    store.setState('a', 'paused');
    expect(store.get('a')?.summary.state).toBe('paused');
    expect(store.get('a')?.nowMs).toBe(500);
    expect(store.events('a')).toEqual(events(1));
    expect(store.stateOf('a')).toBe('paused');
    expect(store.usage().runs).toBe(1);
    expect(onDisk().get('a')).toBeNull();
    disk.release();
    await store.settled(10_000);
    const landed = onDisk();
    expect(landed.stateOf('a')).toBe('paused');
    expect(landed.get('a')?.nowMs).toBe(500);
    expect(landed.events('a')).toEqual(events(1));
    expect(store.backlog()).toEqual({ writes: 0, oldestMs: null });
  });

  it('keeps about one waiting save per run: a newer one replaces the one queued', async () => {
    const disk = stalled();
    const { store, disk: onDisk } = open(disk.stall);
    store.insert(run('a'));
    for (let i = 1; i <= 50; i++) store.saveProgress(run('a', i), events(i));
    store.save({ ...run('a', 99), summary: { ...run('a').summary, state: 'finished' } }, events(99));
    // The insert is in flight; the 50 progress saves and the final one became one queued write.
    expect(store.backlog().writes).toBe(2);
    disk.release();
    await store.settled(10_000);
    const landed = onDisk();
    expect(landed.stateOf('a')).toBe('finished');
    expect(landed.events('a')).toEqual(events(99));
  });

  it('drops a write SQLite refuses for a reason retrying cannot fix, and goes on', async () => {
    const { store, disk: onDisk } = open();
    const dropped: string[] = [];
    store.onDropped = (runId, why) => dropped.push(`${runId} ${why}`);
    store.insert(run('a'));
    store.insert(run('a'));
    store.setState('a', 'stopped');
    await store.settled(10_000);
    expect(dropped).toEqual([expect.stringMatching(/^a SQLITE_CONSTRAINT/)]);
    expect(onDisk().stateOf('a')).toBe('stopped');
  });

  it('a delete is seen at once and counted out of retention before it lands', async () => {
    const disk = stalled();
    const { store } = open(disk.stall);
    store.insert(run('a'));
    store.insert(run('b'));
    expect(store.delete('a')).toBe(true);
    expect(store.delete('zzz')).toBe(false);
    expect(store.get('a')).toBeNull();
    expect(store.usage().runs).toBe(1);
    disk.release();
    await store.settled(10_000);
    expect(store.usage().runs).toBe(1);
    expect(store.get('b')?.summary.id).toBe('b');
  });

  it('binds bytes (a Buffer arrives in the worker as a plain Uint8Array)', async () => {
    class BytesStore extends QueuedRunStore {
      putBytes(id: string, bytes: Buffer): void {
        this.write(
          [
            {
              sql: 'INSERT OR REPLACE INTO live_event_log (run_id, events) VALUES (?, ?)',
              params: [id, bytes],
            },
          ],
          id,
        );
      }
    }
    const dir = tempDir('eolab-store-');
    dirs.push(dir);
    const store = new BytesStore(dir);
    stores.push(store);
    store.putBytes('x', Buffer.from('bytes'));
    await store.settled(10_000);
    const other = new RunStore(dir);
    stores.push(other);
    const row = (other as unknown as { db: import('better-sqlite3').Database }).db
      .prepare("SELECT typeof(events) AS type, events FROM live_event_log WHERE run_id = 'x'")
      .get() as { type: string; events: Buffer };
    expect(row.type).toBe('blob');
    expect(row.events.toString()).toBe('bytes');
  });
});
