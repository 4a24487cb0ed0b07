import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The dashboard's rooms, lowest first: what a room may import from the others. state/ is pure (no
 * server, no address, no component), api/ is the bare transport; a room importing from one above
 * it would bring an import circle back.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  api: [],
  explain: [],
  state: [],
  sync: ['api', 'state', 'nav'],
  actions: ['api', 'state', 'sync', 'nav'],
  nav: ['state', 'actions'],
};

const SRC = join(import.meta.dirname, '..', 'src');

/** The rooms a room's files import from (`../room/…`). */
function importedRooms(room: string): { file: string; room: string }[] {
  return readdirSync(join(SRC, room)).flatMap((file) => {
    const text = readFileSync(join(SRC, room, file), 'utf8');
    return [...text.matchAll(/from '\.\.\/([\w-]+)\//g)].map((m) => ({
      file: `${room}/${file}`,
      room: m[1]!,
    }));
  });
}

describe("the dashboard's rooms", () => {
  for (const [room, allowed] of Object.entries(MAY_IMPORT)) {
    it(`${room}/ imports only from ${allowed.length === 0 ? 'packages' : allowed.join(', ')}`, () => {
      const wrong = importedRooms(room).filter((i) => !allowed.includes(i.room));
      expect(wrong.map((i) => `${i.file} imports ${i.room}/`)).toEqual([]);
    });
  }
});
