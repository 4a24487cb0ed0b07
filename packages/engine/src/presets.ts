import type { Scenario, ScenarioInput, WriterMode } from './scenario';
import { withDefaults } from './scenario';

export interface Preset {
  id: string;
  title: string;
  description: string;
}

interface PresetDefinition extends Preset {
  build(mode: WriterMode): ScenarioInput;
}

/** The sample's mapper exception for N events: at element N/2 + 1 (26 for N=50). */
function sampleFailure(numEvents: number) {
  return { kind: 'mapper-exception' as const, atElement: Math.floor(numEvents / 2) + 1 };
}

const DEFINITIONS: PresetDefinition[] = [
  {
    id: 'seed',
    title: 'The Pravega sample',
    description:
      'The original exactly-once example: 50 events, a checkpoint every 100 ms, an artificial failure at element 26.',
    build: (mode) => ({
      version: 1,
      name: 'seed',
      seed: 1,
      mode,
      numEvents: 50,
      faults: [sampleFailure(50)],
    }),
  },
  {
    id: 'live-demo',
    title: 'Live demo',
    description:
      '20,000 events, four checkpoints a second, a failure at element 8,000: long enough to watch and to click faults into.',
    build: (mode) => ({
      version: 1,
      name: 'live-demo',
      seed: 7,
      mode,
      numEvents: 20_000,
      source: { throttleUntilPosition: 50 },
      checkpoint: { intervalMs: 250 },
      faults: [{ kind: 'mapper-exception', atElement: 8_000 }],
    }),
  },
  {
    id: 'lease-expiry',
    title: 'Restart slower than the lease',
    description:
      'Checkpoint 3 completes, the job crashes before committing, and the restart takes 2 s while the transaction lease is 1 s: the store aborts the pending transactions and exactly-once loses data.',
    build: (mode) => ({
      version: 1,
      name: 'lease-expiry',
      seed: 3,
      mode,
      numEvents: 1_000,
      source: { throttleUntilPosition: 20 },
      sink: { txnLeaseMs: 1_000 },
      restart: { delayMs: 2_000 },
      faults: [{ kind: 'crash-before-notify', checkpoint: 3 }],
    }),
  },
  {
    id: 'notify-lost',
    title: 'Lost commit notification',
    description:
      "Checkpoint 3's notification never arrives: its transactions wait and commit with checkpoint 4, later but exactly once.",
    build: (mode) => ({
      version: 1,
      name: 'notify-lost',
      seed: 5,
      mode,
      numEvents: 1_000,
      source: { throttleUntilPosition: 20 },
      faults: [{ kind: 'notify-lost', checkpoint: 3 }],
    }),
  },
  {
    id: 'zombie-writer',
    title: 'Zombie writer',
    description:
      'The job fails over while the old attempt keeps writing for 200 ms: duplicates with plain writes, none with transactions.',
    build: (mode) => ({
      version: 1,
      name: 'zombie-writer',
      seed: 9,
      mode,
      numEvents: 1_000,
      source: { throttleUntilPosition: 20 },
      faults: [{ kind: 'zombie-writer', atMs: 500, durationMs: 200 }],
    }),
  },
];

export const PRESETS: Preset[] = DEFINITIONS.map(({ id, title, description }) => ({
  id,
  title,
  description,
}));

/** A preset's complete scenario in the given writer mode (EXACTLY_ONCE unless told), or undefined. */
export function presetScenario(id: string, mode: WriterMode = 'EXACTLY_ONCE'): Scenario | undefined {
  const definition = DEFINITIONS.find((d) => d.id === id);
  if (definition === undefined) return undefined;
  const input = definition.build(mode);
  return withDefaults({ ...input, faults: input.faults ?? [] } as Parameters<typeof withDefaults>[0]);
}
