export * from './causes';
export {
  CHECKER_ENDS,
  CHECKER_STARTS,
  checkStream,
  FOUND_DUPLICATES,
  NO_DUPLICATE,
  type StreamCheck,
  type StreamRead,
} from './checker';
export { END_MARKER, START_MARKER } from './context';
export * from './events';
export * from './histogram';
export * from './log-lines';
export * from './metrics';
export * from './model-vs-real';
export * from './names';
export * from './narrate';
export { valuesPhrase } from './narration-phrases';
export * from './preflight';
export * from './presets';
export * from './prng';
export * from './report';
export { attemptOffsetsMs } from './retry';
export * from './sample-source';
export * from './scenario';
export * from './simulation';
export * from './sweep';
