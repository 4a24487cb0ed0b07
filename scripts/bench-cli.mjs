#!/usr/bin/env node
// `npm run bench:cli`: how long a person waits for the CLI and the server (issues 12 and 20), each figure a
// median of a few runs measured in this one run, next to a baseline measured alongside it (runs
// are interleaved, so a busy machine slows both alike), with the ratio and whether the target is met.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = join(import.meta.dirname, '..');

/** Sweep schedule 31 in EXACTLY_ONCE with ten random faults: it loses data; shrinking keeps two. */
const TEN_FAULTS = {
  version: 1,
  name: 'sweep-31-ten-faults',
  seed: 31,
  mode: 'EXACTLY_ONCE',
  numEvents: 1308,
  source: { throttleUntilPosition: 28 },
  checkpoint: { intervalMs: 50, timeoutMs: 2000, notifyJitterMs: 2 },
  sink: { parallelism: 3, writeLatencyMs: 4, flushLatencyMs: 5, commitLatencyMs: 2 },
  restart: { attempts: 0, delayMs: 50 },
  faults: [
    { kind: 'notify-lost', atMs: 1610, target: 'all' },
    { kind: 'notify-lost', atMs: 1613, target: 'sinks' },
    { kind: 'store-outage', atMs: 1226, durationMs: 623 },
    { kind: 'job-pause', atMs: 1803, durationMs: 1700 },
    { kind: 'checkpoint-abort', atMs: 1953 },
    { kind: 'job-pause', atMs: 131, durationMs: 1987 },
    { kind: 'controller-outage', atMs: 92, durationMs: 1355 },
    { kind: 'mapper-exception', atElement: 74 },
    { kind: 'mapper-exception', atMs: 244 },
    { kind: 'mapper-exception', atElement: 318 },
  ],
};
const eolab = join(root, 'node_modules/.bin/eolab');

/**
 * Runs a command to its end; returns seconds and stdout. Exit 1 is an answer, not a failure: a
 * sweep that finds a broken guarantee exits 1 (the 100,000-schedule sweep from seed 1 finds one).
 */
function timed(command, args) {
  const start = performance.now();
  const result = spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  if (result.status !== 0 && result.status !== 1)
    throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}`);
  return { seconds: (performance.now() - start) / 1000, stdout: result.stdout };
}

/** Runs `eolab ARGS` as `timed` does, and also says how much CPU time it used (eolab-cpu-timed.mjs). */
function timedCpu(args) {
  const start = performance.now();
  const result = spawnSync('node', [join(root, 'scripts/eolab-cpu-timed.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0 && result.status !== 1)
    throw new Error(
      `eolab ${args.join(' ')} exited ${result.status ?? result.signal}: ${result.stderr.slice(-500)}`,
    );
  const cpu = Number(/cpu-seconds ([\d.]+)/.exec(result.stderr)?.[1]);
  return { seconds: (performance.now() - start) / 1000, cpu, stdout: result.stdout };
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Seconds from spawning `command` until /api/health answers; then stops it and its children. */
async function secondsToHealth(command, args) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'eolab-bench-'));
  const start = performance.now();
  const child = spawn(command, args, {
    cwd: root,
    detached: true, // its own process group: npm, turbo and the server stop together
    stdio: 'ignore',
    env: { ...process.env, PORT: String(port), EOLAB_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return (performance.now() - start) / 1000;
      if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited ${child.exitCode}`);
      // Poll, not wait: the next request goes out as soon as this short pause is over.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    process.kill(-child.pid, 'SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** Runs `rounds` rounds of baseline then subject, so both see the same load. */
async function pair(rounds, baseline, subject) {
  const b = [];
  const s = [];
  for (let i = 0; i < rounds; i++) {
    b.push(await baseline());
    s.push(await subject());
  }
  return { baseline: median(b), subject: median(s) };
}

const rows = [];
function report(what, baselineName, { baseline, subject }, target, met, unit = 's', digits = 2) {
  rows.push([
    what,
    `${subject.toFixed(digits)} ${unit}`,
    `${baselineName} ${baseline.toFixed(digits)} ${unit}`,
    `${(subject / baseline).toFixed(2)}x`,
    target,
    met ? 'yes' : 'NO',
  ]);
}

const loadBefore = loadavg()[0];
console.error('bench: building (turbo, cached) and warming up...');
execFileSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { cwd: root, stdio: 'ignore' });
await secondsToHealth('npm', ['start']); // the first start builds what changed; the bench times the next ones

