import type { LaneKey, MessageKind, ProtocolMessage } from '@eolab/engine';
import { z } from 'zod';

/**
 * A window of a run's protocol messages for the space-time diagram: `GET /api/runs/:id/messages`.
 * The server keeps every message of the run (facts/message-log.ts); the diagram asks for the time
 * window on screen, and a window too dense to read comes back with its routine messages bundled.
 */

/** At most this many messages one by one in a window; the rest are bundles. */
export const MAX_MESSAGES_PER_WINDOW = 2_000;

export const messagesQuerySchema = z.strictObject({
  fromMs: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31),
  toMs: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31),
  /** How many messages it may list one by one before it bundles the routine ones. */
  limit: z.coerce.number().int().min(1).max(MAX_MESSAGES_PER_WINDOW).default(400),
});
export type MessagesQuery = z.output<typeof messagesQuerySchema>;

/** Routine messages of one kind between two lanes in one slice of the window, counted, not listed. */
export interface MessageBundle {
  kind: MessageKind;
  from: LaneKey;
  to: LaneKey;
  fromMs: number;
  toMs: number;
  count: number;
}

export interface MessagesPage {
  fromMs: number;
  toMs: number;
  /** Messages that touch the window (sent or received in it, or in flight across it). */
  total: number;
  /** Every lane with a message in the window, and the fixed ones, in the diagram's order. */
  lanes: LaneKey[];
  /** One by one: all of them, or the story ones and the routine ones that fit when it is too dense. */
  messages: ProtocolMessage[];
  /** What was bundled (empty when every message is listed). */
  bundles: MessageBundle[];
  /** False for a run whose record was rebuilt from its stored window of events: early messages may be missing. */
  complete: boolean;
}
