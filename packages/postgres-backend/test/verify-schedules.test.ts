import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  compareReports,
  presetScenario,
  type Report,
  type Scenario,
  Simulation,
  timingDecides,
} from '@eolab/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresReport } from '../src/check/report';
import {
  agreementOf,
  type PostgresServer,
  REAL_FAULT_KINDS,
  randomRealScenario,
  realFaultKinds,
  startPostgres,
  unsupportedReasons,
} from '../src/index';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const EOLAB = join(ROOT, 'apps/cli/bin/eolab.js');

describe('random schedules for the real backend', () => {
  const drawn = Array.from({ length: 300 }, (_, i) => randomRealScenario(i + 1));

  it('runs Kafka scenarios, and refuses on Kafka only what it cannot reproduce there, naming the field', () => {
    for (const preset of [
      'kafka-restart-past-timeout',
      'kafka-timeout-above-max',
      'kafka-lso-stall',
      'kafka-zombie-fenced',
    ])
      expect(unsupportedReasons(presetScenario(preset)!)).toEqual([]);
    expect(unsupportedReasons(presetScenario('kafka-zombie-fences-back')!)).toEqual([
      expect.stringMatching(
        /^faults\[0\]: controller-outage is not supported by the postgres backend: the transaction coordinator's rules run inside PostgreSQL/,
      ),
    ]);
    const onKafka = {
      ...presetScenario('kafka-lso-stall')!,
      checker: { isolation: 'read_uncommitted' as const },
    };
    expect(unsupportedReasons(onKafka)).toEqual([
      expect.stringMatching(
        /^checker\.isolation: read_uncommitted is not supported by the postgres backend on Kafka/,
      ),
    ]);
    // A zombie is reproduced on Kafka (fencing stops it), still refused on Pravega.
    expect(realFaultKinds('kafka')).toContain('zombie-writer');
    expect(REAL_FAULT_KINDS).not.toContain('zombie-writer');
    expect(realFaultKinds('kafka')).not.toContain('commit-rejected');
    expect(realFaultKinds('kafka')).not.toContain('controller-outage');
  });

  it('draws Kafka schedules alike, of the faults it reproduces on Kafka', () => {
    const kafka = Array.from({ length: 300 }, (_, i) =>
      randomRealScenario(i + 1, realFaultKinds('kafka'), 'kafka'),
    );
    for (const s of kafka) {
      expect(s.system).toBe('kafka');
      expect(unsupportedReasons(s)).toEqual([]);
    }
    const kinds = new Set(kafka.flatMap((s) => s.faults.map((f) => f.kind)));
    expect([...kinds].sort()).toEqual([...realFaultKinds('kafka')].sort());
  });

  it('draws the same schedule from the same seed', () => {
    expect(randomRealScenario(17)).toEqual(randomRealScenario(17));
    expect(randomRealScenario(17)).not.toEqual(randomRealScenario(18));
  });

  it('draws only what the backend runs, short enough to run for real', () => {
    for (const s of drawn) {
      expect(unsupportedReasons(s)).toEqual([]);
      expect(s.numEvents).toBeLessThanOrEqual(300);
      expect(s.restart.attempts).toBeGreaterThan(s.faults.length);
      expect(
        randomRealScenario(1, ['mapper-exception']).faults.every((f) => f.kind === 'mapper-exception'),
      ).toBe(true);
      for (const f of s.faults)
        if ('durationMs' in f) expect(f.durationMs).toBeLessThan(s.restart.heartbeatTimeoutMs);
    }
  });

  it('draws every fault kind the backend reproduces, every mode, and deterministic schedules with faults', () => {
    const kinds = new Set(drawn.flatMap((s) => s.faults.map((f) => f.kind)));
    expect([...kinds].sort()).toEqual([...REAL_FAULT_KINDS].sort());
    const onlyMapper = drawn.map((_, i) => randomRealScenario(i + 1, ['mapper-exception']));
    expect(onlyMapper.flatMap((s) => s.faults).every((f) => f.kind === 'mapper-exception')).toBe(true);
    expect(new Set(drawn.map((s) => s.mode)).size).toBe(3);
    const deterministic = drawn.filter((s) => s.faults.length > 0 && timingDecides(s) === null);
    expect(deterministic.length).toBeGreaterThan(drawn.length / 20);
  });
});

