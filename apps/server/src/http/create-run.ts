import { PRESETS, parseScenario, presetScenario, type Scenario } from '@eolab/engine';
import { type CreateRunRequest, createRunSchema, type RunSummary } from '@eolab/protocol';
import { RunError } from '../runs/run-error';
import type { RunManager } from '../runs/run-manager';
import { parseOr400 } from './errors';
import type { RateLimits } from './rate-limits';

/**
 * `POST /api/runs` and the socket's `run:create`, one path for both: the request parsed (errors
 * name the field), the scenario it names, the address's creation allowance, a real run's
 * PostgreSQL made ready, then the run.
 */
export async function createRun(
  manager: RunManager,
  rates: RateLimits,
  payload: unknown,
  address: string,
): Promise<RunSummary> {
  const request = parseOr400(createRunSchema, payload);
  const scenario = scenarioOf(request);
  await rates.takeRun(address);
  const real = request.backend === 'postgres' ? await manager.real.prepare(scenario) : undefined;
  return manager.create(scenario, {
    name: request.name,
    speed: request.speed,
    start: request.start,
    replayOf: request.replayOf,
    real,
  });
}

/** The scenario a create request names: a preset (in a mode) or a scenario given in full. */
export function scenarioOf(request: CreateRunRequest): Scenario {
  if (request.preset !== undefined) {
    const scenario = presetScenario(request.preset, request.mode ?? 'EXACTLY_ONCE');
    if (scenario === undefined) {
      throw new RunError(
        400,
        `preset: unknown preset '${request.preset}' (expected one of ${PRESETS.map((p) => p.id).join(', ')})`,
      );
    }
    return scenario;
  }
  const parsed = parseScenario(request.scenario);
  if (!parsed.ok) throw new RunError(400, parsed.errors.map((e) => `scenario.${e}`).join('; '));
  return request.mode === undefined ? parsed.value : { ...parsed.value, mode: request.mode };
}
