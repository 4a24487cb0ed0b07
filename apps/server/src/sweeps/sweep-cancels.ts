import { type SweepSummary, sweepIdSchema } from '@eolab/protocol';
import { z } from 'zod';
import type { IoServer } from '../http/sockets';
import type { SweepManager } from './sweep-manager';

/**
 * A cancel that reaches a server other than the one running the sweep (its link was opened there)
 * goes to the others through the cluster's adapter, as run commands do (cluster/cluster.ts): each
 * answers, and the one running the sweep cancels it. Only with EOLAB_REDIS_URL: without it the
 * servers share no channel.
 */
const EVENT = 'cluster:sweep-cancel';

const requestSchema = z.strictObject({ sweepId: sweepIdSchema });

/** A server's answer: `here: false` from every server that does not run the sweep. */
type Answer = { here: false } | { here: true; summary: SweepSummary };

export function shareSweepCancels(io: IoServer, sweeps: SweepManager): void {
  io.on(EVENT, (message: unknown, reply: unknown) => {
    if (typeof reply !== 'function') return;
    const parsed = requestSchema.safeParse(message);
    const summary = parsed.success ? sweeps.cancelHere(parsed.data.sweepId) : null;
    (reply as (answer: Answer) => void)(summary === null ? { here: false } : { here: true, summary });
  });
  sweeps.cancelOtherServersWith(async (sweepId) => {
    const answers = await new Promise<Answer[]>((resolve) => {
      // The adapter waits for every server it knows of (5 s at most); the answers that came count.
      io.serverSideEmit(EVENT, { sweepId }, (_late: Error | null, got: Answer[]) =>
        resolve(Array.isArray(got) ? got : []),
      );
    });
    const owner = answers.find((a): a is Extract<Answer, { here: true }> => a?.here === true);
    return owner?.summary ?? null;
  });
}
