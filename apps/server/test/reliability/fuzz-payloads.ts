/**
 * Generated malformed payloads: random JSON of every type and shape, mutations of valid payloads
 * (a leaf replaced, a key removed or added, a value wrapped or nested deep), strings that are not
 * well-formed, huge numbers and strings, prototype keys. Seeded, so a failure can be replayed.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export class Random {
  constructor(private state: number) {}
  /** mulberry32 */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const STRINGS = [
  '',
  ' ',
  'seed',
  'EXACTLY_ONCE',
  'max',
  'start',
  'mapper-exception',
  '\uD800',
  'a\uDC00b',
  '\uDBFF\uDFFF',
  '🦀',
  '\u0000',
  '<script>alert(1)</script>',
  "'; DROP TABLE runs; --",
  '../../etc/passwd',
  '__proto__',
  'x'.repeat(5_000),
  '\u202e\u200b',
  'NaN',
  '1e309',
];
const NUMBERS = [0, -0, 1, -1, 1.5, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, -1e308, 5e-324, 26, 50, 3_600_001];
const KEYS = [
  'preset',
  'scenario',
  'mode',
  'numEvents',
  'name',
  'speed',
  'start',
  'runId',
  'action',
  'fault',
  'kind',
  'durationMs',
  'faults',
  'source',
  'report',
  'format',
  'version',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  '\uD800',
];

export function randomJson(r: Random, depth = 0): Json {
  const roll = r.int(depth > 4 ? 4 : 7);
  switch (roll) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick(NUMBERS);
    case 3:
      return r.pick(STRINGS);
    case 4:
      return Array.from({ length: r.int(5) }, () => randomJson(r, depth + 1));
    case 5: {
      const out: Record<string, Json> = {};
      // Own keys, even `__proto__`: that is what JSON.parse gives the server.
      for (let i = r.int(5); i > 0; i--) setOwn(out, r.pick(KEYS), randomJson(r, depth + 1));
      return out;
    }
    default:
      return nest(randomJson(r, 5), 30 + r.int(30));
  }
}

function setOwn(obj: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A value `depth` levels down in arrays or objects (built without recursion). */
export function nest(value: Json, depth: number): Json {
  let out = value;
  for (let i = 0; i < depth; i++) out = i % 2 === 0 ? [out] : { a: out };
  return out;
}

/** Paths to every value inside `value`. */
function paths(
  value: Json,
  at: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(at);
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) paths(v, [...at, i], out);
  } else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
  return out;
}

function replaceAt(value: Json, path: (string | number)[], make: (old: Json) => Json | undefined): Json {
  if (path.length === 0) return make(value) ?? null;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    const next = replaceAt(copy[head as number]!, rest, make);
    copy[head as number] = next;
    return copy;
  }
  const obj = { ...(value as Record<string, Json>) };
  if (rest.length === 0) {
    const replaced = make(obj[head as string]!);
    if (replaced === undefined) delete obj[head as string];
    else obj[head as string] = replaced;
    return obj;
  }
  obj[head as string] = replaceAt(obj[head as string]!, rest, make);
  return obj;
}

/** One to three mutations of a valid payload. */
export function mutate(r: Random, valid: Json): Json {
  let out = valid;
  for (let n = 1 + r.int(3); n > 0; n--) {
    const path = r.pick(paths(out));
    const how = r.int(6);
    out = replaceAt(out, path, (old) => {
      if (how === 0) return randomJson(r);
      if (how === 1) return undefined;
      if (how === 2) return [old];
      if (how === 3) return nest(old, 33 + r.int(40));
      if (how === 4 && old !== null && typeof old === 'object' && !Array.isArray(old)) {
        const copy = { ...old };
        setOwn(copy, r.pick(KEYS), randomJson(r));
        return copy;
      }
      return r.pick([...STRINGS, ...NUMBERS, null, true, [], {}] as Json[]);
    });
  }
  return out;
}

/** Bodies that are not JSON at all, or JSON cut short, or nested far past any limit. */
export function rawBody(r: Random): string {
  const options = [
    '{',
    '{"preset":',
    '[1,2',
    'null',
    '"seed"',
    '42',
    'true',
    '{"preset":"seed",}',
    "{'preset':'seed'}",
    '{"preset":"\\uD800"}',
    `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
    `${'{"a":'.repeat(3_000)}1${'}'.repeat(3_000)}`,
    '\u0000\u0001\u0002',
    '{"preset":"seed"}'.repeat(3),
    `{"name":"${'y'.repeat(2_000_000)}"}`,
  ];
  return r.pick(options);
}
