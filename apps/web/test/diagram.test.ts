import { type ProtocolMessage, ProtocolTracer, presetScenario, Simulation } from '@eolab/engine';
import { describe, expect, it } from 'vitest';
import { laneLabel, messageText, placeInMillisecond, sentenceFinder } from '../src/explain/diagram';

function seedMessages(): ProtocolMessage[] {
  const s = presetScenario('seed', 'EXACTLY_ONCE')!;
  const sim = new Simulation(s);
  const tracer = new ProtocolTracer(s.sink.parallelism);
  const out: ProtocolMessage[] = [];
  sim.on((e) => out.push(...tracer.push(e)));
  sim.runToEnd();
  return out;
}

describe('the protocol diagram’s layout and words', () => {
  const messages = seedMessages();
  const placed = placeInMillisecond(messages);

  it('spreads a millisecond’s messages in the order they happened, each inside its millisecond', () => {
    for (const m of messages) {
      const p = placed.get(m.seq)!;
      expect(Math.floor(p.receivedAt)).toBe(m.receivedMs);
      expect(p.sentAt).toBeLessThanOrEqual(p.receivedAt);
    }
    const at103 = messages.filter((m) => m.receivedMs === 103).map((m) => placed.get(m.seq)!.receivedAt);
    expect(at103.length).toBeGreaterThan(2);
    expect([...at103].sort((a, b) => a - b)).toEqual(at103);
  });

  it('starts an arrow where the message it answers arrived, within the same millisecond', () => {
    const ack = messages.find((m) => m.kind === 'ack' && m.from === 'sink-0·a1' && m.checkpointId === 1)!;
    const preCommit = messages.find((m) => m.seq === ack.answers)!;
    expect(placed.get(ack.seq)!.sentAt).toBe(placed.get(preCommit.seq)!.receivedAt);
  });

  it('says each message in words, and names the sentence of the story it belongs to', () => {
    const commit = messages.find((m) => m.kind === 'commit' && m.checkpointId === 1)!;
    expect(messageText(commit)).toBe('commit cp1·s0 (#1), sink 0 · attempt 1 → Pravega controller, 104 ms');
    expect(laneLabel('store')).toBe('segment store');
    const failure = messages.find((m) => m.kind === 'failure')!;
    const sentence = { t: failure.receivedMs, kind: 'bad' as const, text: 'the job failed' };
    expect(sentenceFinder([{ t: 1, kind: 'info', text: 'before' }, sentence])(failure)).toBe(sentence);
    const summary = { t: 900, kind: 'info' as const, text: 'quiet', summary: { from: 1, to: 3 } };
    expect(sentenceFinder([summary])(commit)).toBe(summary);
  });
});
