#!/usr/bin/env node
// `npm run bench:fleet -- [schedules]` (issue 22): a sweep of 100,000 schedules (by default) on a
// fleet of `eolab worker` processes, two against one, beside `eolab sweep --workers 1` on this
// process's machine as the same-run baseline; each figure is wall time, and every table must be
// the same. Beside it, CPU time from /proc: the workers' against the baseline's says what the
// queue costs the sweeping itself, whatever share of the cores other work left (wall time cannot
// tell the two apart on a loaded machine). Redis is Debian's redis-server, started for the
// benchmark and stopped after it.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startRedis } from './redis-server.mjs';

const root = join(import.meta.dirname, '..');
const eolab = join(root, 'apps/cli/bin/eolab.js');
const schedules = process.argv[2] === undefined ? 100_000 : Number(process.argv[2]);
if (!Number.isInteger(schedules) || schedules < 1 || schedules > 1_000_000) {
  console.error(`usage: bench-fleet [schedules 1..1000000] (got '${process.argv[2]}')`);
  process.exit(2);
}
const SEED = 1;

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/**
 * A live process's CPU seconds so far (user + system), from /proc. On a machine others load, wall
 * time says how much of a core each process got; CPU time says what the work itself cost.
 */
function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/**
 * Runs eolab with `args` to its end: seconds, the table it printed, and its CPU seconds (read
 * every 50 ms while it runs: the last 50 ms are not counted).
 */
function sweep(args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // `node bin/eolab.js`, not the .bin shim: the pid read is the sweep's own.
    const child = spawn(
      process.execPath,
      [eolab, 'sweep', '--schedules', String(schedules), '--seed', String(SEED), ...args],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let cpu = 0;
    const sample = setInterval(() => {
      cpu = cpuSecondsOf(child.pid) ?? cpu;
    }, 50);
    let table = '';
    child.stdout.on('data', (d) => {
      table += d;
    });
    child.once('exit', (code) => {
      clearInterval(sample);
      return code === 0 || code === 1
        ? resolve({ seconds: (performance.now() - started) / 1000, table, cpu })
        : reject(new Error(`eolab sweep ${args.join(' ')} exited with ${code}`));
    });
  });
}

function startWorker(url) {
  const child = spawn(process.execPath, [eolab, 'worker', '--redis', url], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
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
  const before = fleet.map((w) => cpuSecondsOf(w.pid) ?? 0);
  const redisBefore = cpuSecondsOf(redisPid) ?? 0;
  try {
    const result = await sweep(['--redis', url]);
    const workersCpu = fleet.reduce((sum, w, i) => sum + ((cpuSecondsOf(w.pid) ?? 0) - before[i]), 0);
    return { ...result, workersCpu, redisCpu: (cpuSecondsOf(redisPid) ?? 0) - redisBefore };
  } finally {
    await Promise.all(fleet.map(stop));
  }
}

const redis = await startRedis();
const redisPid = redis.process.pid;
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
  const c = (v) => `${v.toFixed(1)} s`;
  const fleetCpu = (r) =>
    `CPU: workers ${c(r.workersCpu)} (${(r.workersCpu / local.cpu).toFixed(2)}x the baseline's), sweep process ${c(r.cpu)}, Redis ${c(r.redisCpu)}`;
  console.log(`  eolab sweep --workers 1 (baseline, one thread, no queue): ${s(local)}; CPU ${c(local.cpu)}`);
  console.log(`  eolab sweep --redis, 1 eolab worker process:              ${s(one)}; ${fleetCpu(one)}`);
  console.log(
    `  eolab sweep --redis, 2 eolab worker processes:            ${s(two)}; ${(one.seconds / two.seconds).toFixed(2)}x one worker; ${fleetCpu(two)}`,
  );
  console.log(`  tables identical to the baseline's: ${same ? 'yes' : 'NO'}`);
  process.exitCode = same ? 0 : 1;
} finally {
  await redis.stop();
}
