#!/usr/bin/env node
// `npm run bench:cli`: how long a person waits for the CLI and the server (issue 12), each figure a
// median of a few runs measured in this one run, next to a baseline measured alongside it (runs
// are interleaved, so a busy machine slows both alike), with the ratio and whether the target is met.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = join(import.meta.dirname, '..');
const eolab = join(root, 'node_modules/.bin/eolab');

/** Runs a command to its end; returns seconds and stdout. */
function timed(command, args) {
  const start = performance.now();
  const stdout = execFileSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return { seconds: (performance.now() - start) / 1000, stdout };
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
function report(what, baselineName, { baseline, subject }, target, met) {
  rows.push([
    what,
    `${subject.toFixed(2)} s`,
    `${baselineName} ${baseline.toFixed(2)} s`,
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
const sweepWith = (...workers) => {
  const { seconds, stdout } = timed(eolab, ['sweep', '--schedules', '10000', ...workers]);
  outputs.add(stdout);
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
