import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Fingerprint, fingerprint } from './fingerprint';

const held = JSON.parse(readFileSync(new URL('./fingerprint.json', import.meta.url), 'utf8')) as Fingerprint;

/**
 * The model's outcomes, held: every preset and 120 sweep schedules in every mode give the reports
 * and event logs recorded in fingerprint.json. A refactor keeps them byte-identical; a change
 * meant to alter them rewrites the file (`npm run fingerprint:update -w @eolab/engine`) in the
 * same commit, so the diff shows which runs moved.
 */
describe('the fingerprint of the model', () => {
  const now = fingerprint();
  const moved = (part: keyof Fingerprint) =>
    Object.keys({ ...held[part], ...now[part] }).filter((name) => held[part][name] !== now[part][name]);

  it('every report is the one recorded', () => {
    expect(moved('reports')).toEqual([]);
  });

  it('every event log is the one recorded', () => {
    expect(moved('events')).toEqual([]);
  });
});
