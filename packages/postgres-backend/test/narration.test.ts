import { narrate, parseScenario, type Scenario, type SimEvent } from '@eolab/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresServer, runOnPostgres, startPostgres } from '../src/index';

/**
 * A real run is told like a simulated one: the faults a person clicks into it (a store outage, a
 * job pause) are events of their own when they take effect and when they end, and the sinks'
 * reconnects and resends are told too. Times are milliseconds of the run, never virtual time.
 */
let server: PostgresServer;

beforeAll(async () => {
  server = await startPostgres();
});

afterAll(async () => {
  await server?.stop();
});

function seedWith(faults: unknown[], extra: Record<string, unknown> = {}): Scenario {
  const result = parseScenario({
    version: 1,
    name: 'narrated',
    seed: 1,
    mode: 'EXACTLY_ONCE',
    numEvents: 50,
    ...extra,
    faults,
  });
  if (!result.ok) throw new Error(result.errors.join('; '));
  return result.value;
}

async function story(scenario: Scenario): Promise<string[]> {
  const events: SimEvent[] = [];
  await runOnPostgres(scenario, { server, onEvent: (e) => events.push(e) });
  return narrate(events, { mode: scenario.mode, parallelism: scenario.sink.parallelism, realTime: true }).map(
    (s) => s.text,
  );
}

describe('a real run is narrated like a simulated one', () => {
  it('a store outage: when it took effect, the sinks reconnecting and resending, and when it ended', async () => {
    const texts = await story(
      seedWith([{ kind: 'store-outage', atMs: 105, durationMs: 1_000 }], {
        sink: { writerRetry: { attempts: 20, initialBackoffMs: 10, backoffMultiple: 2, maxBackoffMs: 500 } },
      }),
    );
    expect(texts).toContainEqual(
      'Fault: the segment store answers nothing for 1,000 ms: writers retry and resend, so acknowledgements, flushes and visibility wait.',
    );
    expect(texts).toContainEqual(
      expect.stringMatching(
        /^Sink \d cannot reconnect to the segment store: the segment-store does not answer/,
      ),
    );
    expect(texts).toContainEqual(
      expect.stringMatching(
        /^Sink \d got through to reconnect to the segment store at attempt \d+, [\d,]+ ms after the first/,
      ),
    );
    expect(texts).toContain(
      'The store outage is over: the writers reconnect and resend what was not acknowledged.',
    );
    expect(texts.join('\n')).not.toMatch(/virtual/);
  });

  it('a job pause: when the job froze and when it went on', async () => {
    const texts = await story(
      seedWith([{ kind: 'job-pause', atMs: 800, durationMs: 600 }], { checkpoint: { intervalMs: 500 } }),
    );
    expect(texts).toContain('Fault: the whole job freezes for 600 ms: no processing, no lease pings.');
    expect(texts).toContain('The job pause is over: the tasks run again.');
  });
});