describe('agreementOf', () => {
  const asReal = (report: Report, change: Partial<Report> = {}): PostgresReport => ({
    ...report,
    ...change,
    backend: 'postgres',
    server: { version: 'PostgreSQL 18', kind: 'embedded' },
    runId: 'test',
    attempts: [],
  });
  const verification = (scenario: Scenario, change: Partial<Report> = {}) => {
    const model = new Simulation(scenario).runToEnd();
    const postgres = asReal(model, change);
    const timing = timingDecides(scenario);
    return {
      scenario,
      timingDecides: timing,
      model,
      postgres,
      ...compareReports(model, postgres, timing === null),
    };
  };
  const seed = presetScenario('seed', 'ATLEAST_ONCE')!;
  const atTime: Scenario = { ...seed, faults: [{ kind: 'mapper-exception', atMs: 150 }] };

  it('agree: the same values', () => {
    expect(agreementOf(verification(seed))).toBe('agree');
  });

  it('timing: other values, or even another outcome class, where timing decides', () => {
    expect(agreementOf(verification(atTime, { duplicates: [30] }))).toBe('timing');
    expect(
      agreementOf(
        verification(atTime, {
          counts: { ...verification(atTime).model.counts, duplicates: 0 },
          duplicates: [],
        }),
      ),
    ).toBe('timing');
  });

  it('differ: other values on a deterministic schedule', () => {
    expect(agreementOf(verification(seed, { duplicates: [17, 18] }))).toBe('differ');
  });
});

function eolab(args: string[], server: PostgresServer) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [EOLAB, ...args], {
      cwd: ROOT,
      env: { ...process.env, EOLAB_POSTGRES_URL: server.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('eolab verify --schedules', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('prints an agreement table and a summary', async () => {
    const { code, stdout, stderr } = await eolab(['verify', '--schedules', '3', '--seed', '40'], server);
    expect(stdout).toMatch(/^#\s+seed\s+mode\s+events\s+faults\s+model\s+postgres\s+agreement\n/);
    expect(stdout).toMatch(/\n0\s+40\s+/);
    expect(stdout).toMatch(
      /verify: 3 schedules: \d agree value for value, \d differ only where timing decides \(\d of them in outcome class\), 0 differ otherwise\n$/,
    );
    expect(stderr).toContain(
      "no store outages drawn: the server EOLAB_POSTGRES_URL names is not eolab's to stop",
    );
    expect(code).toBe(0);
  });

  it('--system kafka draws and runs Kafka schedules: the agreement table on Kafka', async () => {
    const { code, stdout, stderr } = await eolab(
      ['verify', '--schedules', '4', '--seed', '1', '--system', 'kafka', '--json'],
      server,
    );
    expect(stderr).toContain('verify: 4 random schedules (Kafka) from seed=1');
    const result = JSON.parse(stdout);
    expect(result.counts.differ).toBe(0);
    expect(result.counts.agree + result.counts.timing).toBe(4);
    expect(result.schedules.map((s: { scenario: { system: string } }) => s.scenario.system)).toEqual([
      'kafka',
      'kafka',
      'kafka',
      'kafka',
    ]);
    expect(code).toBe(0);
  });

  it('--json prints JSON alone on stdout', async () => {
    const { code, stdout, stderr } = await eolab(
      ['verify', '--schedules', '2', '--seed', '40', '--json'],
      server,
    );
    const result = JSON.parse(stdout);
    expect(result.counts.agree + result.counts.timing).toBe(2);
    expect(result.counts.differ).toBe(0);
    expect(result.schedules.map((s: { seed: number }) => s.seed)).toEqual([40, 41]);
    expect(result.schedules[0].model.verdict).toMatch(/^[A-Z_]+$/);
    expect(stderr).toContain('verify: 2 schedules: ');
    expect(code).toBe(0);
  });

  it('verify --preset --json prints JSON alone on stdout too', async () => {
    const { code, stdout } = await eolab(
      ['verify', '--preset', 'seed', '--mode', 'EXACTLY_ONCE', '--json'],
      server,
    );
    expect(JSON.parse(stdout)).toHaveLength(1);
    expect(code).toBe(0);
  });

  it('exits 2 naming the flag on --schedules with a scenario, or --seed alone', async () => {
    const both = await eolab(['verify', '--schedules', '2', '--preset', 'seed'], server);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--schedules draws its own schedules');
    const seedAlone = await eolab(['verify', '--seed', '3'], server);
    expect(seedAlone.code).toBe(2);
    expect(seedAlone.stderr).toContain('--seed: only with --schedules N');
  });
});
