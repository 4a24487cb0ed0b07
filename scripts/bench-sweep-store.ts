// `npm run bench:sweep-store`: where the Sweeps page keeps a sweep (issue 22), with its heaviest
// result: 20,000 random schedules with every schedule's outcome. Writes its end and reads it back
// from files (one server's own: the baseline, measured in the same run) and from PostgreSQL
// (embedded here; shared by a cluster), gzipped there. Prints the medians of 7 and the sizes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sweepRange } from '@eolab/engine';
import { startPostgres } from '@eolab/postgres-backend';
import type { SweepDetail, SweepSummary } from '@eolab/protocol';
import { pino } from 'pino';
import { FileSweepStore } from '../apps/server/src/sweeps/file-sweep-store';
import { PgSweepStore } from '../apps/server/src/sweeps/pg-sweep-store';
import type { SweepStore } from '../apps/server/src/sweeps/sweep-store';

const SCHEDULES = 20_000;
const ROUNDS = 7;
const log = pino({ level: 'silent' });
const result = sweepRange({ schedules: SCHEDULES, seed: 1 }, 0, SCHEDULES, { keepSchedules: true });
const json = JSON.stringify({ result, verification: null });
console.log(
  `${SCHEDULES} schedules: ${(json.length / 1e6).toFixed(2)} MB of JSON, ${(gzipSync(json).length / 1e6).toFixed(2)} MB gzipped`,
);

const postgres = await startPostgres({ exitOnSignal: false });
const dir = mkdtempSync(join(tmpdir(), 'eolab-bench-sweep-store-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(0);
try {
  const stores: [string, SweepStore][] = [
    ['files (baseline)', new FileSweepStore(dir, log)],
    ['PostgreSQL', new PgSweepStore(postgres.url, 'bench', log)],
  ];
  for (const [name, store] of stores) {
    const writes: number[] = [];
    const reads: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const summary: SweepSummary = {
        id: `bench-${i}`,
        state: 'running',
        spec: {
          schedules: SCHEDULES,
          seed: 1,
          base: null,
          baseLabel: 'random knobs',
          kinds: [],
          maxFaults: 4,
        },
        done: 0,
        createdAt: new Date().toISOString(),
        finishedAt: null,
        violations: null,
        error: null,
      };
      if ((await store.claim(summary)) !== null) throw new Error('a sweep is already running in this store');
      const detail: SweepDetail = {
        ...summary,
        state: 'done',
        done: SCHEDULES,
        finishedAt: new Date().toISOString(),
        violations: result.violations.length,
        result: { ...result, schedules: result.schedules ?? [] },
        verification: null,
      };
      let started = performance.now();
      await store.finish(detail);
      writes.push(performance.now() - started);
      started = performance.now();
      const read = await store.get(summary.id);
      reads.push(performance.now() - started);
      if (read?.detail.result?.schedules.length !== SCHEDULES)
        throw new Error(`${name}: the result read back differs`);
    }
    store.close();
    console.log(
      `${name}: its end written in ${median(writes)} ms, read back in ${median(reads)} ms (median of ${ROUNDS})`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  await postgres.stop();
}
