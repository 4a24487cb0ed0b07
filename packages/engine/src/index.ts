export * from './events';
export * from './explain/log-lines';
export * from './explain/narrate';
export { valuesPhrase } from './explain/narration-phrases';
export * from './explain/protocol-messages';
export { msRangeText, msText } from './explain/time-text';
export { END_MARKER, exhaustive, START_MARKER } from './kernel/context';
export * from './kernel/histogram';
export * from './kernel/prng';
export type { ValueTracer } from './kernel/value-tracer';
export {
  CHECKER_ENDS,
  CHECKER_STARTS,
  checkStream,
  FOUND_DUPLICATES,
  NO_DUPLICATE,
  type StreamCheck,
  type StreamRead,
} from './model/checker';
export { HeartbeatMonitor, heartbeatTimedOut } from './model/heartbeat';
export * from './model/names';
export { attemptOffsetsMs } from './model/retry';
export * from './model/source';
export * from './run/causes';
export * from './run/metrics';
export * from './run/model-vs-real';
export * from './run/report';
export * from './run/schedules';
export * from './run/shrink';
export * from './run/simulation';
export * from './run/sweep';
export * from './run/value-strip';
export * from './run/value-trace';
export * from './scenario/defaults';
export * from './scenario/knobs';
export * from './scenario/parse';
export * from './scenario/preflight';
export * from './scenario/presets';
export * from './scenario/schema';
export { MINIMAL_CHECKPOINT_TIME_MS } from './scenario/units';
