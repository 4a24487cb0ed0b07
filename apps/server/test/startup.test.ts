import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from './harness';
import { runToExit } from './process';

/** Startup problems are the user's to fix: one line naming the cause and the path or port, exit code 2, no stack. */

const dir = tempDir('eolab-startup-');
afterAll(() => removeDir(dir));

function expectOneLine(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr.trim().split('\n')).toHaveLength(1);
}

describe('startup errors', () => {
  it('PORT=abc names the variable and the value', async () => {
    const { code, stderr } = await runToExit({ PORT: 'abc', EOLAB_DATA_DIR: join(dir, 'a') });
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      "eolab-server: bad environment: PORT: expected a whole number from 0 to 65535, got 'abc'",
    );
  });

  it('a port in use names the port', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, stderr } = await runToExit({ PORT: String(port), EOLAB_DATA_DIR: join(dir, 'b') });
      expect(code).toBe(2);
      expect(stderr.trim()).toBe(
        `eolab-server: cannot listen on 127.0.0.1:${port} (PORT, HOST): the port is already in use (EADDRINUSE)`,
      );
    } finally {
      blocker.close();
    }
  });

  it('a data directory that cannot be created names the path and the cause', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const { code, stderr } = await runToExit({ PORT: '0', EOLAB_DATA_DIR: join(file, 'data') });
    expect(code).toBe(2);
    expectOneLine(stderr);
    expect(stderr).toContain(`cannot use the data directory ${join(file, 'data')} (EOLAB_DATA_DIR)`);
    expect(stderr).toContain('a part of the path is a file, not a directory (ENOTDIR)');
  });

  it('a database file that is not a database names the file', async () => {
    const data = join(dir, 'not-a-db');
    mkdirSync(data);
    writeFileSync(join(data, 'eolab.sqlite'), 'this is not a database, just text '.repeat(200));
    const { code, stderr } = await runToExit({ PORT: '0', EOLAB_DATA_DIR: data });
    expect(code).toBe(2);
    expectOneLine(stderr);
    expect(stderr).toContain(join(data, 'eolab.sqlite'));
    expect(stderr).toContain('(SQLITE_NOTADB)');
  });
});
