import {
  FAULT_KINDS,
  faultSummary,
  PRESETS,
  parseScenario,
  presetScenario,
  RUN_ENDINGS,
  VERDICTS,
  WRITER_MODES,
} from '@eolab/engine';
import {
  BACKENDS,
  type CheckpointDetail,
  type ClusterStatus,
  type CreatedRun,
  checkpointParamSchema,
  checkpointsQuerySchema,
  type ExportedRun,
  type HealthResponse,
  importRunSchema,
  messagesQuerySchema,
  type NarrationPage,
  narrationQuery,
  PROTOCOL_VERSION,
  RUN_SORTS,
  type RunsPage,
  replaySchema,
  runIdSchema,
  stripQuerySchema,
  transactionsQuerySchema,
  type ValueLifeResponse,
  type ValueStripResponse,
  valueParamSchema,
} from '@eolab/protocol';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { localCommands, type RunCommands } from '../cluster/run-commands';
import { RunError } from '../runs/run-error';
import type { RunManager } from '../runs/run-manager';
import { ValueTracing } from '../runs/values/value-tracing';
import { createRun } from './create-run';
import { parseOr400 } from './errors';
import { addressOf, type RateLimits } from './rate-limits';

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
  mode: z.enum(WRITER_MODES).optional(),
  verdict: z.enum(VERDICTS).optional(),
  ending: z.enum(RUN_ENDINGS).optional(),
  backend: z.enum(BACKENDS).optional(),
  sort: z.enum(RUN_SORTS).default('newest'),
});

/** Figures about the process that `/api/health` reports beside liveness. */
export interface HealthSources {
  startedAtMs: number;
  sockets: () => number;
  deltaSendCpuUs: () => number;
  /** The server's part in a cluster (null: alone). */
  cluster: () => Promise<ClusterStatus | null>;
}

