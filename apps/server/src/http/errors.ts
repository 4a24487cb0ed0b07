import { formatZodError } from '@eolab/engine';
import Database from 'better-sqlite3';
import type { z } from 'zod';
import { RunError } from '../runs/run-error';
import { causeOf } from '../startup-error';

/** Parses untrusted input with a schema, or throws a 400 whose message names each bad field. */
export function parseOr400<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new RunError(400, formatZodError(parsed.error).join('; '));
  return parsed.data;
}

/** The status and message to answer a failed request with; unexpected errors are a 500. */
export function describeError(error: unknown): { status: number; message: string } {
  if (error instanceof RunError) return { status: error.status, message: error.message };
  const e = error as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.too.large') return { status: 413, message: '(body): request body too large' };
  if (e?.type === 'entity.parse.failed') return { status: 400, message: '(body): not valid JSON' };
  if (error instanceof Database.SqliteError) {
    return { status: 503, message: `the run store cannot be read right now (${causeOf(error)})` };
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return { status: e.status, message: e.message ?? 'bad request' };
  }
  return { status: 500, message: 'internal error' };
}
