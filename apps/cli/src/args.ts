import { parseArgs } from 'node:util';

/**
 * Flags parsed by Node's own `parseArgs`, strictly: every flag must be known, every value present,
 * none given twice, and every error names the flag. Bad input is exit code 2, never a stack trace.
 */
export class UsageError extends Error {}

export interface FlagSpec {
  /** 'boolean' flags take no value. */
  type: 'string' | 'integer' | 'boolean';
}

export type Flags = Record<string, string | number | boolean | undefined>;

/** `--help` is known to every command: it is answered before anything else is checked. */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

export function parseFlags(args: readonly string[], specs: Record<string, FlagSpec>): Flags {
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [
      name,
      { type: spec.type === 'boolean' ? ('boolean' as const) : ('string' as const) },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: false, tokens: true });
  } catch (error) {
    throw new UsageError(usageMessage(error as Error & { code?: string }, args, specs));
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} given twice`);
    seen.add(token.name);
  }
  const flags: Flags = {};
  for (const [name, value] of Object.entries(parsed.values)) {
    if (specs[name]?.type !== 'integer') {
      flags[name] = value as string | boolean;
      continue;
    }
    if (!/^\d+$/.test(String(value)))
      throw new UsageError(`--${name}: expected a whole number, got '${String(value)}'`);
    flags[name] = Number(value);
  }
  return flags;
}

/** parseArgs's own errors, said the way every other error of the CLI is: naming the flag. */
function usageMessage(
  error: Error & { code?: string },
  args: readonly string[],
  specs: Record<string, FlagSpec>,
): string {
  const known = Object.keys(specs)
    .map((k) => `--${k}`)
    .join(', ');
  const flag = /'(-{1,2}[^' =]+)/.exec(error.message)?.[1] ?? '?';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${flag} (expected one of ${known})`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return error.message.includes('does not take an argument')
        ? `${flag} takes no value`
        : `${flag} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${args.find((a) => !a.startsWith('-')) ?? ''}'`;
    default:
      return error.message;
  }
}
