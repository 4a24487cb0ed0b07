import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from './harness';

const DIST = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const FORBID_TSX = fileURLToPath(new URL('./forbid-tsx.mjs', import.meta.url));
const dir = tempDir('eolab-compiled-');
let child: ChildProcess | null = null;
afterAll(() => {
  child?.kill('SIGKILL');
  removeDir(dir);
});

describe('the compiled server', () => {
  it('starts and answers with no TypeScript loader loaded (an import of tsx would fail it)', async () => {
    expect(existsSync(DIST), 'apps/server/dist/main.js: run `npm run build` first').toBe(true);
    const server = spawn(process.execPath, ['--import', FORBID_TSX, DIST], {
      env: { ...process.env, PORT: '0', EOLAB_DATA_DIR: dir, LOG_LEVEL: 'info', NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = server;
    let output = '';
    const port = await new Promise<number>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /on http:\/\/[^\s/]+:(\d+)/.exec(output);
        if (match !== null) resolve(Number(match[1]));
      };
      server.stdout!.on('data', onData);
      server.stderr!.on('data', onData);
      server.once('exit', (code) => reject(new Error(`the server exited (${code}): ${output}`)));
    });
    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(health.status).toBe(200);
    expect(output).not.toContain('TypeScript loader');
  });
});
