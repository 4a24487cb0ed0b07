import { z } from 'zod';

/**
 * Limits on the shape of any JSON a client sends, checked before a schema looks at it. A body
 * limit alone lets 10 KB of `[[[[…]]]]` through, and a value nested thousands deep overflows the
 * stack of whatever recurses over it later (JSON.stringify when storing it, deep equality).
 */
export const MAX_JSON_DEPTH = 32;
/** Values (objects, arrays and leaves) in one payload: an exported run with its report fits easily. */
export const MAX_JSON_NODES = 500_000;

/** With the `u` flag a surrogate class matches only surrogates that are not part of a pair. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const wellFormed = (s: string) => !LONE_SURROGATE.test(s);

export interface JsonShapeProblem {
  path: (string | number)[];
  message: string;
}

/**
 * The first problem with the shape of `value`: nested too deep, too many values, or a string (or
 * key) that is not well-formed UTF-16 (a lone surrogate cannot be stored or exported faithfully).
 * Iterative, so it cannot overflow the stack itself.
 */
export function jsonShapeProblem(
  value: unknown,
  maxDepth = MAX_JSON_DEPTH,
  maxNodes = MAX_JSON_NODES,
): JsonShapeProblem | null {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (++nodes > maxNodes) return { path: [], message: `more than ${maxNodes} values in one payload` };
    if (typeof v === 'string') {
      if (!wellFormed(v)) return { path, message: 'not a well-formed string (it holds a lone surrogate)' };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (path.length >= maxDepth) {
      return { path: path.slice(0, 1), message: `nested deeper than ${maxDepth} levels` };
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...path, i] });
      continue;
    }
    for (const [key, child] of Object.entries(v)) {
      if (!wellFormed(key)) return { path, message: 'a key is not a well-formed string (lone surrogate)' };
      stack.push({ value: child, path: [...path, key] });
    }
  }
  return null;
}

/** `schema`, behind the shape check: nothing deeper, larger or less well-formed ever reaches it. */
export function boundedJson<T extends z.ZodType>(schema: T) {
  return z
    .unknown()
    .superRefine((value, ctx) => {
      const problem = jsonShapeProblem(value);
      if (problem !== null) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
    })
    .pipe(schema);
}
