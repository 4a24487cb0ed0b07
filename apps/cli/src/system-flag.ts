import { type Scenario, SYSTEMS, type System, withSystem } from '@eolab/engine';
import { UsageError } from './args';

export const SYSTEM_HELP = `runs it on ${SYSTEMS.join(' or ')} (what it sets is kept; what it leaves out takes that system's defaults)`;

/** The scenario on the system `--system` names (unchanged without the flag). */
export function onSystem(scenario: Scenario, flag: string | undefined): Scenario {
  const system = parseSystem(flag);
  if (system === undefined) return scenario;
  const moved = withSystem(scenario, system);
  if (!moved.ok)
    throw new UsageError(
      `--system ${system}: the scenario cannot run there:\n  ${moved.errors.join('\n  ')}`,
    );
  return moved.value;
}

/** The system `--system` names, or undefined without the flag. */
export function parseSystem(flag: string | undefined): System | undefined {
  if (flag === undefined) return undefined;
  const system = SYSTEMS.find((s) => s === flag.toLowerCase());
  if (system === undefined)
    throw new UsageError(`--system: expected one of ${SYSTEMS.join(', ')}, got '${flag}'`);
  return system;
}
