import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresServer, startPostgres } from '../src/index';

/** `eolab` itself, as a user runs it, against this file's PostgreSQL (EOLAB_POSTGRES_URL). */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const EOLAB = join(ROOT, 'apps/cli/bin/eolab.js');
let server: PostgresServer;

function eolab(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [EOLAB, ...args], {
      cwd: ROOT,
      env: { ...process.env, EOLAB_POSTGRES_URL: server.url },
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

  it('exits 2 naming a fault the backend cannot run, and a bad backend', async () => {
    const refused = await eolab(['run', '--backend', 'postgres', '--preset', 'zombie-writer']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('zombie-writer is not supported by the postgres backend');
    const bad = await eolab(['run', '--backend', 'pg', '--preset', 'seed']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--backend: expected one of model, postgres, got 'pg'");
  });
});
