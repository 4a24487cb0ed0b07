import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_BAD_INPUT, EXIT_OK, main } from '../src/main';

/** Runs the CLI in-process, capturing what it prints. */
async function eolab(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(
    args,
    { write: (s: string) => (stdout += s) },
    { write: (s: string) => (stderr += s) },
  );
  return { code, stdout, stderr };
}

const scratch = mkdtempSync(join(tmpdir(), 'eolab-cli-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let files = 0;
function scenarioFile(content: string): string {
  const file = join(scratch, `scenario-${++files}.json`);
  writeFileSync(file, content);
  return file;
}

describe('eolab run', () => {
  it('--preset seed --mode ATLEAST_ONCE prints the sample lines with duplicates 17..24', async () => {
    const { code, stdout } = await eolab('run', '--preset', 'seed', '--mode', 'ATLEAST_ONCE');
    expect(code).toBe(EXIT_OK);
    expect(stdout).toContain('Restore from checkpoint at position 16');
    for (let v = 17; v <= 24; v++) expect(stdout).toContain(`Duplicate event: ${v}\n`);
    expect(stdout).toContain('Found duplicates\n============== Checker ends  ===============');
  });

  it('--mode EXACTLY_ONCE prints No duplicate found. EXACTLY_ONCE!', async () => {
    const { code, stdout } = await eolab('run', '--preset', 'seed', '--mode', 'EXACTLY_ONCE');
    expect(code).toBe(EXIT_OK);
    expect(stdout).toContain('No duplicate found. EXACTLY_ONCE!');
    expect(stdout).not.toContain('Duplicate event');
  });

  it('--scenario FILE --json prints the report', async () => {
    const file = scenarioFile(
      JSON.stringify({
        mode: 'ATLEAST_ONCE',
        numEvents: 50,
        faults: [{ kind: 'mapper-exception', atElement: 26 }],
      }),
    );
    const { code, stdout } = await eolab('run', '--scenario', file, '--json');
    expect(code).toBe(EXIT_OK);
    const report = JSON.parse(stdout);
    expect(report.duplicates).toEqual([17, 18, 19, 20, 21, 22, 23, 24]);
    expect(report.verdict).toBe('DUPLICATES');
  });

  it.each([
    [['run', '--preset', 'nope'], "--preset: unknown preset 'nope'"],
    [['run', '--preset', 'seed', '--mode', 'SOMETIMES'], '--mode: expected one of'],
    [['run'], 'give exactly one of --preset or --scenario'],
    [['run', '--preset', 'seed', '--colour'], 'unknown flag --colour'],
    [['run', '--preset'], '--preset needs a value'],
    [['run', '--scenario', '/nonexistent/x.json'], '--scenario: cannot read /nonexistent/x.json: ENOENT'],
    [['sweep', '--schedules', 'many'], "--schedules: expected a whole number, got 'many'"],
    [['sweep', '--workers', '0'], '--workers: expected 1 to 256'],
    [['fly'], "unknown command 'fly'"],
  ])('%j exits 2 with a message naming the problem', async (args, message) => {
    const { code, stderr } = await eolab(...args);
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(stderr).toContain(message);
  });

  it('a scenario file with a bad field exits 2 and names the field', async () => {
    const file = scenarioFile(
      JSON.stringify({ mode: 'EXACTLY_ONCE', numEvents: 50, sink: { txnLeaseMs: -5 } }),
    );
    const { code, stderr } = await eolab('run', '--scenario', file);
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(stderr).toContain('sink.txnLeaseMs');
  });
});

describe('eolab sweep', () => {
  // In-process the CLI runs from its sources, which worker threads cannot load: one worker here,
  // several in the compiled binary's tests below.
  it('prints a table per mode and fault kind, progress on stderr, and exits 0 without violations', async () => {
    const { code, stdout, stderr } = await eolab(
      'sweep',
      '--schedules',
      '40',
      '--seed',
      '7',
      '--workers',
      '1',
    );
    expect(code).toBe(EXIT_OK);
    expect(stdout).toMatch(/mode\s+fault kind\s+runs\s+with duplicates\s+with loss/);
    expect(stdout).toContain('EXACTLY_ONCE');
    expect(stdout).toContain('0 guarantee violations');
    expect(stderr).toContain('sweep: 40/40 schedules');
  });
});

describe('a standard command line', () => {
  it.each(['run', 'verify', 'sweep', 'presets'])(
    'eolab %s --help describes the command and exits 0',
    async (command) => {
      const { code, stdout } = await eolab(command, '--help');
      expect(code).toBe(EXIT_OK);
      expect(stdout.startsWith(`eolab ${command}`)).toBe(true);
    },
  );

  it('eolab --version prints the version', async () => {
    const { code, stdout } = await eolab('--version');
    expect(code).toBe(EXIT_OK);
    expect(stdout).toMatch(/^eolab \d+\.\d+\.\d+\n$/);
  });

  it('takes modes in any case, with - for _', async () => {
    const { code, stdout } = await eolab('run', '--preset', 'seed', '--mode', 'atleast-once');
    expect(code).toBe(EXIT_OK);
    expect(stdout).toContain('Whole-stream checker: DUPLICATES (ATLEAST_ONCE, seed=1)');
  });

  it('eolab presets aligns every description, the longest name included', async () => {
    const { stdout } = await eolab('presets');
    const starts = stdout
      .trimEnd()
      .split('\n')
      .map((line) => /^\S+ +/.exec(line)?.[0].length);
    expect(new Set(starts).size).toBe(1);
    expect(stdout).toMatch(/^source-does-not-wait {2}\S/m);
  });

  it.each([
    [['run', '--preset', 'seed', '--json=1'], '--json takes no value'],
    [['run', '--preset', 'seed', '--mode', 'EXACTLY_ONCE', '--mode', 'BEST_EFFORT'], '--mode given twice'],
    [['presets', 'extra'], "unexpected argument 'extra'"],
  ])('%j exits 2 naming the problem', async (args, message) => {
    const { code, stderr } = await eolab(...args);
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(stderr).toContain(message);
  });
});

describe('the installed binary (compiled)', () => {
  const root = join(import.meta.dirname, '../../..');
  const eolabBin = (...args: string[]) =>
    promisify(execFile)('node', [join(root, 'node_modules/.bin/eolab'), ...args], { cwd: root });

  it('npx eolab runs from the repository root', async () => {
    const { stdout } = await eolabBin('run', '--preset', 'seed', '--mode', 'ATLEAST_ONCE');
    expect(stdout).toContain('Duplicate event: 17');
  });

  it('exits 2 on bad input', async () => {
    const result = await eolabBin('run', '--mode', 'X').catch((e) => e);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--mode: expected one of');
  });

  it('a sweep prints the same table and verdict with 1, 2 or 3 workers', async () => {
    const sweepWith = (workers: string) =>
      eolabBin('sweep', '--schedules', '120', '--seed', '11', '--workers', workers);
    const [one, two, three] = await Promise.all([sweepWith('1'), sweepWith('2'), sweepWith('3')]);
    expect(one.stdout).toContain('360 runs');
    expect(two.stdout).toBe(one.stdout);
    expect(three.stdout).toBe(one.stdout);
    // Not a terminal: plain progress lines, ending with the total.
    expect(two.stderr).toContain('sweep: 120/120 schedules\n');
  });
});
