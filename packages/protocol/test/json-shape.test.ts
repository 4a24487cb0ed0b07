import { describe, expect, it } from 'vitest';
import { createRunSchema, importRunSchema, jsonShapeProblem, MAX_JSON_DEPTH } from '../src/index';

/** `[[[…0…]]]`, `depth` arrays deep, built without recursion. */
function nested(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('the shape every client JSON must have', () => {
  it('accepts ordinary payloads, astral characters included', () => {
    expect(
      jsonShapeProblem({ preset: 'seed', name: 'run 🦀 𝔘', faults: [{ kind: 'x', atMs: 1 }] }),
    ).toBeNull();
    expect(jsonShapeProblem(nested(MAX_JSON_DEPTH))).toBeNull();
  });

  it('refuses nesting past the limit, naming the top-level field, without overflowing its own stack', () => {
    expect(jsonShapeProblem({ report: nested(MAX_JSON_DEPTH) })).toEqual({
      path: ['report'],
      message: `nested deeper than ${MAX_JSON_DEPTH} levels`,
    });
    expect(jsonShapeProblem(nested(200_000))?.message).toBe(`nested deeper than ${MAX_JSON_DEPTH} levels`);
  });

  it('refuses lone surrogates in values and keys, naming where', () => {
    expect(jsonShapeProblem({ scenario: { name: 'a\uD800' } })).toEqual({
      path: ['scenario', 'name'],
      message: 'not a well-formed string (it holds a lone surrogate)',
    });
    expect(jsonShapeProblem({ list: ['ok', '\uDC00'] })?.path).toEqual(['list', 1]);
    expect(jsonShapeProblem(JSON.parse('{"\\uD83D": 1}'))?.message).toBe(
      'a key is not a well-formed string (lone surrogate)',
    );
  });

  it('refuses payloads with too many values', () => {
    expect(jsonShapeProblem(new Array(20).fill(0), 32, 10)?.message).toBe(
      'more than 10 values in one payload',
    );
  });

  it('guards the schemas themselves: the shape is checked before the fields', () => {
    const deep = createRunSchema.safeParse({ preset: 'seed', name: nested(40) });
    expect(deep.success).toBe(false);
    expect(deep.error?.issues[0]).toMatchObject({ path: ['name'], message: 'nested deeper than 32 levels' });
    const report = importRunSchema.safeParse({
      format: 'eolab-run',
      version: 1,
      scenario: {},
      report: nested(5_000),
    });
    expect(report.error?.issues[0]?.path).toEqual(['report']);
    expect(createRunSchema.safeParse({ preset: 'seed', name: 'fine' }).success).toBe(true);
  });
});
