import type { WriterMode } from '@eolab/engine';
import type {
  BackendKind,
  CheckpointDetail,
  CheckpointsPage,
  CreatedRun,
  CreateRunRequest,
  CreateSweepRequest,
  MessagesPage,
  NarrationPage,
  RunSnapshot,
  RunSort,
  RunsPage,
  Speed,
  SweepDetail,
  SweepSummary,
  SweepsPage,
  TransactionsPage,
  ValueLifeResponse,
  ValueStripResponse,
} from '@eolab/protocol';

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

/** A page of stored runs; empty filters are left out. */
export function listRuns(query: {
  limit: number;
  mode?: string;
  verdict?: string;
  ending?: string;
  backend?: string;
  sort?: RunSort;
}): Promise<RunsPage> {
  const params = new URLSearchParams({ limit: String(query.limit) });
  for (const key of ['mode', 'verdict', 'ending', 'backend', 'sort'] as const) {
    const value = query[key];
    if (value) params.set(key, value);
  }
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

/** Creates a run of a preset or a whole scenario (started at once unless `start` is false). */
export function createRun(request: CreateRunRequest): Promise<CreatedRun> {
  return call<CreatedRun>('/runs', post(request));
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

/** Query parameters for a page of facts: only those set are sent. */
function factsQuery(query: Record<string, number | string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  return params.toString();
}

/** A page of every checkpoint of a run (the server records them all; the browser holds a window of events). */
export function getCheckpoints(
  runId: string,
  query: { offset: number; limit: number; atMs?: number },
  init?: RequestInit,
): Promise<CheckpointsPage> {
  return call<CheckpointsPage>(`/runs/${encodeURIComponent(runId)}/checkpoints?${factsQuery(query)}`, init);
}

/** One checkpoint of a run, with each task's part in it (barrier, acknowledgement, transaction). */
export function getCheckpointDetail(
  runId: string,
  checkpoint: number,
  init?: RequestInit,
): Promise<CheckpointDetail> {
  return call<CheckpointDetail>(`/runs/${encodeURIComponent(runId)}/checkpoints/${checkpoint}`, init);
}

/** A page of every transaction of a run, filtered by checkpoint, subtask or store id. */
export function getTransactions(
  runId: string,
  query: {
    offset: number;
    limit: number;
    checkpoint?: number;
    subtask?: number;
    txnId?: number;
    atMs?: number;
  },
  init?: RequestInit,
): Promise<TransactionsPage> {
  return call<TransactionsPage>(`/runs/${encodeURIComponent(runId)}/transactions?${factsQuery(query)}`, init);
}

/** A window of a run's protocol messages, for the space-time diagram. */
export function getMessages(
  runId: string,
  query: { fromMs: number; toMs: number; limit: number },
  init?: RequestInit,
): Promise<MessagesPage> {
  return call<MessagesPage>(`/runs/${encodeURIComponent(runId)}/messages?${factsQuery(query)}`, init);
}

/** A page of a run's whole narration: `limit` told sentences from number `from`. */
export function getNarration(runId: string, from: number, limit: number): Promise<NarrationPage> {
  return call<NarrationPage>(`/runs/${encodeURIComponent(runId)}/narration?from=${from}&limit=${limit}`);
}

/** Starts a sweep on the server; answers its summary (its id names it in the address). */
export function startSweep(request: CreateSweepRequest): Promise<SweepSummary> {
  return call<SweepSummary>('/sweeps', post(request));
}

export function getSweep(sweepId: string): Promise<SweepDetail> {
  return call<SweepDetail>(`/sweeps/${encodeURIComponent(sweepId)}`);
}

export function listSweeps(): Promise<SweepsPage> {
  return call<SweepsPage>('/sweeps');
}

export function cancelSweep(sweepId: string): Promise<SweepSummary> {
  return call<SweepSummary>(`/sweeps/${encodeURIComponent(sweepId)}/cancel`, post({}));
}

/** One value's life in a run: its emissions, writes, transactions and reads (the run replayed with a tracer). */
export function getValueLife(runId: string, value: number, init?: RequestInit): Promise<ValueLifeResponse> {
  return call<ValueLifeResponse>(`/runs/${encodeURIComponent(runId)}/values/${value}`, init);
}

/** Values from..to at one moment: each one's state and what each kind of reader sees. */
export function getValueStrip(
  runId: string,
  query: { from: number; to: number; atMs?: number },
  init?: RequestInit,
): Promise<ValueStripResponse> {
  return call<ValueStripResponse>(`/runs/${encodeURIComponent(runId)}/values?${factsQuery(query)}`, init);
}
