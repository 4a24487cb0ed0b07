import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PRESETS } from '@eolab/engine';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_BAD_INPUT, EXIT_OK } from '../src/main';
import { eolab } from './in-process';

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

  it('--system kafka runs the sample on Kafka: 17..24 twice without transactions, none with them', async () => {
    const atLeastOnce = await eolab('run', '--preset', 'seed', '--mode', 'ATLEAST_ONCE', '--system', 'kafka');
    expect(atLeastOnce.code).toBe(EXIT_OK);
    for (let v = 17; v <= 24; v++) expect(atLeastOnce.stdout).toContain(`Duplicate event: ${v}\n`);
    expect(atLeastOnce.stdout).toContain('(ATLEAST_ONCE on Kafka, seed=1)');
    const exactlyOnce = await eolab('run', '--preset', 'seed', '--system', 'kafka');
    expect(exactlyOnce.stdout).toContain('No duplicate found. EXACTLY_ONCE!');
    expect(exactlyOnce.stdout).toContain('(EXACTLY_ONCE on Kafka, seed=1)');
  });

  it.each([
    [
      ['run', '--preset', 'seed', '--system', 'kinesis'],
      "--system: expected one of pravega, kafka, got 'kinesis'",
    ],
    [['run', '--preset', 'commit-rejected', '--system', 'kafka'], 'faults[0].kind: commit-rejected'],
    [
      ['verify', '--preset', 'kafka-zombie-fences-back'],
      'faults[0]: controller-outage is not supported by the postgres backend',
    ],
    [
      ['run', '--preset', 'kafka-zombie-fences-back', '--backend', 'postgres'],
      "faults[0]: controller-outage is not supported by the postgres backend: the transaction coordinator's rules run inside PostgreSQL",
    ],
  ])('%j exits 2 and says why', async (args, message) => {
    const { code, stderr } = await eolab(...args);
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(stderr).toContain(message);
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

describe('eolab shrink', () => {
  /** The lease-expiry preset with a store outage and a controller outage that change nothing. */
  const noisy = () =>
    scenarioFile(
      JSON.stringify({
        name: 'lease-expiry-noisy',
        seed: 3,
        mode: 'EXACTLY_ONCE',
        numEvents: 1_000,
        source: { throttleUntilPosition: 20 },
        sink: { txnLeaseMs: 10_000 },
        restart: { delayMs: 15_000 },
        faults: [
          { kind: 'store-outage', atMs: 40, durationMs: 30 },
          { kind: 'crash-before-notify', checkpoint: 3 },
          { kind: 'controller-outage', atMs: 300, durationMs: 50 },
        ],
      }),
    );

  it('prints each step, then the scenario file that keeps only the crash and the slow restart', async () => {
    const out = join(scratch, 'shrunk.json');
    const { code, stdout } = await eolab('shrink', '--scenario', noisy(), '--out', out);
    expect(code).toBe(EXIT_OK);
    expect(stdout).toMatch(
      /^ {2}removed 2 of 3 faults; kept crash-before-notify on checkpoint 3 \(\d+ runs\)\n/,
    );
    expect(stdout).toContain('faults[0].checkpoint 3 -> 1');
    expect(stdout).toContain('shrunk in');
    const file = JSON.parse(readFileSync(out, 'utf8'));
    expect(file.faults).toEqual([{ kind: 'crash-before-notify', checkpoint: 1 }]);
    expect(file.restart).toEqual({ delayMs: 15_000 });
    expect(file.sink).toEqual({ txnLeaseMs: 10_000 });
    expect(stdout.endsWith(`${JSON.stringify(file, null, 2)}\n`)).toBe(true);
    const replay = await eolab('run', '--scenario', out, '--json');
    expect(JSON.parse(replay.stdout).verdict).toBe('LOSS');
  });

  it('--json prints one JSON object and nothing else', async () => {
    const { code, stdout } = await eolab('shrink', '--scenario', noisy(), '--json');
    expect(code).toBe(EXIT_OK);
    const result = JSON.parse(stdout);
    expect(result.kept).toBe('loss');
    expect(result.steps[0].what).toMatch(/^removed 2 of 3 faults/);
    expect(result.scenario.faults).toHaveLength(1);
  });

  it('exits 2 on a run with nothing to shrink, or an unknown --keep', async () => {
    const clean = await eolab('shrink', '--preset', 'seed', '--mode', 'EXACTLY_ONCE');
    expect(clean.code).toBe(EXIT_BAD_INPUT);
    expect(clean.stderr).toContain(
      'nothing to shrink: seed (EXACTLY_ONCE) has no broken guarantee, loss or duplicate',
    );
    const keep = await eolab('shrink', '--preset', 'seed', '--keep', 'lost');
    expect(keep.code).toBe(EXIT_BAD_INPUT);
    expect(keep.stderr).toContain("--keep: expected one of violation, loss, duplicates, got 'lost'");
  });
});

describe('eolab sweep on a base scenario', () => {
  it('--preset, --kinds and --max-faults draw on the preset; a bad kind is named', async () => {
    const { code, stdout } = await eolab(
      'sweep',
      '--schedules',
      '12',
      '--workers',
      '1',
      '--preset',
      'lease-expiry',
      '--kinds',
      'store-outage,job-pause',
      '--max-faults',
      '1',
    );
    expect(code).toBe(EXIT_OK);
    // Every schedule keeps the preset's crash; the added faults are of the kinds asked for only.
    expect(stdout).toMatch(/EXACTLY_ONCE\s+crash-before-notify\s+12\s/);
    expect(stdout).not.toMatch(/mapper-exception|zombie-writer|notify-lost/);
    const bad = await eolab('sweep', '--kinds', 'store-outage,disk-full');
    expect(bad.code).toBe(EXIT_BAD_INPUT);
    expect(bad.stderr).toContain("--kinds: unknown fault kind 'disk-full'");
  });
});

describe('a standard command line', () => {
  it.each(['run', 'verify', 'sweep', 'shrink', 'presets'])(
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
    const longest = PRESETS.map((p) => p.id).reduce((a, b) => (b.length > a.length ? b : a));
    expect(stdout).toMatch(new RegExp(`^${longest} {2}\\S`, 'm'));
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

  it('a sweep on a preset prints the same table with 1 or 2 workers', async () => {
    const draw = ['--preset', 'seed', '--kinds', 'notify-lost,store-outage', '--max-faults', '3'];
    const sweepWith = (workers: string) =>
      eolabBin('sweep', '--schedules', '90', '--seed', '5', '--workers', workers, ...draw);
    const [one, two] = await Promise.all([sweepWith('1'), sweepWith('2')]);
    expect(one.stdout).toContain('270 runs');
    expect(two.stdout).toBe(one.stdout);
  });
});
