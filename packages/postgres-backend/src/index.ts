export type { CheckResult, ReadRow } from './check/checker';
export { REAL_FAULT_KINDS, randomRealScenario, realFaultKinds } from './check/random-schedules';
export type { PostgresReport } from './check/report';
export { type Verification, verifyScenario } from './check/verify';
export {
  AGREEMENTS,
  type Agreement,
  agreementOf,
  realFaultKindsOn,
  type ScheduleVerification,
  verifySchedules,
} from './check/verify-schedules';
export type { AttemptFact, JobResult } from './coordinator/coordinator';
export { unsupportedReasons, whyUnsupported } from './coordinator/faults';
export {
  type PostgresServer,
  PostgresUnavailableError,
  type ServerCondition,
  type StartOptions,
  startPostgres,
} from './postgres/server';
export { type JobControl, type RunOptions, runOnPostgres, UnsupportedScenarioError } from './run';