/** The REST API, mounted under /api. Every body and parameter is parsed before use. */
export function apiRoutes(
  manager: RunManager,
  health: HealthSources,
  rates: RateLimits,
  // In a cluster, a live run's snapshot comes from the server that runs it.
  runs: RunCommands = localCommands(manager),
): Router {
  const api = Router();
  const id = (req: Request) => parseOr400(runIdSchema, req.params.id);
  const created = (res: Response, body: CreatedRun) => res.status(201).json(body);

  api.get('/health', async (_req, res) => {
    const cluster = await health.cluster();
    const memory = process.memoryUsage();
    res.json({
      ok: true,
      protocolVersion: PROTOCOL_VERSION,
      uptimeS: Math.round((Date.now() - health.startedAtMs) / 1000),
      cpu: process.cpuUsage(),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      activeRuns: manager.activeCount,
      sockets: health.sockets(),
      deltaSendCpuUs: health.deltaSendCpuUs(),
      store: manager.storeHealth.status(manager.unsavedCount),
      postgres: manager.real.health(),
      cluster,
    } satisfies HealthResponse);
  });

  api.get('/presets', (_req, res) => {
    res.json({ presets: PRESETS.map((p) => ({ ...p, scenario: presetScenario(p.id) })) });
  });

  api.get('/faults', (_req, res) => {
    // The engine's fault catalogue: how each kind is aimed, the stage it acts at, its click duration.
    res.json({ faults: FAULT_KINDS.map(faultSummary) });
  });

  api.get('/runs', (req, res) => {
    res.json(manager.list(parseOr400(listQuery, req.query)) satisfies RunsPage);
  });

  api.post('/runs', async (req, res) => {
    const run = await createRun(manager, rates, req.body ?? {}, addressOf(req));
    created(res, { runId: run.id, run });
  });

  api.get('/runs/:id', async (req, res) => {
    // RunSnapshot, serialised once per change of the run and shared with its socket watchers.
    res.type('json').send((await runs.snapshotJson(id(req))).json);
  });

  api.get('/runs/:id/narration', (req, res) => {
    // A page of the whole run's narration, from sentence `from` (0 = the first), `limit` of them.
    const { from, limit } = parseOr400(narrationQuery, req.query);
    res.json(manager.narration(id(req), from, limit) satisfies NarrationPage);
  });

  api.delete('/runs/:id', (req, res) => {
    manager.delete(id(req));
    res.status(204).end();
  });

  // Every checkpoint and transaction of the run, a page at a time: a browser holds only a window of events.
  // CheckpointsPage and TransactionsPage, serialised once per change of a live run (see LiveRun.pageJson).
  api.get('/runs/:id/checkpoints', (req, res) => {
    const query = parseOr400(checkpointsQuerySchema, req.query);
    res.type('json').send(manager.checkpointsJson(id(req), query).json);
  });

  // One checkpoint, each task's part in it (Flink's per-subtask detail).
  api.get('/runs/:id/checkpoints/:checkpoint', (req, res) => {
    const { checkpoint } = parseOr400(checkpointParamSchema, { checkpoint: req.params.checkpoint });
    res.json(manager.checkpointDetail(id(req), checkpoint) satisfies CheckpointDetail);
  });

  api.get('/runs/:id/messages', (req, res) => {
    const query = parseOr400(messagesQuerySchema, req.query);
    res.type('json').send(manager.messagesJson(id(req), query).json);
  });

  api.get('/runs/:id/transactions', (req, res) => {
    const query = parseOr400(transactionsQuerySchema, req.query);
    res.type('json').send(manager.transactionsJson(id(req), query).json);
  });

  // "Find a value": a model run replayed with the engine's value tracer (runs/values/value-tracing.ts).
  const values = new ValueTracing({
    rowsOf: (runId) => manager.real.rowsOf(runId),
    factsOf: (runId) => manager.factsOf(runId),
  });
  api.get('/runs/:id/values/:value', (req, res) => {
    const runId = id(req);
    const { value } = parseOr400(valueParamSchema, { value: req.params.value });
    res.json(values.life(runId, manager.stored(runId), value) satisfies ValueLifeResponse);
  });

  api.get('/runs/:id/values', (req, res) => {
    const runId = id(req);
    const query = parseOr400(stripQuerySchema, req.query);
    res.json(values.strip(runId, manager.stored(runId), query) satisfies ValueStripResponse);
  });

  api.get('/runs/:id/export', (req, res) => {
    const stored = manager.stored(id(req));
    res.setHeader('Content-Disposition', `attachment; filename="eolab-run-${stored.summary.id}.json"`);
    res.json({
      format: 'eolab-run',
      version: 1,
      exportedAt: new Date().toISOString(),
      name: stored.summary.name,
      // The scenario's faults become the whole timeline, clicked faults included: replaying it is exact.
      scenario: { ...stored.scenario, faults: stored.faultTimeline },
      report: stored.report,
    } satisfies ExportedRun);
  });

  api.post('/runs/import', async (req, res) => {
    const body = parseOr400(importRunSchema, req.body ?? {});
    const parsed = parseScenario(body.scenario);
    if (!parsed.ok) throw new RunError(400, parsed.errors.map((e) => `scenario.${e}`).join('; '));
    await rates.takeRun(addressOf(req));
    const run = manager.create(parsed.value, {
      name: body.name ?? `${parsed.value.name} (imported)`,
      speed: 'max',
      expectedReport: body.report ?? undefined,
    });
    created(res, { runId: run.id, run });
  });

  api.post('/runs/:id/replay', async (req, res) => {
    const original = manager.stored(id(req));
    const body = parseOr400(replaySchema, req.body ?? {});
    await rates.takeRun(addressOf(req));
    const scenario = { ...original.scenario, mode: body.mode, faults: original.faultTimeline };
    const real = body.backend === 'postgres' ? await manager.real.prepare(scenario) : undefined;
    const run = manager.create(scenario, {
      // Named by where it ran when that differs from the original: a real run's model, a model's real run.
      name: `${original.summary.name} · ${body.mode}${real !== undefined ? ' · PostgreSQL' : original.summary.backend === 'postgres' ? ' · model' : ''}`,
      speed: body.speed ?? 'max',
      replayOf: original.summary.id,
      real,
    });
    created(res, { runId: run.id, run });
  });

  return api;
}
