import { FAULT_KINDS, parseScenario, presetScenario } from '@eolab/engine';
import { describe, expect, it } from 'vitest';
import { axisMs, movedTo, newFault, placementNotes, placeOf, runLengthMs } from '../src/explain/timeline';

const seed = presetScenario('seed', 'ATLEAST_ONCE')!;

describe('the fault-timeline editor', () => {
  it('adds a valid fault of every kind, inside the run', () => {
    for (const kind of FAULT_KINDS) {
      const fault = newFault(seed, kind);
      expect(parseScenario({ ...seed, faults: [fault] }).ok).toBe(true);
      expect(placeOf(seed, fault).atMs).toBeLessThanOrEqual(runLengthMs(seed));
    }
  });

  it('moves a timed fault to a time, a checkpoint fault to the nearest checkpoint, the mapper to an element', () => {
    expect(movedTo(seed, { kind: 'store-outage', atMs: 10, durationMs: 5 }, 123.4)).toEqual({
      kind: 'store-outage',
      atMs: 123,
      durationMs: 5,
    });
    expect(movedTo(seed, { kind: 'notify-lost', checkpoint: 1 }, 310)).toEqual({
      kind: 'notify-lost',
      checkpoint: 3,
    });
    const mapper = movedTo(
      seed,
      { kind: 'mapper-exception', atElement: 26 },
      placeOf(seed, seed.faults[0]!).atMs,
    );
    expect(mapper).toEqual({ kind: 'mapper-exception', atElement: 26 });
  });

  it('stretches the axis to show a fault beyond the run', () => {
    const late = { ...seed, faults: [{ kind: 'job-pause' as const, atMs: 5_000, durationMs: 1_000 }] };
    expect(axisMs(late)).toBeGreaterThanOrEqual(6_000);
  });

  it('explains a crash before the first checkpoint, a fault after the end, a crash beyond the budget, and a bad field', () => {
    const notes = placementNotes({
      ...seed,
      faults: [
        { kind: 'mapper-exception', atMs: 20 },
        { kind: 'crash-after-precommit', checkpoint: 2 },
        { kind: 'store-outage', atMs: 90_000, durationMs: 0 },
      ],
    });
    expect(notes.join('\n')).toContain('faults[2].durationMs');
    expect(notes).toContain(
      'faults[0] (mapper-exception) is before the first checkpoint (about 100 ms): there is nothing to restore, the job starts again from scratch',
    );
    expect(
      notes.some((n) =>
        n.startsWith('faults[1] (crash-after-precommit) is beyond the restart budget (1 restarts)'),
      ),
    ).toBe(true);
    expect(notes.some((n) => n.startsWith('faults[2] (store-outage) is after the end'))).toBe(true);
    expect(placementNotes(seed)).toEqual([]);
  });
});
