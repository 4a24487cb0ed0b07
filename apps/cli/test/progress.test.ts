import { describe, expect, it } from 'vitest';
import { sweepProgress } from '../src/progress';

function stream(isTTY: boolean) {
  const out = { text: '', isTTY, columns: 80, write: (s: string) => (out.text += s) };
  return out;
}

describe('sweep progress', () => {
  it('off a terminal, prints a line every twentieth of the way, as before', () => {
    const err = stream(false);
    const progress = sweepProgress(40, err);
    for (let done = 1; done <= 40; done++) progress.update(done);
    progress.finish();
    const lines = err.text.trimEnd().split('\n');
    expect(lines).toHaveLength(20);
    expect(lines[0]).toBe('sweep: 2/40 schedules');
    expect(lines.at(-1)).toBe('sweep: 40/40 schedules');
  });

  it('off a terminal, a chunk that jumps past several steps prints one line', () => {
    const err = stream(false);
    const progress = sweepProgress(1000, err);
    for (const done of [250, 500, 510, 1000]) progress.update(done);
    expect(err.text).toBe(
      'sweep: 250/1000 schedules\nsweep: 500/1000 schedules\nsweep: 1000/1000 schedules\n',
    );
  });

  it('on a terminal, redraws one bar in place and ends its line when done', () => {
    const err = stream(true);
    const progress = sweepProgress(200, err);
    for (let done = 1; done <= 200; done++) progress.update(done);
    progress.finish();
    expect(err.text).not.toContain('sweep: 200/200 schedules\n');
    const frames = err.text.split('\r').filter(Boolean);
    expect(frames).toHaveLength(101); // 0% to 100%, each drawn once
    expect(frames[0]).toMatch(/^sweep \[-+\]\s+0% 1\/200 schedules$/);
    expect(frames.at(-1)).toMatch(/^sweep \[#+\] 100% 200\/200 schedules\n$/);
    expect(Math.max(...frames.map((f) => f.trimEnd().length))).toBeLessThanOrEqual(80);
  });
});
