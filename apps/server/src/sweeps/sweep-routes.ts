import {
  FAULT_KINDS,
  kindsOn,
  PRESETS,
  parseScenario,
  presetScenario,
  type Scenario,
  withSystem,
} from '@eolab/engine';
import {
  type CreateSweepRequest,
  createSweepSchema,
  type StoredSweepSpec,
  type SweepDetail,
  type SweepSummary,
  type SweepsPage,
  sweepIdSchema,
} from '@eolab/protocol';
import { type Request, Router } from 'express';
import { parseOr400 } from '../http/errors';
import { addressOf, type RateLimits } from '../http/rate-limits';
import { RunError } from '../runs/run-error';
import type { RunManager } from '../runs/run-manager';
import type { SweepManager } from './sweep-manager';

/** A schedule of a server sweep runs this many events at most: 20,000 schedules x 3 modes of them. */
export const MAX_SWEEP_BASE_EVENTS = 20_000;

/** `/api/sweeps`: start, list, read and cancel sweeps. Every body and parameter is parsed first. */
export function sweepRoutes(sweeps: SweepManager, runs: RunManager, rates: RateLimits): Router {
  const api = Router();
  const id = (req: Request) => parseOr400(sweepIdSchema, req.params.id);

  api.post('/sweeps', async (req, res) => {
    const request = parseOr400(createSweepSchema, req.body ?? {});
    const spec = specOf(request, runs);
    await rates.takeRun(addressOf(req));
    // On PostgreSQL: up (503 saying why not) and no real run going on (409).
    const real =
      spec.backend === 'postgres'
        ? { backend: runs.real, prepared: await runs.real.prepareSweep() }
        : undefined;
    res.status(201).json((await sweeps.start(spec, real)) satisfies SweepSummary);
  });

  api.get('/sweeps', async (_req, res) => {
    res.json({ sweeps: await sweeps.list() } satisfies SweepsPage);
  });

  api.get('/sweeps/:id', async (req, res) => {
    res.json((await sweeps.get(id(req))) satisfies SweepDetail);
  });

  api.post('/sweeps/:id/cancel', async (req, res) => {
    res.json((await sweeps.cancel(id(req))) satisfies SweepSummary);
  });

  return api;
}

/** The request with its base resolved to a scenario and every default filled in. */
export function specOf(request: CreateSweepRequest, runs: RunManager): StoredSweepSpec {
  if (request.backend === 'postgres')
    return {
      schedules: request.schedules,
      seed: request.seed ?? 1,
      base: null,
      baseLabel:
        request.system === 'kafka'
          ? 'random Kafka schedules of the faults PostgreSQL reproduces (as eolab verify --schedules --system kafka)'
          : 'random schedules of the faults PostgreSQL reproduces (as eolab verify --schedules)',
      kinds: [],
      maxFaults: 3,
      backend: 'postgres',
      ...(request.system === 'kafka' ? { system: 'kafka' as const } : {}),
    };
  const { base, label } = onSystem(baseOf(request, runs), request.system);
  if (base !== null && base.numEvents > MAX_SWEEP_BASE_EVENTS)
    throw new RunError(
      400,
      `base: numEvents: at most ${MAX_SWEEP_BASE_EVENTS} events per schedule in a sweep on the server (this one has ${base.numEvents})`,
    );
  const system = base?.system ?? request.system ?? 'pravega';
  const kinds = [
    ...kindsOn(
      system,
      FAULT_KINDS.filter((k) => request.kinds === undefined || request.kinds.includes(k)),
    ),
  ];
  if (kinds.length === 0)
    throw new RunError(
      400,
      "kinds: Kafka has no commit-rejected (Pravega's TxnFailedException): choose another kind",
    );
  return {
    schedules: request.schedules,
    seed: request.seed ?? 1,
    base,
    baseLabel: label,
    kinds,
    maxFaults: request.maxFaults ?? 4,
    backend: 'simulated',
    ...(base === null && system === 'kafka' ? { system } : {}),
  };
}

/** The base moved to the system the sweep asks for (as `eolab sweep --system`), named in its label. */
function onSystem(
  b: { base: Scenario | null; label: string },
  system: CreateSweepRequest['system'],
): { base: Scenario | null; label: string } {
  if (system === undefined) return b;
  if (b.base === null)
    return system === 'kafka'
      ? { base: null, label: 'random knobs on Kafka (as eolab sweep --system kafka)' }
      : b;
  if (b.base.system === system) return b;
  const moved = withSystem(b.base, system);
  if (!moved.ok) throw new RunError(400, moved.errors.map((e) => `base (on ${system}): ${e}`).join('; '));
  return { base: moved.value, label: `${b.label} on ${system === 'kafka' ? 'Kafka' : 'Pravega'}` };
}

function baseOf(request: CreateSweepRequest, runs: RunManager): { base: Scenario | null; label: string } {
  const base = request.base;
  if (base === undefined) return { base: null, label: 'random knobs (as eolab sweep)' };
  if ('preset' in base) {
    const scenario = presetScenario(base.preset, 'EXACTLY_ONCE');
    if (scenario === undefined)
      throw new RunError(
        400,
        `base.preset: unknown preset '${base.preset}' (expected one of ${PRESETS.map((p) => p.id).join(', ')})`,
      );
    return { base: scenario, label: `preset ${base.preset}` };
  }
  if ('scenario' in base) {
    const parsed = parseScenario(base.scenario);
    if (!parsed.ok) throw new RunError(400, parsed.errors.map((e) => `base.scenario.${e}`).join('; '));
    return { base: parsed.value, label: `scenario ${parsed.value.name}` };
  }
  // A stored run: its scenario with its whole fault timeline, clicked faults included.
  const stored = runs.stored(base.runId);
  return {
    base: { ...stored.scenario, faults: stored.faultTimeline },
    label: `run ${stored.summary.name}`,
  };
}