console.error('bench: eolab run --preset seed');
const run = await pair(
  7,
  () => timed('node', ['-e', '0']).seconds,
  () => timed(eolab, ['run', '--preset', 'seed']).seconds,
);
report('eolab run --preset seed', 'node -e 0', run, '< 3x node -e 0', run.subject < 3 * run.baseline);

console.error('bench: npm start until /api/health answers (second start)');
const start = await pair(
  5,
  () => secondsToHealth('node', ['apps/server/dist/main.js']),
  () => secondsToHealth('npm', ['start']),
);
report('npm start to /api/health', 'node dist/main.js', start, '< 1.5 s', start.subject < 1.5);

console.error('bench: eolab sweep --schedules 10000, --workers 1 and the default');
const outputs = new Set();
/** CPU seconds of each sweep, by its flags. */
const cpuOf = new Map();
const sweepWith = (...flags) => {
  const big = flags.includes('--schedules');
  const { seconds, cpu, stdout } = timedCpu(['sweep', ...(big ? [] : ['--schedules', '10000']), ...flags]);
  if (!big) outputs.add(stdout);
  const key = flags.join(' ');
  cpuOf.set(key, [...(cpuOf.get(key) ?? []), cpu]);
  return seconds;
};
const sweep = await pair(
  3,
  () => sweepWith('--workers', '1'),
  () => sweepWith(),
);
report(
  'eolab sweep --schedules 10000',
  '--workers 1',
  sweep,
  '< 4 s, same output',
  sweep.subject < 4 && outputs.size === 1,
);

// Schedules per second per core: a sweep runs each schedule in the three modes; the default uses
// one worker per core, so perfect scaling keeps the per-core figure of --workers 1.
const cores = availableParallelism();
report(
  'sweep schedules/s per core',
  '--workers 1',
  { baseline: 10_000 / sweep.baseline, subject: 10_000 / sweep.subject / cores },
  '>= 0.9x (scaling)',
  10_000 / sweep.subject / cores >= 0.9 * (10_000 / sweep.baseline),
  '/s',
  0,
);

// The same per core by CPU time: what each schedule costs whoever else uses the cores. The
// default's threads add their start and their own warm-up of the engine to --workers 1's cost.
const cpuPerSchedule = (key) => (1000 * median(cpuOf.get(key))) / 10_000;
const cpu = { baseline: cpuPerSchedule('--workers 1'), subject: cpuPerSchedule('') };
report(
  'sweep CPU per schedule',
  '--workers 1',
  cpu,
  '<= 1.1x (threads)',
  cpu.subject <= 1.1 * cpu.baseline,
  'ms',
  3,
);

console.error('bench: eolab sweep --schedules 100000 (once)');
const big = sweepWith('--schedules', '100000');
report(
  'eolab sweep --schedules 100000',
  '10 x the 10,000 sweep',
  { baseline: 10 * sweep.subject, subject: big },
  '< 30 s',
  big < 30,
);
// Its CPU time shared by the cores: the wall time it takes when nothing else runs on them.
const bigCpu = cpuOf.get('--schedules 100000')[0];
report(
  '100000: CPU time / cores',
  'its wall time',
  { baseline: big, subject: bigCpu / cores },
  '< 30 s',
  bigCpu / cores < 30,
);

console.error('bench: eolab shrink of a 10-fault schedule');
const scratch = mkdtempSync(join(tmpdir(), 'eolab-bench-'));
const tenFaults = join(scratch, 'ten-faults.json');
writeFileSync(tenFaults, JSON.stringify(TEN_FAULTS));
try {
  const shrink = await pair(
    3,
    () => timed(eolab, ['run', '--scenario', tenFaults]).seconds,
    () => timed(eolab, ['shrink', '--scenario', tenFaults]).seconds,
  );
  report('eolab shrink, 10 faults', 'eolab run of it', shrink, '< 5 s', shrink.subject < 5);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const header = ['what (median)', 'time', 'baseline', 'ratio', 'target', 'met'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) =>
  cells
    .map((c, i) => c.padEnd(widths[i]))
    .join('  ')
    .trimEnd();
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
const load = `load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after`;
const same = outputs.size === 1 ? 'identical' : 'DIFFERENT';
console.log(`\nnode ${process.version}, ${availableParallelism()} cores, ${load}`);
console.log(`sweep output ${same} for --workers 1 and the default`);
