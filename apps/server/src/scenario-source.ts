import { PRESETS, parseScenario, presetScenario, type Scenario } from '@eolab/engine';
import type { CreateRunRequest } from '@eolab/protocol';
import { RunError } from './run-error';

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
