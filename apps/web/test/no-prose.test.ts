import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONSOLE_LINE_FRAGMENTS } from '@eolab/engine';
import { describe, expect, it } from 'vitest';

/** Every file of the dashboard's source, read as text. */
function sources(dir: string): { path: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(entry.name) ? [{ path, text: readFileSync(path, 'utf8') }] : [];
  });
}

describe('the dashboard works from structured facts', () => {
  it('no file in apps/web/src contains a line the engine prints, so nothing can parse one', () => {
    const files = sources(join(import.meta.dirname, '..', 'src'));
    expect(files.length).toBeGreaterThan(10);
    const hits = files.flatMap(({ path, text }) =>
      CONSOLE_LINE_FRAGMENTS.filter((f) => text.includes(f)).map((f) => `${path}: ${f}`),
    );
    expect(hits).toEqual([]);
  });
});
