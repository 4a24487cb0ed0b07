import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresServer, startPostgres } from '../src/index';

/** `eolab` itself, as a user runs it, against this file's PostgreSQL (EOLAB_POSTGRES_URL). */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const EOLAB = join(ROOT, 'apps/cli/bin/eolab.js');
let server: PostgresServer;

/** `own`: without EOLAB_POSTGRES_URL, so that eolab starts (and may stop) its own PostgreSQL. */
function eolab(
  args: string[],
  own = false,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env, EOLAB_POSTGRES_URL: own ? '' : server.url };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [EOLAB, ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Writes a scenario file in a fresh temp directory, hands its path to `body`, removes the directory. */
async function withScenarioFile<T>(scenario: unknown, body: (file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'eolab-cli-test-'));
  try {
    const file = join(dir, 'scenario.json');
    writeFileSync(file, JSON.stringify(scenario));
    return await body(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The seed with a 1 s store outage right after checkpoint 1, and a writer retry quick enough for a test. */
const STORE_OUTAGE = {
  version: 1,
  name: 'seed-store-outage',
  seed: 1,
  mode: 'EXACTLY_ONCE',
  numEvents: 50,
  sink: { writerRetry: { attempts: 20, initialBackoffMs: 10, backoffMultiple: 2, maxBackoffMs: 500 } },
  faults: [
    { kind: 'mapper-exception', atElement: 26 },
    { kind: 'store-outage', atMs: 105, durationMs: 1_000 },
  ],
};

beforeAll(async () => {
  server = await startPostgres();
});

afterAll(async () => {
  await server?.stop();
});

describe('eolab with the postgres backend', () => {
  it('verify: the real seed agrees with the model in all three modes', async () => {
    const { code, stdout } = await eolab(['verify', '--preset', 'seed']);
    expect(stdout).toContain('seed BEST_EFFORT: deterministic schedule');
    expect(stdout).toContain('seed ATLEAST_ONCE: deterministic schedule');
    expect(stdout).toContain('seed EXACTLY_ONCE: deterministic schedule');
    expect(stdout).not.toContain('DIFFERENCE');
    expect(stdout).toContain('verify: the real run agrees with the model in 3 of 3');
    expect(code).toBe(0);
  });

  it('verify --system kafka: the seed on Kafka, for real, agrees with the model in all three modes', async () => {
    const { code, stdout } = await eolab(['verify', '--preset', 'seed', '--system', 'kafka']);
    expect(stdout).toContain('seed EXACTLY_ONCE: deterministic schedule');
    expect(stdout).toMatch(/postgres\s+DUPLICATES\s+duplicates 17, 18, 19, 20, 21, 22, 23, 24;/);
    expect(stdout).not.toContain('DIFFERENCE');
    expect(stdout).toContain('verify: the real run agrees with the model in 3 of 3');
    expect(code).toBe(0);
  });

  it("run --backend postgres prints the sample's lines", async () => {
    const { code, stdout } = await eolab([
      'run',
      '--backend',
      'postgres',
      '--preset',
      'seed',
      '--mode',
      'EXACTLY_ONCE',
    ]);
    expect(stdout).toContain('Restore from checkpoint at position 16');
    expect(stdout).toContain('No duplicate found. EXACTLY_ONCE!');
    expect(stdout).toMatch(/Backend: PostgreSQL \d+/);
    expect(code).toBe(0);
  });

  it('verify --scenario with a store outage: eolab stops and restarts its own PostgreSQL, and agrees with the model', async () => {
    const { code, stdout } = await withScenarioFile(STORE_OUTAGE, (file) =>
      eolab(['verify', '--scenario', file], true),
    );
    expect(stdout).toContain(
      'seed-store-outage EXACTLY_ONCE: timing decides (faults[1] (store-outage) fires at a time',
    );
    expect(stdout).toMatch(/postgres\s+EXACTLY_ONCE\s+duplicates none; missing none; finished/);
    expect(stdout).toContain('verify: the real run agrees with the model in 1 of 1');
    expect(code).toBe(0);
  });

  it('refuses a store outage on the server EOLAB_POSTGRES_URL names: not ours to stop', async () => {
    const { code, stderr } = await withScenarioFile(STORE_OUTAGE, (file) =>
      eolab(['run', '--backend', 'postgres', '--scenario', file]),
    );
    expect(code).toBe(2);
    expect(stderr).toContain('faults[1]: store-outage is not supported with EOLAB_POSTGRES_URL');
  });

  it('exits 2 naming a fault the backend cannot run, and a bad backend', async () => {
    const refused = await eolab(['run', '--backend', 'postgres', '--preset', 'zombie-writer']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('zombie-writer is not supported by the postgres backend');
    const bad = await eolab(['run', '--backend', 'pg', '--preset', 'seed']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--backend: expected one of model, postgres, got 'pg'");
  });
});
