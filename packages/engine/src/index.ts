export * from './events';
export * from './histogram';
export * from './metrics';
export * from './presets';
export * from './prng';
export * from './report';
export * from './scenario';
export * from './simulation';
