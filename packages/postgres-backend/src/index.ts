export type { CheckResult, ReadRow } from './checker';
export type { AttemptFact, JobResult } from './coordinator';
export { unsupportedReasons, whyUnsupported } from './faults';
export type { PostgresReport } from './report';
export { type JobControl, type RunOptions, runOnPostgres, UnsupportedScenarioError } from './run';
export {
  type PostgresServer,
  PostgresUnavailableError,
  type ServerCondition,
  type StartOptions,
  startPostgres,
} from './server';
export { type Verification, verifyScenario } from './verify';
