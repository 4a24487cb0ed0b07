import { execFileSync } from 'node:child_process';

/** The rows `eolab sweep` prints, cell by cell (exit 1, a violation, still prints the table). */
export function cliRows(args: string[]): string[][] {
  let stdout: string;
  try {
    stdout = execFileSync('node', ['apps/cli/bin/eolab.js', 'sweep', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (error) {
    stdout = (error as { stdout: string }).stdout;
  }
  const lines = stdout.split('\n');
  return lines.slice(2, lines.indexOf('')).map((l) => l.trim().split(/\s{2,}/));
}
