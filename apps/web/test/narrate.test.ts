import { describe, expect, it } from 'vitest';
import { narrate } from '../src/explain/narrate';
import { runPreset } from './sim';

const texts = (mode: 'ATLEAST_ONCE' | 'EXACTLY_ONCE') => {
  const { events } = runPreset('seed', mode);
  return narrate(events, mode).map((s) => s.text);
};

describe('narration of the seed', () => {
  it('tells the at-least-once story: checkpoint at 16, failure at element 26, values 17-24 written twice', () => {
    const story = texts('ATLEAST_ONCE');
    expect(story).toContain('Checkpoint 1 completed at position 16 (3 ms after its trigger).');
    expect(story).toContainEqual(
      expect.stringMatching(
        /^The mapper throws at element 26 \(value 25\); the job fails over\. Values 17–24 were already visible; a restore writes them again\.$/,
      ),
    );
    expect(story).toContain('Restored from checkpoint 1 at position 16: the source resumes at 17.');
    expect(story).toContainEqual(expect.stringMatching(/^Checker: 8 values read a second time \(17, 18/));
  });

  it('names transactions cpK·sN, the open ones after the checkpoint they waited for', () => {
    const story = texts('EXACTLY_ONCE');
    expect(story).toContain('Transactions cp1·s0 and cp1·s1 committed: values 1–16 are now visible.');
    expect(story).toContainEqual(
      expect.stringMatching(/^Transaction cp2·s0 aborted as the failed task closed/),
    );
    expect(story).toContainEqual(
      expect.stringMatching(/^Transaction cp2·s1 aborted as the failed task closed/),
    );
    expect(story).toContainEqual(expect.stringMatching(/Values 17–24 sat in open transactions/));
    // Nothing promises visibility the job may never deliver.
    expect(story.join('\n')).not.toMatch(/become visible once/);
  });

  it('tells commits made on recovery as recovery (crash-before-notify)', () => {
    const { events } = runPreset('lease-expiry', 'EXACTLY_ONCE', {
      restart: { attempts: 1, delayMs: 100, heartbeatTimeoutMs: 50_000 },
    });
    const story = narrate(events, 'EXACTLY_ONCE').map((s) => s.text);
    expect(story).toContainEqual(
      expect.stringMatching(/^Transactions cp3·s0 and cp3·s1 committed on recovery/),
    );
  });

  it('tells a burst of failovers in one millisecond once', () => {
    const { events } = runPreset('seed', 'ATLEAST_ONCE');
    const failed = events.find((e) => e.kind === 'task-failed')!;
    const burst = [
      ...events.slice(0, events.indexOf(failed) + 1),
      ...Array.from({ length: 19 }, () => failed),
    ];
    const story = narrate(burst, 'ATLEAST_ONCE').map((s) => s.text);
    expect(story.filter((s) => s.includes('failover'))).toEqual([
      '20 failovers in the same millisecond; the last: The mapper throws at element 26 (value 25).',
    ]);
  });

  it('puts every sentence at the virtual time of its event, in order', () => {
    const { events } = runPreset('seed', 'EXACTLY_ONCE');
    const sentences = narrate(events, 'EXACTLY_ONCE');
    const times = new Set(events.map((e) => e.t));
    for (const s of sentences) expect(times.has(s.t)).toBe(true);
    expect(sentences.map((s) => s.t)).toEqual([...sentences.map((s) => s.t)].sort((a, b) => a - b));
  });
});
