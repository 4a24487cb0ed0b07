import {
  FAULT_DESCRIPTIONS,
  FAULT_KINDS,
  PRESETS,
  parseScenario,
  presetScenario,
  VERDICTS,
  WRITER_MODES,
} from '@eolab/engine';
import { createRunSchema, PROTOCOL_VERSION, runIdSchema } from '@eolab/protocol';
import { type Request, Router } from 'express';
import { z } from 'zod';
import { parseOr400 } from './errors';
import { RunError } from './live-run';
import type { RunManager } from './run-manager';
import { scenarioOf } from './scenario-source';

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  mode: z.enum(WRITER_MODES).optional(),
  verdict: z.enum(VERDICTS).optional(),
});

const replayBody = z.strictObject({
  mode: z.enum(WRITER_MODES),
  speed: z.enum(['1x', '10x', '100x', 'max']).optional(),
});

/** An exported run: one JSON document that reproduces it (its scenario carries the whole fault timeline). */
export const EXPORT_FORMAT = 'eolab-run';
const importBody = z.object({
  format: z.literal(EXPORT_FORMAT, { error: `format: expected '${EXPORT_FORMAT}'` }),
  version: z.literal(1),
  name: z.string().max(200).optional(),
  scenario: z.unknown(),
  report: z.unknown().optional(),
});

export function apiRoutes(manager: RunManager, started: number): Router {
  const api = Router();
  const id = (req: Request) => parseOr400(runIdSchema, req.params.id);

  api.get('/health', (_req, res) => {
    const memory = process.memoryUsage();
    res.json({
      ok: true,
      protocolVersion: PROTOCOL_VERSION,
      uptimeS: Math.round((Date.now() - started) / 1000),
      cpu: process.cpuUsage(),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
    });
  });

  api.get('/presets', (_req, res) => {
    res.json({ presets: PRESETS.map((p) => ({ ...p, scenario: presetScenario(p.id) })) });
  });

  api.get('/faults', (_req, res) => {
    res.json({ faults: FAULT_KINDS.map((kind) => ({ kind, description: FAULT_DESCRIPTIONS[kind] })) });
  });

  api.get('/runs', (req, res) => {
    const q = parseOr400(listQuery, req.query);
    res.json(manager.list(q));
  });

  api.post('/runs', (req, res) => {
    const body = parseOr400(createRunSchema, req.body ?? {});
    const run = manager.create(scenarioOf(body), {
      name: body.name,
      speed: body.speed,
      start: body.start,
      replayOf: body.replayOf,
    });
    res.status(201).json({ runId: run.id, run });
  });

  api.get('/runs/:id', (req, res) => {
    const snapshot = manager.snapshot(id(req));
    res.json(snapshot);
  });

  api.delete('/runs/:id', (req, res) => {
    manager.delete(id(req));
    res.status(204).end();
  });

  api.get('/runs/:id/export', (req, res) => {
    const stored = manager.stored(id(req));
    res.setHeader('Content-Disposition', `attachment; filename="eolab-run-${stored.summary.id}.json"`);
    res.json({
      format: EXPORT_FORMAT,
      version: 1,
      exportedAt: new Date().toISOString(),
      name: stored.summary.name,
      scenario: { ...stored.scenario, faults: stored.faultTimeline },
      report: stored.report,
    });
  });

  api.post('/runs/import', (req, res) => {
    const body = parseOr400(importBody, req.body ?? {});
    const parsed = parseScenario(body.scenario);
    if (!parsed.ok) throw new RunError(400, parsed.errors.map((e) => `scenario.${e}`).join('; '));
    const run = manager.create(parsed.value, {
      name: body.name ?? `${parsed.value.name} (imported)`,
      speed: 'max',
    });
    res.status(201).json({ runId: run.id, run });
  });

  api.post('/runs/:id/replay', (req, res) => {
    const original = manager.stored(id(req));
    const body = parseOr400(replayBody, req.body ?? {});
    const scenario = { ...original.scenario, mode: body.mode, faults: original.faultTimeline };
    const run = manager.create(scenario, {
      name: `${original.summary.name} · ${body.mode}`,
      speed: body.speed ?? 'max',
      replayOf: original.summary.id,
    });
    res.status(201).json({ runId: run.id, run });
  });

  return api;
}
