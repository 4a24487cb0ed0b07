import { join } from 'node:path';
import type { Report } from '@eolab/engine';
import type { RunSnapshot } from '@eolab/protocol';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../harness';
import { api, killHard, listening, spawnServer } from '../process';

/**
 * The kill -9 loop: a real server process is killed with SIGKILL while runs stream and finish,
 * then started again on the same data, over and over. Every run seen finished must come back
 * intact, every run cut short must come back interrupted with what it had streamed up to its last
 * save, and SQLite's integrity check must pass.
 */

const KILLS = 10;
/**
 * Each live run's progress is saved every 2 s: kills alternate between before its first save and
 * well after it (the margin covers ticks delayed by a loaded machine), counted from the runs' start.
 */
const KILL_AFTER_MS = [300, 3_000, 700, 3_300, 1_100, 3_100, 150, 3_400, 1_500, 3_200];
const SURELY_SAVED_MS = 2_800;

const dataDir = tempDir('eolab-kill-');
afterAll(() => removeDir(dataDir));

describe('reliability: kill -9 loop', () => {
  // Ten real server starts: on a loaded machine each can take seconds, so the test gets room.
  it(`${KILLS} kills mid-run: finished runs intact, cut runs interrupted with their progress, integrity ok`, {
    timeout: 240_000,
  }, async () => {
    const finished = new Map<string, Report>();
    /** Runs that were live at a kill, and whether they had lived past a periodic save. */
    const cut = new Map<string, boolean>();
    let checkedInterrupted = 0;
    let withEvents = 0;
    for (let i = 0; i <= KILLS; i++) {
      const child = spawnServer({ PORT: '0', EOLAB_DATA_DIR: dataDir, EOLAB_RUNS_PER_MINUTE: '1000' });
      try {
        const port = await listening(child);
        for (const [id, report] of finished) {
          const snap = await api<RunSnapshot>(port, `/runs/${id}`);
          expect(snap.run.state, id).toBe('finished');
          expect(snap.report, id).toEqual(report);
          expect(snap.events.length, id).toBeGreaterThan(0);
        }
        for (const [id, pastSave] of cut) {
          const snap = await api<RunSnapshot>(port, `/runs/${id}`);
          expect(snap.run.state, id).toBe('interrupted');
          if (pastSave) {
            expect(snap.nowMs, id).toBeGreaterThan(0);
            expect(snap.events.length, id).toBeGreaterThan(0);
            withEvents++;
          }
          checkedInterrupted++;
        }
        cut.clear();
        if (i === KILLS) break;

        // Work for this round: runs that finish at once, one paced, one at max speed that is still going.
        const quick = await Promise.all(
          (['ATLEAST_ONCE', 'EXACTLY_ONCE'] as const).map((mode) =>
            api<{ runId: string }>(port, '/runs', { preset: 'seed', mode, speed: 'max' }),
          ),
        );
        const paced = await api<{ runId: string }>(port, '/runs', { preset: 'live-demo', speed: '1x' });
        // A checkpoint every 30 ms makes 1.8 million of them (the server allows 2 million): half a
        // minute of work even at max speed, so it is still going at the kill however fast the engine gets.
        const fast = await api<{ runId: string }>(port, '/runs', {
          scenario: { mode: 'EXACTLY_ONCE', numEvents: 20_000_000, checkpoint: { intervalMs: 30 } },
          speed: 'max',
        });
        const liveSince = Date.now();
        for (const { runId } of quick) {
          await expect
            .poll(async () => (await api<RunSnapshot>(port, `/runs/${runId}`)).report)
            .not.toBeNull();
          finished.set(runId, (await api<RunSnapshot>(port, `/runs/${runId}`)).report!);
        }
        // The kill's timing is the point of this test: it waits for a moment, not for an event.
        const wait = KILL_AFTER_MS[i]! - (Date.now() - liveSince);
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const livedMs = Date.now() - liveSince;
        await killHard(child);
        for (const { runId } of [paced, fast]) cut.set(runId, livedMs > SURELY_SAVED_MS);
      } finally {
        await killHard(child);
      }
    }
    const db = new Database(join(dataDir, 'eolab.sqlite'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
    console.log(
      `kill -9 loop: ${KILLS} kills; ${finished.size} finished runs intact after every restart; ${checkedInterrupted} cut runs interrupted (${withEvents} past a save kept progress and events); integrity_check ok`,
    );
    expect(finished.size).toBe(KILLS * 2);
    expect(withEvents).toBeGreaterThan(0);
  });
});
