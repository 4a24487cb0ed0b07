import type { WriterMode } from '@eolab/engine';
import type { BackendKind, CreatedRun, NarrationPage, RunSnapshot, RunsPage, Speed } from '@eolab/protocol';

/**
 * The REST half of the typed client (the socket half is `socket.ts`): one function per call the
 * dashboard makes, its answer typed by the protocol, a refusal turned into an Error carrying the
 * server's reason. The token, when the server needs one, rides in its HttpOnly cookie.
 */

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`/api${path}`, init);
  const body = (await response.json().catch(() => ({}))) as T & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}

const post = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

export function listRuns(query: { limit: number; mode?: string; verdict?: string }): Promise<RunsPage> {
  const params = new URLSearchParams({ limit: String(query.limit) });
  if (query.mode) params.set('mode', query.mode);
  if (query.verdict) params.set('verdict', query.verdict);
  return call<RunsPage>(`/runs?${params}`);
}

export function getRun(runId: string): Promise<RunSnapshot> {
  return call<RunSnapshot>(`/runs/${encodeURIComponent(runId)}`);
}

export function deleteRun(runId: string): Promise<unknown> {
  return call(`/runs/${encodeURIComponent(runId)}`, { method: 'DELETE' });
}

/** Imports an exported run (the file's text as it is); answers the new run's id. */
export function importRun(exported: string): Promise<CreatedRun> {
  return call<CreatedRun>('/runs/import', post(exported));
}

/** Replays a run's exact fault timeline in another writer mode, or on another backend. */
export function replayRun(
  runId: string,
  mode: WriterMode,
  speed: Speed,
  backend: BackendKind = 'simulated',
): Promise<CreatedRun> {
  return call<CreatedRun>(`/runs/${encodeURIComponent(runId)}/replay`, post({ mode, speed, backend }));
}

/** A page of a run's whole narration: `limit` told sentences from number `from`. */
export function getNarration(runId: string, from: number, limit: number): Promise<NarrationPage> {
  return call<NarrationPage>(`/runs/${encodeURIComponent(runId)}/narration?from=${from}&limit=${limit}`);
}
