/**
 * A small, strict flag parser: every flag must be known, every value present, and every error
 * names the flag. Bad input is exit code 2, never a stack trace.
 */
export class UsageError extends Error {}

export interface FlagSpec {
  /** 'boolean' flags take no value. */
  type: 'string' | 'integer' | 'boolean';
}

export type Flags = Record<string, string | number | boolean | undefined>;

export function parseFlags(args: readonly string[], specs: Record<string, FlagSpec>): Flags {
  const flags: Flags = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}'`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    const spec = specs[name];
    if (spec === undefined) {
      throw new UsageError(
        `unknown flag --${name} (expected one of ${Object.keys(specs)
          .map((k) => `--${k}`)
          .join(', ')})`,
      );
    }
    if (flags[name] !== undefined) throw new UsageError(`--${name} given twice`);
    if (spec.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    if (spec.type === 'integer') {
      if (!/^\d+$/.test(value)) throw new UsageError(`--${name}: expected a whole number, got '${value}'`);
      flags[name] = Number(value);
    } else {
      flags[name] = value;
    }
  }
  return flags;
}
