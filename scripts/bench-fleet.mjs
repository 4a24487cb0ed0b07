#!/usr/bin/env node
// `npm run bench:fleet -- [schedules]` (issue 22): a sweep of 100,000 schedules (by default) on a
// fleet of `eolab worker` processes, two against one, beside `eolab sweep --workers 1` on this
// process's machine as the same-run baseline; each figure is wall time, and every table must be
// the same. Redis is Debian's redis-server, started for the benchmark and stopped after it.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startRedis } from './redis-server.mjs';

const root = join(import.meta.dirname, '..');
const eolab = join(root, 'node_modules/.bin/eolab');
const schedules = process.argv[2] === undefined ? 100_000 : Number(process.argv[2]);
if (!Number.isInteger(schedules) || schedules < 1 || schedules > 1_000_000) {
  console.error(`usage: bench-fleet [schedules 1..1000000] (got '${process.argv[2]}')`);
  process.exit(2);
}
const SEED = 1;

/** Runs eolab with `args` to its end: seconds and the table it printed. */
function sweep(args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(eolab, ['sweep', '--schedules', String(schedules), '--seed', String(SEED), ...args], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let table = '';
    child.stdout.on('data', (d) => {
      table += d;
    });
    child.once('exit', (code) =>
      code === 0 || code === 1
        ? resolve({ seconds: (performance.now() - started) / 1000, table })
        : reject(new Error(`eolab sweep ${args.join(' ')} exited with ${code}`)),
    );
  });
}

function startWorker(url) {
  const child = spawn(eolab, ['worker', '--redis', url], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      if (String(d).includes('taking sweep chunks')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`eolab worker exited with ${code}`)));
  });
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

async function onFleet(url, workers) {
  const fleet = await Promise.all(Array.from({ length: workers }, () => startWorker(url)));
  try {
    return await sweep(['--redis', url]);
  } finally {
    await Promise.all(fleet.map(stop));
  }
}

const redis = await startRedis();
try {
  const load = loadavg()[0].toFixed(1);
  const local = await sweep(['--workers', '1']);
  const one = await onFleet(redis.url, 1);
  const two = await onFleet(redis.url, 2);
  const same = one.table === local.table && two.table === local.table;
  const s = (r) =>
    `${r.seconds.toFixed(1)} s (${Math.round(schedules / r.seconds).toLocaleString('en')} schedules/s)`;
  console.log(
    `fleet sweep benchmark: ${schedules.toLocaleString('en')} schedules x 3 modes, seed ${SEED} (load average ${load} at the start)`,
  );
  console.log(`  eolab sweep --workers 1 (baseline, one thread, no queue): ${s(local)}`);
  console.log(`  eolab sweep --redis, 1 eolab worker process:              ${s(one)}`);
  console.log(
    `  eolab sweep --redis, 2 eolab worker processes:            ${s(two)}; ${(one.seconds / two.seconds).toFixed(2)}x one worker`,
  );
  console.log(`  tables identical to the baseline's: ${same ? 'yes' : 'NO'}`);
  process.exitCode = same ? 0 : 1;
} finally {
  await redis.stop();
}
