import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../../../scripts/redis-server.mjs';
import { EXIT_BAD_INPUT, main } from '../src/main';
import { eolab } from './in-process';

/**
 * Sweeps on a fleet (issue 22), against a real redis-server (Debian's; scripts/ensure-redis.sh
 * installs it) and real `eolab worker` processes from the build.
 */

const bin = join(import.meta.dirname, '..', 'bin', 'eolab.js');
let redis: RedisServer;
const workers: ChildProcess[] = [];

/** Starts an `eolab worker` process; resolves once it takes chunks. */
function startWorker(): Promise<ChildProcess> {
  const child = spawn('node', [bin, 'worker', '--redis', redis.url], { stdio: ['ignore', 'pipe', 'pipe'] });
  workers.push(child);
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (data: Buffer) => {
      if (data.toString().includes('taking sweep chunks')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`eolab worker exited with ${code}`)));
  });
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(workers.map((w) => stop(w, 'SIGKILL')));
  await redis?.stop();
});

describe('eolab sweep --redis on a fleet of eolab worker processes', () => {
  it('prints the same table as eolab sweep for the same seed, on two workers', async () => {
    await Promise.all([startWorker(), startWorker()]);
    const local = await eolab('sweep', '--schedules', '300', '--seed', '7', '--workers', '1');
    const fleet = await eolab('sweep', '--schedules', '300', '--seed', '7', '--redis', redis.url);
    expect(fleet.code).toBe(local.code);
    expect(fleet.stdout).toBe(local.stdout);
    expect(fleet.stdout).toContain('EXACTLY_ONCE');
    expect(fleet.stderr).toContain('chunks queued for 2 connected eolab worker(s)');
    expect(fleet.stderr).toContain('sweep: 300/300 schedules');
    // On a preset with a chosen draw, as the dashboard's Sweeps page sends them.
    const draw = ['--preset', 'lease-expiry', '--kinds', 'store-outage,job-pause', '--max-faults', '2'];
    const localDraw = await eolab('sweep', '--schedules', '120', '--seed', '4', '--workers', '1', ...draw);
    const fleetDraw = await eolab(
      'sweep',
      '--schedules',
      '120',
      '--seed',
      '4',
      '--redis',
      redis.url,
      ...draw,
    );
    expect(fleetDraw.stdout).toBe(localDraw.stdout);
    expect(fleetDraw.code).toBe(localDraw.code);
    await Promise.all(workers.splice(0).map((w) => stop(w, 'SIGTERM')));
  });

  it('loses no chunk when a worker is killed mid-chunk: another sweeps it, the table is unchanged', async () => {
    const doomed = await startWorker();
    let progressed!: () => void;
    const firstProgress = new Promise<void>((resolve) => (progressed = resolve));
    let stderr = '';
    let stdout = '';
    // The sweep starts with one worker, which is then always in a chunk: a SIGKILL at the first
    // progress line cuts one short, and its lock runs out with nobody to renew it. Enough
    // schedules that the worker cannot have swept them all by then (600 once could: a race).
    const fleet = main(
      ['sweep', '--schedules', '4000', '--seed', '11', '--redis', redis.url],
      { write: (s: string) => (stdout += s) },
      {
        write: (s: string) => {
          stderr += s;
          if (/sweep: \d+\/4000 schedules/.test(s)) progressed();
        },
      },
    );
    await firstProgress;
    await startWorker();
    await stop(doomed, 'SIGKILL');
    const code = await fleet;
    const local = await eolab('sweep', '--schedules', '4000', '--seed', '11', '--workers', '1');
    expect(stderr).toMatch(/the worker sweeping schedules \d+\.\.\d+ was lost; another worker takes them/);
    expect(code).toBe(local.code);
    expect(stdout).toBe(local.stdout);
  });

  it('refuses bad flags naming them, and says when Redis cannot be reached', async () => {
    const noUrl = await eolab('worker');
    expect(noUrl.code).toBe(EXIT_BAD_INPUT);
    expect(noUrl.stderr).toContain('--redis: expected a URL');
    const wrongScheme = await eolab('sweep', '--redis', 'http://127.0.0.1:6379');
    expect(wrongScheme.code).toBe(EXIT_BAD_INPUT);
    expect(wrongScheme.stderr).toContain("--redis: expected a redis:// or rediss:// URL, got 'http:'");
    const both = await eolab('sweep', '--redis', redis.url, '--workers', '2');
    expect(both.code).toBe(EXIT_BAD_INPUT);
    expect(both.stderr).toContain('--workers: not with --redis');
    const unreachable = await eolab('sweep', '--schedules', '3', '--redis', 'redis://127.0.0.1:1');
    expect(unreachable.code).toBe(EXIT_BAD_INPUT);
    expect(unreachable.stderr).toContain(
      'sweep --redis: cannot reach Redis at redis://127.0.0.1:1: connect ECONNREFUSED',
    );
  });
});
